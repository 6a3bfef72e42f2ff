/**
 * Streaming robust location and scale (a Huber-clipped exponentially weighted median/MAD), the building
 * block of the recent and seasonal baselines. Plain numbers in, plain numbers out: the caller keeps them in
 * its own compact state.
 */

/** σ-equivalent of a mean absolute deviation for normal data: E|X − μ| = σ·√(2/π). */
const ABS_DEV_TO_SIGMA = Math.sqrt(Math.PI / 2);

export interface RobustUpdate {
  readonly level: number;
  readonly scale: number;
}

/**
 * One update of a robust level/scale pair with learning rate `rate` (0..1, already multiplied by the
 * point's weight). Residuals are clipped to ±`clip`·scale, so one wild point moves the level by at most
 * `rate·clip·scale`, and the scale follows the clipped absolute residual (an exponentially weighted MAD).
 */
export function robustUpdate(level: number, scale: number, value: number, rate: number, clip: number): RobustUpdate {
  const limit = clip * scale;
  const residual = value - level;
  const clipped = limit > 0 ? Math.max(-limit, Math.min(limit, residual)) : residual;
  const absDev = Math.min(Math.abs(residual), limit > 0 ? limit : Math.abs(residual)) * ABS_DEV_TO_SIGMA;
  return { level: level + rate * clipped, scale: scale + rate * (absDev - scale) };
}
