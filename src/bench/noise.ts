// The target's measurement noise, for the suite's "sustained small regret" (a recommendation within the noise of
// the best row is as good as the table can tell). Synthetic tables know theirs. For a measured table it is
// estimated once from all its target rows, with a model that is not the one under test: the noise standard
// deviation of a GP (RBF over the mixture, one shared lengthscale, constant mean) fitted by maximum likelihood,
// no priors, 8 random starts, on the objective as measured (not its log). The suite stores the figures
// (src/bench/suite.ts) so that a change to the model does not move the yardstick; `mixopt bench noise` prints
// them again.
import { fitGp } from '../core/gp/fit';
import { rowsAt } from '../core/points';

/** Noise sd (objective units) of an ML GP fitted to the rows: w row-major n x d, y the measured values. */
export function estimateNoise(ws: readonly Float64Array[], y: readonly number[]): number {
  const points = rowsAt(ws[0]?.length ?? 0, ws.map((w) => ({ w })), 1, 1);
  const model = fitGp(points, Float64Array.from(y), { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'constant', priors: false }, { restarts: 8, seed: 1 });
  return Math.sqrt(model.noiseVariance);
}
