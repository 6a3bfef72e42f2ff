/**
 * Compact serialisation of health state for Redis: plain JSON with numbers rounded to a few significant
 * digits (the estimates are noisy far beyond that), and a defensive decoder that falls back to a fresh
 * state instead of crashing on a corrupt or older value.
 */
import type { EntityState } from './entity-health.js';
import { initialEntityState } from './entity-health.js';

const DIGITS = 5;

function round(value: unknown): unknown {
  // Integers (timestamps, counts) stay exact; estimates are rounded.
  if (typeof value === 'number') return !Number.isFinite(value) ? 0 : Number.isInteger(value) ? value : Number(value.toPrecision(DIGITS));
  if (Array.isArray(value)) return value.map(round);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = round(v);
    return out;
  }
  return value;
}

/** JSON text of a state, non-integer numbers rounded to 5 significant digits. */
export function encodeState<T>(state: T): string {
  return JSON.stringify(round(state));
}

/**
 * JSON text of an entity state that starts with `{"v":1,"at":<ms>` (the timestamp of the latest
 * observation learned, 0 if none), so a Redis script can compare timestamps without parsing the JSON.
 */
export function encodeEntityState(state: EntityState): string {
  const { v, at, ...rest } = state;
  return encodeState({ v, at: Math.round(at ?? 0), ...rest });
}

/** Parses an entity state written by `encodeState`; anything unreadable gives a fresh state. */
export function decodeEntityState(text: string | null | undefined): EntityState {
  if (!text) return initialEntityState();
  try {
    const parsed = JSON.parse(text) as Partial<EntityState>;
    if (parsed && parsed.v === 1 && parsed.signals && typeof parsed.signals === 'object') return parsed as EntityState;
  } catch {
    // fall through: a corrupt value restarts learning rather than failing the cycle
  }
  return initialEntityState();
}
