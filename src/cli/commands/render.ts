/**
 * `vigil render`: the PromQL of an SLO's own indicator for a canary analysis — rendered over a short window
 * and restricted to the canary workload — for Flagger MetricTemplates, Argo Rollouts AnalysisTemplates or
 * any other tool that evaluates a query.
 */
import { formatIssue } from '../../model/issue.js';
import { parseObjectRef } from '../../model/resource.js';
import { parseDuration } from '../../model/duration.js';
import { canaryQueries, ISTIO_WORKLOAD_LABEL, type CanaryRestriction } from '../../rules/canary-query.js';
import { compile } from '../../rules/compile.js';
import { parseCommandArgs, usageError } from '../command-args.js';
import type { CommandIo } from '../io.js';
import { loadResources } from '../../resources/load-resources.js';

const outputs = ['all', 'burn-rate', 'error-ratio', 'good', 'total'] as const;
type Output = (typeof outputs)[number];

export const usage = `usage: vigil render -f FILE|DIR [-f …] --slo NAMESPACE/NAME [--workload W | --match LABEL=VALUE]
                    [--window 1m] [--output all|burn-rate|error-ratio|good|total] [--no-builtins]

Prints the PromQL of the SLO's own indicator over --window, restricted to one workload (Istio's
destination_workload label, or any --match LABEL=VALUE; LABEL=~REGEX for a regular expression), for a
canary analysis: the good and total event rates, the error ratio and the burn rate
(error ratio ÷ (1 − objective)), so a canary threshold is written as a burn rate. Values may be
templating placeholders of the tool that runs the query, e.g. --workload '{{ target }}' for Flagger.

  -f, --file PATH        resources (files or directories; the built-in templates are added)
      --slo NS/NAME      the SLO whose indicator to render
      --workload W       restrict to destination_workload="W"
      --match K=V        restrict to another label (K=~V for a regular expression)
      --window DURATION  range window of the rates (default 1m)
      --output WHAT      all (default, commented), or one query alone: burn-rate, error-ratio, good, total
      --no-builtins      do not add the built-in templates and policy sets
`;

export async function run(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseCommandArgs(
    'render',
    argv,
    {
      file: { type: 'string', short: 'f', multiple: true },
      slo: { type: 'string' },
      workload: { type: 'string' },
      match: { type: 'string' },
      window: { type: 'string', default: '1m' },
      output: { type: 'string', default: 'all' },
      'no-builtins': { type: 'boolean', default: false },
    },
    usage,
    io,
  );
  if (!args.ok) return args.exitCode;
  const v = args.values;
  if (!v.file?.length) return usageError('render', 'at least one -f FILE|DIR is required', usage, io);
  const ref = parseObjectRef(v.slo ?? '');
  if (!ref) return usageError('render', v.slo === undefined ? '--slo NAMESPACE/NAME is required' : `--slo must be NAMESPACE/NAME, got "${v.slo}"`, usage, io);
  if (!outputs.includes(v.output as Output)) return usageError('render', `--output must be one of ${outputs.join(', ')}`, usage, io);
  const window = parseDuration(v.window);
  if (!window.ok || window.ms < 1000 || window.ms % 1000 !== 0) return usageError('render', `--window must be a duration of whole seconds such as 1m, got "${v.window}"`, usage, io);
  if (v.workload !== undefined && v.match !== undefined) return usageError('render', 'use --workload or --match, not both', usage, io);
  let restriction: CanaryRestriction | undefined;
  if (v.workload !== undefined) {
    if (v.workload === '') return usageError('render', '--workload needs a value', usage, io);
    restriction = { label: ISTIO_WORKLOAD_LABEL, value: v.workload };
  } else if (v.match !== undefined) {
    const m = /^([a-zA-Z_][a-zA-Z0-9_]*)(=~|=)(.+)$/.exec(v.match);
    if (!m) return usageError('render', `--match must be LABEL=VALUE or LABEL=~REGEX, got "${v.match}"`, usage, io);
    restriction = { label: m[1]!, op: m[2] as '=' | '=~', value: m[3]! };
  }

  const loaded = loadResources(v.file, io.cwd, { builtins: !v['no-builtins'] });
  const result = compile(loaded.resources);
  const { namespace, name } = ref;
  const compiled = result.slos.find((s) => s.namespace === namespace && s.name === name);
  if (!compiled) {
    const own = [...loaded.issues, ...result.issues].filter((i) => i.level === 'error' && i.namespace === namespace && i.name === name);
    for (const issue of own) io.stderr(`${formatIssue(issue)}\n`);
    io.stderr(`vigil render: ${own.length > 0 ? `SLO ${namespace}/${name} is invalid` : `no SLO ${namespace}/${name} in the given files`}\n`);
    return 1;
  }
  const rendered = canaryQueries(compiled, window.ms, restriction);
  if (!rendered.ok) {
    io.stderr(`vigil render: SLO ${namespace}/${name}: ${rendered.message}\n`);
    return 1;
  }
  const q = rendered.queries;
  const only: Record<Exclude<Output, 'all'>, string> = { 'burn-rate': q.burnRate, 'error-ratio': q.errorRatio, good: q.good, total: q.total };
  if (v.output !== 'all') {
    io.stdout(`${only[v.output as Exclude<Output, 'all'>]}\n`);
    return 0;
  }
  const scope = restriction ? `${restriction.label}${restriction.op ?? '='}"${restriction.value}"` : 'all workloads';
  io.stdout(
    [
      `# SLO ${namespace}/${name} (objective ${compiled.slo.objective}), template ${compiled.template.ref.namespace}/${compiled.template.ref.name}, over ${v.window}, ${scope}`,
      '# good events per second',
      q.good,
      '# all events per second',
      q.total,
      '# error ratio',
      q.errorRatio,
      '# burn rate (1 = spending the budget exactly over the period)',
      q.burnRate,
      '',
    ].join('\n'),
  );
  return 0;
}
