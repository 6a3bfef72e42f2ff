/**
 * mulberry32: a small, fast, seeded PRNG of uniform numbers in [0, 1); the same seed gives the same numbers. The one seeded PRNG:
 * the demo's traffic model and the tests use it for reproducible "random" data.
 */
export function mulberry32(seed: number): () => number {
  let h = seed >>> 0;
  return () => {
    h = (h + 0x6d2b79f5) >>> 0;
    let x = h;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
