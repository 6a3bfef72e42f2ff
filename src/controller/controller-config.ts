/**
 * `vigil controller`'s own options on top of the shared ones (src/config/config.ts), with the same
 * precedence: flag, then `VIGIL_*` variable (from the env object passed in), then default.
 */
import type { ParseArgsConfig } from 'node:util';
import { ConfigError, optionReader, type OptionDoc } from '../config/config.js';
import { parseDuration } from '../model/duration.js';

export interface ControllerConfig {
  /** Kubeconfig file; undefined = in-cluster service account, then ~/.kube/config. */
  readonly kubeconfig: string | undefined;
  readonly ruleLabels: Readonly<Record<string, string>>;
  readonly applyMode: 'apply' | 'merge';
  readonly leaderElect: boolean;
  /** undefined = the pod's namespace, else vigil-system. */
  readonly leaseNamespace: string | undefined;
  readonly leaseName: string;
  /** undefined = hostname_pid. */
  readonly identity: string | undefined;
  readonly builtins: boolean;
  readonly checkRules: 'auto' | 'promtool' | 'none';
  readonly resyncMs: number;
  /** Publish compiled SLOs to Redis (--redis-url) for the workers and the API. */
  readonly catalog: 'redis' | 'none';
  /** The workers' budget cycle: results older than three cycles print as stale in SLO status. */
  readonly budgetCycleMs: number;
  /** Directory mode: what loads the rule files and is told to reload them. */
  readonly rulesReload: { readonly engine: 'prometheus' } | { readonly engine: 'vmalert'; readonly url: string } | { readonly engine: 'none' };
}

export const controllerOptions: readonly OptionDoc[] = [
  { flag: 'kubeconfig', env: 'VIGIL_KUBECONFIG', default: '', description: 'kubeconfig file (default: in-cluster service account, then ~/.kube/config)' },
  { flag: 'rule-labels', env: 'VIGIL_RULE_LABELS', default: '', description: 'labels on every PrometheusRule, KEY=VALUE[,KEY=VALUE…], for the Prometheus ruleSelector' },
  { flag: 'apply-mode', env: 'VIGIL_APPLY_MODE', default: 'apply', description: 'write PrometheusRules by server-side apply (apply) or merge patch (merge)' },
  { flag: 'leader-elect', env: 'VIGIL_LEADER_ELECT', default: 'true', description: 'hold a Lease so only one replica writes (false: a single replica only)' },
  { flag: 'lease-namespace', env: 'VIGIL_LEASE_NAMESPACE', default: '', description: "Lease namespace (default: the pod's namespace, else vigil-system)" },
  { flag: 'lease-name', env: 'VIGIL_LEASE_NAME', default: 'vigil-controller', description: 'Lease name' },
  { flag: 'identity', env: 'VIGIL_IDENTITY', default: '', description: "this replica's identity in the Lease (default: hostname_pid)" },
  { flag: 'builtins', env: 'VIGIL_BUILTINS', default: 'true', description: 'directory mode: add the built-in templates and policy sets (user files win)' },
  { flag: 'check-rules', env: 'VIGIL_CHECK_RULES', default: 'auto', description: 'directory mode: vet each rule file with promtool before it replaces the last good one (auto|promtool|none)' },
  { flag: 'resync', env: 'VIGIL_RESYNC', default: '10m', description: 're-reconcile everything this often (0 disables)' },
  { flag: 'catalog', env: 'VIGIL_CATALOG', default: 'redis', description: 'publish compiled SLOs to Redis (--redis-url) for workers and the API: redis or none (rules only)' },
  {
    flag: 'rules-reload',
    env: 'VIGIL_RULES_RELOAD',
    default: 'prometheus',
    description: 'directory mode: what evaluates the rule files and is reloaded after a change: prometheus (--prometheus-url), vmalert:URL (vmalert\'s HTTP address, e.g. vmalert:http://vmalert:8880), or none',
  },
  { flag: 'budget-cycle', env: 'VIGIL_WORKER_CYCLE', default: '1m', description: "the workers' budget cycle; older results show as stale in SLO status" },
];

export const controllerParseOptions: NonNullable<ParseArgsConfig['options']> = Object.fromEntries(controllerOptions.map((o) => [o.flag, { type: 'string' as const }]));

export function resolveControllerConfig(flags: Readonly<Record<string, unknown>>, env: NodeJS.ProcessEnv): ControllerConfig {
  const value = optionReader(controllerOptions, flags, env);
  const bool = (flag: string): boolean => {
    const v = value(flag);
    if (v !== 'true' && v !== 'false') throw new ConfigError(`--${flag} must be true or false, got ${JSON.stringify(v)}`);
    return v === 'true';
  };
  const ruleLabels = Object.fromEntries(
    value('rule-labels')
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => {
        const i = l.indexOf('=');
        if (i <= 0) throw new ConfigError(`--rule-labels must be KEY=VALUE[,KEY=VALUE…], got ${JSON.stringify(l)}`);
        return [l.slice(0, i), l.slice(i + 1)];
      }),
  );
  const applyMode = value('apply-mode');
  if (applyMode !== 'apply' && applyMode !== 'merge') throw new ConfigError(`--apply-mode must be apply or merge, got ${JSON.stringify(applyMode)}`);
  const checkRules = value('check-rules');
  if (checkRules !== 'auto' && checkRules !== 'promtool' && checkRules !== 'none') throw new ConfigError(`--check-rules must be auto, promtool or none, got ${JSON.stringify(checkRules)}`);
  const resync = value('resync');
  const parsed = resync === '0' ? { ok: true as const, ms: 0 } : parseDuration(resync);
  if (!parsed.ok) throw new ConfigError(`--resync must be a duration like 10m (or 0), got ${JSON.stringify(resync)}`);
  const catalog = value('catalog');
  if (catalog !== 'redis' && catalog !== 'none') throw new ConfigError(`--catalog must be redis or none, got ${JSON.stringify(catalog)}`);
  const reload = value('rules-reload');
  let rulesReload: ControllerConfig['rulesReload'];
  if (reload === 'prometheus' || reload === 'none') rulesReload = { engine: reload };
  else if (reload.startsWith('vmalert:') && URL.canParse(reload.slice('vmalert:'.length))) rulesReload = { engine: 'vmalert', url: reload.slice('vmalert:'.length) };
  else throw new ConfigError(`--rules-reload must be prometheus, vmalert:URL or none, got ${JSON.stringify(reload)}`);
  const budgetCycle = parseDuration(value('budget-cycle'));
  if (!budgetCycle.ok) throw new ConfigError(`--budget-cycle must be a duration like 1m, got ${JSON.stringify(value('budget-cycle'))}`);
  return Object.freeze({
    catalog,
    budgetCycleMs: budgetCycle.ms,
    rulesReload: Object.freeze(rulesReload),
    kubeconfig: value('kubeconfig') || undefined,
    ruleLabels: Object.freeze(ruleLabels),
    applyMode,
    leaderElect: bool('leader-elect'),
    leaseNamespace: value('lease-namespace') || undefined,
    leaseName: value('lease-name'),
    identity: value('identity') || undefined,
    builtins: bool('builtins'),
    checkRules,
    resyncMs: parsed.ms,
  });
}
