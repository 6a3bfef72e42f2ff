/**
 * `bash deploy/demo/run.sh`: the demo on embedded defaults. Backfills 30 days of a synthetic Istio mesh,
 * starts Redis, Prometheus, Alertmanager and `vigil all` on loopback, and prints where to look. Checkout
 * fails 20% of its requests for 3 minutes every 10 minutes: within minutes a page reaches the receiver.
 * Ctrl-C stops everything.
 */
import { startDemoStack } from '../../src/demo/stack.js';

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
The first checkout incident starts now; expect "alert: PAGE firing shop/checkout-availability" within about 5 minutes.
`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  log('stopping…');
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
