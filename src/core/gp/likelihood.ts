// The objective of the hyperparameter fit: log marginal likelihood (R&W Algorithm 2.1) plus log priors, and its
// analytic gradient (R&W eq. 5.9), on fixed standardised data with the mean profiled out by GLS (mean.ts).
import type { Kernel, PreparedKernel } from '../kernels/types';
import { cholesky, choleskySolve, inverseFromCholesky, logDetFromCholesky } from '../linalg';
import { validatePointSet, validateValues } from '../points';
import { CoreInputError } from '../types';
import type { PointSet } from '../types';
import type { GpConfig } from './config';
import { kernelForData } from './hyperparameters';
import { designMatrix, generalisedLeastSquares, meanColumnsFor, standardise } from './mean';
import type { MeanColumn } from './mean';
import { priorFor } from './priors';
import type { LogPrior } from './priors';

const LOG_2PI = Math.log(2 * Math.PI);

export interface Evaluation {
  readonly logMarginalLikelihood: number;
  readonly logPrior: number;
  /** d(LML + log prior)/d theta, when asked */
  readonly gradient: Float64Array | undefined;
  readonly factor: Float64Array;
  readonly jitter: number;
  /** K^-1 (y - H b) */
  readonly alpha: Float64Array;
  /** GLS mean coefficients on the used columns */
  readonly beta: Float64Array;
}

/** Log marginal likelihood (R&W Algorithm 2.1) and its gradient (R&W eq. 5.9) on fixed data. */
export class LikelihoodProblem {
  readonly n: number;
  private readonly prepared: PreparedKernel;
  private readonly design: Float64Array;
  private readonly p: number;
  private readonly priors: (LogPrior | undefined)[];
  private readonly work: Float64Array;
  /** The last evaluation, reused when the same theta is asked for again (the fit's final evaluation). */
  private last: { theta: Float64Array; evaluation: Evaluation } | undefined;

  constructor(
    kernel: Kernel,
    points: PointSet,
    private readonly y: Float64Array,
    meanColumns: readonly MeanColumn[],
    names: readonly string[],
    usePriors: boolean,
  ) {
    this.n = points.n;
    this.prepared = kernel.prepare(points);
    this.p = meanColumns.length;
    this.design = designMatrix(points, meanColumns);
    this.priors = names.map((name) => (usePriors ? priorFor(name) : undefined));
    this.work = new Float64Array(this.n * this.n);
  }

  /** theta: the kernel's log-hyperparameters, then log noise (standardised). */
  evaluate(theta: Float64Array, withGradient: boolean): Evaluation {
    const last = this.last;
    if (last && (last.evaluation.gradient !== undefined || !withGradient) && last.theta.every((value, i) => value === theta[i]) && last.theta.length === theta.length) {
      return last.evaluation;
    }
    const evaluation = this.compute(theta, withGradient);
    this.last = { theta: Float64Array.from(theta), evaluation };
    return evaluation;
  }

  private compute(theta: Float64Array, withGradient: boolean): Evaluation {
    const n = this.n;
    const kernelSize = theta.length - 1;
    const noise = Math.exp(theta[kernelSize]!);
    const k = this.prepared.matrix(theta.subarray(0, kernelSize));
    const a = this.work;
    a.set(k);
    for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! + noise;
    const { factor, jitter } = cholesky(a, n);

    const { beta, residual } = generalisedLeastSquares(factor, n, this.design, this.p, this.y);
    const alpha = choleskySolve(factor, n, residual);
    let quadratic = 0;
    for (let i = 0; i < n; i++) quadratic += residual[i]! * alpha[i]!;
    const logMarginalLikelihood = -0.5 * quadratic - 0.5 * logDetFromCholesky(factor, n) - 0.5 * n * LOG_2PI;

    let logPrior = 0;
    this.priors.forEach((prior, index) => {
      if (prior) logPrior += prior.value(theta[index]!);
    });
    const gradient = withGradient ? this.gradient(theta, factor, alpha, noise) : undefined;
    return { logMarginalLikelihood, logPrior, gradient, factor, jitter, alpha, beta };
  }

  /**
   * dLML/dtheta_p = 1/2 tr((alpha alpha^T - K^-1) dK/dtheta_p) (R&W eq. 5.9), plus the priors' derivatives. The
   * mean coefficients are at their optimum for this theta, so profiling over them adds no term (envelope theorem).
   * Kernels read only the lower triangle of the (symmetric) weights.
   */
  private gradient(theta: Float64Array, factor: Float64Array, alpha: Float64Array, noise: number): Float64Array {
    const n = this.n;
    const kernelSize = theta.length - 1;
    const weights = inverseFromCholesky(factor, n, { lowerOnly: true });
    let noiseTrace = 0;
    for (let i = 0; i < n; i++) {
      const ai = 0.5 * alpha[i]!;
      const row = i * n;
      for (let j = 0; j <= i; j++) weights[row + j] = ai * alpha[j]! - 0.5 * weights[row + j]!;
      noiseTrace += weights[row + i]!;
    }
    const gradient = new Float64Array(theta.length);
    gradient.set(this.prepared.contract(weights), 0);
    gradient[kernelSize] = noise * noiseTrace;
    this.priors.forEach((prior, index) => {
      if (prior) gradient[index] = gradient[index]! + prior.derivative(theta[index]!);
    });
    return gradient;
  }
}

/**
 * LML (+ log prior when config.priors) and its gradient at theta (kernel names then "noise"), on the
 * standardised data. Exposed for gradient checks and diagnostics.
 */
export function evaluateObjective(
  points: PointSet,
  y: Float64Array,
  config: GpConfig,
  theta: Float64Array,
): { value: number; gradient: Float64Array; logMarginalLikelihood: number } {
  validatePointSet(points, 'evaluateObjective points');
  validateValues(y, points.n, 'evaluateObjective y');
  const meanColumns = meanColumnsFor(config, points);
  const kernel = kernelForData(points, config, meanColumns);
  const names = [...kernel.names, 'noise'];
  if (theta.length !== names.length) throw new CoreInputError(`evaluateObjective: theta has ${theta.length} entries, expected ${names.length}`);
  const problem = new LikelihoodProblem(kernel, points, standardise(y).values, meanColumns, names, config.priors ?? true);
  const evaluation = problem.evaluate(theta, true);
  return {
    value: evaluation.logMarginalLikelihood + evaluation.logPrior,
    gradient: evaluation.gradient!,
    logMarginalLikelihood: evaluation.logMarginalLikelihood,
  };
}
