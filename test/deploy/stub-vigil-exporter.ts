/**
 * STUB — stands in for the Vigil API's /metrics until the budget and health workers land on main.
 *
 * Emits the worker's exported names (DESIGN.md "Public names") with plausible constant values for the demo
 * mesh's SLOs and entities, so the dashboard test can prove every panel query returns data. When the real
 * worker and API exist, the dashboard test should scrape `vigil api`'s /metrics instead (see the TODO in
 * dashboards.test.ts) and this file can go.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubSlo {
  readonly slo: string;
  readonly namespace: string;
  readonly service: string;
}

const windows = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];
const serviceSignals = ['request_rate', 'error_ratio', 'latency_p95', 'latency_p99'];
const workloadSignals = [...serviceSignals, 'cpu_saturation', 'cpu_throttling', 'memory_saturation'];

function labels(l: Record<string, string>): string {
  return `{${Object.entries(l).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

export function stubExposition(slos: readonly StubSlo[], entities: { namespace: string; names: readonly string[] }, now: number): string {
  const lines: string[] = [];
  const gauge = (name: string, help: string, samples: Array<[Record<string, string>, number]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const [l, v] of samples) lines.push(`${name}${labels(l)} ${v}`);
  };
  const each = (f: (s: StubSlo, i: number) => number) => slos.map((s, i): [Record<string, string>, number] => [{ ...s }, f(s, i)]);
  gauge('vigil_slo_error_budget_consumed_ratio', 'Share of the error budget consumed in the current period.', each((_, i) => 0.1 + 0.15 * i));
  gauge('vigil_slo_error_budget_remaining_ratio', 'Share of the error budget left in the current period.', each((_, i) => 0.9 - 0.15 * i));
  gauge('vigil_slo_compliance_ratio', 'Share of good events in the current period.', each((_, i) => 0.9995 - 0.0001 * i));
  gauge('vigil_slo_time_to_exhaustion_seconds', 'Time until the budget is spent at the current burn rate.', each((_, i) => 86400 * (10 - i)));
  gauge('vigil_slo_computed_timestamp_seconds', 'When these figures were computed.', each(() => now));
  gauge(
    'vigil_slo_burn_rate',
    'Burn rate per window.',
    slos.flatMap((s, i) => windows.map((window, j): [Record<string, string>, number] => [{ ...s, window }, 0.5 + i + j / 10])),
  );
  const entitiesOf = (kind: string) => entities.names.map((name) => ({ kind, namespace: entities.namespace, name }));
  const all = [...entitiesOf('service'), ...entitiesOf('workload')];
  gauge('vigil_health_score', 'Health score, 1 healthy, 0 unhealthy.', all.map((e, i): [Record<string, string>, number] => [e, e.name === 'checkout' ? 0.3 : 0.8 + (i % 3) / 20]));
  gauge(
    'vigil_health_signal_score',
    'Health score per signal.',
    all.flatMap((e) => (e.kind === 'service' ? serviceSignals : workloadSignals).map((signal, j): [Record<string, string>, number] => [{ ...e, signal }, 0.6 + j / 20])),
  );
  return `${lines.join('\n')}\n`;
}

export async function startStubVigilExporter(slos: readonly StubSlo[], entities: { namespace: string; names: readonly string[] }) {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(stubExposition(slos, entities, Date.now() / 1000));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
