// How far to trust the model's value at a target that has no observation yet, judged on the data it has.
//
// Before the first run at the target size, the value shown at the target is an extrapolation in size (and often in
// steps) from smaller models, and the GP's interval there assumes the mean's form (linear, quadratic from three
// levels) is right. The closed loop (bench/LOOP.md) showed it is not: with two or three sizes seen, the shown value
// was 0.2-0.5 off with intervals a fifth as wide. This check does to the data what the model does to the target:
// it leaves out the largest size seen, predicts its runs from the smaller ones at the same hyperparameters, and
// measures how many predictive standard deviations off they are (root mean square of the z-scores). Where that is
// more than 1, the target's standard deviation is widened by it times the ratio of the distances extrapolated (to
// the target, against to the left-out size): a mean of the wrong shape errs in proportion to the square of its
// reach, its variance grows about in proportion. It never narrows an interval.
//
// Once the target size has runs but none has reached the target's steps (short runs of the target model, as the
// proxy rule buys them), the extrapolation is in steps, and the check is made along the steps axis the same way:
// it leaves out the checkpoints past a cut and predicts them from the earlier ones. With a few step counts the cut
// is below the largest; with dense learning curves it is placed as far below the largest as the target is above it,
// so the check extrapolates as far as the model must. Where the target size has short runs and smaller sizes have
// run to the target's steps, the target size's checkpoints are predicted from the smaller sizes. It stops applying
// at the first observation at the target.
import type { GpHyperparameters } from './gp/config';
import { fitGp } from './gp/fit';
import { kernelForData } from './gp/hyperparameters';
import { pointsFromRows } from './points';
import type { Observation } from './types';

/** Above this many observations the check is not made (an exact fit of the rest would be the slow part). */
export const EXTRAPOLATION_CHECK_MAX_POINTS = 800;

export interface ExtrapolationCheck {
  /** the coordinate extrapolated along: model size (s) or steps (z) */
  readonly axis: 's' | 'z';
  /** the left-out observations' smallest coordinate on that axis */
  readonly cut: number;
  /** observations left out (the largest size's runs, or the checkpoints past the cut) */
  readonly heldOut: number;
  /** root mean square of their z-scores, predicted from the rest */
  readonly zScale: number;
  /** (target - largest seen) / (largest seen - the largest level kept), on the axis */
  readonly reach: number;
  /** what the target's standard deviation is multiplied by (>= 1) */
  readonly factor: number;
}

/** Where the check cuts the axis: the levels it leaves out (at least the largest) and the largest level it keeps. */
function cutOf(levels: readonly number[], axis: 's' | 'z', target: number): { cut: number; kept: number } | undefined {
  if (levels.length < 2) return undefined;
  const largest = levels[levels.length - 1]!;
  if (axis === 's') return { cut: largest, kept: levels[levels.length - 2]! };
  // steps: leave out the levels within (target - largest) below the largest, keeping at least the smallest level
  const mirrored = largest - (target - largest);
  // (with three or more step counts the rest keeps two, so that it can show a steps effect at all)
  const first = Math.max(Math.min(2, levels.length - 1), levels.findIndex((level) => level > mirrored + 1e-9));
  const index = Math.min(first, levels.length - 1);
  return { cut: levels[index]!, kept: levels[index - 1]! };
}

export function extrapolationCheck(hp: GpHyperparameters, observations: readonly Observation[], target: { readonly s: number; readonly z: number }): ExtrapolationCheck | undefined {
  if (observations.length > EXTRAPOLATION_CHECK_MAX_POINTS || observations.some((o) => o.s >= target.s && o.z >= target.z)) return undefined;
  const sizeSeen = observations.some((o) => o.s >= target.s);
  const stepsSeen = observations.some((o) => o.z >= target.z);
  if (!sizeSeen) return extrapolationCheckAlong('s', hp, observations, target);
  if (!stepsSeen) return extrapolationCheckAlong('z', hp, observations, target);
  // The target's size and steps each seen, but never together (short runs of the target size, long runs of smaller
  // ones): the value joins the steps effect of the smaller sizes to the target size. Both parts are checked, the
  // target size's checkpoints predicted from the smaller sizes and the long checkpoints from the shorter, and the
  // wider factor stands.
  const bySize = extrapolationCheckAlong('s', hp, observations, target);
  const bySteps = extrapolationCheckAlong('z', hp, observations, target);
  if (!bySize || !bySteps) return bySize ?? bySteps;
  return bySteps.factor > bySize.factor ? bySteps : bySize;
}

/** The check along one axis: the largest size left out (s), or the checkpoints past the cut (z). */
export function extrapolationCheckAlong(axis: 's' | 'z', hp: GpHyperparameters, observations: readonly Observation[], target: { readonly s: number; readonly z: number }): ExtrapolationCheck | undefined {
  const coordinate = (o: Observation): number => (axis === 's' ? o.s : o.z);
  const levels = [...new Set(observations.map((o) => Math.round(coordinate(o) * 1e9) / 1e9))].sort((a, b) => a - b);
  const split = cutOf(levels, axis, axis === 's' ? target.s : target.z);
  if (!split) return undefined;
  const train = observations.filter((o) => coordinate(o) < split.cut - 1e-9);
  const test = observations.filter((o) => coordinate(o) >= split.cut - 1e-9);
  const d = hp.d;
  const points = pointsFromRows(d, train);
  const y = Float64Array.from(train, (o) => o.y);
  // The same hyperparameters: the rest's kernel has the same terms or fewer (a curvature needs three levels), so
  // each of its hyperparameters is taken by name; a term it has and the model lacks gets a short warm refit.
  const names = [...kernelForData(points, hp.config).names, 'noise'];
  const index = new Map(hp.names.map((name, i) => [name, i] as const));
  const subset = names.every((name) => index.has(name));
  const model = subset
    ? fitGp(points, y, hp.config, { warmStart: { ...hp, names, theta: names.map((name) => hp.theta[index.get(name)!]!) }, fixed: true })
    : fitGp(points, y, hp.config, { warmStart: hp, maxIterations: 30 });
  const posterior = model.posterior(pointsFromRows(d, test));
  // A left-out checkpoint carries its run's share of the noise (RunNoiseKernel) on top of its own: the prediction is
  // of the noise-free value, and is not told the run's earlier checkpoints' offset.
  const observationNoise = model.noiseVariance + model.runNoiseVariance;
  let squares = 0;
  test.forEach((o, i) => {
    const variance = Math.max(posterior.variance[i]! + observationNoise, 1e-300);
    squares += (o.y - posterior.mean[i]!) ** 2 / variance;
  });
  const zScale = Math.sqrt(squares / test.length);
  const largest = levels[levels.length - 1]!;
  // (0 when the left-out size is the target's: the factor is then the z-scale itself)
  const reach = Math.max(0, (axis === 's' ? target.s : target.z) - largest) / Math.max(largest - split.kept, 1e-9);
  // calibrated on the left-out part (z-scale <= 1): the GP's own growth of the variance with distance stands
  return { axis, cut: split.cut, heldOut: test.length, zScale, reach, factor: zScale <= 1 ? 1 : zScale * Math.max(1, reach) };
}
