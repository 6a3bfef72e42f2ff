/**
 * The API's one catalogue of errors: every code with its HTTP status. Handlers throw `apiError(code, …)`;
 * only the fastify error handler (error-handler.ts) turns errors into responses. Bodies are always
 * `{ error: CODE, message, details? }`.
 */
export const errorCatalogue = {
  INVALID_REQUEST: 400,
  INVALID_JSON: 400,
  INVALID_WINDOW: 400,
  INVALID_TIME: 400,
  INVALID_RANGE: 400,
  RANGE_TOO_LARGE: 400,
  STEP_TOO_SMALL: 400,
  STEP_TOO_LARGE: 400,
  INVALID_CURSOR: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  SLO_NOT_FOUND: 404,
  ENTITY_NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_RESOURCES: 422,
  NO_HISTORY: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  PROMETHEUS_UNAVAILABLE: 503,
  REDIS_UNAVAILABLE: 503,
  AUTH_UNAVAILABLE: 503,
  OVERLOADED: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof errorCatalogue;

export interface ErrorBody {
  readonly error: ErrorCode;
  readonly message: string;
  readonly details?: unknown;
}

export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = errorCatalogue[code];
  }

  body(): ErrorBody {
    return this.details === undefined ? { error: this.code, message: this.message } : { error: this.code, message: this.message, details: this.details };
  }
}

export function apiError(code: ErrorCode, message: string, details?: unknown): ApiError {
  return new ApiError(code, message, details);
}
