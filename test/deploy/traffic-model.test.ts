/** The demo traffic model: exact counters, incidents where scheduled, determinism, and its two adapters. */
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { demoIncidents, demoMesh, type Incident, type MeshConfig } from '../../src/demo/mesh.js';
import { activeIncidents, meshSeries, type SeriesSpec } from '../../src/demo/traffic-model.js';
import { backfillTimestamps, prometheusText } from '../../src/demo/exposition.js';
import { backfillTsdb, blockWindows } from '../../src/demo/backfill.js';
import { startTrafficServer } from '../../src/demo/traffic-server.js';
import { startPrometheus } from '../support/prometheus.js';
import { tempDir, waitFor } from '../support/processes.js';

const from = 1_790_000_000 - (1_790_000_000 % 3600); // a whole hour
const config = demoMesh({ incidents: demoIncidents({ from }) });
const series = meshSeries(config);

function pick(s: readonly SeriesSpec[], name: string, labels: Record<string, string>): SeriesSpec[] {
  return s.filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v));
}

function increase(list: readonly SeriesSpec[], a: number, b: number): number {
  return list.reduce((sum, s) => sum + s.at(b) - s.at(a), 0);
}

const checkoutDest = { reporter: 'destination', destination_service_name: 'checkout' };

describe('traffic model', () => {
  it('has the series of an 8-service mesh: Istio requests and histograms, cAdvisor and kube-state-metrics', () => {
    const names = new Set(series.map((s) => s.name));
    for (const n of [
      'istio_requests_total', 'istio_request_duration_milliseconds_bucket', 'istio_request_duration_milliseconds_sum',
      'istio_request_duration_milliseconds_count', 'container_cpu_usage_seconds_total', 'container_cpu_cfs_throttled_periods_total',
      'container_cpu_cfs_periods_total', 'container_memory_working_set_bytes', 'kube_pod_container_resource_limits', 'kube_pod_container_resource_requests',
    ]) expect(names, n).toContain(n);
    expect(new Set(series.map((s) => s.labels.destination_service_name).filter(Boolean)).size).toBe(8);
    expect(new Set(series.map((s) => JSON.stringify([s.name, s.labels]))).size).toBe(series.length);
    // Pod names look like a Deployment's (what the health queries strip to find the workload).
    const pods = pick(series, 'container_memory_working_set_bytes', {}).map((s) => s.labels.pod!);
    for (const pod of pods) expect(pod).toMatch(/^[a-z]+-[a-z0-9]{5,10}-[a-z0-9]{5}$/);
  });

  it('counters never decrease, over a week at 5-minute steps', () => {
    const counters = series.filter((s) => s.family.type !== 'gauge');
    const decreases: string[] = [];
    for (const s of counters) {
      let prev = -Infinity;
      for (let t = from - 7 * 86400; t <= from + 3600; t += 300) {
        const v = s.at(t);
        if (!(v >= prev)) decreases.push(`${s.name} ${JSON.stringify(s.labels)} at ${t}`);
        prev = v;
      }
    }
    expect(counters.length).toBeGreaterThan(300);
    expect(decreases).toEqual([]);
  });

  it('checkout answers 20% 503 during its scheduled incident and its normal 0.01% outside', () => {
    const bad = pick(series, 'istio_requests_total', { ...checkoutDest, response_code: '503' });
    const all = pick(series, 'istio_requests_total', checkoutDest);
    // Occurrence 5: [from + 3000, from + 3180)
    const inside = increase(bad, from + 3010, from + 3170) / increase(all, from + 3010, from + 3170);
    const outside = increase(bad, from + 3200, from + 3590) / increase(all, from + 3200, from + 3590);
    expect(inside).toBeCloseTo(0.2, 10);
    expect(outside).toBeCloseTo(0.0001, 10);
    const checkout = (t: number) => activeIncidents(config, t).filter((i) => i.service === 'checkout').map((i) => i.name);
    expect(checkout(from + 3010)).toEqual(['checkout-errors']);
    expect(checkout(from + 3200)).toEqual([]);
  });

  it('a canary workload takes its share of the service\'s traffic: the two workloads add up to the service without one', () => {
    const withCanary = meshSeries(demoMesh({ incidents: demoIncidents({ from }), canary: true }));
    const canary = pick(withCanary, 'istio_requests_total', { ...checkoutDest, destination_workload: 'checkout-canary' });
    const stable = pick(withCanary, 'istio_requests_total', { ...checkoutDest, destination_workload: 'checkout' });
    const [a, b] = [from + 3010, from + 3170]; // inside a checkout incident
    expect(canary.length).toBeGreaterThan(0);
    expect(increase(canary, a, b) / (increase(canary, a, b) + increase(stable, a, b))).toBeCloseTo(0.1, 10);
    expect(increase([...canary, ...stable], a, b)).toBeCloseTo(increase(pick(series, 'istio_requests_total', checkoutDest), a, b), 6);
    const canaryBad = pick(canary, 'istio_requests_total', { response_code: '503' });
    expect(increase(canaryBad, a, b) / increase(canary, a, b)).toBeCloseTo(0.2, 10);
    // Other services are untouched.
    expect(pick(withCanary, 'istio_requests_total', { destination_service_name: 'cart' }).length).toBe(pick(series, 'istio_requests_total', { destination_service_name: 'cart' }).length);
  });

  it('the closed-form sum over periodic incidents equals the same incidents listed one by one', () => {
    const periodic = config.incidents.filter((i) => i.name === 'checkout-errors');
    const expanded: Incident[] = Array.from({ length: 60 }, (_, k) => ({
      ...periodic[0]!,
      schedule: { start: from + k * 600, duration: 180 },
    }));
    const a: MeshConfig = { ...config, incidents: periodic };
    const b: MeshConfig = { ...config, incidents: expanded };
    const sa = pick(meshSeries(a), 'istio_requests_total', { ...checkoutDest, response_code: '503' })[0]!;
    const sb = pick(meshSeries(b), 'istio_requests_total', { ...checkoutDest, response_code: '503' })[0]!;
    for (const t of [from - 10, from + 90, from + 7 * 600 + 179, from + 35_999]) expect(sa.at(t)).toBeCloseTo(sb.at(t), 4);
  });

  it('catalog latency is five times slower during its incident: p99 moves up the buckets', () => {
    const buckets = pick(series, 'istio_request_duration_milliseconds_bucket', { destination_service_name: 'catalog', source_workload: 'frontend' });
    const share = (le: string, a: number, b: number) =>
      increase(buckets.filter((s) => s.labels.le === le), a, b) / increase(buckets.filter((s) => s.labels.le === '+Inf'), a, b);
    const normal = share('100', from + 10, from + 290); // catalog's first incident starts at from + 300
    const slow = share('100', from + 310, from + 530);
    expect(normal).toBeGreaterThan(0.99);
    expect(slow).toBeLessThan(0.5);
    // Buckets are cumulative.
    const les = buckets.map((s) => s.labels.le!).filter((l) => l !== '+Inf');
    const values = les.map((le) => share(le, from + 310, from + 530));
    expect([...values].sort((x, y) => x - y)).toEqual(values);
  });

  it('traffic follows a daily cycle', () => {
    const total = pick(series, 'istio_requests_total', { reporter: 'destination', destination_service_name: 'frontend' });
    const peak = Date.UTC(2026, 5, 10, 14) / 1000;
    const night = Date.UTC(2026, 5, 10, 2) / 1000;
    expect(increase(total, peak, peak + 3600) / increase(total, night, night + 3600)).toBeGreaterThan(2);
  });

  it('is deterministic from the seed', () => {
    const again = prometheusText(meshSeries(demoMesh({ incidents: demoIncidents({ from }) })), from + 123);
    expect(again).toBe(prometheusText(series, from + 123));
    expect(prometheusText(meshSeries(demoMesh({ seed: 7, incidents: demoIncidents({ from }) })), from + 123)).not.toBe(again);
  });

  it('cuts backfill times into aligned 2-hour blocks, 5-minute steps then 1-minute steps', () => {
    const ts = backfillTimestamps({ start: from - 86400, end: from, step: 300, recentStep: 60, recentWindow: 3600 });
    expect(ts[0]).toBe(from - 86400);
    expect(ts.at(-1)).toBe(from);
    expect(ts.filter((t) => t >= from - 3600).length).toBe(61);
    const windows = blockWindows(ts);
    expect(windows.length).toBe(Math.floor(from / 7200) - Math.floor((from - 86400) / 7200) + 1);
    for (const w of windows) expect(new Set(w.map((t) => Math.floor(t / 7200))).size).toBe(1);
  });
});

describe('traffic adapters', () => {
  it('the live server prints the model at the current time', async () => {
    await using server = await startTrafficServer({ config, clock: () => from + 42 });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toBe(prometheusText(series, from + 42));
    expect(text).toContain('# TYPE istio_request_duration_milliseconds histogram');
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it('backfilled history and live scrapes continue each other in a real Prometheus', async () => {
    const dir = await tempDir('traffic');
    try {
      const now = Math.floor(Date.now() / 1000);
      const live = demoMesh({ incidents: demoIncidents({ from: now - 3 * 3600 }) });
      await using server = await startTrafficServer({ config: live });
      // History carries the target labels the live scrape gets, so both are one series.
      const labels = { job: 'mesh', instance: `127.0.0.1:${server.port}` };
      const result = await backfillTsdb({ config: live, start: now - 4 * 3600, end: now - 30, recentWindow: 4 * 3600, tsdbDir: dir.path, labels });
      expect(result.blocks).toBeGreaterThanOrEqual(2);
      expect((await readdir(dir.path)).length).toBeGreaterThanOrEqual(2);
      const prom = await startPrometheus({
        dataDir: dir.path,
        scrapeConfigsYaml: `  - job_name: mesh\n    static_configs: [{targets: ["127.0.0.1:${server.port}"]}]\n`,
      });
      try {
        // 20% of checkout's requests fail during an incident (history): the error ratio over the first
        // occurrence, read back from the TSDB blocks.
        const q = (w: string, t: number) =>
          prom.query(
            `sum(increase(istio_requests_total{reporter="destination",destination_service_name="checkout",response_code="503"}[${w}])) / sum(increase(istio_requests_total{reporter="destination",destination_service_name="checkout"}[${w}]))`,
            t,
          );
        const during = await q('2m', now - 3 * 3600 + 3 * 600 + 170);
        expect(Number(during[0]!.value[1])).toBeCloseTo(0.2, 3);
        await waitFor('two live scrapes', async () => {
          const scraped = await prom.query('count_over_time(up{job="mesh"}[1m])');
          return scraped.length > 0 && Number(scraped[0]!.value[1]) >= 2;
        });
        // Live scrapes continue the backfilled series: one series per label set, no reset, and the
        // increase across the boundary is the model's.
        const selector = 'istio_requests_total{reporter="destination",destination_service_name="frontend",source_workload="istio-ingressgateway",response_code="200"}';
        const series = await prom.query(`count_over_time(${selector}[10m])`);
        expect(series.length).toBe(1);
        expect(series[0]!.metric).toMatchObject(labels);
        const resets = await prom.query('sum(resets(istio_requests_total[1h]))');
        expect(Number(resets[0]!.value[1])).toBe(0);
        const values = await waitFor('live samples in the backfilled series', async () => {
          const raw = (await prom.query(`${selector}[3m]`)) as unknown as Array<{ values: Array<[number, string]> }>;
          const v = raw[0]?.values ?? [];
          return v.length > 0 && v[v.length - 1]![0] > now ? v : undefined;
        });
        const [firstT, firstV] = values[0]!;
        const [lastT, lastV] = values[values.length - 1]!;
        expect(firstT).toBeLessThan(now - 30 + 1); // a backfilled sample …
        expect(lastT).toBeGreaterThan(now); // … and a live one in the same series
        const model = pick(meshSeries(live), 'istio_requests_total', { reporter: 'destination', destination_service_name: 'frontend', source_workload: 'istio-ingressgateway', response_code: '200' })[0]!;
        // The live server stamps values when it answers, Prometheus when it starts the scrape: up to a few
        // hundred ms apart on a loaded machine, i.e. a few 1e-3 of a 3-minute increase. A split series or a
        // lost increase would be off by tens of percent.
        const expected = model.at(lastT) - model.at(firstT);
        expect(Math.abs(Number(lastV) - Number(firstV) - expected) / expected).toBeLessThan(5e-3);
      } finally {
        await prom.stop();
      }
    } finally {
      await dir.remove();
    }
  });
});

describe('incident shares', () => {
  it('refuses an error ratio that would leave a negative share of 200s (a backwards counter)', () => {
    expect(() => meshSeries(demoMesh({ incidents: demoIncidents({ from: 1_800_000_000, checkoutErrorRatio: 1 }) }))).toThrow(/exceeds 1/);
    expect(meshSeries(demoMesh({ incidents: demoIncidents({ from: 1_800_000_000, checkoutErrorRatio: 0.5 }) })).length).toBeGreaterThan(10);
  });
});
