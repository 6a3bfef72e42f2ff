/** `vigil generate`: SLO resources in, Prometheus rules out (Git/CI mode, no servers). */
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatIssue } from '../../model/issue.js';
import { compile } from '../../rules/compile.js';
import { outputFormats, renderOutputChunks, type OutputFormat } from '../../rules/render-output.js';
import type { CommandIo } from '../io.js';
import { loadResources } from '../load-resources.js';

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
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        file: { type: 'string', short: 'f', multiple: true },
        output: { type: 'string', short: 'o' },
        format: { type: 'string', default: 'rule-file' },
        label: { type: 'string', multiple: true },
        'keep-going': { type: 'boolean', default: false },
        'no-builtins': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.stderr(`vigil generate: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    io.stdout(usage);
    return 0;
  }
  if (!values.file?.length) {
    io.stderr(`vigil generate: at least one -f FILE|DIR is required\n\n${usage}`);
    return 2;
  }
  if (!outputFormats.includes(values.format as OutputFormat)) {
    io.stderr(`vigil generate: --format must be one of ${outputFormats.join(', ')}\n`);
    return 2;
  }
  const labels: Record<string, string> = {};
  for (const pair of values.label ?? []) {
    const [key, ...rest] = pair.split('=');
    if (!key || rest.length === 0) {
      io.stderr(`vigil generate: --label must be KEY=VALUE, got "${pair}"\n`);
      return 2;
    }
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
