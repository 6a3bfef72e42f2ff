/** `vigil generate`: SLO resources in, Prometheus rules out (Git/CI mode, no servers). */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatIssue } from '../../model/issue.js';
import { compile } from '../../rules/compile.js';
import { outputFormats, renderOutputChunks, type OutputFormat } from '../../rules/render-output.js';
import { parseCommandArgs, usageError } from '../command-args.js';
import type { CommandIo } from '../io.js';
import { loadResources } from '../../resources/load-resources.js';

export const usage = `usage: vigil generate -f FILE|DIR [-f …] [-o OUT] [--format rule-file|prometheus-rule] [--keep-going]

Reads ServiceLevelIndicatorTemplate, ServiceLevelObjective and AlertingPolicy resources (multi-document
YAML; sre.vigil.dev/v1alpha1 or Calisti's sre.smm.cisco.com/v1alpha1) and writes the recording and alerting
rules. Built-in templates (sli-templates/) and the workbook policy set are included unless --no-builtins.

  -f, --file PATH        file or directory (recursive *.yaml, *.yml); repeatable
  -o, --output OUT       output file (default: standard output)
      --format FORMAT    rule-file (a Prometheus rule file, default) or prometheus-rule (one
                         PrometheusRule object per SLO, for the Prometheus operator)
      --label K=V        label for PrometheusRule objects (for a Prometheus ruleSelector); repeatable
      --keep-going       emit the valid SLOs even when others are invalid (exit code stays 1)
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
      'no-builtins': { type: 'boolean', default: false },
    },
    usage,
    io,
  );
  if (!args.ok) return args.exitCode;
  const { values } = args;
  if (!values.file?.length) return usageError('generate', 'at least one -f FILE|DIR is required', usage, io);
  if (!outputFormats.includes(values.format as OutputFormat)) return usageError('generate', `--format must be one of ${outputFormats.join(', ')}`, usage, io);
  const labels: Record<string, string> = {};
  for (const pair of values.label ?? []) {
    const [key, ...rest] = pair.split('=');
    if (!key || rest.length === 0) return usageError('generate', `--label must be KEY=VALUE, got "${pair}"`, usage, io);
    labels[key] = rest.join('=');
  }

  const loaded = loadResources(values.file, io.cwd, { builtins: !values['no-builtins'] });
  const result = compile(loaded.resources);
  const issues = [...loaded.issues, ...result.issues];
  for (const issue of issues) io.stderr(`${formatIssue(issue)}\n`);
  const failed = issues.some((i) => i.level === 'error');
  if (failed && !values['keep-going']) {
    io.stderr(`vigil generate: ${issues.filter((i) => i.level === 'error').length} error(s); no rules written (use --keep-going to emit the valid SLOs)\n`);
    return 1;
  }
  const chunks = renderOutputChunks(result.slos, values.format as OutputFormat, { labels });
  if (values.output && values.output !== '-') {
    // Write beside the target and rename, so a reader (or a Prometheus reload) never sees half a file.
    const target = resolve(io.cwd, values.output);
    const temporary = `${target}.tmp-${process.pid}`;
    const fd = openSync(temporary, 'w');
    try {
      for (const chunk of chunks) writeSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
  } else {
    for (const chunk of chunks) io.stdout(chunk);
  }
  io.stderr(`vigil generate: ${result.slos.length} SLO(s), ${result.slos.reduce((n, s) => n + s.groups.reduce((m, g) => m + g.rules.length, 0), 0)} rules\n`);
  return failed ? 1 : 0;
}
