import { describe, expect, it } from 'vitest';
import { countStep, defaultCountOptions, initialCountState, type CountEvidence, type CountOptions, type CountState } from '../../src/health/count-evidence.js';
import { prng } from './synthetic-mesh.js';

const MINUTE = 60_000;
const T0 = Date.UTC(2024, 0, 1);

/** Knuth's Poisson sampler (small means). */
function poisson(random: () => number, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

interface Minute {
  readonly requests: number;
  readonly errors: number;
}

/** Per-minute counts: `requests` a minute, errors Poisson at `share` (× `factor` from minute `from`). */
function minutes(n: number, seed: number, requests: number, share: number, rise?: { from: number; factor: number }): Minute[] {
  const random = prng(seed);
  return Array.from({ length: n }, (_, i) => ({ requests, errors: poisson(random, requests * share * (rise && i >= rise.from ? rise.factor : 1)) }));
}

/** Feeds the minutes as Prometheus would show them: rates over `windowMinutes`, one observation a minute. */
function feed(
  data: readonly Minute[],
  windowMinutes: number,
  start: CountState = initialCountState(),
  options: CountOptions = defaultCountOptions,
): { state: CountState; evidence: (CountEvidence | null)[] } {
  let state = start;
  const evidence: (CountEvidence | null)[] = [];
  data.forEach((_, i) => {
    if (i + 1 < windowMinutes) return;
    const window = data.slice(i + 1 - windowMinutes, i + 1);
    const requests = window.reduce((s, m) => s + m.requests, 0);
    const errors = window.reduce((s, m) => s + m.errors, 0);
    const observation = { timestampMs: T0 + i * MINUTE, ratio: errors / requests, requestRate: requests / (windowMinutes * 60), windowMs: windowMinutes * MINUTE };
    const r = countStep(state, observation, options);
    state = r.state;
    evidence.push(r.evidence);
  });
  return { state, evidence };
}

describe('count evidence', () => {
  it('gives no evidence while warming up, then learns the share of errors', () => {
    const { state, evidence } = feed(minutes(600, 1, 600, 0.002), 1);
    expect(evidence.slice(0, defaultCountOptions.warmup).every((e) => e === null)).toBe(true);
    expect(evidence.at(-1)).not.toBeNull();
    expect(evidence.at(-1)!.share).toBeGreaterThan(0.0016);
    expect(evidence.at(-1)!.share).toBeLessThan(0.0024);
    expect(state.n).toBe(600);
  });

  it('is calibrated on Poisson counts: rarity ≥ 2 in about 1 % of cycles or fewer, never ≥ 5', () => {
    const { evidence } = feed(minutes(20_000, 2, 600, 0.002), 1);
    const scored = evidence.filter((e): e is CountEvidence => e !== null);
    expect(scored.length).toBeGreaterThan(19_000);
    expect(scored.filter((e) => e.rarity >= 2).length / scored.length).toBeLessThan(0.015);
    expect(Math.max(...scored.map((e) => e.rarity))).toBeLessThan(5);
  });

  it('finds a 5× rise of about one error a minute within 3 cycles', () => {
    const { evidence } = feed(minutes(400, 3, 600, 0.002, { from: 300, factor: 5 }), 1);
    const after = evidence.slice(300, 303).map((e) => e?.rarity ?? 0);
    expect(Math.max(...after)).toBeGreaterThan(5);
  });

  it('does not count overlapping windows twice: 2-minute rates every minute give the evidence of 1-minute counts, not double', () => {
    const data = minutes(640, 4, 1200, 0.002, { from: 600, factor: 4 });
    const one = feed(data, 1);
    const two = feed(data, 2);
    // The same requests are learned per minute either way.
    expect(two.state.q / one.state.q).toBeGreaterThan(0.95);
    expect(two.state.q / one.state.q).toBeLessThan(1.05);
    // Over the rise, about the same evidence (not twice as much), up to the half minute the windows lag.
    const mean = (run: ReturnType<typeof feed>) => run.evidence.slice(-30).reduce((s, e) => s + (e?.rarity ?? 0), 0) / 30;
    expect(mean(one)).toBeGreaterThan(3);
    expect(mean(two)).toBeGreaterThan(0.75 * mean(one));
    expect(mean(two)).toBeLessThan(1.15 * mean(one));
  });

  it('needs the rise to last: one cycle of many errors after a quiet one is no evidence yet', () => {
    const calm = feed(minutes(300, 5, 600, 0.002), 1).state;
    const step = (state: CountState, i: number, errors: number) =>
      countStep(state, { timestampMs: calm.ts + i * MINUTE, ratio: errors / 600, requestRate: 10 });
    const quiet = step(calm, 1, 0);
    const blip = step(quiet.state, 2, 20);
    expect(blip.evidence!.windowRarity).toBeGreaterThan(5);
    // (The long window takes the blip in capped: a little evidence, far from unhealthy.)
    expect(blip.evidence!.rarity).toBeLessThan(2);
    const after = step(blip.state, 3, 0);
    expect(after.evidence!.rarity).toBeLessThan(2);
    const lasting = step(step(after.state, 4, 8).state, 5, 8);
    expect(lasting.evidence!.rarity).toBeGreaterThan(5);
  });

  it('sees a doubling of about one error a minute that lasts, through the long window, within the hour', () => {
    const data = minutes(600, 9, 600, 0.002, { from: 480, factor: 2 });
    const { evidence } = feed(data, 2);
    const rise = evidence.slice(479);
    // (Strong evidence, p ≤ 1e-4, on its own; the entity holds the fault from there, see synthetic-mesh.)
    const first = rise.findIndex((e) => (e?.rarity ?? 0) >= 4);
    expect(first).toBeGreaterThan(3);
    expect(first).toBeLessThan(60);
    // Without the long window, 3 cycles of it are (almost) never that strong.
    const shortOnly = feed(data, 2, initialCountState(), { ...defaultCountOptions, longMs: 0 }).evidence.slice(479);
    expect(shortOnly.filter((e) => (e?.rarity ?? 0) >= 4).length).toBeLessThan(3);
  });

  it('does not let one burst hold the long window up', () => {
    const calm = feed(minutes(300, 10, 600, 0.002), 1).state;
    let state = countStep(calm, { timestampMs: calm.ts + MINUTE, ratio: 100 / 600, requestRate: 10 }).state;
    const after: number[] = [];
    const random = prng(11);
    for (let i = 2; i < 40; i++) {
      const r = countStep(state, { timestampMs: calm.ts + i * MINUTE, ratio: poisson(random, 1.2) / 600, requestRate: 10 });
      state = r.state;
      after.push(r.evidence!.rarity);
    }
    expect(Math.max(...after)).toBeLessThan(3);
  });

  it('ignores a rise smaller than the unit floor, however certain', () => {
    // 1 % → 1.05 % of 60,000 requests a minute is a sure rise, but of 0.05 percentage points only.
    const calm = feed(minutes(300, 6, 60_000, 0.01), 1, initialCountState()).state;
    let state = calm;
    let last: CountEvidence | null = null;
    for (let i = 1; i <= 3; i++) {
      const r = countStep(state, { timestampMs: calm.ts + i * MINUTE, ratio: 0.0105 * 1.3, requestRate: 1000 }, { ...defaultCountOptions, minExcess: 0.01 });
      state = r.state;
      last = r.evidence;
    }
    expect(last!.rarity).toBe(0);
    const sure = countStep(calm, { timestampMs: calm.ts + MINUTE, ratio: 0.0105 * 1.3, requestRate: 1000 }, { ...defaultCountOptions, confirm: 1 });
    expect(sure.evidence!.rarity).toBeGreaterThan(5);
  });

  it('widens for bursty counts: overdispersed errors raise the dispersion and keep false evidence rare', () => {
    // Errors in bursts: a Poisson number of bursts of 1–5 errors (variance about 4× the mean).
    const random = prng(7);
    const data: Minute[] = Array.from({ length: 20_000 }, () => {
      let errors = 0;
      for (let b = poisson(random, 0.4); b > 0; b--) errors += 1 + Math.floor(random() * 5);
      return { requests: 600, errors };
    });
    const { state, evidence } = feed(data, 1);
    expect(state.d).toBeGreaterThan(2);
    const scored = evidence.filter((e): e is CountEvidence => e !== null);
    expect(scored.filter((e) => e.rarity >= 4).length / scored.length).toBeLessThan(0.001);
  });

  it('judges against a frozen state without learning from it', () => {
    const calm = feed(minutes(300, 8, 600, 0.002), 1).state;
    const r = countStep(calm, { timestampMs: calm.ts + MINUTE, ratio: 0.05, requestRate: 10 }, defaultCountOptions, false);
    expect([r.state.e, r.state.q, r.state.d, r.state.n]).toEqual([calm.e, calm.q, calm.d, calm.n]);
    expect(r.state.w.slice(-2)).toEqual([30, 600]);
    expect(r.state.ts).toBe(calm.ts + MINUTE);
  });
});
