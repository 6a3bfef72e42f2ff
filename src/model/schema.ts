/**
 * The one schema of the three resource kinds. From it come: the TypeScript types of the raw specs, the ajv
 * validator `vigil validate` and the controller use, and the CRD YAML in `crds/` (see crds.ts; a test fails
 * if the committed CRDs drift from what this file generates).
 *
 * CEL rules (`x-kubernetes-validations`) are declared next to the field they guard, each with the
 * TypeScript check that enforces the same rule at run time (see cel-rules.ts), so the API server and
 * `vigil validate` reject the same resources with the same message.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { durationPattern } from './duration.js';
import { celRules } from './cel-rules.js';

export const API_GROUP = 'sre.vigil.dev';
export const API_VERSION = 'v1alpha1';
/** Calisti's group, accepted in Git mode so its users can move over by changing only the group. */
export const CALISTI_GROUP = 'sre.smm.cisco.com';

const dnsLabel = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const dnsSubdomain = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A decimal number such as "99.9" (goal, threshold). */
export const decimalPattern = '^[0-9]+(\\.[0-9]+)?$';

const Name = (description: string) => Type.String({ pattern: dnsSubdomain, maxLength: 253, description });
const Namespace = (description: string) => Type.String({ pattern: dnsLabel, maxLength: 63, description });
const Duration = (description: string) => Type.String({ pattern: durationPattern, maxLength: 32, description });
const Decimal = (description: string) => Type.String({ pattern: decimalPattern, maxLength: 32, description });
const Text = (description: string, maxLength = 4096) => Type.String({ maxLength, description });
/** A string enum printed as `enum` (structural CRDs accept no `const`/`anyOf`). */
const Enum = <T extends string>(values: readonly T[], description: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], description });

const Links = Type.Object(
  {
    runbook: Type.Optional(Type.String({ format: 'uri', maxLength: 2048, description: 'runbook URL added to alerts' })),
    dashboard: Type.Optional(Type.String({ format: 'uri', maxLength: 2048, description: 'dashboard URL added to alerts' })),
  },
  { description: 'links added as alert annotations', additionalProperties: false },
);

export const SliTemplateSpec = Type.Object(
  {
    description: Type.Optional(Text('what the indicator measures, shown to users')),
    kind: Enum(['availability', 'latency'] as const, 'availability (error rate) or latency'),
    goodEvents: Text('Handlebars-templated PromQL giving the rate of good events over {{SLO.Period}}', 16_384),
    totalEvents: Text('Handlebars-templated PromQL giving the rate of all events over {{SLO.Period}}', 16_384),
    parameters: Type.Optional(
      Type.Array(
        Type.Object(
          {
            name: Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$', maxLength: 63, description: 'parameter name, used as {{Params.<name>}}' }),
            default: Type.Optional(Text('value used when the SLO does not set one', 1024)),
            description: Type.Optional(Text('what the parameter means', 1024)),
            advanced: Type.Optional(Type.Boolean({ description: 'hidden from simple forms' })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 32, description: 'parameters an SLO may set' },
      ),
    ),
  },
  { additionalProperties: false },
);
export type SliTemplateSpec = Static<typeof SliTemplateSpec>;

export const SloSpec = Type.Object(
  {
    description: Type.Optional(Text('what the objective promises')),
    selector: Type.Object(
      { name: Name('service name'), namespace: Namespace('service namespace') },
      { additionalProperties: false, description: 'the service this SLO applies to' },
    ),
    sli: Type.Object(
      {
        templateRef: Type.Object(
          {
            name: Name('ServiceLevelIndicatorTemplate name'),
            namespace: Type.Optional(Namespace('template namespace (default: the SLO namespace)')),
          },
          { additionalProperties: false },
        ),
        parameters: Type.Optional(
          Type.Record(Type.String(), Type.String({ maxLength: 1024 }), { maxProperties: 32, description: 'values for the template parameters' }),
        ),
      },
      { additionalProperties: false },
    ),
    slo: Type.Object(
      {
        goal: Decimal('objective in percent, strictly between 0 and 100, e.g. "99.9"'),
        rolling: Type.Optional(
          Type.Object({ length: Duration('rolling period, e.g. 30d or 720h') }, { additionalProperties: false }),
        ),
        calendar: Type.Optional(
          Type.Object(
            {
              length: Enum(['day', 'week', 'month'] as const, 'calendar period'),
              timeZone: Type.Optional(Type.String({ maxLength: 64, description: 'IANA time zone of the period start (default UTC)' })),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false, 'x-kubernetes-validations': celRules.sloWindow.map((r) => r.cel) },
    ),
    alertingPolicySet: Type.Optional(
      Type.String({ pattern: dnsSubdomain, maxLength: 253, description: 'opt into a named policy set, e.g. workbook' }),
    ),
    links: Type.Optional(Links),
  },
  { additionalProperties: false },
);
export type SloSpec = Static<typeof SloSpec>;

export const AlertingPolicySpec = Type.Object(
  {
    sloRef: Type.Optional(
      Type.Object(
        { name: Name('SLO name'), namespace: Type.Optional(Namespace('SLO namespace (default: the policy namespace)')) },
        { additionalProperties: false, description: 'the SLO this policy alerts on' },
      ),
    ),
    policySet: Type.Optional(
      Type.String({ pattern: dnsSubdomain, maxLength: 253, description: 'member of this named set instead of one SLO' }),
    ),
    burnrate: Type.Object(
      {
        threshold: Type.Optional(Decimal('burn rate above which the condition holds, e.g. "14.4"')),
        budgetConsumed: Type.Optional(
          Decimal('instead of threshold: percent of the period budget the lookback window may consume; scales to any period'),
        ),
        lookBackWindow: Duration('long window, e.g. 1h'),
        secondaryWindow: Duration('short control window, e.g. 5m; shorter than lookBackWindow'),
        conditionMetDuration: Type.Optional(Duration('how long the condition must hold before firing (alert "for")')),
        severity: Enum(['page', 'ticket'] as const, 'routing in Alertmanager'),
      },
      { additionalProperties: false, 'x-kubernetes-validations': celRules.burnrate.map((r) => r.cel) },
    ),
    links: Type.Optional(Links),
    alert: Type.Optional(
      Type.Object(
        {
          labels: Type.Optional(
            Type.Record(Type.String(), Type.String({ maxLength: 1024 }), {
              description: 'extra labels on the alert (e.g. for Alertmanager routes); may replace severity, not the labels that identify the alert',
            }),
          ),
          annotations: Type.Optional(
            Type.Record(Type.String(), Type.String({ maxLength: 4096 }), {
              description: 'extra annotations on the alert, printed literally; may replace summary and description',
            }),
          ),
        },
        { additionalProperties: false, description: "extra labels and annotations on this policy's alert" },
      ),
    ),
  },
  { additionalProperties: false, 'x-kubernetes-validations': celRules.policyTarget.map((r) => r.cel) },
);
export type AlertingPolicySpec = Static<typeof AlertingPolicySpec>;

export const kinds = {
  ServiceLevelIndicatorTemplate: {
    spec: SliTemplateSpec,
    plural: 'servicelevelindicatortemplates',
    singular: 'servicelevelindicatortemplate',
    shortNames: ['slit'],
  },
  ServiceLevelObjective: {
    spec: SloSpec,
    plural: 'servicelevelobjectives',
    singular: 'servicelevelobjective',
    shortNames: ['slo'],
  },
  AlertingPolicy: {
    spec: AlertingPolicySpec,
    plural: 'alertingpolicies',
    singular: 'alertingpolicy',
    shortNames: ['ap'],
  },
} as const satisfies Record<string, { spec: TSchema; plural: string; singular: string; shortNames: string[] }>;

export type ResourceKind = keyof typeof kinds;
export const resourceKinds = Object.keys(kinds) as ResourceKind[];

/** metav1.Condition */
export const Condition = Type.Object({
  type: Type.String({ maxLength: 316 }),
  status: Enum(['True', 'False', 'Unknown'] as const, 'condition status'),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0, format: 'int64' })),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  reason: Type.String({ maxLength: 1024, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' }),
  message: Type.String({ maxLength: 32_768 }),
});
export type Condition = Static<typeof Condition>;

export const Status = Type.Object({
  observedGeneration: Type.Optional(Type.Integer({ format: 'int64' })),
  conditions: Type.Optional(Type.Array(Condition, { maxItems: 16 })),
  currentBurnRate: Type.Optional(Type.String({ description: 'burn rate over the shortest policy window, from the worker' })),
  errorBudgetConsumed: Type.Optional(Type.String({ description: 'percent of the period budget consumed' })),
  compliance: Type.Optional(Type.String({ description: 'percent of good events in the period' })),
  periodCoverage: Type.Optional(
    Type.String({ description: 'percent of the (elapsed) period the budget figures cover; below 99 % the figures are partial and marked so' }),
  ),
});
export type Status = Static<typeof Status>;
