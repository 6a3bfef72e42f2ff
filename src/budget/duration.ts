/**
 * Prometheus durations (`5m`, `1h30m`, `30d`) as seconds and back. Pure.
 */
const unitSeconds: Readonly<Record<string, number>> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };

/** Parses a Prometheus duration; returns undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(text)) return undefined;
  let seconds = 0;
  for (const match of text.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) {
    seconds += Number(match[1]) * unitSeconds[match[2]!]!;
  }
  return seconds;
}

/**
 * The canonical Prometheus spelling of a whole number of seconds, largest unit first (`5400` → `1h30m`,
 * `2592000` → `30d`). Weeks and years are not used, so `7d` stays `7d`.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) throw new RangeError(`not a positive whole number of seconds: ${seconds}`);
  let rest = seconds;
  let out = '';
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/** Normalises a window so `60m` and `1h` name the same recorded series. */
export function canonicalWindow(text: string): string {
  const seconds = parseDuration(text);
  if (seconds === undefined) throw new RangeError(`not a Prometheus duration: ${JSON.stringify(text)}`);
  return formatDuration(seconds);
}
