/**
 * Vigil as a library: load SLO resources, validate them, generate Prometheus rules. `vigil validate` and
 * `vigil generate` are thin layers over these three functions (argument parsing and printing only), as
 * Sloth's CLI is over its library. Everything here runs in-process, with no server and no cluster.
 *
 *   import { generate } from 'vigil';
 *   const result = await generate(['slos/'], { format: 'prometheus-rule' });
 *   if (result.ok) for (const chunk of result.chunks()) process.stdout.write(chunk);
 */
import { formatIssue, type Issue } from './model/issue.js';
import { issueAt } from './model/validate.js';
import { loadResources, type LoadedResources } from './resources/load-resources.js';
import { compile, type CompiledSlo, type CompileResult } from './rules/compile.js';
import { renderOutputChunks, outputFormats, type OutputFormat, type PrometheusRuleOptions } from './rules/render-output.js';
import type { RuleGroup } from './rules/rule-group.js';
import { onPath, promtoolCheckText } from './sink/promtool-check.js';

export type { Issue, LoadedResources, CompiledSlo, CompileResult, OutputFormat, RuleGroup };
export { formatIssue, outputFormats };

export interface LoadOptions {
  /** Where relative paths start (default: the process's working directory). */
  readonly cwd?: string;
  /** Add the built-in SLI templates and policy sets (default true); user resources of the same name win. */
  readonly builtins?: boolean;
}

/** Reads resource files and directories (recursively, *.yaml and *.yml; Sloth and OpenSLO too). */
export function load(paths: readonly string[], options: LoadOptions = {}): LoadedResources {
  return loadResources(paths, options.cwd ?? process.cwd(), { builtins: options.builtins ?? true });
}

export interface Validation {
  readonly loaded: LoadedResources;
  readonly compiled: CompileResult;
  /** Every issue of loading and compiling, in that order. */
  readonly issues: readonly Issue[];
  readonly errors: number;
}

/** Checks resources the way the controller would: schema, CEL rules, references, templates, PromQL. */
export function validate(paths: readonly string[], options: LoadOptions = {}): Validation {
  const loaded = load(paths, options);
  const compiled = compile(loaded.resources);
  const issues = [...loaded.issues, ...compiled.issues];
  return { loaded, compiled, issues, errors: issues.filter((i) => i.level === 'error').length };
}

export interface GenerateOptions extends LoadOptions {
  /** A Prometheus rule file (default) or one PrometheusRule object per SLO. */
  readonly format?: OutputFormat;
  /** Labels of the PrometheusRule objects (for a Prometheus ruleSelector). */
  readonly labels?: PrometheusRuleOptions['labels'];
  /**
   * `promtool check rules` on the output: `auto` (default) when promtool is on PATH, `promtool` to require
   * it, `none` to skip. An SLO whose rules promtool refuses is set aside with an error, like any invalid SLO.
   */
  readonly checkRules?: 'auto' | 'promtool' | 'none';
  /** Where `auto` looks for promtool (default: the process's environment). */
  readonly env?: NodeJS.ProcessEnv;
}

export type Generation =
  | {
      readonly ok: true;
      /** The SLOs whose rules are in the output (the valid ones). */
      readonly slos: readonly CompiledSlo[];
      readonly issues: readonly Issue[];
      readonly errors: number;
      readonly rules: number;
      /** The output in pieces, one per SLO, so thousands of SLOs stream without one giant string. */
      chunks(): Iterable<string>;
    }
  | { readonly ok: false; readonly message: string };

/** SLO resources in, Prometheus rules out. `ok: false` only when promtool was wanted but could not run. */
export async function generate(paths: readonly string[], options: GenerateOptions = {}): Promise<Generation> {
  const { compiled, issues: found } = validate(paths, options);
  const issues = [...found];
  let slos = compiled.slos;
  const checkRules = options.checkRules ?? 'auto';
  if (checkRules === 'promtool' || (checkRules === 'auto' && onPath('promtool', options.env ?? process.env))) {
    const vetted = await vetWithPromtool(slos);
    if (!vetted.ok) return vetted;
    slos = vetted.slos;
    issues.push(...vetted.issues);
  }
  const format = options.format ?? 'rule-file';
  const labels = options.labels ?? {};
  return {
    ok: true,
    slos,
    issues,
    errors: issues.filter((i) => i.level === 'error').length,
    rules: slos.reduce((n, s) => n + s.groups.reduce((m, g) => m + g.rules.length, 0), 0),
    chunks: () => renderOutputChunks(slos, format, { labels }),
  };
}

/**
 * One promtool run over all SLOs' rules. promtool names the group of each rule it refuses, and every group
 * belongs to one SLO, so exactly those SLOs are set aside (with an error each) and the others are kept.
 */
async function vetWithPromtool(slos: readonly CompiledSlo[]): Promise<{ ok: true; slos: CompiledSlo[]; issues: Issue[] } | { ok: false; message: string }> {
  let check: Awaited<ReturnType<typeof promtoolCheckText>>;
  try {
    check = await promtoolCheckText([...renderOutputChunks(slos, 'rule-file')].join(''));
  } catch (error) {
    return { ok: false, message: `cannot run promtool: ${error instanceof Error ? error.message : String(error)} (use --check-rules none to skip the check)` };
  }
  if (check.ok) return { ok: true, slos: [...slos], issues: [] };
  const issues: Issue[] = [];
  const kept = slos.filter((slo) => {
    const refused = slo.groups.flatMap((g) => check.byGroup.get(g.name) ?? []);
    if (refused.length === 0) return true;
    issues.push(issueAt(slo.resource, ['spec'], `promtool check rules refuses its rules: ${refused.slice(0, 3).join(' | ')}`));
    return false;
  });
  if (issues.length === 0) return { ok: false, message: `promtool check rules refuses the output: ${check.other.slice(0, 5).join(' | ')}` };
  return { ok: true, slos: kept, issues };
}
