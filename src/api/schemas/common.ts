/** Shared TypeBox pieces of the API's request and response schemas (they feed validation and OpenAPI). */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { errorCatalogue } from '../errors.js';

/**
 * `T | null` as a type list (`type: ['number', 'null']`) rather than `anyOf`: fast-json-stringify
 * serialises a type list directly, while `anyOf` makes it validate every value with ajv (10× slower lists).
 */
export const Nullable = <T extends TSchema>(schema: T) => {
  const type = (schema as { type?: unknown }).type;
  if (typeof type !== 'string') throw new Error('Nullable needs a schema with a single type');
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'] });
};

export const ErrorBody = Type.Object(
  {
    error: Type.Unsafe<string>({ type: 'string', enum: Object.keys(errorCatalogue), description: 'error code (stable)' }),
    message: Type.String({ description: 'what went wrong, for a person' }),
    details: Type.Optional(Type.Unknown({ description: 'e.g. validation issues with field paths' })),
  },
  { additionalProperties: false },
);

/** Error responses every route may give. */
export const errorResponses = { '4xx': ErrorBody, '5xx': ErrorBody } as const;

export const namespacePattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const namePattern = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
export const Namespace = Type.String({ pattern: namespacePattern, maxLength: 63 });
export const Name = Type.String({ pattern: namePattern, maxLength: 253 });

export const SloParams = Type.Object({ namespace: Namespace, name: Name }, { additionalProperties: false });

export const Timestamp = Type.String({ format: 'date-time', description: 'RFC 3339' });

/** Time range query parameters of the time-series routes. */
export const RangeQuery = Type.Object(
  {
    start: Type.Optional(Type.String({ maxLength: 40, description: 'RFC 3339 or Unix seconds (default: end − 24h)' })),
    end: Type.Optional(Type.String({ maxLength: 40, description: 'RFC 3339 or Unix seconds (default: now)' })),
    step: Type.Optional(Type.String({ maxLength: 20, description: 'duration (5m) or seconds; ≥ 15s and ≥ range/11000 (default: range/250)' })),
  },
  { additionalProperties: false },
);

export const SeriesPoint = Type.Object({ t: Type.Number({ description: 'Unix seconds' }), v: Type.Number() }, { additionalProperties: false });
