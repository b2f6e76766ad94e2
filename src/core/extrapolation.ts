// How far to trust the model's value at a target size that has no run yet, judged on the data it has.
//
// Before the first run at the target size, the value shown at the target is an extrapolation in size (and often in
// steps) from smaller models, and the GP's interval there assumes the mean's form (linear, quadratic from three
// levels) is right. The closed loop (bench/LOOP.md) showed it is not: with two or three sizes seen, the shown value
// was 0.2-0.5 off with intervals a fifth as wide. This check does to the data what the model does to the target:
// it leaves out the largest size seen, predicts its runs from the smaller ones at the same hyperparameters, and
// measures how many predictive standard deviations off they are (root mean square of the z-scores). Where that is
// more than 1, the target's standard deviation is widened by it times the ratio of the distances extrapolated (to
// the target, against to the left-out size): a mean of the wrong shape errs in proportion to the square of its
// reach, its variance grows about in proportion. It never narrows an interval, and it stops applying once the
// target size has a run.
import type { GpHyperparameters } from './gp/config';
import { fitGp } from './gp/fit';
import { kernelForData } from './gp/hyperparameters';
import { pointsFromRows } from './points';
import type { Observation } from './types';

/** Above this many observations the check is not made (an exact fit of the rest would be the slow part). */
export const EXTRAPOLATION_CHECK_MAX_POINTS = 800;

export interface ExtrapolationCheck {
  /** runs of the left-out size */
  readonly heldOut: number;
  /** root mean square of their z-scores, predicted from the smaller sizes */
  readonly zScale: number;
  /** (target s - largest s seen) / (largest s seen - next largest) */
  readonly reach: number;
  /** what the target's standard deviation is multiplied by (>= 1) */
  readonly factor: number;
}

export function extrapolationCheck(hp: GpHyperparameters, observations: readonly Observation[], target: { readonly s: number; readonly z: number }): ExtrapolationCheck | undefined {
  if (observations.length > EXTRAPOLATION_CHECK_MAX_POINTS || observations.some((o) => o.s >= target.s)) return undefined;
  const sizes = [...new Set(observations.map((o) => o.s))].sort((a, b) => a - b);
  if (sizes.length < 2) return undefined;
  const largest = sizes[sizes.length - 1]!;
  const next = sizes[sizes.length - 2]!;
  const train = observations.filter((o) => o.s !== largest);
  const test = observations.filter((o) => o.s === largest);
  const d = hp.d;
  const points = pointsFromRows(d, train);
  const y = Float64Array.from(train, (o) => o.y);
  // The same hyperparameters: the smaller sizes' kernel has the same terms or fewer (a curvature needs three sizes),
  // so each of its hyperparameters is taken by name; a term it has and the model lacks gets a short warm refit.
  const names = [...kernelForData(points, hp.config).names, 'noise'];
  const index = new Map(hp.names.map((name, i) => [name, i] as const));
  const subset = names.every((name) => index.has(name));
  const model = subset
    ? fitGp(points, y, hp.config, { warmStart: { ...hp, names, theta: names.map((name) => hp.theta[index.get(name)!]!) }, fixed: true })
    : fitGp(points, y, hp.config, { warmStart: hp, maxIterations: 30 });
  const posterior = model.posterior(pointsFromRows(d, test));
  let squares = 0;
  test.forEach((o, i) => {
    const variance = Math.max(posterior.variance[i]! + model.noiseVariance, 1e-300);
    squares += (o.y - posterior.mean[i]!) ** 2 / variance;
  });
  const zScale = Math.sqrt(squares / test.length);
  const reach = (target.s - largest) / Math.max(largest - next, 1e-9);
  // calibrated one size down (z-scale <= 1): the GP's own growth of the variance with distance stands
  return { heldOut: test.length, zScale, reach, factor: zScale <= 1 ? 1 : zScale * Math.max(1, reach) };
}
