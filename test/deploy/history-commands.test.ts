/**
 * `vigil backfill` and `vigil backtest` on the demo mesh's data against a real Prometheus: a month of
 * checkout traffic (the demo's traffic model, with an incident schedule), the recordings backfilled from
 * it and loaded into Prometheus, their tiles checked against the raw counters, and the backtest's report
 * of the incidents. Bad input answers with one clear line.
 */
import { createWriteStream } from 'node:fs';
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { backfillTimestamps, openMetricsChunks } from '../../src/demo/exposition.js';
import { demoMesh, type Incident } from '../../src/demo/mesh.js';
import { meshSeries } from '../../src/demo/traffic-model.js';
import { tempDir } from '../support/processes.js';
import { promtool, startPrometheus, type RunningPrometheus } from '../support/prometheus.js';

const NOW = Math.floor(Date.now() / 1000 / 300) * 300;
const DAY = 86_400;
/**
 * Checkout fails half its requests for 40 minutes five days ago, and 3 % for two hours twelve days ago; 10 %
 * for an hour two days ago, inside the newest 3d window but before the last hours backfill evaluates in full.
 */
const incidents: Incident[] = [
  { name: 'outage', service: 'checkout', effect: { kind: 'errors', errorRatio: 0.5 }, schedule: { start: NOW - 5 * DAY, duration: 2400 } },
  { name: 'recent', service: 'checkout', effect: { kind: 'errors', errorRatio: 0.1 }, schedule: { start: NOW - 2 * DAY, duration: 3600 } },
  { name: 'slow-burn', service: 'checkout', effect: { kind: 'errors', errorRatio: 0.03 }, schedule: { start: NOW - 12 * DAY, duration: 7200 } },
];
const full = demoMesh({ incidents });
const config = { ...full, services: full.services.filter((s) => s.name === 'checkout'), edges: full.edges.filter((e) => e.destination === 'checkout') };

let dir: Awaited<ReturnType<typeof tempDir>>;
/** The raw month as blocks; never served itself (each Prometheus below gets a copy). */
let rawBlocks: string;
/** A Prometheus with the raw month only: what `vigil backfill` reads. */
let prometheus: RunningPrometheus;
const started: RunningPrometheus[] = [];

async function vigil(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), env: process.env, cwd: process.cwd() });
  return { code, stdout, stderr };
}

/** A Prometheus on a fresh data directory holding copies of the given block directories' blocks. */
async function prometheusWith(...blockDirs: string[]): Promise<RunningPrometheus> {
  const dataDir = join(dir.path, `data-${started.length}`);
  await mkdir(dataDir);
  for (const blocks of blockDirs) for (const block of await readdir(blocks)) await cp(join(blocks, block), join(dataDir, block), { recursive: true });
  const running = await startPrometheus({ dataDir, retention: '45d' });
  started.push(running);
  return running;
}

beforeAll(async () => {
  dir = await tempDir('history-commands');
  rawBlocks = join(dir.path, 'raw');
  await mkdir(rawBlocks);
  // A month of the checkout requests every 5 minutes (the last hour every 30 s), in one long block.
  const series = meshSeries(config).filter((s) => s.name === 'istio_requests_total');
  const timestamps = backfillTimestamps({ start: NOW - 31 * DAY, end: NOW, step: 300, recentStep: 30, recentWindow: 3600 });
  const file = join(dir.path, 'history.om');
  const out = createWriteStream(file);
  for (const chunk of openMetricsChunks(series, timestamps, { labels: { job: 'mesh', instance: 'mesh:1' } })) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  const made = await promtool(['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', '--max-block-duration=800h', file, rawBlocks]);
  expect(made.code, made.stderr).toBe(0);
  prometheus = await prometheusWith(rawBlocks);
}, 120_000);

afterAll(async () => {
  for (const running of started) await running.stop();
  await dir?.remove();
});

/** `vigil backfill` of checkout's recordings over the month from the raw Prometheus into a new directory. */
async function backfillCheckout(output: string) {
  return vigil(['backfill', '-f', 'deploy/demo/resources', '--slo', 'shop/checkout-availability', '--prometheus-url', prometheus.url, '--from', '30d', '--output-dir', output]);
}

describe('vigil backfill', () => {
  it('writes the recordings of a month as blocks that Prometheus serves, equal to the raw counters', async () => {
    const output = join(dir.path, 'blocks');
    const result = await backfillCheckout(output);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/backfill \[#+\.*\] +\d+% tier 1/);
    expect(result.stderr).toMatch(/vigil backfill: 1 SLO\(s\), \d+ samples in \d+ block\(s\)/);
    const blocks = await readdir(output);
    expect(blocks.length).toBeGreaterThan(0);
    // As the README says: the blocks beside the raw ones in a Prometheus data directory, read at its start.
    const served = await prometheusWith(rawBlocks, output);
    const q = async (expr: string) => Number((await served.query(expr, NOW))[0]?.value[1]);
    const sel = '{slo="checkout-availability", namespace="shop"}';
    // 5m tiles over the whole month (not only the last hours), hourly tiles too.
    expect(await q(`count_over_time(vigil:sli_total:rate5m${sel}[29d23h57m30s:5m])`)).toBeGreaterThanOrEqual(8630);
    expect(await q(`count_over_time(vigil:sli_total:rate1h${sel}[29d23h30m:1h])`)).toBeGreaterThanOrEqual(718);
    // The month's error ratio from the 5m tiles equals the raw counters' within 0.1 %.
    const tiles = await q(`1 - sum_over_time(vigil:sli_good:rate5m${sel}[29d23h57m30s:5m]) / sum_over_time(vigil:sli_total:rate5m${sel}[29d23h57m30s:5m])`);
    const raw = await q(
      'sum(increase(istio_requests_total{reporter="destination", destination_service_name="checkout", response_code=~"5.."}[30d])) / sum(increase(istio_requests_total{reporter="destination", destination_service_name="checkout"}[30d]))',
    );
    expect(raw).toBeGreaterThan(0);
    expect(Math.abs(tiles - raw) / raw).toBeLessThan(0.001);
    // The newest 3d error ratio, composed from the backfilled rolling 1d rates at offsets 1d and 2d (and
    // those from the 6h and 1h ones), equals the raw counters' over the same 3 days within 0.1 %.
    const at = await q(`timestamp(vigil:slo_error_ratio:rate3d${sel})`);
    const composed = Number((await served.query(`vigil:slo_error_ratio:rate3d${sel}`, at))[0]?.value[1]);
    const raw3d = Number(
      (await served.query('sum(increase(istio_requests_total{reporter="destination", destination_service_name="checkout", response_code=~"5.."}[3d])) / sum(increase(istio_requests_total{reporter="destination", destination_service_name="checkout"}[3d]))', at))[0]?.value[1],
    );
    expect(raw3d).toBeGreaterThan(0);
    expect(Math.abs(composed - raw3d) / raw3d).toBeLessThan(0.001);
  }, 180_000);

  it.each([
    ['an unknown SLO', ['--slo', 'shop/nope', '--from', '30d'], /unknown SLO "shop\/nope": the files define .*shop\/checkout-availability/],
    ['a range beyond retention', ['--from', '90d'], /--from 90d is beyond Prometheus's retention \(45d\)/],
    ['a range without raw data', ['--slo', 'shop/payments-availability', '--from', '2d'], /no raw data for SLO shop\/payments-availability between/],
  ])('answers %s with one clear line', async (_name, args, message) => {
    const result = await vigil(['backfill', '-f', 'deploy/demo/resources', '--prometheus-url', prometheus.url, '--output-dir', join(dir.path, `out-${Math.random()}`), ...args]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses a non-empty output directory', async () => {
    const full = join(dir.path, 'full');
    await mkdir(full);
    await writeFile(join(full, 'x'), 'x');
    const result = await vigil(['backfill', '-f', 'deploy/demo/resources', '--prometheus-url', prometheus.url, '--from', '1d', '--output-dir', full]);
    expect([result.code, result.stderr]).toEqual([1, expect.stringMatching(/is not empty/)]);
  });
});

describe('vigil backtest', () => {
  /** A Prometheus with the raw month and checkout's recordings backfilled over it (this block's own). */
  let recorded: RunningPrometheus;
  beforeAll(async () => {
    const output = join(dir.path, 'backtest-blocks');
    const result = await backfillCheckout(output);
    expect(result.code, result.stderr).toBe(0);
    recorded = await prometheusWith(rawBlocks, output);
  }, 120_000);

  it('replays the workbook policies over the backfilled week: the outage pages, the slow burn is found', async () => {
    const result = await vigil(['backtest', '-f', 'deploy/demo/resources', '--slo', 'shop/checkout-availability', '--prometheus-url', recorded.url, '--range', '14d', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.source).toBe('recorded');
    const current = report.sets[0].report;
    const outage = current.incidents.find((x: { startMs: number }) => Math.abs(x.startMs - (NOW - 5 * DAY) * 1000) <= 300_000);
    expect(outage).toBeDefined();
    expect(outage.pagedBy.policy).toBe('workbook-page-fast');
    // 50 % errors pass 14.4 × 0.05 % over 1h within the first minutes; the page fires after its `for`.
    expect(outage.pagedBy.delaySeconds).toBeLessThan(600);
    expect(current.detectionDelaysSeconds.length).toBeGreaterThanOrEqual(1);
    // The 3 % slow burn twelve days ago burns faster than the budget for two hours: an incident too.
    expect(current.incidents.some((x: { startMs: number }) => Math.abs(x.startMs - (NOW - 12 * DAY) * 1000) <= 600_000)).toBe(true);
    const fast = current.policies.find((p: { policy: { name: string } }) => p.policy.name === 'workbook-page-fast');
    expect(fast.intervals.length).toBeGreaterThanOrEqual(1);
    expect(fast.perWeek).toBeGreaterThan(0);
  }, 60_000);

  it('prints a side-by-side summary and answers an SLO without data clearly', async () => {
    const text = await vigil(['backtest', '-f', 'deploy/demo/resources', '--slo', 'shop/checkout-availability', '--prometheus-url', recorded.url, '--range', '7d']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/policy set current:\n {2}page {3}workbook-page-fast: \d+ alert\(s\)/);
    const none = await vigil(['backtest', '-f', 'deploy/demo/resources', '--slo', 'shop/payments-availability', '--prometheus-url', recorded.url, '--range', '7d']);
    expect([none.code, none.stderr]).toEqual([1, expect.stringMatching(/^vigil backtest: no data for SLO shop\/payments-availability between /)]);
    const far = await vigil(['backtest', '-f', 'deploy/demo/resources', '--slo', 'shop/checkout-availability', '--prometheus-url', recorded.url, '--range', '90d']);
    expect([far.code, far.stderr]).toEqual([1, "vigil backtest: range 90d is beyond Prometheus's retention (45d): choose a range of at most 45d\n"]);
  }, 60_000);
});
