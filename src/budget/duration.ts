/**
 * Durations for the budget worker in whole seconds, on top of the model's parser and canonical printer
 * (src/model/duration.ts), so window names match the rule generator's exactly (`60m` → `1h`).
 */
import { formatDuration as formatMs, parseDuration as parseMs } from '../model/duration.js';

/** Parses a duration (`5m`, `1h30m`, `30d`, `720h0m0s`) to seconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const parsed = parseMs(text);
  return parsed.ok ? parsed.ms / 1000 : undefined;
}

/** The canonical Prometheus spelling of a whole number of seconds (`5400` → `1h30m`, `604800` → `7d`). */
export function formatDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) throw new RangeError(`not a positive whole number of seconds: ${seconds}`);
  return formatMs(seconds * 1000);
}

/** Normalises a window so `60m` and `1h` name the same recorded series. */
export function canonicalWindow(text: string): string {
  const seconds = parseDuration(text);
  if (seconds === undefined) throw new RangeError(`not a Prometheus duration: ${JSON.stringify(text)}`);
  return formatDuration(seconds);
}
