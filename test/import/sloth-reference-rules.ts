/**
 * Sloth's rules for a spec, written from Sloth's documented formulas (not copied from its output), so Vigil's
 * imported rules can be compared with them in one `promtool test rules` run:
 *
 *  - SLI: `slo:sli_error:ratio_rate<W>` = (error_query) / (total_query) with `{{.window}}` = W, for every
 *    alert window (5m 30m 1h 2h 6h 1d 3d); a raw SLI records (error_ratio_query); an OpenSLO v1alpha ratio
 *    records 1 - (good) / (total). Labels sloth_id (`<service>-<slo>`), sloth_service, sloth_slo, sloth_window.
 *  - Period: sum_over_time of the 5m ratio over the period / count_over_time of it.
 *  - Alerts (multiwindow, multi-burn-rate, the SRE workbook's table on a 30d period): page when the 1h and 5m
 *    ratios exceed 14.4 × the budget, or the 6h and 30m ratios 6 ×; ticket when the 1d and 2h ratios exceed
 *    3 ×, or the 3d and 6h ratios 1 ×. No `for`. Label sloth_severity (page | ticket).
 *
 * Independent of src/import: it reads the spec's YAML itself.
 */
import { parseAllDocuments } from 'yaml';

export interface SlothSlo {
  readonly id: string;
  readonly service: string;
  readonly name: string;
  readonly objective: number;
  /** The error-ratio query for one window. */
  readonly ratio: (window: string) => string;
  /** A `raw` SLI: Sloth reads an error ratio, not events. */
  readonly raw: boolean;
  /** Sloth's alert name; undefined when the SLO has no alerts. */
  readonly alert?: { readonly name: string; readonly page: boolean; readonly ticket: boolean };
}

export const SLOTH_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;
const PERIOD = '30d';
const PAGE = [{ long: '1h', short: '5m', factor: 14.4 }, { long: '6h', short: '30m', factor: 6 }];
const TICKET = [{ long: '1d', short: '2h', factor: 3 }, { long: '3d', short: '6h', factor: 1 }];

const at = (query: string, window: string) => query.trim().replace(/\{\{\s*\.window\s*\}\}/g, window);
type Obj = Record<string, any>;

export function slothSlos(text: string): SlothSlo[] {
  return parseAllDocuments(text).flatMap((d): SlothSlo[] => {
    const doc = d.toJS() as Obj | null;
    if (!doc) return [];
    if (doc.apiVersion === 'openslo/v1alpha') {
      return (doc.spec.objectives as Obj[]).map((o, i, all) => {
        const name = all.length > 1 ? `${doc.metadata.name}-${i}` : doc.metadata.name;
        const good = o.ratioMetrics.good.query as string;
        const total = o.ratioMetrics.total.query as string;
        return { id: `${doc.spec.service}-${name}`, service: doc.spec.service, name, objective: o.target * 100, ratio: (w: string) => `1 - ((${at(good, w)}) / (${at(total, w)}))`, raw: false };
      });
    }
    const spec: Obj = doc.apiVersion ? doc.spec : doc;
    return (spec.slos as Obj[]).map((slo) => {
      const events = slo.sli.events;
      const raw = slo.sli.raw;
      const ratio = events
        ? (w: string) => `(${at(events.error_query ?? events.errorQuery, w)}) / (${at(events.total_query ?? events.totalQuery, w)})`
        : (w: string) => `(${at(raw.error_ratio_query ?? raw.errorRatioQuery, w)})`;
      const alerting: Obj = slo.alerting ?? {};
      const page = !(alerting.page_alert ?? alerting.pageAlert)?.disable;
      const ticket = !(alerting.ticket_alert ?? alerting.ticketAlert)?.disable;
      const id = `${spec.service}-${slo.name}`;
      return {
        id,
        service: spec.service,
        name: slo.name,
        objective: slo.objective,
        ratio,
        raw: !events,
        ...(page || ticket ? { alert: { name: alerting.name ?? `${id}-alert`, page, ticket } } : {}),
      };
    });
  });
}

/** Sloth's rule file for the SLOs (recording groups with the default interval, as Sloth writes them). */
export function slothRuleFile(slos: readonly SlothSlo[]): Obj {
  return {
    groups: slos.flatMap((slo) => {
      const labels = { sloth_id: slo.id, sloth_service: slo.service, sloth_slo: slo.name };
      const sel = `{sloth_id="${slo.id}", sloth_service="${slo.service}", sloth_slo="${slo.name}"}`;
      const budget = Number((1 - slo.objective / 100).toPrecision(12));
      const burning = (pairs: typeof PAGE) =>
        pairs
          .map(({ long, short, factor }) =>
            `(max(slo:sli_error:ratio_rate${short}${sel} > (${factor} * ${budget})) without (sloth_window)\nand\nmax(slo:sli_error:ratio_rate${long}${sel} > (${factor} * ${budget})) without (sloth_window))`,
          )
          .join('\nor\n');
      const alerts = slo.alert
        ? [
            ...(slo.alert.page ? [{ alert: slo.alert.name, expr: burning(PAGE), labels: { sloth_severity: 'page' } }] : []),
            ...(slo.alert.ticket ? [{ alert: slo.alert.name, expr: burning(TICKET), labels: { sloth_severity: 'ticket' } }] : []),
          ]
        : [];
      return [
        {
          name: `sloth-slo-sli-recordings-${slo.id}`,
          rules: [
            ...SLOTH_WINDOWS.map((w) => ({ record: `slo:sli_error:ratio_rate${w}`, expr: slo.ratio(w), labels: { ...labels, sloth_window: w } })),
            {
              record: `slo:sli_error:ratio_rate${PERIOD}`,
              expr: `sum_over_time(slo:sli_error:ratio_rate5m${sel}[${PERIOD}])\n/ ignoring (sloth_window)\ncount_over_time(slo:sli_error:ratio_rate5m${sel}[${PERIOD}])`,
              labels: { ...labels, sloth_window: PERIOD },
            },
          ],
        },
        ...(alerts.length ? [{ name: `sloth-slo-alerts-${slo.id}`, rules: alerts }] : []),
      ];
    }),
  };
}
