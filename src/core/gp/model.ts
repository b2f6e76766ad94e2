// The fitted exact GP (R&W chapter 2): posterior mean, variance and covariances through the whitened
// cross-covariances of a cached Cholesky factor (and L^-1 once queries are large), the mean's uncertainty
// (R&W eq. 2.41, mean.ts), fantasies by block-Cholesky extension (conditionOn) and closed-form leave-one-out
// (R&W eq. 5.12). Immutable: conditionOn returns a new model. fit.ts builds it.
import type { PairKernel } from '../kernels/types';
import { cholesky, choleskySolve, invertLower, invertLowerTransposed, multiplyRowsByLowerTransposed, solveLowerRows } from '../linalg';
import { validatePointSet, validateValues } from '../points';
import { CoreInputError } from '../types';
import type { MarginalPosterior, PointSet, PosteriorModel } from '../types';
import type { GpConfig, GpHyperparameters } from './config';
import { valuesByName } from './hyperparameters';
import { MeanUncertainty, trendAtPoints } from './mean';
import type { MeanColumn } from './mean';

export interface GaussianProcessState {
  readonly config: GpConfig;
  readonly kernel: PairKernel;
  readonly names: readonly string[];
  readonly theta: Float64Array;
  readonly points: PointSet;
  readonly yRaw: Float64Array;
  readonly yMean: number;
  readonly yStd: number;
  /** standardised scale, [intercept, s, z] */
  readonly meanCoefficients: Float64Array;
  readonly meanColumns: readonly MeanColumn[];
  readonly factor: Float64Array;
  readonly alpha: Float64Array;
  readonly jitter: number;
  readonly logMarginalLikelihood: number;
  readonly logPrior: number;
  readonly fitSeconds: number;
  /** likelihood + gradient evaluations spent by the optimiser (all starts; subset ones included) */
  readonly fitEvaluations: number;
  readonly warnings: string[];
  /** L^-1 when already known (inherited by conditionOn so fantasies do not recompute it) */
  readonly lowerInverse?: Float64Array | undefined;
}

/**
 * Inverse of the extended factor [[L11, 0], [L21, L22]] from L11^-1 (n x n), L21 (m x n) and L22 (m x m):
 * [[L11^-1, 0], [-L22^-1 L21 L11^-1, L22^-1]]. Costs m n^2 / 2 instead of (n+m)^3 / 6.
 */
function extendLowerInverse(oldInverse: Float64Array, n: number, lower21: Float64Array, lower22: Float64Array, m: number): Float64Array {
  const total = n + m;
  const product = new Float64Array(m * n); // L21 L11^-1
  for (let i = 0; i < m; i++) {
    const out = i * n;
    for (let k = 0; k < n; k++) {
      const value = lower21[out + k]!;
      if (value === 0) continue;
      const row = k * n;
      for (let j = 0; j <= k; j++) product[out + j] = product[out + j]! + value * oldInverse[row + j]!;
    }
  }
  const inverse22 = invertLower(lower22, m);
  const result = new Float64Array(total * total);
  for (let i = 0; i < n; i++) result.set(oldInverse.subarray(i * n, i * n + i + 1), i * total);
  for (let i = 0; i < m; i++) {
    const row = (n + i) * total;
    for (let r = 0; r <= i; r++) {
      const coefficient = inverse22[i * m + r]!;
      if (coefficient === 0) continue;
      for (let j = 0; j < n; j++) result[row + j] = result[row + j]! - coefficient * product[r * n + j]!;
    }
    for (let j = 0; j <= i; j++) result[row + n + j] = inverse22[i * m + j]!;
  }
  return result;
}

/** A fitted GP; immutable (conditionOn returns a new model). */
export class GaussianProcess implements PosteriorModel {
  readonly d: number;
  readonly n: number;
  readonly noiseVariance: number;
  /** Variance of the noise a run's checkpoints share (kernels RunNoiseKernel), objective units; 0 without the term. */
  readonly runNoiseVariance: number;
  /** log p(y | theta) at the fitted theta, on the standardised scale (without priors). */
  readonly logMarginalLikelihood: number;
  /** log prior at the fitted theta, up to a constant (0 when priors are off). */
  readonly logPrior: number;
  /** Value added to the diagonal by the Cholesky beyond the noise (0 normally). */
  readonly jitter: number;
  readonly fitSeconds: number;
  /** Likelihood + gradient evaluations the fit used (0 when fixed or conditioned). */
  readonly fitEvaluations: number;
  /** Things worth telling the user (jitter needed, large negative variances clipped). */
  readonly warnings: string[];
  readonly config: GpConfig;
  private readonly state: GaussianProcessState;
  private readonly noiseStandardised: number;
  private looCache: { mean: Float64Array; variance: Float64Array } | undefined;
  private lowerInverse: Float64Array | undefined;
  private queriedPoints = 0;
  /** the mean's uncertainty (R&W eq. 2.41), built when first needed; null when H^T K^-1 H is singular */
  private meanUncertainty: MeanUncertainty | undefined | null;

  constructor(state: GaussianProcessState) {
    this.state = state;
    this.d = state.points.d;
    this.n = state.points.n;
    this.config = state.config;
    this.noiseStandardised = Math.exp(state.theta[state.theta.length - 1]!);
    this.noiseVariance = this.noiseStandardised * state.yStd * state.yStd;
    const runNoise = state.names.indexOf('run.noise');
    this.runNoiseVariance = runNoise < 0 ? 0 : Math.exp(state.theta[runNoise]!) * state.yStd * state.yStd;
    this.logMarginalLikelihood = state.logMarginalLikelihood;
    this.logPrior = state.logPrior;
    this.jitter = state.jitter;
    this.fitSeconds = state.fitSeconds;
    this.fitEvaluations = state.fitEvaluations;
    this.lowerInverse = state.lowerInverse;
    this.warnings = state.warnings;
  }

  /** Training inputs and raw objective values (copies are not made: do not mutate). */
  get trainingPoints(): PointSet {
    return this.state.points;
  }

  get trainingValues(): Float64Array {
    return this.state.yRaw;
  }

  hyperparameters(): GpHyperparameters {
    const values = valuesByName(this.state.names, this.state.theta);
    return {
      d: this.d,
      config: { ...this.config },
      names: [...this.state.names],
      theta: Array.from(this.state.theta),
      values,
      noiseVariance: this.noiseVariance,
      meanCoefficients: Array.from(this.state.meanCoefficients),
      yMean: this.state.yMean,
      yStd: this.state.yStd,
    };
  }

  /** Lengthscale of each mixture domain (length d; all equal without ARD). Small = the domain matters. */
  mixtureLengthscales(): Float64Array {
    const lengthscales = this.state.kernel.lengthscales('mixture');
    const out = new Float64Array(this.d);
    if (!lengthscales) return out.fill(NaN);
    for (let m = 0; m < this.d; m++) out[m] = lengthscales[lengthscales.length === 1 ? 0 : m]!;
    return out;
  }

  /** Prior mean m(x) at the points (standardised scale, mean.ts trendAt). */
  private priorMean(points: PointSet): Float64Array {
    return trendAtPoints(this.state.meanCoefficients, points);
  }

  /**
   * Whitened cross-covariances V = K(points, train) L^-T (m x n; row i = L^-1 k(train, x_i)), so that the posterior
   * covariance is K(a, b) - V_a V_b^T. Large queries go through a cached L^-1 (n^3/6 once, then blocked dot
   * products); small ones through forward substitution.
   */
  private whitened(points: PointSet, cross?: Float64Array): Float64Array {
    const n = this.n;
    const m = points.n;
    const crossMatrix = cross ?? this.state.kernel.matrix(points, this.state.points); // m x n
    this.queriedPoints += m;
    if (this.lowerInverse === undefined && (m >= 32 || this.queriedPoints > n)) {
      this.lowerInverse = invertLower(this.state.factor, n);
    }
    return this.lowerInverse !== undefined
      ? multiplyRowsByLowerTransposed(crossMatrix, m, this.lowerInverse, n)
      : solveLowerRows(this.state.factor, n, crossMatrix, m);
  }

  posterior(points: PointSet): MarginalPosterior {
    validatePointSet(points, 'posterior points', this.d);
    return this.marginal(points).posterior;
  }

  /**
   * Posterior at `a` and at `b` plus the pairwise covariance cov(f(a_i), f(b_i)), whitening each set once: the same
   * numbers as posterior(a), posterior(b) and crossCovarianceDiag(a, b), with two whitenings instead of four.
   */
  jointPosterior(a: PointSet, b: PointSet): { first: MarginalPosterior; second: MarginalPosterior; crossCovariance: Float64Array } {
    validatePointSet(a, 'jointPosterior a', this.d);
    validatePointSet(b, 'jointPosterior b', this.d);
    if (a.n !== b.n) throw new CoreInputError(`jointPosterior: a has ${a.n} points, b has ${b.n}`);
    const [crossA, crossB] = this.n > 0 ? this.state.kernel.matrixPair(a, b, this.state.points) : [undefined, undefined];
    const first = this.marginal(a, crossA);
    const second = this.marginal(b, crossB);
    return { first: first.posterior, second: second.posterior, crossCovariance: this.pairwiseFromWhitened(a, b, first.whitened, second.whitened) };
  }

  /**
   * The mean's uncertainty (R&W eq. 2.41, mean.ts MeanUncertainty) at points with whitened cross-covariances v:
   * the residuals r (m x p) and the model that scores them, or undefined with no estimated mean.
   */
  private meanResiduals(points: PointSet, v: Float64Array | undefined): { r: Float64Array; uncertainty: MeanUncertainty } | undefined {
    const columns = this.state.meanColumns;
    if (columns.length === 0 || this.n === 0 || v === undefined || this.state.config.meanUncertainty === false) return undefined;
    if (this.meanUncertainty === undefined) this.meanUncertainty = MeanUncertainty.of(this.state.points, columns, this.state.factor) ?? null;
    if (!this.meanUncertainty) return undefined;
    return { r: this.meanUncertainty.residuals(points, v), uncertainty: this.meanUncertainty };
  }

  /** Posterior at validated points, with the whitened cross-covariances it used (undefined when n = 0). */
  private marginal(points: PointSet, crossMatrix?: Float64Array): { posterior: MarginalPosterior; whitened: Float64Array | undefined } {
    const m = points.n;
    const n = this.n;
    const { yMean, yStd, alpha } = this.state;
    const mean = this.priorMean(points);
    const variance = this.state.kernel.diag(points);
    let v: Float64Array | undefined;
    if (n > 0) {
      const cross = crossMatrix ?? this.state.kernel.matrix(points, this.state.points); // m x n
      for (let i = 0; i < m; i++) {
        let sum = 0;
        for (let j = 0; j < n; j++) sum += cross[i * n + j]! * alpha[j]!;
        mean[i] = mean[i]! + sum;
      }
      v = this.whitened(points, cross);
      for (let i = 0; i < m; i++) {
        const row = i * n;
        let sum = 0;
        for (let k = 0; k < n; k++) sum += v[row + k]! * v[row + k]!;
        variance[i] = variance[i]! - sum;
      }
      const trend = this.meanResiduals(points, v);
      if (trend) for (let i = 0; i < m; i++) variance[i] = variance[i]! + trend.uncertainty.term(trend.r, i, trend.r, i);
    }
    const prior = this.state.kernel.diag(points);
    for (let i = 0; i < m; i++) {
      mean[i] = yMean + yStd * mean[i]!;
      variance[i] = this.clipVariance(variance[i]!, prior[i]!) * yStd * yStd;
    }
    return { posterior: { mean, variance }, whitened: v };
  }

  /** cov(f(a_i), f(b_i)) in objective units from the whitened cross-covariances of a and b. */
  private pairwiseFromWhitened(a: PointSet, b: PointSet, va: Float64Array | undefined, vb: Float64Array | undefined): Float64Array {
    const result = this.state.kernel.pairwise(a, b);
    if (this.n > 0 && va !== undefined && vb !== undefined) {
      const n = this.n;
      for (let i = 0; i < a.n; i++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += va[i * n + k]! * vb[i * n + k]!;
        result[i] = result[i]! - sum;
      }
      const ta = this.meanResiduals(a, va);
      const tb = this.meanResiduals(b, vb);
      if (ta && tb) for (let i = 0; i < a.n; i++) result[i] = result[i]! + ta.uncertainty.term(ta.r, i, tb.r, i);
    }
    const scale = this.state.yStd * this.state.yStd;
    return result.map((value) => value * scale);
  }

  private clipVariance(value: number, prior: number): number {
    if (value >= 0) return value;
    if (value < -1e-6 * Math.max(prior, 1e-12) && this.warnings.length < 20) {
      this.warnings.push(`Clipped a negative posterior variance ${value.toExponential(2)} (prior ${prior.toExponential(2)}) to 0.`);
    }
    return 0;
  }

  covariance(a: PointSet, b: PointSet): Float64Array {
    validatePointSet(a, 'covariance a', this.d);
    validatePointSet(b, 'covariance b', this.d);
    const result = this.state.kernel.matrix(a, b); // a.n x b.n
    if (this.n > 0) {
      const n = this.n;
      const va = this.whitened(a);
      const vb = this.whitened(b);
      const ta = this.meanResiduals(a, va);
      const tb = this.meanResiduals(b, vb);
      for (let i = 0; i < a.n; i++) {
        for (let j = 0; j < b.n; j++) {
          let sum = 0;
          for (let k = 0; k < n; k++) sum += va[i * n + k]! * vb[j * n + k]!;
          result[i * b.n + j] = result[i * b.n + j]! - sum + (ta && tb ? ta.uncertainty.term(ta.r, i, tb.r, j) : 0);
        }
      }
    }
    const scale = this.state.yStd * this.state.yStd;
    for (let i = 0; i < result.length; i++) result[i] = result[i]! * scale;
    return result;
  }

  crossCovarianceDiag(a: PointSet, b: PointSet): Float64Array {
    validatePointSet(a, 'crossCovarianceDiag a', this.d);
    validatePointSet(b, 'crossCovarianceDiag b', this.d);
    if (a.n !== b.n) throw new CoreInputError(`crossCovarianceDiag: a has ${a.n} points, b has ${b.n}`);
    if (this.n === 0) return this.pairwiseFromWhitened(a, b, undefined, undefined);
    return this.pairwiseFromWhitened(a, b, this.whitened(a), this.whitened(b));
  }

  /**
   * Same hyperparameters, standardisation and mean coefficients, conditioned additionally on (points, values)
   * observed with the same noise. The Cholesky factor is extended block-wise (no refactorisation).
   */
  conditionOn(points: PointSet, values: Float64Array): GaussianProcess {
    validatePointSet(points, 'conditionOn points', this.d);
    validateValues(values, points.n, 'conditionOn values');
    if (points.n === 0) return this;
    const n = this.n;
    const m = points.n;
    const total = n + m;
    const dim = this.d + 2;
    const data = new Float64Array(total * dim);
    data.set(this.state.points.data, 0);
    data.set(points.data, n * dim);
    const allPoints: PointSet = { n: total, d: this.d, data };
    const yRaw = new Float64Array(total);
    yRaw.set(this.state.yRaw, 0);
    yRaw.set(values, n);

    const diagonalAdd = this.noiseStandardised + this.state.jitter;
    // [[L11, 0], [L21, L22]] with L21 = K21 L11^-T and L22 = chol(K22 - L21 L21^T).
    const v = n > 0 ? this.whitened(points) : new Float64Array(0); // m x n = L21
    const schur = this.state.kernel.matrix(points);
    for (let i = 0; i < m; i++) schur[i * m + i] = schur[i * m + i]! + diagonalAdd;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += v[i * n + k]! * v[j * n + k]!;
        schur[i * m + j] = schur[i * m + j]! - sum;
      }
    }
    const block = cholesky(schur, m);
    const factor = new Float64Array(total * total);
    for (let i = 0; i < n; i++) factor.set(this.state.factor.subarray(i * n, i * n + i + 1), i * total);
    for (let i = 0; i < m; i++) {
      const row = (n + i) * total;
      factor.set(v.subarray(i * n, i * n + n), row);
      for (let j = 0; j <= i; j++) factor[row + n + j] = block.factor[i * m + j]!;
    }
    const residual = new Float64Array(total);
    const meanAll = this.priorMean(allPoints);
    for (let i = 0; i < total; i++) residual[i] = (yRaw[i]! - this.state.yMean) / this.state.yStd - meanAll[i]!;
    const alpha = choleskySolve(factor, total, residual);
    const warnings = [...this.state.warnings];
    if (block.jitter > 0) warnings.push(`Conditioning on ${m} points needed jitter ${block.jitter.toExponential(2)}.`);
    return new GaussianProcess({
      ...this.state,
      lowerInverse: this.lowerInverse !== undefined ? extendLowerInverse(this.lowerInverse, n, v, block.factor, m) : undefined,
      points: allPoints,
      yRaw,
      factor,
      alpha,
      jitter: Math.max(this.state.jitter, block.jitter),
      fitSeconds: 0,
      fitEvaluations: 0,
      warnings,
    });
  }

  /**
   * Leave-one-out predictive mean and variance of each observation y_i (noise included), objective units,
   * in closed form (R&W eq. 5.12): mu_i = y_i - [K^-1 r]_i / [K^-1]_ii, sigma_i^2 = 1 / [K^-1]_ii, with the mean
   * coefficients held at their fitted values.
   */
  /**
   * leaveOneOut() at some observations only: [K^-1]_ii = |L^-1 e_i|^2 by one forward substitution each (from row
   * i on), O(n^2) per index instead of the O(n^3) inverse, for a check on the target's few runs among many.
   */
  leaveOneOutAt(indices: readonly number[]): { mean: Float64Array; variance: Float64Array } {
    const n = this.n;
    for (const index of indices) if (!(Number.isInteger(index) && index >= 0 && index < n)) throw new CoreInputError(`leaveOneOutAt: index ${index} outside 0..${n - 1}`);
    if (this.looCache) return { mean: Float64Array.from(indices, (i) => this.looCache!.mean[i]!), variance: Float64Array.from(indices, (i) => this.looCache!.variance[i]!) };
    const factor = this.state.factor;
    const { yStd, yRaw, alpha } = this.state;
    const mean = new Float64Array(indices.length);
    const variance = new Float64Array(indices.length);
    const x = new Float64Array(n);
    indices.forEach((index, k) => {
      let diagonal = 0;
      for (let r = index; r < n; r++) {
        let sum = r === index ? 1 : 0;
        const row = r * n;
        for (let c = index; c < r; c++) sum -= factor[row + c]! * x[c]!;
        const value = sum / factor[row + r]!;
        x[r] = value;
        diagonal += value * value;
      }
      mean[k] = yRaw[index]! - (yStd * alpha[index]!) / diagonal;
      variance[k] = (yStd * yStd) / diagonal;
    });
    return { mean, variance };
  }

  leaveOneOut(): { mean: Float64Array; variance: Float64Array } {
    if (this.looCache) return { mean: Float64Array.from(this.looCache.mean), variance: Float64Array.from(this.looCache.variance) };
    const n = this.n;
    const upper = invertLowerTransposed(this.state.factor, n);
    const mean = new Float64Array(n);
    const variance = new Float64Array(n);
    const { yStd, yRaw, alpha } = this.state;
    for (let i = 0; i < n; i++) {
      let diagonal = 0;
      for (let k = i; k < n; k++) diagonal += upper[i * n + k]! * upper[i * n + k]!;
      mean[i] = yRaw[i]! - (yStd * alpha[i]!) / diagonal;
      variance[i] = (yStd * yStd) / diagonal;
    }
    this.looCache = { mean, variance };
    return { mean: Float64Array.from(mean), variance: Float64Array.from(variance) };
  }
}

