/**
 * `bash deploy/demo/run.sh`: the demo on embedded defaults. Backfills 30 days of a synthetic Istio mesh,
 * starts Redis, Prometheus, Alertmanager and `vigil all` on loopback, and prints where to look. Checkout
 * fails 20% of its requests for 3 minutes every 10 minutes: within minutes a page reaches the receiver.
 * Ctrl-C stops everything.
 */
import { join } from 'node:path';
import { watchGate } from '../../src/demo/gate-watch.js';
import { startDemoStack } from '../../src/demo/stack.js';
import { loadResources } from '../../src/resources/load-resources.js';
import { compile } from '../../src/rules/compile.js';

const days = Number(process.env.VIGIL_DEMO_DAYS ?? 30);
const log = (line: string) => process.stdout.write(`${line}\n`);
log(`Vigil demo: ${days} days of history, then live traffic with an incident every 10 minutes.`);
const stack = await startDemoStack({ backfillDays: days, log });
const { urls, prometheusPages } = stack;
log(`
Vigil demo is running (Ctrl-C stops everything):
  REST API          ${urls.api}/api/v1/slos        (docs ${urls.api}/docs, metrics ${urls.api}/metrics)
  Prometheus        ${prometheusPages.alerts}       (rules ${prometheusPages.rules})
  Alertmanager      ${urls.alertmanager}/#/alerts
  Alert receiver    ${urls.receiver}/notifications  (pages and tickets are also printed here)
  Mesh metrics      ${urls.traffic}/metrics
  SLO resources     deploy/demo/resources/ (edit a file: the rules follow within seconds)
The first checkout incident starts now; expect "alert: PAGE firing shop/checkout-availability" within about 5 minutes,
and "GATE FAIL shop/checkout-availability" while it lasts ("GATE PASS" once the 5-minute burn rate is back under 2×).
`);
// The release gate, as a CI job or a Flagger webhook would ask it: FAIL during each incident, PASS after.
const root = join(import.meta.dirname, '../..');
const checkout = compile(loadResources([join(root, 'deploy/demo/resources')], root).resources).slos.find((s) => s.name === 'checkout-availability');
const gate = checkout ? watchGate({ api: urls.api, prometheus: urls.prometheus, slo: checkout, canaryWorkload: 'checkout-canary', log }) : undefined;
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  gate?.stop();
  log('stopping…');
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
