/**
 * Builds the CustomResourceDefinitions from the schema in schema.ts (pure). `npm run crds:update` writes
 * them to crds/; test/unit/crds.test.ts fails when the committed files differ from this output.
 */
import { API_GROUP, API_VERSION, Status, kinds, resourceKinds, type ResourceKind } from './schema.js';

type JsonSchema = { [key: string]: unknown };

/** Turns a TypeBox/JSON schema into a Kubernetes structural schema. */
export function toStructural(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toStructural);
  if (schema === null || typeof schema !== 'object') return schema;
  const source = JSON.parse(JSON.stringify(schema)) as JsonSchema; // drops TypeBox's symbol keys
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(source)) {
    // Structural schemas prune unknown fields instead; `additionalProperties: false` is not allowed there.
    if (key === 'additionalProperties' && value === false) continue;
    if (key === 'patternProperties') {
      // A TypeBox Record (map of strings) becomes a Kubernetes map: additionalProperties with the value schema.
      const values = Object.values(value as JsonSchema);
      if (values.length !== 1) throw new Error('only single-pattern records can become Kubernetes maps');
      out.additionalProperties = toStructural(values[0]);
      continue;
    }
    out[key] = key === 'properties' ? mapValues(value as JsonSchema, toStructural) : toStructural(value);
  }
  return out;
}

function mapValues(object: JsonSchema, fn: (v: unknown) => unknown): JsonSchema {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, fn(v)]));
}

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

const readyColumn: PrinterColumn = { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' };
const ageColumn: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

const printerColumns: Record<ResourceKind, PrinterColumn[]> = {
  ServiceLevelIndicatorTemplate: [
    { name: 'Kind', type: 'string', jsonPath: '.spec.kind' },
    { name: 'Description', type: 'string', jsonPath: '.spec.description', priority: 1 },
    readyColumn,
    ageColumn,
  ],
  ServiceLevelObjective: [
    { name: 'Service', type: 'string', jsonPath: '.spec.selector.name' },
    { name: 'Goal', type: 'string', jsonPath: '.spec.slo.goal' },
    { name: 'Rolling', type: 'string', jsonPath: '.spec.slo.rolling.length' },
    { name: 'Calendar', type: 'string', jsonPath: '.spec.slo.calendar.length' },
    readyColumn,
    { name: 'Burn Rate', type: 'string', jsonPath: '.status.currentBurnRate' },
    { name: 'Budget Used', type: 'string', jsonPath: '.status.errorBudgetConsumed' },
    { name: 'Compliance', type: 'string', jsonPath: '.status.compliance', priority: 1 },
    ageColumn,
  ],
  AlertingPolicy: [
    { name: 'SLO', type: 'string', jsonPath: '.spec.sloRef.name' },
    { name: 'Set', type: 'string', jsonPath: '.spec.policySet' },
    { name: 'Threshold', type: 'string', jsonPath: '.spec.burnrate.threshold' },
    { name: 'Long', type: 'string', jsonPath: '.spec.burnrate.lookBackWindow' },
    { name: 'Short', type: 'string', jsonPath: '.spec.burnrate.secondaryWindow' },
    { name: 'Severity', type: 'string', jsonPath: '.spec.burnrate.severity' },
    readyColumn,
    ageColumn,
  ],
};

export function buildCrd(kind: ResourceKind): Record<string, unknown> {
  const info = kinds[kind];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${info.plural}.${API_GROUP}`, labels: { 'app.kubernetes.io/part-of': 'vigil' } },
    spec: {
      group: API_GROUP,
      names: {
        kind,
        listKind: `${kind}List`,
        plural: info.plural,
        singular: info.singular,
        shortNames: [...info.shortNames],
        categories: ['vigil'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: printerColumns[kind],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: toStructural(info.spec),
                status: toStructural(Status),
              },
            },
          },
        },
      ],
    },
  };
}

export function buildCrds(): Array<{ file: string; crd: Record<string, unknown> }> {
  return resourceKinds.map((kind) => ({ file: `${kinds[kind].plural}.yaml`, crd: buildCrd(kind) }));
}
