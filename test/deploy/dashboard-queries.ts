/** Every query of a shipped dashboard with Grafana's template variables substituted, and how to run it. */
import { dashboards, dashboardText } from '../../deploy/grafana/dashboards.js';

type Json = Record<string, any>;

export const dashboardFiles = Object.keys(dashboards);

/** What Grafana would substitute: one SLO and one entity of the demo mesh. */
const variables: Record<string, string> = {
  namespace: 'shop',
  slo: 'checkout-availability',
  kind: 'service',
  name: 'checkout',
  __rate_interval: '10m',
  __interval: '1m',
  __range: '1h',
};

export function substitute(expr: string): string {
  return expr.replace(/\$\{?(\w+)\}?/g, (whole, name: string) => variables[name] ?? whole);
}

export interface DashboardQuery {
  dashboard: string;
  panel: string;
  expr: string;
  instant: boolean;
}

export function queriesOf(file: string): DashboardQuery[] {
  const d = JSON.parse(dashboardText(file)) as Json;
  const targets: DashboardQuery[] = d.panels.flatMap((p: Json) =>
    p.targets.map((t: Json) => ({ dashboard: file, panel: `${p.title} [${t.refId}]`, expr: substitute(t.expr), instant: t.instant === true })),
  );
  const fromVariables: DashboardQuery[] = d.templating.list
    .filter((v: Json) => v.type === 'query')
    .map((v: Json) => {
      const m = /^label_values\((.+),\s*(\w+)\)$/.exec(substitute(v.query.query));
      if (!m) throw new Error(`${file}: variable ${v.name}: unsupported query ${v.query.query}`);
      return { dashboard: file, panel: `variable ${v.name}`, expr: `count by (${m[2]}) (${m[1]})`, instant: true };
    });
  return [...targets, ...fromVariables];
}

/** Queries of `file` that return no series from the Prometheus at `url` (instant, or the last 30 min). */
export async function emptyQueries(url: string, file: string): Promise<string[]> {
  const empty: string[] = [];
  for (const q of queriesOf(file)) {
    const end = Date.now() / 1000;
    const params = q.instant ? new URLSearchParams({ query: q.expr }) : new URLSearchParams({ query: q.expr, start: String(end - 1800), end: String(end), step: '60' });
    const body = (await (await fetch(`${url}/api/v1/${q.instant ? 'query' : 'query_range'}?${params}`)).json()) as { status: string; error?: string; data: { result: unknown[] } };
    if (body.status !== 'success') throw new Error(`${q.panel}: ${body.error}`);
    if (body.data.result.length === 0) empty.push(`${q.dashboard} ${q.panel}: ${q.expr}`);
  }
  return empty;
}
