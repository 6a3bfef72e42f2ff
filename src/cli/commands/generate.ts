/** `vigil generate`: SLO resources in, Prometheus rules out (Git/CI mode, no servers). */
import { resolve } from 'node:path';
import { formatIssue, type Issue } from '../../model/issue.js';
import { issueAt } from '../../model/validate.js';
import { compile, type CompiledSlo } from '../../rules/compile.js';
import { outputFormats, renderOutputChunks, type OutputFormat } from '../../rules/render-output.js';
import { onPath, promtoolCheckText } from '../../sink/promtool-check.js';
import { parseCommandArgs, usageError } from '../command-args.js';
import { writeFileAtomically, type CommandIo } from '../io.js';
import { loadResources } from '../../resources/load-resources.js';

export const usage = `usage: vigil generate -f FILE|DIR [-f …] [-o OUT] [--format rule-file|prometheus-rule] [--label K=V …]
                      [--keep-going] [--no-builtins]

Reads ServiceLevelIndicatorTemplate, ServiceLevelObjective and AlertingPolicy resources (multi-document
YAML; sre.vigil.dev/v1alpha1 or Calisti's sre.smm.cisco.com/v1alpha1) and writes the recording and alerting
rules. Built-in templates (sli-templates/) and the workbook policy set are included unless --no-builtins.

  -f, --file PATH        file or directory (recursive *.yaml, *.yml); repeatable
  -o, --output OUT       output file (default: standard output)
      --format FORMAT    rule-file (a Prometheus rule file, default) or prometheus-rule (one
                         PrometheusRule object per SLO, for the Prometheus operator)
      --label K=V        label for PrometheusRule objects (for a Prometheus ruleSelector); repeatable
      --keep-going       emit the valid SLOs even when others are invalid (exit code stays 1)
      --check-rules MODE auto (default: run \`promtool check rules\` once on the output when promtool
                         is on PATH), promtool (require it) or none. An SLO whose rules promtool
                         refuses is an error naming it, like any other invalid SLO
      --no-builtins      do not add the built-in templates and policy sets
`;

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs(
    'generate',
    argv,
    {
      file: { type: 'string', short: 'f', multiple: true },
      output: { type: 'string', short: 'o' },
      format: { type: 'string', default: 'rule-file' },
      label: { type: 'string', multiple: true },
      'keep-going': { type: 'boolean', default: false },
      'check-rules': { type: 'string', default: 'auto' },
      'no-builtins': { type: 'boolean', default: false },
    },
    usage,
    io,
  );
  if (!args.ok) return args.exitCode;
  const { values } = args;
  if (!values.file?.length) return usageError('generate', 'at least one -f FILE|DIR is required', usage, io);
  if (!outputFormats.includes(values.format as OutputFormat)) return usageError('generate', `--format must be one of ${outputFormats.join(', ')}`, usage, io);
  const checkRules = values['check-rules'];
  if (checkRules !== 'auto' && checkRules !== 'promtool' && checkRules !== 'none') return usageError('generate', '--check-rules must be auto, promtool or none', usage, io);
  const labels: Record<string, string> = {};
  for (const pair of values.label ?? []) {
    const [key, ...rest] = pair.split('=');
    if (!key || rest.length === 0) return usageError('generate', `--label must be KEY=VALUE, got "${pair}"`, usage, io);
    labels[key] = rest.join('=');
  }

  const loaded = loadResources(values.file, io.cwd, { builtins: !values['no-builtins'] });
  const result = compile(loaded.resources);
  const issues = [...loaded.issues, ...result.issues];
  let slos = result.slos;
  if (checkRules === 'promtool' || (checkRules === 'auto' && onPath('promtool', io.env))) {
    const vetted = await vetWithPromtool(slos);
    if (!vetted.ok) {
      io.stderr(`vigil generate: ${vetted.message}\n`);
      return 1;
    }
    slos = vetted.slos;
    issues.push(...vetted.issues);
  }
  for (const issue of issues) io.stderr(`${formatIssue(issue)}\n`);
  const failed = issues.some((i) => i.level === 'error');
  if (failed && !values['keep-going']) {
    io.stderr(`vigil generate: ${issues.filter((i) => i.level === 'error').length} error(s); no rules written (use --keep-going to emit the valid SLOs)\n`);
    return 1;
  }
  const chunks = renderOutputChunks(slos, values.format as OutputFormat, { labels });
  if (values.output && values.output !== '-') {
    const written = writeFileAtomically(resolve(io.cwd, values.output), chunks);
    if (!written.ok) {
      io.stderr(`vigil generate: ${written.message}\n`);
      return 1;
    }
  } else {
    for (const chunk of chunks) io.stdout(chunk);
  }
  io.stderr(`vigil generate: ${slos.length} SLO(s), ${slos.reduce((n, s) => n + s.groups.reduce((m, g) => m + g.rules.length, 0), 0)} rules\n`);
  return failed ? 1 : 0;
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
