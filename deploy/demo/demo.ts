/**
 * `bash deploy/demo/run.sh`: the demo on embedded defaults. Backfills 30 days of a synthetic Istio mesh,
 * starts Redis, Prometheus, Alertmanager and `vigil all` on loopback, and prints where to look. Checkout
 * fails 20% of its requests for 3 minutes every 10 minutes: within minutes a page reaches the receiver.
 * `--engine victoriametrics` runs the same demo on VictoriaMetrics and vmalert. Ctrl-C stops everything.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { watchGate } from '../../src/demo/gate-watch.js';
import { demoEngines, startDemoStack, type DemoEngine } from '../../src/demo/stack.js';
import { loadResources } from '../../src/resources/load-resources.js';
import { compile } from '../../src/rules/compile.js';

const help = `Usage: bash deploy/demo/run.sh [--engine prometheus|victoriametrics]

The Vigil demo on loopback: 30 days of a synthetic Istio mesh's history, live traffic with an incident every
10 minutes, Alertmanager, Redis and \`vigil all\`. Ctrl-C stops everything.

  --engine prometheus       Prometheus stores the metrics and evaluates the rules (default)
  --engine victoriametrics  VictoriaMetrics stores the metrics (scraping the mesh itself, the history imported)
                            and answers the worker and API; vmalert evaluates the rules, reloaded by \`vigil all\`
                            (needs the Debian victoria-metrics package; run.sh installs it)
  -h, --help                this text

VIGIL_DEMO_DAYS sets the days of history (default 30).
`;
const log = (line: string) => process.stdout.write(`${line}\n`);
let engine: DemoEngine;
try {
  const { values } = parseArgs({ options: { engine: { type: 'string', default: 'prometheus' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    process.stdout.write(help);
    process.exit(0);
  }
  if (!demoEngines.includes(values.engine as DemoEngine)) throw new Error(`--engine must be ${demoEngines.join(' or ')}, got ${JSON.stringify(values.engine)}`);
  engine = values.engine as DemoEngine;
} catch (error) {
  process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)} (see --help)\n`);
  process.exit(1);
}
const days = Number(process.env.VIGIL_DEMO_DAYS ?? 30);
const victoria = engine === 'victoriametrics';
log(`Vigil demo on ${victoria ? 'VictoriaMetrics and vmalert' : 'Prometheus'}: ${days} days of history, then live traffic with an incident every 10 minutes.`);
const stack = await startDemoStack({ backfillDays: days, engine, log });
const { urls, prometheusPages } = stack;
const store = victoria
  ? `  VictoriaMetrics   ${urls.prometheus}/api/v1/query   (the query endpoint; scrapes the mesh and vigil all)
  vmalert           ${prometheusPages.alerts}   (rules ${prometheusPages.rules})`
  : `  Prometheus        ${prometheusPages.alerts}       (rules ${prometheusPages.rules})`;
log(`
Vigil demo is running (Ctrl-C stops everything):
  REST API          ${urls.api}/api/v1/slos        (docs ${urls.api}/docs, metrics ${urls.api}/metrics)
${store}
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
