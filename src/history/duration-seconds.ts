/** Durations in whole seconds for the history commands and routes (`30d` → 2,592,000), on the model's parser. */
import { parseDuration } from '../model/duration.js';

/** Seconds of a Prometheus duration; undefined when the text is not one. */
export function durationSeconds(text: string): number | undefined {
  const parsed = parseDuration(text);
  return parsed.ok ? parsed.ms / 1000 : undefined;
}
