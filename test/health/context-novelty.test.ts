import { describe, expect, it } from 'vitest';
import { contextStep, type ContextState } from '../../src/health/context-novelty.js';

const options = { bins: 8, rangeDecay: 0.0005, length: 2 };

function run(values: readonly number[]): { rarities: number[]; state: readonly number[] } {
  let state: ContextState = [];
  const rarities: number[] = [];
  for (const v of values) {
    const r = contextStep(state, v, options);
    state = r.state;
    rarities.push(r.rarity);
  }
  return { rarities, state };
}

describe('contextual novelty', () => {
  it('scores a repeated pattern as known and a never-seen pair as rare, more so after a long history', () => {
    const pattern = Array.from({ length: 2000 }, (_, i) => (i % 10 < 5 ? 0 : 10));
    const { rarities, state } = run(pattern);
    expect(Math.max(...rarities.slice(100))).toBe(0);
    // Two spikes in a row (a pair never seen) after 2000 regular points: unlikely, so rare.
    const after = contextStep(contextStep(state, 10, options).state, 5, options);
    expect(after.rarity).toBeGreaterThan(2.5);
  });

  it('keeps a tiny, JSON-safe state (packed 2-bit counts)', () => {
    const noise = Array.from({ length: 5000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const { state } = run(noise);
    expect(state.every((x) => Number.isFinite(x))).toBe(true);
    expect(JSON.stringify(state).length).toBeLessThan(400);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it('is scale-free: the same shape at another unit and level scores the same', () => {
    const shape = Array.from({ length: 1500 }, (_, i) => Math.round(5 * Math.sin(i / 7)) + (i === 1400 ? 9 : 0));
    const a = run(shape).rarities;
    const b = run(shape.map((x) => 1000 + 250 * x)).rarities;
    expect(b.map((x) => x.toFixed(9))).toEqual(a.map((x) => x.toFixed(9)));
  });
});
