/** The YAML `vigil import` writes for one source file: each resource under a comment naming its source. */
import { toYaml } from '../rules/yaml-writer.js';
import type { ImportedResource } from './imported.js';

export function importedFileText(sourceFile: string, resources: readonly ImportedResource[], command: string): string {
  const header = `# Written by \`${command}\` from ${sourceFile}.\n# Check with \`vigil validate -f <this directory>\`; the source file is no longer needed.\n`;
  const documents = resources.map((r) => {
    const comment = `# ${r.comment.replace(/\n/g, ' ')} (${r.origin.file}:${r.origin.line})\n`;
    const body = { apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.metadata.name, namespace: r.metadata.namespace }, spec: r.spec };
    return `---\n${comment}${toYaml(body as Parameters<typeof toYaml>[0])}`;
  });
  return `${header}${documents.join('')}`;
}
