/** An API answer that was not a success, as the console shows it: status, message and request id. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly requestId: string | undefined,
    /** The error body's other fields (e.g. `reason`), for pages that act on them. */
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The error envelope every API error uses: `{ statusCode, error, message, request_id, ... }`. */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = await response.json();
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's HTML page): fall back to the status text.
  }
  const message = typeof body.message === 'string' ? body.message : response.statusText || 'Request failed';
  const requestId =
    typeof body.request_id === 'string'
      ? body.request_id
      : (response.headers.get('x-request-id') ?? undefined);
  return new ApiError(response.status, message, requestId, body);
}

/** Any thrown value as an ApiError (network failures included), for the error view. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(0, `Network error: ${message}`, undefined);
}
