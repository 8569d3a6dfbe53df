/**
 * API errors with the status codes and messages of real Toxiproxy (api.go), serialised
 * as `{"error": "<message>", "status": <code>}`.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toJSON(): { error: string; status: number } {
    return { error: this.message, status: this.status };
  }

  /** Same status, message prefixed like Go's `joinError(err, wrapper)`. */
  static join(wrapper: ApiError, detail: string): ApiError {
    return new ApiError(`${wrapper.message}: ${detail}`, wrapper.status);
  }
}

export const ApiErrors = {
  badRequestBody: new ApiError('bad request body', 400),
  missingField: new ApiError('missing required field', 400),
  proxyNotFound: new ApiError('proxy not found', 404),
  proxyAlreadyExists: new ApiError('proxy already exists', 409),
  invalidStream: new ApiError('stream was invalid, can be either upstream or downstream', 400),
  invalidToxicType: new ApiError('invalid toxic type', 400),
  toxicAlreadyExists: new ApiError('toxic already exists', 409),
  toxicNotFound: new ApiError('toxic not found', 404),
  notFound: new ApiError('not found', 404),
  methodNotAllowed: new ApiError('method not allowed', 405),
  limitReached: new ApiError('limit reached', 400),
} as const;
