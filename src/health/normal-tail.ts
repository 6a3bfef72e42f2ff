/**
 * Upper-tail probability of the standard normal distribution on a log scale, accurate far into the tail
 * (where `1 - cdf(z)` underflows to 0). Used to turn a calibrated deviation into a 0..1 anomaly score.
 * The project's one error function: Numerical Recipes' erfc has a relative error below 1.2e-7 everywhere,
 * where Abramowitz–Stegun 7.1.26 (which the demo used) is only absolutely accurate, useless in the tails.
 */

/** Complementary error function, Numerical Recipes `erfcc` (fractional error below 1.2e-7 everywhere). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF P(Z <= z), from the same erfc (the demo's latency model uses it too). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** -log10 P(Z > z) for a standard normal Z; 0 for z <= -8, grows like z²/(2 ln 10) for large z. */
export function normalTailLog10(z: number): number {
  if (!(z > -8)) return 0;
  if (z < 25) return -Math.log10(0.5 * erfc(z / Math.SQRT2));
  // Mills ratio asymptote: P(Z > z) ≈ φ(z) / z.
  return (z * z) / 2 / Math.LN10 + Math.log10(z * Math.sqrt(2 * Math.PI));
}
