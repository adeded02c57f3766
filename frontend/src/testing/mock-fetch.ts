import { vi } from 'vitest';

type Handler = (request: Request) => Response | Promise<Response>;

/** A JSON response, as the gateway sends them. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

/** The gateway's error shape: {"error":{"code","message","field"?}}. */
export function apiError(
  status: number,
  code: string,
  message: string,
  { field, headers }: { field?: string; headers?: Record<string, string> } = {},
): Response {
  return json({ error: { code, message, ...(field ? { field } : {}) } }, status, headers);
}

/**
 * Replaces the global fetch with one that answers from `routes`, keyed
 * "METHOD /path" (no query string). Any other request fails the test.
 * Returns every request made, so tests can look at headers and bodies.
 */
export function mockFetch(routes: Record<string, Handler>) {
  const requests: Request[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    requests.push(request.clone());
    const key = `${request.method} ${new URL(request.url).pathname}`;
    const handler = routes[key];
    if (!handler) {
      throw new Error(`mockFetch: unexpected request ${key}; add it to the routes`);
    }
    return handler(request);
  });
  vi.stubGlobal('fetch', fetch);
  return {
    fetch,
    requests,
    /** The requests made to "METHOD /path". */
    requestsTo: (key: string) =>
      requests.filter((r) => `${r.method} ${new URL(r.url).pathname}` === key),
  };
}

/** A promise to resolve by hand, for holding a request in flight. */
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
