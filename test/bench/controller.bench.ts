/**
 * `npm run bench controller`: the Kubernetes-mode controller against the loopback API server.
 * - initial sync: N SLOs (default 10,000; BENCH_SLOS overrides) over 10 templates, all opting into a
 *   3-policy set in vigil-system → time until every PrometheusRule is written and every SLO status is Ready
 *   for its generation; peak RSS of the controller process; API requests made by kind;
 * - single edit: one SLO's goal changes → time until its PrometheusRule carries the new content.
 * The API server runs in a child process (this same file with --serve) so the controller's memory and CPU
 * are measured on their own. Real compile pipeline, real @kubernetes/client-node.
 */
import { fork } from 'node:child_process';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { createKubernetesController } from '../../src/controller/assemble.js';
import { defaultCompile } from '../../src/resources/compile-contract.js';
import { gvr } from '../../src/kube/kube-client.js';
import { annotations, prometheusRuleName } from '../../src/sink/prometheus-rule-sink.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../support/fake-kube-apiserver.js';

type Request =
  | { id: number; op: 'seed'; slos: number; templates: number }
  | { id: number; op: 'progress' }
  | { id: number; op: 'edit'; name: string; goal: string }
  | { id: number; op: 'counts' };

const namespaceOf = (i: number) => `team-${i % 50}`;
const templateName = (i: number) => `availability-${i % 10}`;

function templateObject(i: number, namespace: string) {
  return {
    apiVersion: 'sre.vigil.dev/v1alpha1',
    kind: 'ServiceLevelIndicatorTemplate',
    metadata: { name: templateName(i), namespace },
    spec: {
      kind: 'availability',
      goodEvents: `sum(rate(istio_requests_total{destination_service_name="{{Service.Name}}", destination_service_namespace="{{Service.Namespace}}", response_code!~"5.."}[{{SLO.Period}}]))`,
      totalEvents: `sum(rate(istio_requests_total{destination_service_name="{{Service.Name}}", destination_service_namespace="{{Service.Namespace}}"}[{{SLO.Period}}]))`,
    },
  };
}

function sloObject(i: number, goal = '99.9') {
  const namespace = namespaceOf(i);
  return {
    apiVersion: 'sre.vigil.dev/v1alpha1',
    kind: 'ServiceLevelObjective',
    metadata: { name: `svc-${i}`, namespace },
    spec: {
      selector: { name: `svc-${i}`, namespace },
      sli: { templateRef: { name: templateName(i), namespace: 'vigil-system' } },
      slo: { goal, rolling: { length: '30d' } },
      alertingPolicySet: 'standard',
    },
  };
}

function policyObject(name: string, threshold: string, long: string, short: string, severity: string) {
  return {
    apiVersion: 'sre.vigil.dev/v1alpha1',
    kind: 'AlertingPolicy',
    metadata: { name, namespace: 'vigil-system' },
    spec: { policySet: 'standard', burnrate: { threshold, lookBackWindow: long, secondaryWindow: short, conditionMetDuration: '2m', severity } },
  };
}

// ---------------------------------------------------------------- API server side (child process)

async function serve(): Promise<void> {
  const server: FakeKubeApiServer = await startFakeKubeApiServer({ historyLimit: 200_000 });
  const v = gvr;
  let total = 0;
  const reply = (id: number, body: unknown) => process.send!({ id, body });
  process.on('message', async (message: Request) => {
    switch (message.op) {
      case 'seed': {
        total = message.slos;
        for (let t = 0; t < message.templates; t++) server.upsert(v.ServiceLevelIndicatorTemplate.group, v.ServiceLevelIndicatorTemplate.version, v.ServiceLevelIndicatorTemplate.plural, templateObject(t, 'vigil-system'));
        for (const [name, threshold, long, short, severity] of [
          ['fast-burn', '14.4', '1h', '5m', 'page'],
          ['slow-burn', '6', '6h', '30m', 'page'],
          ['ticket', '1', '3d', '6h', 'ticket'],
        ] as const) {
          server.upsert(v.AlertingPolicy.group, v.AlertingPolicy.version, v.AlertingPolicy.plural, policyObject(name, threshold, long, short, severity));
        }
        for (let i = 0; i < message.slos; i++) server.upsert(v.ServiceLevelObjective.group, v.ServiceLevelObjective.version, v.ServiceLevelObjective.plural, sloObject(i));
        server.resetCounts();
        return reply(message.id, { url: server.url });
      }
      case 'progress': {
        let rules = 0;
        let ready = 0;
        const prs = server.collections.get(`${v.PrometheusRule.group}/${v.PrometheusRule.plural}`);
        const slos = server.collections.get(`${v.ServiceLevelObjective.group}/${v.ServiceLevelObjective.plural}`)!;
        rules = prs?.objects.size ?? 0;
        for (const o of slos.objects.values()) {
          const status = o.status as { observedGeneration?: number; conditions?: Array<{ type: string; status: string }> } | undefined;
          if (status?.observedGeneration === o.metadata.generation && status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ready++;
        }
        return reply(message.id, { rules, ready, total });
      }
      case 'edit': {
        const i = Number(message.name.slice('svc-'.length));
        const ns = namespaceOf(i);
        const before = server.getObject(v.PrometheusRule.group, v.PrometheusRule.plural, ns, prometheusRuleName(message.name))?.metadata.annotations as Record<string, string> | undefined;
        const t0 = performance.now();
        server.upsert(v.ServiceLevelObjective.group, v.ServiceLevelObjective.version, v.ServiceLevelObjective.plural, sloObject(i, message.goal));
        for (;;) {
          const now = server.getObject(v.PrometheusRule.group, v.PrometheusRule.plural, ns, prometheusRuleName(message.name))?.metadata.annotations as Record<string, string> | undefined;
          if (now?.[annotations.hash] !== before?.[annotations.hash]) break;
          if (performance.now() - t0 > 30_000) return reply(message.id, { ms: -1 });
          await new Promise((r) => setTimeout(r, 1));
        }
        return reply(message.id, { ms: performance.now() - t0 });
      }
      case 'counts':
        return reply(message.id, { total: server.counts.total, byVerb: server.counts.byVerb });
    }
  });
  process.send!({ id: 0, body: 'up' });
}

// ---------------------------------------------------------------- controller side (this process)

async function bench(): Promise<void> {
  const n = Number(process.env.BENCH_SLOS ?? 10_000);
  const child = fork(new URL(import.meta.url).pathname, ['--serve'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (body: any) => void>(); // eslint-disable-line @typescript-eslint/no-explicit-any
  let nextId = 1;
  const up = new Promise<void>((resolve) => pending.set(0, () => resolve()));
  child.on('message', (m: { id: number; body: unknown }) => {
    pending.get(m.id)?.(m.body);
    pending.delete(m.id);
  });
  type Op = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;
  const call = <T>(req: Op): Promise<T> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      child.send({ ...req, id });
    });
  await up;
  const seedStart = performance.now();
  const { url } = await call<{ url: string }>({ op: 'seed', slos: n, templates: 10 });
  process.stdout.write(`seeded ${n} SLOs, 10 templates, 3 set policies in ${((performance.now() - seedStart) / 1000).toFixed(1)} s (API server in a child process)\n`);

  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(
    `apiVersion: v1\nkind: Config\nclusters:\n- name: b\n  cluster:\n    server: ${url}\n    insecure-skip-tls-verify: true\nusers:\n- name: b\n  user:\n    token: t\ncontexts:\n- name: b\n  context:\n    cluster: b\n    user: b\ncurrent-context: b\n`,
  );
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const t0 = performance.now();
  // Production settings: leader election on (default timings), default queue and informer options.
  const c = await createKubernetesController({
    kubeConfig,
    compile: defaultCompile,
    logger: pino({ level: 'silent' }),
    resyncMs: 0,
    leaderElection: { namespace: 'vigil-system', name: 'vigil-controller', identity: 'bench' },
  });
  await c.start();
  const synced = performance.now();
  let progress = { rules: 0, ready: 0, total: n };
  let lastPrint = 0;
  for (;;) {
    progress = await call<typeof progress>({ op: 'progress' });
    if (progress.rules === n && progress.ready === n) break;
    if (performance.now() - lastPrint > 5_000) {
      lastPrint = performance.now();
      process.stdout.write(`  … ${((performance.now() - t0) / 1000).toFixed(0)} s: ${progress.rules} PrometheusRules, ${progress.ready} Ready\n`);
    }
    if (performance.now() - t0 > 600_000) throw new Error('initial sync did not finish in 10 minutes');
    await new Promise((r) => setTimeout(r, 200));
  }
  const initial = performance.now() - t0;
  await c.controller.whenIdle();
  const settled = performance.now() - t0;
  const counts = await call<{ total: number; byVerb: Record<string, number> }>({ op: 'counts' });
  peakRss = Math.max(peakRss, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);

  // A full resync at this scale: level-triggered, so it should write nothing and mostly skip compiling.
  const resyncStart = performance.now();
  c.controller.resync();
  await c.controller.whenIdle();
  const resyncMs = performance.now() - resyncStart;
  const afterResync = await call<{ total: number; byVerb: Record<string, number> }>({ op: 'counts' });
  const resyncWrites = Object.entries(afterResync.byVerb)
    .filter(([verb]) => !['list', 'watch', 'get', 'update', 'create'].includes(verb))
    .reduce((n, [verb, count]) => n + count - (counts.byVerb[verb] ?? 0), 0);
  const skips = (await c.metrics.compileSkips.get()).values[0]?.value ?? 0;

  const edits: number[] = [];
  for (let k = 0; k < 7; k++) {
    const { ms } = await call<{ ms: number }>({ op: 'edit', name: `svc-${(k * 1_367) % n}`, goal: k % 2 ? '99.5' : '99.95' });
    edits.push(ms);
    await new Promise((r) => setTimeout(r, 200));
  }
  clearInterval(sampler);
  edits.sort((a, b) => a - b);
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
  const out = [
    `controller initial sync, ${n} SLOs:`,
    `  caches synced after            ${(synced - t0).toFixed(0)} ms`,
    `  all PrometheusRules + Ready    ${(initial / 1000).toFixed(1)} s   (target < 60 s)`,
    `  queue drained (incl. template/policy status)  ${(settled / 1000).toFixed(1)} s`,
    `  peak RSS                       ${mb(peakRss)}   (target < 600 MB; ${mb(rssBefore)} before start)`,
    `  API requests                   ${counts.total}  ${JSON.stringify(counts.byVerb)}`,
    `  status writes ${c.status.stats.writes}, PrometheusRule applies ${c.sink.stats.applies}, reconciles ${c.controller.queue.stats.processed}`,
    `full resync of ${n} SLOs: ${(resyncMs / 1000).toFixed(1)} s, ${resyncWrites} writes, ${skips} compiles skipped`,
    `single SLO edit → PrometheusRule updated: median ${edits[Math.floor(edits.length / 2)]!.toFixed(0)} ms, max ${edits.at(-1)!.toFixed(0)} ms over ${edits.length} edits   (target < 1 s)`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  await c.close();
  child.kill();
}

if (process.argv.includes('--serve')) void serve();
else
  bench().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
