import { describe, expect, it } from 'vitest';
import { restPeriod } from '../../src/health/contextual-detector.js';
import { ALARM_LEVEL, defaultOnsetSettings } from '../../src/health/onset.js';
import { defaultScorerOptions, initialState, step, type BadDirection, type ScorerOptions, type SignalState, type StepScore } from '../../src/health/signal-scorer.js';
import { encodeState } from '../../src/health/state-codec.js';
import { prng } from './synthetic-mesh.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1);

function gaussianSeries(n: number, seed: number, mean = 100, sd = 5): number[] {
  const random = prng(seed);
  return Array.from({ length: n }, () => mean + sd * Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random()));
}

function run(values: readonly number[], options: ScorerOptions = defaultScorerOptions, start: SignalState = initialState()): { state: SignalState; scores: StepScore[] } {
  let state = start;
  const scores: StepScore[] = [];
  values.forEach((v, i) => {
    const r = step(state, T0 + i * MINUTE, v, options);
    state = r.state;
    scores.push(r.score);
  });
  return { state, scores };
}

describe('signal scorer', () => {
  it('is unknown during warm-up and for non-finite values, and leaves the state alone for the latter', () => {
    const { state, scores } = run(gaussianSeries(defaultScorerOptions.warmup, 1));
    expect(scores.every((s) => s.status === 'unknown' && s.anomaly === null)).toBe(true);
    const next = step(state, T0 + 10_000 * MINUTE, 101);
    expect(next.score.status).toBe('scored');
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      const r = step(state, T0, bad);
      expect(r.score.status).toBe('unknown');
      expect(r.state).toBe(state);
    }
  });

  const history = gaussianSeries(2000, 7);
  it.each<{ name: string; direction: BadDirection; value: number; anomalous: boolean }>([
    { name: 'up flags a rise', direction: 'up', value: 180, anomalous: true },
    { name: 'up ignores a drop', direction: 'up', value: 20, anomalous: false },
    { name: 'down flags a drop', direction: 'down', value: 20, anomalous: true },
    { name: 'down ignores a rise', direction: 'down', value: 180, anomalous: false },
    { name: 'both flags a rise', direction: 'both', value: 180, anomalous: true },
    { name: 'both flags a drop', direction: 'both', value: 20, anomalous: true },
    { name: 'both ignores a normal value', direction: 'both', value: 101, anomalous: false },
  ])('direction: $name', ({ direction, value, anomalous }) => {
    const options = { ...defaultScorerOptions, direction };
    const { state } = run(history, options);
    const r = step(state, T0 + history.length * MINUTE, value, options);
    if (r.score.status !== 'scored') throw new Error('expected a score');
    if (anomalous) {
      expect(r.score.anomaly).toBeGreaterThan(0.5);
      expect(r.score.reason.direction).toBe(value > 100 ? 'above' : 'below');
      expect(Math.abs(r.score.reason.deviations)).toBeGreaterThan(5);
    } else {
      expect(r.score.anomaly).toBeLessThan(0.2);
    }
  });

  it('spreads scores of normal noise instead of bunching them at 0 or 1', () => {
    const { scores } = run(gaussianSeries(5000, 3));
    const a = scores.slice(500).map((s) => s.anomaly ?? Number.NaN);
    expect(a.every((x) => x >= 0 && x <= 1)).toBe(true);
    const sorted = [...a].sort((x, y) => x - y);
    const q = (p: number): number => sorted[Math.floor(p * (sorted.length - 1))]!;
    // Not bunched: few exact extremes, a real spread between the quartiles, and almost no alarms.
    expect(a.filter((x) => x === 0 || x === 1).length / a.length).toBeLessThan(0.05);
    expect(q(0.75) - q(0.25)).toBeGreaterThan(0.03);
    expect(q(0.9) - q(0.1)).toBeGreaterThan(0.08);
    expect(a.filter((x) => x >= 0.5).length).toBeLessThanOrEqual(2);
  });

  it('maps the same rarity to the same score whatever the unit and level of the series', () => {
    const small = gaussianSeries(3000, 11, 0.02, 0.001);
    const large = gaussianSeries(3000, 11, 5000, 250);
    const a = run(small).scores.map((s) => s.anomaly ?? 0);
    const b = run(large).scores.map((s) => s.anomaly ?? 0);
    const maxDiff = Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
    expect(maxDiff).toBeLessThan(0.02);
  });

  it('is deterministic and its state survives a JSON round trip', () => {
    const values = gaussianSeries(3000, 5);
    const first = run(values);
    const second = run(values);
    expect(second.scores).toEqual(first.scores);
    // Continue from the serialised (rounded) state: scores stay within rounding noise.
    const tail = gaussianSeries(500, 6);
    const direct = run(tail, defaultScorerOptions, first.state).scores.map((s) => s.anomaly ?? 0);
    const restored = run(tail, defaultScorerOptions, JSON.parse(encodeState(first.state)) as SignalState).scores.map((s) => s.anomaly ?? 0);
    expect(Math.max(...direct.map((x, i) => Math.abs(x - restored[i]!)))).toBeLessThan(0.01);
  });

  it('keeps its state small: under 2 KB per signal after two weeks of minutes', () => {
    const values = gaussianSeries(14 * 1440, 9);
    const { state } = run(values);
    expect(encodeState(state).length).toBeLessThan(2048);
  });

  it('pages once per incident: the onset score reaches the alarm level where the incident starts, then rests', () => {
    // Gaussian noise: CAD's alarm may page while the levels settle on steps not yet taken, never within a rest
    // period of the last (3 % of the observations the onset has seen, after the scorer's warm-up).
    const noise = run(gaussianSeries(2000, 13)).scores.map((s, i) => (s.alarm >= ALARM_LEVEL ? i : -1)).filter((i) => i >= 0);
    expect(noise.length).toBeLessThanOrEqual(10);
    noise.slice(1).forEach((at, k) => expect(at - noise[k]!).toBeGreaterThanOrEqual(restPeriod(at - defaultScorerOptions.warmup + 1, defaultOnsetSettings)));
    // A daily-like cycle with a little noise: once its steps are all known, an outage pages at once, and once.
    const random = prng(13);
    const cycle = Array.from({ length: 2000 }, (_, i) => 100 + 20 * Math.sin((2 * Math.PI * i) / 60) + random());
    const { scores } = run([...cycle, ...gaussianSeries(100, 14, 400, 5)]);
    const incident = scores.slice(2000);
    const alarms = incident.map((s, i) => (s.alarm >= ALARM_LEVEL ? i : -1)).filter((i) => i >= 0);
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toBeLessThanOrEqual(1);
    // …while the anomaly itself persists (health stays low).
    expect(incident.slice(1, 30).every((s) => (s.anomaly ?? 0) >= 0.5)).toBe(true);
  });

  it('does not learn a strong outage as normal within hours, but absorbs a genuine level shift eventually', () => {
    const options = { ...defaultScorerOptions, direction: 'up' as const };
    const base = gaussianSeries(3000, 21, 100, 5);
    const shifted = gaussianSeries(20_000, 22, 250, 5);
    const { scores } = run([...base, ...shifted], options);
    const after = scores.slice(3000).map((s) => s.anomaly ?? 0);
    // Anomalous for at least the first 2 hours of minutes…
    expect(after.slice(0, 120).every((a) => a >= 0.5)).toBe(true);
    // …and normal again at the end (the shift became the new level).
    expect(after.slice(-500).every((a) => a < 0.5)).toBe(true);
  });

  it('raises one onset alarm when routine spikes and dips start alternating in quick succession (contextual novelty)', () => {
    // A flat series with a spike every 100 points and a dip halfway between, then spikes and dips
    // alternating for a while: each is as large as the routine ones, but the sequence is new (and persists).
    const routine = (i: number): number => (i % 100 === 0 ? 20 : i % 100 === 50 ? -20 : 0);
    const values = Array.from({ length: 4000 }, (_, i) => (i >= 3200 && i < 3240 ? (i % 2 === 0 ? 20 : -20) : routine(i)));
    const alarms = run(values).scores.map((s) => s.alarm);
    expect(alarms.slice(2000, 3200).filter((a) => a >= ALARM_LEVEL)).toEqual([]);
    expect(alarms.slice(3200, 3240).filter((a) => a >= ALARM_LEVEL)).toHaveLength(1);
  });

  it('does not page for spikes the series has always had, only for one beyond them', () => {
    const random = prng(41);
    const spiky = Array.from({ length: 6000 }, (_, i) => 100 + 5 * (random() - 0.5) + (i % 37 === 0 ? 20 + 60 * random() : 0));
    const routine = run(spiky).scores.slice(2000).filter((s) => s.alarm >= ALARM_LEVEL);
    expect(routine).toHaveLength(0);
    const outage = run([...spiky, ...Array.from({ length: 50 }, () => 400)]).scores.slice(6000);
    expect(outage.filter((s) => s.alarm >= ALARM_LEVEL)).toHaveLength(1);
  });
});
