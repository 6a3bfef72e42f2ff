/** Schemas of the template, health and preview routes. */
import { Type } from '@sinclair/typebox';
import { Namespace, Nullable, Timestamp } from './common.js';

export const TemplateList = Type.Object(
  {
    items: Type.Array(
      Type.Object(
        {
          namespace: Type.String(),
          name: Type.String(),
          kind: Type.String({ enum: ['availability', 'latency'] }),
          description: Type.String(),
          parameters: Type.Array(
            Type.Object(
              { name: Type.String(), default: Type.Optional(Type.String()), description: Type.Optional(Type.String()), advanced: Type.Boolean() },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const TemplateQuery = Type.Object({ namespace: Type.Optional(Namespace) }, { additionalProperties: false });

export const EntityKind = Type.Unsafe<'service' | 'workload'>({ type: 'string', enum: ['service', 'workload'] });

export const HealthEntity = Type.Object(
  {
    kind: EntityKind,
    namespace: Type.String(),
    name: Type.String(),
    status: Type.String({ enum: ['healthy', 'unhealthy', 'unknown'] }),
    score: Nullable(Type.Number()),
    reasons: Type.Array(Type.String()),
    signals: Type.Record(
      Type.String(),
      Type.Object({ status: Type.String(), score: Nullable(Type.Number()), value: Nullable(Type.Number()) }, { additionalProperties: false }),
    ),
    at: Timestamp,
    fresh: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const HealthList = Type.Object({ items: Type.Array(HealthEntity), total: Type.Integer() }, { additionalProperties: false });

export const HealthQuery = Type.Object(
  {
    kind: Type.Optional(EntityKind),
    namespace: Type.Optional(Namespace),
    status: Type.Optional(Type.String({ enum: ['healthy', 'unhealthy', 'unknown'] })),
  },
  { additionalProperties: false },
);

export const EntityParams = Type.Object({ kind: EntityKind, namespace: Namespace, name: Type.String({ minLength: 1, maxLength: 253, pattern: '^[^/]+$' }) }, { additionalProperties: false });

export const Timeline = Type.Object(
  {
    kind: EntityKind,
    namespace: Type.String(),
    name: Type.String(),
    start: Type.Number(),
    end: Type.Number(),
    step: Type.Number(),
    points: Type.Array(Type.Object({ t: Type.Number(), score: Type.Number() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const PreviewBody = Type.Object(
  {
    resources: Type.Array(
      Type.Object(
        {
          apiVersion: Type.String({ maxLength: 100 }),
          kind: Type.String({ maxLength: 100 }),
          metadata: Type.Object({ name: Type.String({ maxLength: 253 }), namespace: Type.Optional(Type.String({ maxLength: 63 })) }),
          spec: Type.Unknown(),
        },
        { description: 'a ServiceLevelObjective, ServiceLevelIndicatorTemplate or AlertingPolicy in Kubernetes shape' },
      ),
      { minItems: 1, maxItems: 100 },
    ),
    format: Type.Optional(Type.String({ enum: ['rule-file', 'prometheus-rule'], default: 'rule-file' })),
    builtins: Type.Optional(Type.Boolean({ default: true, description: 'add the built-in templates and the workbook policy set' })),
  },
  { additionalProperties: false },
);

export const Issue = Type.Object(
  {
    level: Type.String({ enum: ['error', 'warning'] }),
    kind: Type.String(),
    namespace: Type.String(),
    name: Type.String(),
    path: Type.String(),
    message: Type.String(),
  },
  { additionalProperties: false },
);

export const PreviewResult = Type.Object(
  {
    slos: Type.Array(Type.Object({ namespace: Type.String(), name: Type.String(), rules: Type.Integer() }, { additionalProperties: false })),
    format: Type.String(),
    output: Type.String({ description: 'the rules as Vigil would write them' }),
    warnings: Type.Array(Issue),
  },
  { additionalProperties: false },
);
