/**
 * The demo on VictoriaMetrics (`bash deploy/demo/run.sh --engine victoriametrics`), shortened: one day of
 * history imported into VictoriaMetrics (raw series and recording rules), VictoriaMetrics scraping the mesh,
 * vmalert evaluating the rules `vigil all` writes (and reloads it for), sending to Alertmanager; the worker and
 * the API read VictoriaMetrics. No Prometheus runs.
 *
 * The workbook's page policies hold their condition 2 minutes (`for`) before firing; to keep this test short
 * its resources are the demo's plus one page policy for checkout without `for` and with a 2× threshold, which
 * the same injected outage fires within seconds of its start through the same path (vmalert → Alertmanager
 * → receiver).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { historySlo } from '../../src/cli/history-slo.js';
import { startDemoStack, type DemoStack } from '../../src/demo/stack.js';
import { loadResources } from '../../src/resources/load-resources.js';
import { compile } from '../../src/rules/compile.js';
import { waitFor } from '../support/processes.js';
import { collectFirstFigures, expectFirstCycleMatchesRawCounters, type FirstFigures } from './demo-first-cycle.js';

const root = join(import.meta.dirname, '../..');
const backfillDays = 1;
const immediatePage = `---
apiVersion: sre.vigil.dev/v1alpha1
kind: AlertingPolicy
metadata:
  name: checkout-page-now
  namespace: shop
spec:
  sloRef: {name: checkout-availability, namespace: shop}
  burnrate:
    threshold: "2"
    lookBackWindow: 1h
    secondaryWindow: 5m
    severity: page
`;
let resources: string;
let stack: DemoStack;
let first: Map<string, FirstFigures>;
let demoSlos: ReturnType<typeof historySlo>[];

beforeAll(async () => {
  resources = await mkdtemp(join(tmpdir(), 'vigil-demo-vm-resources-'));
  await writeFile(join(resources, 'mesh-slos.yaml'), (await readFile(join(root, 'deploy/demo/resources/mesh-slos.yaml'), 'utf8')) + immediatePage);
  demoSlos = compile(loadResources([resources], root).resources).slos.map(historySlo);
  stack = await startDemoStack({
    engine: 'victoriametrics',
    backfillDays,
    resources,
    incidents: { checkoutErrorRatio: 0.5, checkoutDuration: 900, checkoutEvery: 3600 },
    ports: { prometheus: 0, vmalert: 0, alertmanager: 0, redis: 0, api: 0, traffic: 0, receiver: 0 },
    scrapeInterval: '5s',
    cycle: '5s',
  });
  first = await collectFirstFigures(stack.urls.api, demoSlos);
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  if (resources) await rm(resources, { recursive: true, force: true });
}, 60_000);

it("the first cycle's budget figures, read from VictoriaMetrics, equal its raw counters' exact ratio within 0.1 %", async () => {
  expect(stack.engine).toBe('victoriametrics');
  expect(stack.output('prometheus')).toBe(''); // no Prometheus in this stack
  await expectFirstCycleMatchesRawCounters(stack.urls.prometheus, demoSlos, first, backfillDays);
});

it('the injected checkout outage pages through vmalert and Alertmanager, and the API shows the burn', { timeout: 240_000 }, async () => {
  const page = await waitFor(
    'a checkout page at the receiver',
    async () => stack.receiver.notifications().find((n) => n.receiver === 'page' && n.status === 'firing' && n.labels.policy === 'checkout-page-now'),
    { timeoutMs: 200_000, intervalMs: 1000 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n--- vigil:\n${stack.output('vigil').slice(-3000)}\n--- vmalert:\n${stack.output('vmalert').slice(-3000)}`);
  });
  expect(page.labels).toMatchObject({ alertname: 'VigilErrorBudgetBurn', severity: 'page', namespace: 'shop', service: 'checkout', slo: 'checkout-availability' });
  // vmalert itself holds the firing alert (it loaded the rules through `vigil all`'s reload).
  const alerts = (await (await fetch(`${stack.urls.vmalert}/api/v1/alerts`)).json()) as { data: { alerts: Array<{ state: string; labels: Record<string, string> }> } };
  expect(alerts.data.alerts.some((a) => a.state === 'firing' && a.labels.policy === 'checkout-page-now')).toBe(true);
  // The worker computed the burn from VictoriaMetrics.
  const item = await waitFor('the burn in /api/v1/slos', async () => {
    const body = (await (await fetch(`${stack.urls.api}/api/v1/slos?namespace=shop`)).json()) as { items: Array<{ name: string; burnRate1h: number | null; fresh: boolean }> };
    const checkout = body.items.find((i) => i.name === 'checkout-availability');
    return checkout && checkout.fresh && (checkout.burnRate1h ?? 0) > 2 ? checkout : undefined;
  }, { timeoutMs: 60_000, intervalMs: 1000 });
  expect(item.burnRate1h).toBeGreaterThan(2); // 0.2 outside incidents
});
