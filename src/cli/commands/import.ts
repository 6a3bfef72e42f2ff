/** `vigil import`: Sloth or OpenSLO specs in, Vigil resources out (one YAML file per source file). */
import { mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { importedFileText } from '../../import/imported-yaml.js';
import type { ImportedResource } from '../../import/imported.js';
import { parseDuration } from '../../model/duration.js';
import { formatIssue } from '../../model/issue.js';
import { compile } from '../../rules/compile.js';
import { parseCommandArgs, usageError } from '../command-args.js';
import type { CommandIo } from '../io.js';
import { loadResources } from '../../resources/load-resources.js';

export const usage = `usage: vigil import --from sloth|openslo -f FILE|DIR [-f …] -o DIR [--namespace NS] [--sloth-period 30d] [--keep-going]

Converts SLOs kept for Sloth or in OpenSLO into Vigil resources: per SLO an SLI template (Sloth's queries
with {{.window}} as {{SLO.Period}}; good = total − errors), the ServiceLevelObjective and the
AlertingPolicies of its alerts (Sloth's page and ticket windows with their alert name, labels and
annotations; OpenSLO burnrate AlertConditions). Writes one YAML file per source file under DIR, each
resource under a comment naming its source; the result passes \`vigil validate\`.

What Vigil cannot express (Sloth SLI and SLO plugins, MetricsQL, OpenSLO Timeslices budgeting,
thresholdMetric, non-Prometheus sources) is refused per SLO with the reason. Any refusal or error exits 1
without writing, unless --keep-going, which writes the rest (and still exits 1).

generate, validate and the controller's directory mode also read these formats in place, with the same
result as importing first.

  --from FORMAT          sloth (prometheus/v1 specs, PrometheusServiceLevel CRs, AlertWindows, and the
                         OpenSLO v1alpha form Sloth reads) or openslo (openslo/v1, openslo/v1alpha)
  -f, --file PATH        file or directory (recursive *.yaml, *.yml); repeatable
  -o, --output DIR       directory for the Vigil resources (created if missing)
      --namespace NS     namespace for resources whose source has none (default "default")
      --sloth-period D   Sloth's SLO period (its --default-slo-period, default 30d); an AlertWindows
                         spec among the inputs with this sloPeriod gives the alert windows
      --keep-going       write what imports even when some SLOs are refused (exit code stays 1)
`;

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs(
    'import',
    argv,
    {
      from: { type: 'string' },
      file: { type: 'string', short: 'f', multiple: true },
      output: { type: 'string', short: 'o' },
      namespace: { type: 'string', default: 'default' },
      'sloth-period': { type: 'string', default: '30d' },
      'keep-going': { type: 'boolean', default: false },
    },
    usage,
    io,
  );
  if (!args.ok) return args.exitCode;
  const { values } = args;
  const from = values.from;
  if (from !== 'sloth' && from !== 'openslo') return usageError('import', '--from must be sloth or openslo', usage, io);
  if (!values.file?.length) return usageError('import', 'at least one -f FILE|DIR is required', usage, io);
  if (!values.output) return usageError('import', '-o DIR is required', usage, io);
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(values.namespace) || values.namespace.length > 63) {
    return usageError('import', `--namespace must be a lowercase DNS label, got "${values.namespace}"`, usage, io);
  }
  const period = parseDuration(values['sloth-period']);
  if (!period.ok) return usageError('import', `--sloth-period: ${period.message}`, usage, io);

  const loaded = loadResources(values.file, io.cwd, { builtins: false, foreign: { from, namespace: values.namespace, slothPeriod: values['sloth-period'] } });
  const imported = loaded.resources as ImportedResource[];
  // What was imported must pass `vigil validate` as written: compile it (with the built-ins it may name).
  const check = compile(loadResources([], io.cwd, { builtins: true }).resources.concat(imported));
  const issues = [...loaded.issues, ...check.issues.filter((i) => i.level === 'error' || imported.some((r) => r.metadata.name === i.name))];
  for (const issue of issues) io.stderr(`${formatIssue(issue)}\n`);
  const errors = issues.filter((i) => i.level === 'error');
  if (errors.length && !values['keep-going']) {
    io.stderr(`vigil import: ${errors.length} error(s); nothing written (use --keep-going to write what imports)\n`);
    return 1;
  }

  // An SLO that failed the check is left out with everything named after it.
  const failed = new Set(check.issues.filter((i) => i.level === 'error').map((i) => `${i.namespace}/${i.name}`));
  const writable = imported.filter((r) => ![...failed].some((f) => `${r.metadata.namespace}/${r.metadata.name}`.startsWith(f)));
  const targets = outputPaths(values.file, io.cwd);
  const byFile = new Map<string, ImportedResource[]>();
  for (const r of writable) byFile.set(r.origin.file, [...(byFile.get(r.origin.file) ?? []), r]);
  const outDir = resolve(io.cwd, values.output);
  const written = new Map<string, string>();
  for (const [file, resources] of byFile) {
    const target = join(outDir, targets(file));
    const clash = written.get(target);
    if (clash) {
      io.stderr(`vigil import: ${file} and ${clash} would both be written to ${relative(io.cwd, target)}; import them separately\n`);
      return 1;
    }
    written.set(target, file);
  }
  for (const [target, file] of written) {
    mkdirSync(dirname(target), { recursive: true });
    const temporary = `${target}.tmp-${process.pid}`;
    writeFileSync(temporary, importedFileText(file, byFile.get(file)!, `vigil import --from ${from}`));
    renameSync(temporary, target);
  }
  const count = (kind: string) => writable.filter((r) => r.kind === kind).length;
  io.stderr(
    `vigil import: ${written.size} file(s) written to ${values.output}: ${count('ServiceLevelObjective')} SLO(s), ${count('ServiceLevelIndicatorTemplate')} template(s), ${count('AlertingPolicy')} policy(ies); ${errors.length} error(s)\n`,
  );
  return errors.length ? 1 : 0;
}

/** Output file (relative to -o) for a source file: its path below the directory given, or its name. */
function outputPaths(inputs: readonly string[], cwd: string): (file: string) => string {
  const roots = inputs.map((input) => {
    const absolute = resolve(cwd, input);
    let directory = false;
    try {
      directory = statSync(absolute).isDirectory();
    } catch {
      // Unreadable inputs were reported by the loader.
    }
    return { absolute, directory };
  });
  return (file) => {
    const absolute = resolve(cwd, file);
    const root = roots.find((r) => r.directory && !relative(r.absolute, absolute).startsWith('..'));
    const rel = root ? relative(root.absolute, absolute) : basename(absolute);
    return rel.replace(/\.ya?ml$/, '') + '.yaml';
  };
}
