/** `vigil generate`: SLO resources in, Prometheus rules out (Git/CI mode, no servers). */
import { resolve } from 'node:path';
import { formatIssue, generate, outputFormats, type OutputFormat } from '../../index.js';
import { parseCommandArgs, usageError } from '../command-args.js';
import { writeFileAtomically, type CommandIo } from '../io.js';

export const usage = `usage: vigil generate -f FILE|DIR [-f …] [-o OUT] [--format rule-file|prometheus-rule] [--label K=V …]
                      [--keep-going] [--no-builtins]

Reads ServiceLevelIndicatorTemplate, ServiceLevelObjective and AlertingPolicy resources (multi-document
YAML; sre.vigil.dev/v1alpha1 or Calisti's sre.smm.cisco.com/v1alpha1) and writes the recording and alerting
rules. Built-in templates (sli-templates/) and the workbook policy set are included unless --no-builtins.
Sloth and OpenSLO specifications are read in place, as "vigil import" would convert them.

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

  const result = await generate(values.file, { cwd: io.cwd, builtins: !values['no-builtins'], format: values.format as OutputFormat, labels, checkRules, env: io.env });
  if (!result.ok) {
    io.stderr(`vigil generate: ${result.message}\n`);
    return 1;
  }
  const { issues, errors } = result;
  for (const issue of issues) io.stderr(`${formatIssue(issue)}\n`);
  const failed = errors > 0;
  if (failed && !values['keep-going']) {
    io.stderr(`vigil generate: ${errors} error(s); no rules written (use --keep-going to emit the valid SLOs)\n`);
    return 1;
  }
  const chunks = result.chunks();
  if (values.output && values.output !== '-') {
    const written = writeFileAtomically(resolve(io.cwd, values.output), chunks);
    if (!written.ok) {
      io.stderr(`vigil generate: ${written.message}\n`);
      return 1;
    }
  } else {
    for (const chunk of chunks) io.stdout(chunk);
  }
  io.stderr(`vigil generate: ${result.slos.length} SLO(s), ${result.rules} rules\n`);
  return failed ? 1 : 0;
}
