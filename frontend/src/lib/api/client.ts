import createClient, { type Middleware } from 'openapi-fetch';

import { getCsrfToken } from './csrf';
import { toApiError } from './errors';
import type { paths } from './schema';

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Adds X-CSRF-Token to every state-changing request, as the gateway requires with the session cookie. */
export const csrfMiddleware: Middleware = {
  onRequest({ request }) {
    const token = getCsrfToken();
    if (token && UNSAFE_METHODS.has(request.method.toUpperCase())) {
      request.headers.set('X-CSRF-Token', token);
    }
    return request;
  },
};

/** A typed client for the gateway's API; features call it through `unwrap`. */
export const api = createClient<paths>({
  // Absolute, because fetch outside a browser (tests) cannot resolve "/api/...".
  baseUrl: globalThis.location.origin,
  credentials: 'same-origin',
  // Looked up per call, so tests can stub the global fetch.
  fetch: (request) => globalThis.fetch(request),
});
api.use(csrfMiddleware);

type FetchResult = { data?: unknown; error?: unknown; response: Response };

/** The success branch's data of an openapi-fetch result (undefined for 204). */
type SuccessData<R> = R extends { data: infer D; error?: never } ? D : never;

/** Resolves to the response's data, or throws an ApiError for a non-2xx answer. */
export async function unwrap<R extends FetchResult>(request: Promise<R>): Promise<SuccessData<R>> {
  const result = await request;
  if (result.error !== undefined || !result.response.ok) {
    throw toApiError(result.response, result.error);
  }
  return result.data as SuccessData<R>;
}
