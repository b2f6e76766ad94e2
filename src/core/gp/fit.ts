// The hyperparameter fit: maximise log p(y | theta) + log prior(theta) (likelihood.ts) with projected L-BFGS over
// several seeded starts, warm-started from an earlier fit when its names match; large cold fits search on a random
// subset and refine the winner on all data. Returns the fitted model (model.ts).
import type { Kernel } from '../kernels/types';
import { minimize } from '../lbfgs';
import { selectRows, validatePointSet, validateValues } from '../points';
import { Rng } from '../random';
import type { PointSet } from '../types';
import type { FitOptions, GpConfig, GpHyperparameters } from './config';
import { INITIAL_NOISE, kernelForData, noiseBounds } from './hyperparameters';
import { LikelihoodProblem } from './likelihood';
import { fullCoefficients, meanColumnsFor, standardise } from './mean';
import type { MeanColumn } from './mean';
import { GaussianProcess } from './model';

/** Milliseconds from a monotonic clock when the host has one (src/core has no DOM or Node types). */
function now(): number {
  const clock = (globalThis as { performance?: { now(): number } }).performance;
  return clock ? clock.now() : Date.now();
}

interface ThetaBox {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  clip(theta: Float64Array): Float64Array;
}

/** The box of theta (kernel bounds, then the noise's) and the projection onto it. */
function thetaBox(kernel: Kernel, config: GpConfig): ThetaBox {
  const [noiseLow, noiseHigh] = noiseBounds(config);
  const lower = Float64Array.from([...kernel.bounds.map((b) => b[0]), noiseLow]);
  const upper = Float64Array.from([...kernel.bounds.map((b) => b[1]), noiseHigh]);
  return { lower, upper, clip: (theta) => theta.map((value, i) => Math.min(upper[i]!, Math.max(lower[i]!, value))) };
}

/** An earlier fit's theta as the first start when it belongs to this model (same d and names, finite). */
function warmTheta(warmStart: GpHyperparameters | undefined, d: number, names: readonly string[], box: ThetaBox): Float64Array | undefined {
  return warmStart !== undefined &&
    warmStart.d === d &&
    warmStart.names.length === names.length &&
    warmStart.names.every((name, i) => name === names[i]) &&
    warmStart.theta.every(Number.isFinite)
    ? box.clip(Float64Array.from(warmStart.theta))
    : undefined;
}

/** What the optimisation runs on: the data, and the full-data problem built once when first needed. */
interface FitData {
  readonly kernel: Kernel;
  readonly config: GpConfig;
  readonly points: PointSet;
  /** standardised values */
  readonly y: Float64Array;
  readonly names: readonly string[];
  readonly usePriors: boolean;
  full(): LikelihoodProblem;
}

/**
 * Multi-start projected L-BFGS from `first` (warm or default) and `restarts` random starts within +-2 log units of
 * the default. Cold fits above `subsetSize` observations search on a seeded random subset (re-standardised) and
 * refine the winner on all data. Returns the best theta and the evaluations spent.
 */
function optimiseTheta(data: FitData, box: ThetaBox, first: Float64Array, defaultTheta: Float64Array, isWarm: boolean, options: FitOptions, rng: Rng): { best: Float64Array; evaluations: number } {
  const { points } = data;
  const { lower, upper } = box;
  const subsetSize = options.subsetSize ?? 300;
  const restarts = Math.max(0, options.restarts ?? (isWarm ? 0 : 2));
  const starts: Float64Array[] = [first];
  for (let r = 0; r < restarts; r++) starts.push(box.clip(defaultTheta.map((center) => center + rng.uniform(-2, 2))));
  const useSubset = !isWarm && points.n > subsetSize;
  let searchProblem: LikelihoodProblem;
  if (useSubset) {
    const indices = Array.from({ length: points.n }, (_, i) => i);
    for (let i = 0; i < subsetSize; i++) {
      const j = i + rng.int(points.n - i);
      [indices[i], indices[j]] = [indices[j]!, indices[i]!];
    }
    const chosen = indices.slice(0, subsetSize).sort((x, z) => x - z);
    const subset = selectRows(points, chosen);
    // Re-standardise the subset so its scale matches what the full data will see.
    const values = standardise(Float64Array.from(chosen, (i) => data.y[i]!)).values;
    searchProblem = new LikelihoodProblem(data.kernel, subset, values, meanColumnsFor(data.config, subset), data.names, data.usePriors);
  } else {
    searchProblem = data.full();
  }
  const maxIterations = options.maxIterations ?? (searchProblem.n <= subsetSize ? 100 : 10);
  const objective = (problem: LikelihoodProblem) => (theta: Float64Array) => {
    const evaluation = problem.evaluate(theta, true);
    const gradient = evaluation.gradient!.map((value) => -value);
    return { value: -(evaluation.logMarginalLikelihood + evaluation.logPrior), gradient };
  };
  let best = first;
  let evaluations = 0;
  let bestValue = Infinity;
  for (const start of starts) {
    const warmStart = isWarm && start === first;
    const relativeTolerance = options.relativeTolerance ?? (warmStart ? 1e-6 : 2.2e-9);
    // A warm start that is already nearly stationary stops at once: with |gradient| <= 1e-3 n per log-unit, a
    // Newton step (curvature about n) could gain only about 1e-6 n nats.
    const gradientTolerance = warmStart ? Math.max(1e-5, 1e-3 * searchProblem.n) : 1e-5;
    const result = minimize(objective(searchProblem), start, { lower, upper, maxIterations, relativeTolerance, gradientTolerance });
    evaluations += result.evaluations;
    if (result.value < bestValue) {
      bestValue = result.value;
      best = result.x;
    }
  }
  if (useSubset) {
    const refined = minimize(objective(data.full()), best, {
      lower,
      upper,
      maxIterations: options.refineIterations ?? 10,
      relativeTolerance: options.relativeTolerance ?? 1e-7,
    });
    evaluations += refined.evaluations;
    if (Number.isFinite(refined.value)) best = refined.x;
  }
  return { best, evaluations };
}

/**
 * Fits a GP to n points (PointSet, row-major, d+2 columns) and n objective values.
 * Throws CoreInputError for NaN/Inf or mismatched shapes; never for ill-conditioned data.
 */
export function fitGp(input: PointSet, y: Float64Array, config: GpConfig, options: FitOptions = {}): GaussianProcess {
  const started = now();
  validatePointSet(input, 'fitGp points');
  validateValues(y, input.n, 'fitGp y');
  // The model keeps its own copy: callers may reuse their buffers.
  const points: PointSet = { n: input.n, d: input.d, data: Float64Array.from(input.data) };
  const meanColumns: readonly MeanColumn[] = meanColumnsFor(config, points);
  const kernel = kernelForData(points, config, meanColumns);
  const names = [...kernel.names, 'noise'];
  const box = thetaBox(kernel, config);
  const defaultTheta = box.clip(Float64Array.from([...kernel.theta, Math.log(INITIAL_NOISE)]));
  const warm = warmTheta(options.warmStart, points.d, names, box);

  const standardised = standardise(y);
  const usePriors = config.priors ?? true;
  const rng = new Rng(options.seed ?? 0);
  const warnings: string[] = [];
  if (options.warmStart !== undefined && warm === undefined) {
    warnings.push('The warm start did not match this model (domains or hyperparameter names differ); started cold.');
  }

  let fullProblem: LikelihoodProblem | undefined;
  const full = (): LikelihoodProblem => (fullProblem ??= new LikelihoodProblem(kernel, points, standardised.values, meanColumns, names, usePriors));
  let best = warm ?? defaultTheta;
  let evaluations = 0;
  if (points.n > 0 && !options.fixed) {
    const data: FitData = { kernel, config, points, y: standardised.values, names, usePriors, full };
    ({ best, evaluations } = optimiseTheta(data, box, best, defaultTheta, warm !== undefined, options, rng));
  }

  const final = full().evaluate(best, false);
  if (final.jitter > 0) warnings.push(`Cholesky needed jitter ${final.jitter.toExponential(2)} on the diagonal.`);
  return new GaussianProcess({
    config,
    kernel: kernel.withTheta(best.subarray(0, best.length - 1)),
    names,
    theta: Float64Array.from(best),
    points,
    yRaw: Float64Array.from(y),
    yMean: standardised.mean,
    yStd: standardised.std,
    meanCoefficients: fullCoefficients(meanColumns, final.beta),
    meanColumns,
    factor: final.factor,
    alpha: final.alpha,
    jitter: final.jitter,
    logMarginalLikelihood: final.logMarginalLikelihood,
    logPrior: final.logPrior,
    fitSeconds: (now() - started) / 1000,
    fitEvaluations: evaluations,
    warnings,
  });
}
