/**
 * The pure rule builder: one SLO with its rendered SLI queries and resolved policies in, rule groups out.
 * Every expression is composed with the typed PromQL builder; the user's template output enters only as a
 * parenthesised, already parsed sub-query.
 */
import { formatDuration } from '../model/duration.js';
import { roundSignificant, type SloPolicy, type Slo } from '../model/model.js';
import { aggregate, binary, call, number, offset, range, selector, verbatim, type Expr } from '../promql/builder.js';
import { alertAnnotations, escapeGoTemplate } from './alert-text.js';
import { alertName, groupNames, labels, series, sloIdentityLabels } from './names.js';
import type { AlertingRule, RecordingRule, RuleGroup } from './rule-group.js';
import { COMPOSED_RATES, type Piece, type WindowSource } from './windows.js';

export const SHORT_GROUP_INTERVAL = '30s';
export const LONG_GROUP_INTERVAL = '1m';

export interface RuleInput {
  readonly slo: Slo;
  /** Rendered goodEvents/totalEvents per raw window (ms). */
  readonly rawQueries: ReadonlyMap<number, { readonly good: string; readonly total: string }>;
  /** Every window to record an error ratio for, planned (raw or derived); the period comes separately. */
  readonly windows: readonly WindowSource[];
  readonly period: WindowSource;
  readonly policies: readonly SloPolicy[];
}

export function buildRuleGroups(input: RuleInput): RuleGroup[] {
  const { slo } = input;
  const seriesLabels = { [labels.slo]: slo.ref.name, [labels.namespace]: slo.ref.namespace, [labels.service]: slo.service.name };
  const identity = { [labels.slo]: slo.ref.name, [labels.namespace]: slo.ref.namespace };
  const mine = (metric: string) => selector(metric, identity);
  // Aggregating by the identity labels merges a series whose `service` label just changed with its successor.
  const byIdentity = (expr: Expr) => aggregate('sum', expr, sloIdentityLabels);
  const record = (name: string, expr: Expr, extraLabels: Readonly<Record<string, string>> = {}): RecordingRule => ({
    record: name,
    expr: flat(expr.print()),
    labels: { ...seriesLabels, ...extraLabels },
  });

  const short: Array<RecordingRule | AlertingRule> = [];
  const long: RecordingRule[] = [];

  // `or vector(0)`: during a total outage no good events exist and the good query returns nothing;
  // without the zero the error ratio would vanish exactly when it matters.
  const rawGood = (query: { readonly good: string }) => binary('or', aggregate('sum', verbatim(query.good)), call('vector', number(0)));
  const rawTotal = (query: { readonly total: string }) => aggregate('sum', verbatim(query.total));
  for (const [windowMs, query] of [...input.rawQueries].sort(([a], [b]) => a - b)) {
    short.push(record(series.sliGood(windowMs), rawGood(query)));
    short.push(record(series.sliTotal(windowMs), rawTotal(query)));
  }

  // A composed window (see windows.ts): the rolling rates of adjacent pieces ending now, each read at its
  // offset, weighted by length when the lengths differ. The newest piece must exist, as a raw window's rate
  // must; an older one that is missing (a new SLO, a gap in evaluation) adds no events instead of blanking
  // the sum. Label-free sums, so `or vector(0)` matches; the rule's labels name the SLO.
  const composedEvents = (metric: (windowMs: number) => string, pieces: readonly Piece[]): Expr => {
    const sameLength = pieces.every((p) => p.rateMs === pieces[0]!.rateMs);
    return pieces
      .map((piece, i) => {
        const read = aggregate('sum', offset(mine(metric(piece.rateMs)), piece.offsetMs));
        const events = sameLength ? read : binary('*', read, number(piece.rateMs / 1000));
        return i === 0 ? events : binary('or', events, call('vector', number(0)));
      })
      .reduce((sum, term) => binary('+', sum, term));
  };

  // Rolling rates composed from other recordings (6h from 1h pieces, 1d from 6h pieces), recorded at every evaluation after
  // the raw ones they read, in the same group, so each reads this evaluation's values.
  for (const composed of COMPOSED_RATES) {
    for (const metric of [series.sliGood, series.sliTotal]) {
      short.push(record(metric(composed.windowMs), binary('/', composedEvents(metric, composed.pieces), number(composed.pieces.length))));
    }
  }

  const errorRatio = (source: WindowSource): Expr => {
    if (source.kind === 'raw') {
      // Good and total in one query, not read back from the two recordings above: each rule is its own
      // query, and a scrape committed between them gives good and total different samples. rate()
      // extrapolates differently with one sample more whenever its window is not covered at both ends
      // (series younger than the window, a gap, a late scrape), and 1 - good/total turns a 1e-4 mismatch
      // into a 50 % error for a 99.98 % service (the chaos soak saw 43x burn rates on a 0.2x service;
      // test/rules/error-ratio-snapshot.test.ts). One query reads one snapshot, so the ratio is exact.
      const query = input.rawQueries.get(source.windowMs);
      if (query) return binary('-', number(1), binary('/', rawGood(query), rawTotal(query)));
      return binary('-', number(1), binary('/', byIdentity(mine(series.sliGood(source.windowMs))), byIdentity(mine(series.sliTotal(source.windowMs)))));
    }
    if (source.kind === 'composed') {
      return binary('-', number(1), binary('/', composedEvents(series.sliGood, source.pieces), composedEvents(series.sliTotal, source.pieces)));
    }
    // Subquery steps are aligned to multiples of the tile on both engines. A range of W - 1ms holds exactly
    // W/tile of them at every evaluation time under Prometheus 2's closed ranges [t-d, t] (where [W:tile] holds
    // one too many at aligned times), and under left-open ranges (t-d, t] (VictoriaMetrics, Prometheus 3) at
    // every time but the last millisecond before a tile boundary, which vmalert's evaluation times (aligned to
    // the group interval) never are. W - tile/2 lost the oldest tile past half a tile: see
    // test/rules/engine-semantics.test.ts.
    const tileRange = source.windowMs - 1;
    const tiles = (metric: string) => byIdentity(call('sum_over_time', range(mine(metric), tileRange, source.tileMs)));
    return binary('-', number(1), binary('/', tiles(series.sliGood(source.tileMs)), tiles(series.sliTotal(source.tileMs))));
  };

  // A derived (tiled, above 3d) window an alert reads is recorded in the alert's group, before the alerts:
  // Prometheus runs groups independently, in no fixed order and at their own phase, so an alert reading it
  // from the long group would see a tile boundary up to one long interval plus one short interval late. The
  // other derived windows (dashboards, the worker) stay in the cheaper long group.
  const alertWindows = new Set(input.policies.flatMap((p) => [p.longWindowMs, p.shortWindowMs]));
  for (const source of [...input.windows].sort((a, b) => a.windowMs - b.windowMs)) {
    const rule = record(series.errorRatio(source.windowMs), errorRatio(source));
    // Alerts read raw and composed windows in the short group, at this evaluation's values; a derived one
    // joins them there when an alert reads it.
    (source.kind === 'derived' && !alertWindows.has(source.windowMs) ? long : short).push(rule);
  }
  long.push(record(series.errorRatioPeriod, errorRatio(input.period)));
  long.push(record(series.objective, call('vector', number(slo.objective))));
  long.push(
    record(
      series.errorBudgetRemaining,
      binary('-', number(1), binary('/', byIdentity(mine(series.errorRatioPeriod)), number(slo.errorBudget))),
    ),
  );

  // Constant, so in the long group: one `vector(threshold)` per policy, no series read. The value cannot come
  // from the alert's `burn_rate` label (PromQL cannot turn a label into a value), hence its own series.
  for (const policy of input.policies) {
    long.push(record(series.burnRateThreshold, call('vector', number(policy.threshold)), policyLabels(policy)));
  }

  for (const policy of input.policies) short.push(burnAlert(slo, policy, mine, seriesLabels));

  return [
    { name: groupNames.short(slo.ref.namespace, slo.ref.name), interval: SHORT_GROUP_INTERVAL, rules: short },
    { name: groupNames.long(slo.ref.namespace, slo.ref.name), interval: LONG_GROUP_INTERVAL, rules: long },
  ];
}

function burnAlert(slo: Slo, policy: SloPolicy, mine: (metric: string) => Expr, sloLabels: Readonly<Record<string, string>>): AlertingRule {
  const burning = (windowMs: number) =>
    binary('>', binary('/', mine(series.errorRatio(windowMs)), number(slo.errorBudget)), number(policy.threshold));
  const expr = binary('and', burning(policy.longWindowMs), burning(policy.shortWindowMs), { on: sloIdentityLabels });
  return {
    alert: alertName,
    expr: flat(expr.print()),
    ...(policy.forMs > 0 ? { for: formatDuration(policy.forMs) } : {}),
    // The SLO's labels come through the series too, but stating them makes each SLO's alert a distinct rule:
    // without them, SLOs sharing a policy set give identical rules and `promtool check rules` reports duplicates.
    labels: { ...sloLabels, ...policyLabels(policy), [labels.burnRate]: String(roundSignificant(policy.threshold)) },
    annotations: { ...alertAnnotations(slo, policy), ...literalTemplateText(policy.alert?.annotations) },
  };
}

/**
 * The printed expression as one flat string. Printing joins pieces, which V8 keeps as a tree of ropes (a
 * composed window has dozens), held for every SLO until the output is written; reading a character
 * flattens the tree in place. Rules benchmark, 3,000 SLOs: peak RSS 258 MB as ropes, 164 MB flat.
 */
function flat(text: string): string {
  text.charCodeAt(text.length >> 1);
  return text;
}

/** Alert labels and annotations are Go templates in Prometheus: extra ones are printed literally. */
function literalTemplateText(values: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [k, escapeGoTemplate(v)]));
}

/** The labels that tell a policy's alert and threshold series apart from the SLO's other policies. */
function policyLabels(policy: SloPolicy): Record<string, string> {
  // Extra labels first: validation keeps them off the identifying labels; severity may be replaced.
  return {
    [labels.severity]: policy.severity,
    ...literalTemplateText(policy.alert?.labels),
    [labels.policy]: policy.name,
    [labels.longWindow]: formatDuration(policy.longWindowMs),
    [labels.shortWindow]: formatDuration(policy.shortWindowMs),
  };
}
