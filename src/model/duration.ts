/**
 * Durations as users write them: Prometheus style (`5m`, `1h30m`, `30d`, `1w`) or Go/Kubernetes style
 * (`336h0m0s`, `1.5h`). Internally milliseconds; printed back in canonical Prometheus form so rule names and
 * range selectors are stable however a user spelled the window.
 */

const unitMs = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
} as const;
type Unit = keyof typeof unitMs;

/**
 * The longest duration Prometheus accepts anywhere (rule `for`, range selectors): it parses durations into
 * int64 nanoseconds, so 2^63-1 ns, about 292 years. Longer ones fail `promtool check rules` and reloads.
 */
export const MAX_DURATION_MS = Math.floor((2 ** 63 - 1) / 1e6);
const MAX_DURATION_TEXT = '106751d (about 292y)';

/** Accepts one or more `<number><unit>` parts, units in descending order, e.g. `1h30m`, `336h0m0s`. */
export const durationPattern = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h|d|w|y))+$';
const durationRegex = new RegExp(durationPattern);
const partRegex = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d|w|y)/g;

/**
 * Parses a duration to milliseconds, or returns an error message a person can act on. `allowZero` is for
 * fields where zero means "not at all" (an alert's `for`: Prometheus and Calisti accept `0s`).
 */
export function parseDuration(
  text: string,
  options: { allowZero?: boolean } = {},
): { ok: true; ms: number } | { ok: false; message: string } {
  if (!durationRegex.test(text)) {
    return { ok: false, message: `"${text}" is not a duration: use e.g. 5m, 1h30m, 6h, 30d or 720h0m0s` };
  }
  let total = 0;
  let lastUnit = Infinity;
  for (const match of text.matchAll(partRegex)) {
    const unit = unitMs[match[2] as Unit];
    if (unit >= lastUnit) return { ok: false, message: `"${text}": units must be in descending order (e.g. 1h30m)` };
    lastUnit = unit;
    total += Number(match[1]) * unit;
  }
  if (total === 0 && options.allowZero) return { ok: true, ms: 0 };
  if (!Number.isInteger(total) || total <= 0) {
    return { ok: false, message: `"${text}" must be a positive whole number of milliseconds` };
  }
  if (total > MAX_DURATION_MS) return { ok: false, message: `"${text}" is out of range: Prometheus durations are at most ${MAX_DURATION_TEXT} (int64 nanoseconds)` };
  return { ok: true, ms: total };
}

/** Prints milliseconds as a canonical Prometheus duration: `300000` → `5m`, `2592000000` → `30d`. */
export function formatDuration(ms: number): string {
  if (ms <= 0 || !Number.isInteger(ms)) throw new RangeError(`cannot format duration ${ms}`);
  // Weeks and years are left out on purpose: `7d` and `365d` read better in rule names than `1w`/`1y`.
  const order: Unit[] = ['d', 'h', 'm', 's', 'ms'];
  let rest = ms;
  let out = '';
  for (const unit of order) {
    const size = unitMs[unit];
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}

/**
 * The canonical spelling of a duration (`60m` → `1h`, `720h0m0s` → `30d`), so windows however a user spelled
 * them name the same recorded series; throws on text that is not a duration.
 */
export function canonicalDuration(text: string): string {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new RangeError(parsed.message);
  return formatDuration(parsed.ms);
}

export const MINUTE = unitMs.m;
export const HOUR = unitMs.h;
export const DAY = unitMs.d;
