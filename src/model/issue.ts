/** A problem with one resource, located as precisely as we can: file and line in Git mode, field path always. */
export interface Issue {
  readonly level: 'error' | 'warning';
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** Dot path of the field, e.g. `spec.slo.goal`; empty for the whole resource. */
  readonly path: string;
  readonly message: string;
  readonly file?: string;
  /** 1-based YAML document index within the file. */
  readonly document?: number;
  readonly line?: number;
}

/** `file:line: kind namespace/name: spec.path: message`, the form editors and CI logs link to. */
export function formatIssue(issue: Issue): string {
  const where = issue.file ? `${issue.file}:${issue.line ?? 1}${issue.document ? ` (document ${issue.document})` : ''}: ` : '';
  const what = issue.name ? `${clipName(issue.kind)} ${clipName(issue.namespace)}/${clipName(issue.name)}: ` : issue.kind ? `${clipName(issue.kind)}: ` : '';
  return `${where}${issue.level}: ${what}${issue.path ? `${issue.path}: ` : ''}${issue.message}`;
}

/** A name as shown in a message: an over-long one (the error being that it is too long) is cut short. */
export function clipName(name: string, max = 80): string {
  return name.length > max ? `${name.slice(0, max)}…(${name.length} characters)` : name;
}
