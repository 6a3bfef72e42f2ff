/** Maps every error to the catalogue's JSON body. Bad input is never a 500; a 500 is a bug and is logged. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { PrometheusQueryError } from '../prometheus/prometheus-reader.js';
import { ApiError, apiError } from './errors.js';

const fastifyCodes: Record<string, () => ApiError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => apiError('PAYLOAD_TOO_LARGE', 'the request body is larger than the limit'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => apiError('UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => apiError('INVALID_JSON', 'the body is empty; send a JSON document'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => apiError('INVALID_REQUEST', 'Content-Length does not match the body'),
  FST_UNDER_PRESSURE: () => apiError('OVERLOADED', 'the server is overloaded; retry shortly'),
};

/** ioredis gives up on a command while Redis is unreachable (or the connection was closed under it). */
function isRedisFailure(e: Error & { code?: string }): boolean {
  return e.name === 'MaxRetriesPerRequestError' || /^Connection is closed|Stream isn't writeable|ECONNREFUSED/.test(e.message ?? '');
}

export function toApiError(error: FastifyError | ApiError | Error): ApiError | undefined {
  if (error instanceof ApiError) return error;
  const e = error as FastifyError;
  if (e.validation) {
    const where = e.validationContext ?? 'request';
    const details = e.validation.map((v) => ({ path: `${where}${v.instancePath.replace(/\//g, '.')}`, message: v.message ?? 'invalid' }));
    const first = details[0];
    return apiError('INVALID_REQUEST', first ? `${first.path}: ${first.message}` : `invalid ${where}`, details);
  }
  if (error instanceof PrometheusQueryError) return apiError('PROMETHEUS_UNAVAILABLE', error.message);
  if (isRedisFailure(e)) return apiError('REDIS_UNAVAILABLE', `Redis is unavailable: ${e.message}`);
  const mapped = e.code ? fastifyCodes[e.code] : undefined;
  if (mapped) return mapped();
  if (e instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return apiError('INVALID_JSON', `the body is not valid JSON: ${e.message}`);
  if (e.statusCode === 503) return apiError('OVERLOADED', e.message || 'the server is overloaded; retry shortly');
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return apiError('INVALID_REQUEST', e.message);
  return undefined;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = toApiError(error);
    if (known) {
      if (known.statusCode >= 500) request.log.warn({ code: known.code, err: error }, known.message);
      void reply.code(known.statusCode).send(known.body());
      return;
    }
    request.log.error({ err: error }, 'unhandled error');
    void reply.code(500).send(apiError('INTERNAL', 'internal error; see the server log').body());
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send(apiError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`).body());
  });
}
