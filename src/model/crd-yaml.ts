import { stringify } from 'yaml';

/** The committed text of a generated CRD: a header saying where it comes from, then stable YAML. */
export function renderCrdYaml(crd: Record<string, unknown>): string {
  return `# Generated from src/model/schema.ts by \`npm run crds:update\`. Do not edit by hand.\n${stringify(crd, { lineWidth: 0 })}`;
}
