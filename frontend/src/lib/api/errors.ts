/** An error answer from the gateway: {"error":{"code","message","field"?}}. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  /** Stable, machine-readable code, e.g. invalid_credentials. */
  readonly code: string;
  /** The request field at fault, for validation errors. */
  readonly field: string | undefined;
  /** Seconds to wait before trying again (429, from Retry-After). */
  readonly retryAfter: number | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    field?: string,
    retryAfter?: number,
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Retry-After as whole seconds: either delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Turns a failed response and its parsed body (JSON, text, or nothing) into
 * an ApiError. Bodies that are not the gateway's error shape (a proxy's HTML
 * page, say) still give an error with a generic message.
 */
export function toApiError(response: Response, body: unknown): ApiError {
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  const inner = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  if (inner && typeof inner.message === 'string') {
    return new ApiError(
      response.status,
      typeof inner.code === 'string' ? inner.code : 'unknown',
      inner.message,
      typeof inner.field === 'string' && inner.field !== '' ? inner.field : undefined,
      retryAfter,
    );
  }
  const message = response.statusText
    ? `The server answered ${response.status} ${response.statusText}.`
    : `The server answered ${response.status}.`;
  return new ApiError(response.status, 'unknown', message, undefined, retryAfter);
}

/** A user-facing sentence for any error a request may throw. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return 'Could not reach the server. Check your connection and try again.';
  return 'Something went wrong. Please try again.';
}

/** The gateway's message when `error` concerns the request field `field`, for showing under that field. */
export function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof ApiError && error.field === field ? error.message : undefined;
}
