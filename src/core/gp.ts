// Gaussian-process regression for the mixture objective (Rasmussen & Williams 2006, "R&W").
//
// - Outputs are standardised inside: y_std = (y - mean(y)) / std(y) (population std; std 0 -> 1, as scikit-learn).
// - Mean function on the standardised scale: 'constant' = 0 (i.e. the sample mean, scikit-learn's normalize_y),
//   or 'linear' in (s, z) (MFMS-GP): m(x) = b0 + b1 s + b2 z, or 'quadratic': linear plus b3 s^2 (b4 z^2) when s (z)
//   takes at least three levels in the data, the target level 1 among them. Losses fall faster than linearly in
//   log(params) between the sizes people train: on the RegMix example a linear trend put the 60 held-out 1B runs
//   0.24 too high (4.6 times the spread of the 1B losses) and the quadratic one 0.001, so a linear mean only
//   anchors the target where target runs were measured. The curvature is never used to extrapolate past the data.
//   b is estimated by generalised least squares for the current hyperparameters (R&W eq. 2.42 with a flat prior
//   on b), i.e. the likelihood is profiled over b.
//   Predictions plug the estimate in (the extra variance term of R&W eq. 2.41 is not added). Columns of s or z
//   that do not vary in the data are left out of the design.
// - Noise variance sigma_n^2 (standardised units) is a hyperparameter in log space, bounded below by the floor.
// - Hyperparameters maximise log p(y | theta) + log prior(theta) with projected L-BFGS over several seeded starts.

import { buildDefaultKernel, findMixtureStationary, SumKernel, TrendKernel } from './kernels';
import type { Kernel, PairKernel, PreparedKernel, TrendFeature } from './kernels';
import {
  cholesky,
  choleskySolve,
  choleskySolveMatrix,
  invertLower,
  invertLowerTransposed,
  multiplyRowsByLowerTransposed,
  inverseFromCholesky,
  logDetFromCholesky,
  solveLowerRows,
} from './linalg';
import { minimize } from './lbfgs';
import { Rng } from './random';
import { CoreInputError } from './types';
import type { MarginalPosterior, PointSet, PosteriorModel } from './types';

export interface GpConfig {
  readonly mixtureKernel: 'rbf' | 'matern52';
  readonly ard: boolean;
  readonly fidelityKernel: 'rbf' | 'downsampling';
  readonly mean: 'constant' | 'linear' | 'quadratic';
  /** Lower bound of the noise variance on the STANDARDISED scale (y / std(y)). Default 1e-6. */
  readonly noiseFloor?: number;
  /** Add log-priors on the hyperparameters (see PRIORS below). Default true. */
  readonly priors?: boolean;
  /** A linear trend in the mixture weights inside the mixture kernel (kernels.ts LinearKernel). Default false. */
  readonly linear?: boolean;
  /**
   * A component per model size (kernels.ts LevelKernel) when the data hold two or more sizes, so that the
   * correlation between sizes is learned apart from the smoothness in s. Default false.
   */
  readonly sizeLevels?: boolean;
  /**
   * Add the variance of the estimated mean coefficients to predictions (R&W eq. 2.41). Default true. The sparse
   * large-data path (sparseGp.ts) does not have the term; its tests compare against the exact GP without it.
   */
  readonly meanUncertainty?: boolean;
  /**
   * A size-and-steps trend shared by all mixtures, with Gaussian priors on its coefficients (kernels.ts
   * TrendKernel), for the terms the mean leaves out: the slope where the data hold one size (or step count) and
   * the target another, the curvature where the target is beyond the observed levels, and the size x steps
   * interaction. Default false.
   */
  readonly trend?: boolean;
}

/**
 * What the engine and the benchmark's MixOpt methods fit by default: a linear trend in the weights inside the
 * mixture kernel (the GP contains the RegMix / log-linear mixing laws) and a component per model size (the
 * correlation between sizes is learned). See bench/RESULTS.md for the ablations.
 */
export const MODEL_DEFAULTS: Pick<GpConfig, 'linear' | 'sizeLevels' | 'trend'> = { linear: true, sizeLevels: true, trend: true };

export interface FitOptions {
  /** Random starts in addition to the first (default or warm) start. Default 2 cold, 0 when warm-started. */
  readonly restarts?: number;
  /** Seed of the random starts (and of the subset used for large n). Default 0. */
  readonly seed?: number;
  /** Hyperparameters of an earlier fit; used as the first start when their names match this model's. */
  readonly warmStart?: GpHyperparameters;
  /**
   * L-BFGS iterations per start. Default 100 when the optimisation runs on at most `subsetSize` points, else 10:
   * one likelihood + gradient evaluation costs about 0.4 s at n = 1,088, so warm refits of large data sets take a
   * few quasi-Newton steps from the previous optimum instead of running to convergence.
   */
  readonly maxIterations?: number;
  /** Use warmStart's theta (or the defaults) as is, no optimisation. */
  readonly fixed?: boolean;
  /**
   * Above this many observations, cold starts run on a seeded random subset of this size and only the best
   * is refined on all data (at most `refineIterations` iterations). Default 300. Not used when warm-started.
   */
  readonly subsetSize?: number;
  /** L-BFGS iterations on all data after a subset search. Default 10. */
  readonly refineIterations?: number;
  /**
   * Stop a start when the objective improves by less than this, relative (scipy's factr * eps). Default 2.2e-9 for
   * cold starts and 1e-6 when warm-started (one added run moves the optimum little; 1e-6 of |LML| is far below
   * what changes a decision).
   */
  readonly relativeTolerance?: number;
}

/** Serialisable hyperparameters of a fitted GP (JSON-safe). */
export interface GpHyperparameters {
  readonly d: number;
  readonly config: GpConfig;
  /** names of the log-hyperparameters: kernel names, then "noise" */
  readonly names: readonly string[];
  /** log-hyperparameters, same order as names */
  readonly theta: readonly number[];
  /** exp(theta) by name (noise on the standardised scale) */
  readonly values: Readonly<Record<string, number>>;
  /** noise variance in the objective's units */
  readonly noiseVariance: number;
  /** mean coefficients on the standardised scale: [intercept, s, z, s^2, z^2] (0 for columns not used) */
  readonly meanCoefficients: readonly number[];
  readonly yMean: number;
  readonly yStd: number;
}

const LOG_2PI = Math.log(2 * Math.PI);
const DEFAULT_NOISE_FLOOR = 1e-6;
const NOISE_UPPER = 2;
const INITIAL_NOISE = 0.05;

/** A log-prior on one log-hyperparameter theta = log x, as a function of theta (Jacobian included). */
interface LogPrior {
  value(theta: number): number;
  derivative(theta: number): number;
}

/** x ~ Gamma(shape a, rate b) written in theta = log x: a theta - b e^theta (+ const). */
function gammaPrior(shape: number, rate: number): LogPrior {
  return { value: (t) => shape * t - rate * Math.exp(t), derivative: (t) => shape - rate * Math.exp(t) };
}

/** x ~ LogNormal(mu, sigma), i.e. theta ~ Normal(mu, sigma^2) (+ const). */
function logNormalPrior(mu: number, sigma: number): LogPrior {
  const inv = 1 / (sigma * sigma);
  return { value: (t) => -0.5 * (t - mu) * (t - mu) * inv, derivative: (t) => -(t - mu) * inv };
}

/**
 * PRIORS (on standardised outputs). Amplitude Gamma(2, 0.15) and noise Gamma(1.1, 0.05) as BoTorch's classic
 * SingleTaskGP; lengthscales LogNormal(log 0.5, 1): centred on the shared-lengthscale start so that per-domain
 * (ARD) lengthscales cannot run off to tiny values on few runs (SPEC: ARD by plain ML transferred badly).
 * Downsampling c ~ LogNormal(log 0.1, 1.5), delta ~ LogNormal(0, 1.5). Trend variances LogNormal(log 16, 2): wide,
 * because they matter where the data cannot fit them (the target past every observed size or step count, where
 * the y spread of a few cheap levels says nothing about the curvature). On the closed loop (bench/LOOP.md, 4 seeds
 * x 60 suggestions) the share of steps whose 95% interval held the truth was 0% without the trend, 54% with a
 * median of 4, 70% with 16, 67% with 64 (whose final regrets were worse).
 */
function priorFor(name: string): LogPrior | undefined {
  if (name === 'amplitude') return gammaPrior(2, 0.15);
  if (name === 'noise') return gammaPrior(1.1, 0.05);
  if (name.includes('.lengthscale')) return logNormalPrior(Math.log(0.5), 1);
  if (name.endsWith('.downsampling.c')) return logNormalPrior(Math.log(0.1), 1.5);
  if (name.endsWith('.downsampling.delta')) return logNormalPrior(0, 1.5);
  if (name === 'mixture.linear.variance') return logNormalPrior(Math.log(0.5), 1.5);
  if (name.endsWith('.level.variance')) return logNormalPrior(Math.log(0.1), 1.5);
  if (name.startsWith('trend.')) return logNormalPrior(Math.log(16), 2);
  return undefined;
}

/**
 * The kernel of a configuration. `sizesInData`: how many model sizes the data hold; the per-size component is
 * left out below two (with one size it only duplicates the amplitude).
 */
function kernelFor(d: number, config: GpConfig, sizesInData: number, trend: readonly TrendFeature[] = []): PairKernel {
  const product = buildDefaultKernel({
    d,
    mixtureKernel: config.mixtureKernel,
    ard: config.ard,
    fidelityKernel: config.fidelityKernel,
    linear: config.linear ?? false,
    sizeLevels: (config.sizeLevels ?? false) && sizesInData >= 2,
  });
  return trend.length === 0 ? product : new SumKernel([product, ...trend.map((feature) => new TrendKernel({ feature, d }))]);
}

/**
 * The trend terms (TrendKernel) a configuration adds for its data: those the mean (meanColumnsFor) leaves out and
 * the data can fit. Curvature (1 - s)^2 where the data hold three or more sizes and the mean has no s^2 column
 * (the target beyond them); the same for z; and (1 - s)(1 - z) where both vary. Not with one or two levels, where
 * the curvature would be its prior alone: that uncertainty is common to every mixture at the target, and the
 * acquisition (MES) then overvalues target runs for pinning a level that does not change which mixture is best
 * (RegMix-mean replay: the best 1B row held from a median 2.1 units with it, 0.9 without). With every point at the
 * target none is added, and the kernel is the product kernel alone.
 */
function trendFeaturesFor(config: GpConfig, points: PointSet, meanColumns: readonly MeanColumn[]): TrendFeature[] {
  if (!config.trend || config.mean === 'constant' || points.n === 0) return [];
  const dim = points.d + 2;
  const levels = (offset: number): number => {
    const seen = new Set<number>();
    for (let i = 0; i < points.n && seen.size < 3; i++) seen.add(Math.round(points.data[i * dim + offset]! * 1e9));
    return seen.size;
  };
  const s = levels(points.d);
  const z = levels(points.d + 1);
  const features: TrendFeature[] = [];
  if (s >= 3 && !meanColumns.includes('s2')) features.push('s2');
  if (z >= 3 && !meanColumns.includes('z2')) features.push('z2');
  if (s >= 2 && z >= 2) features.push('sz');
  return features;
}

/** The kernel a fitted model's hyperparameters belong to, set to their theta (names and structure match). */
export function kernelOf(hp: GpHyperparameters): PairKernel {
  const trend = hp.names.flatMap((name) => {
    const match = /^trend\.(s|z|s2|z2|sz)\.variance$/.exec(name);
    return match ? [match[1] as TrendFeature] : [];
  });
  const kernel = kernelFor(hp.d, hp.config, hp.names.some((name) => name.endsWith('.level.variance')) ? 2 : 1, trend);
  if (kernel.names.length !== hp.names.length - 1 || kernel.names.some((name, i) => name !== hp.names[i])) {
    throw new CoreInputError(`kernelOf: hyperparameters ${hp.names.join(', ')} do not match the kernel ${kernel.names.join(', ')}`);
  }
  kernel.theta = Float64Array.from(hp.theta.slice(0, hp.theta.length - 1));
  return kernel;
}

/** Number of distinct values in column `column` of the points, counted up to `cap`. */
function distinctLevels(points: PointSet, column: number, cap: number): number {
  const dim = points.d + 2;
  const levels = new Set<number>();
  for (let i = 0; i < points.n && levels.size < cap; i++) levels.add(Math.round(points.data[i * dim + column]! * 1e9));
  return levels.size;
}

/** Throws CoreInputError naming the first bad row and column. */
export function validatePointSet(points: PointSet, label: string, d?: number): void {
  const dim = points.d + 2;
  if (!Number.isInteger(points.n) || points.n < 0 || !Number.isInteger(points.d) || points.d < 1) {
    throw new CoreInputError(`${label}: invalid shape n=${points.n}, d=${points.d}`);
  }
  if (d !== undefined && points.d !== d) throw new CoreInputError(`${label}: expected ${d} domains, got ${points.d}`);
  if (points.data.length !== points.n * dim) {
    throw new CoreInputError(`${label}: data has length ${points.data.length}, expected n*(d+2) = ${points.n * dim}`);
  }
  for (let i = 0; i < points.n; i++) {
    for (let c = 0; c < dim; c++) {
      const value = points.data[i * dim + c]!;
      if (!Number.isFinite(value)) {
        const column = c < points.d ? `w[${c}]` : c === points.d ? 's' : 'z';
        throw new CoreInputError(`${label}: row ${i}, column ${column} is ${value}`);
      }
    }
  }
}

function validateValues(values: Float64Array, n: number, label: string): void {
  if (values.length !== n) throw new CoreInputError(`${label}: ${values.length} values for ${n} points`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i]!)) throw new CoreInputError(`${label}: row ${i}, column y is ${values[i]}`);
  }
}

/** Design matrix of the mean function on (1, s, z): n x p row-major, p = number of used columns. */
function designMatrix(points: PointSet, columns: readonly MeanColumn[]): Float64Array {
  const p = columns.length;
  const dim = points.d + 2;
  const h = new Float64Array(points.n * p);
  for (let i = 0; i < points.n; i++) {
    columns.forEach((column, c) => {
      const value = column === 'intercept' ? 1 : points.data[i * dim + (column === 's' || column === 's2' ? points.d : points.d + 1)]!;
      h[i * p + c] = column === 's2' || column === 'z2' ? value * value : value;
    });
  }
  return h;
}

type MeanColumn = 'intercept' | 's' | 'z' | 's2' | 'z2';
const MEAN_COLUMN_INDEX: Record<MeanColumn, number> = { intercept: 0, s: 1, z: 2, s2: 3, z2: 4 };

function meanColumnsFor(config: GpConfig, points: PointSet): MeanColumn[] {
  if (config.mean === 'constant') return [];
  const columns: MeanColumn[] = ['intercept'];
  const dim = points.d + 2;
  for (const [name, offset] of [['s', points.d], ['z', points.d + 1]] as const) {
    let low = Infinity;
    let high = -Infinity;
    for (let i = 0; i < points.n; i++) {
      const value = points.data[i * dim + offset]!;
      low = Math.min(low, value);
      high = Math.max(high, value);
    }
    if (high - low > 1e-9) columns.push(name);
    if (config.mean === 'quadratic' && high >= 1 - 1e-9) {
      // Interpolation only: the curvature is used when the target (1) is among at least three observed levels.
      const levels = new Set<number>();
      for (let i = 0; i < points.n && levels.size < 3; i++) levels.add(Math.round(points.data[i * dim + offset]! * 1e9));
      if (levels.size >= 3) columns.push(name === 's' ? 's2' : 'z2');
    }
  }
  return columns;
}

/** The transpose of a rows x cols row-major matrix. */
function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
  return out;
}

/** Solves the small symmetric system A x = b (p x p) through Cholesky with jitter. */
function solveSmall(a: Float64Array, p: number, b: Float64Array): Float64Array {
  const { factor } = cholesky(a, p, { initialRelativeJitter: 1e-12 });
  return choleskySolve(factor, p, b);
}

interface Evaluation {
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
class LikelihoodProblem {
  readonly n: number;
  private readonly prepared: PreparedKernel;
  private readonly design: Float64Array;
  private readonly p: number;
  private readonly priors: (LogPrior | undefined)[];
  private readonly work: Float64Array;
  /** The last evaluation, reused when the same theta is asked for again (the fit's final evaluation). */
  private last: { theta: Float64Array; evaluation: Evaluation } | undefined;

  constructor(
    private readonly kernel: Kernel,
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
    this.kernel.theta = theta.subarray(0, kernelSize);
    const noise = Math.exp(theta[kernelSize]!);
    const k = this.prepared.matrix();
    const a = this.work;
    a.set(k);
    for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! + noise;
    const { factor, jitter } = cholesky(a, n);

    // Generalised least squares for the mean coefficients: b = (H^T K^-1 H)^-1 H^T K^-1 y (R&W eq. 2.42).
    const p = this.p;
    let beta: Float64Array = new Float64Array(0);
    let residual: Float64Array = this.y;
    if (p > 0) {
      const kinvH = choleskySolveMatrix(factor, n, this.design, p);
      const normal = new Float64Array(p * p);
      const rhs = new Float64Array(p);
      for (let i = 0; i < n; i++) {
        for (let r = 0; r < p; r++) {
          const value = kinvH[i * p + r]!;
          rhs[r] = rhs[r]! + value * this.y[i]!;
          for (let c = 0; c < p; c++) normal[r * p + c] = normal[r * p + c]! + value * this.design[i * p + c]!;
        }
      }
      beta = solveSmall(normal, p, rhs);
      residual = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let fitted = 0;
        for (let c = 0; c < p; c++) fitted += this.design[i * p + c]! * beta[c]!;
        residual[i] = this.y[i]! - fitted;
      }
    }
    const alpha = choleskySolve(factor, n, residual);
    let quadratic = 0;
    for (let i = 0; i < n; i++) quadratic += residual[i]! * alpha[i]!;
    const logMarginalLikelihood = -0.5 * quadratic - 0.5 * logDetFromCholesky(factor, n) - 0.5 * n * LOG_2PI;

    let logPrior = 0;
    this.priors.forEach((prior, index) => {
      if (prior) logPrior += prior.value(theta[index]!);
    });

    let gradient: Float64Array | undefined;
    if (withGradient) {
      // dLML/dtheta_p = 1/2 tr((alpha alpha^T - K^-1) dK/dtheta_p) (R&W eq. 5.9). The mean coefficients are
      // at their optimum for this theta, so profiling over them adds no term (envelope theorem).
      // Kernels read only the lower triangle of the (symmetric) weights.
      const weights = inverseFromCholesky(factor, n, { lowerOnly: true });
      let noiseTrace = 0;
      for (let i = 0; i < n; i++) {
        const ai = 0.5 * alpha[i]!;
        const row = i * n;
        for (let j = 0; j <= i; j++) weights[row + j] = ai * alpha[j]! - 0.5 * weights[row + j]!;
        noiseTrace += weights[row + i]!;
      }
      gradient = new Float64Array(theta.length);
      gradient.set(this.prepared.contract(weights), 0);
      gradient[kernelSize] = noise * noiseTrace;
      this.priors.forEach((prior, index) => {
        if (prior) gradient![index] = gradient![index]! + prior.derivative(theta[index]!);
      });
    }
    return { logMarginalLikelihood, logPrior, gradient, factor, jitter, alpha, beta };
  }
}

function subsetPoints(points: PointSet, y: Float64Array, indices: readonly number[]): { points: PointSet; y: Float64Array } {
  const dim = points.d + 2;
  const data = new Float64Array(indices.length * dim);
  const values = new Float64Array(indices.length);
  indices.forEach((source, target) => {
    data.set(points.data.subarray(source * dim, source * dim + dim), target * dim);
    values[target] = y[source]!;
  });
  return { points: { n: indices.length, d: points.d, data }, y: values };
}

function standardise(y: Float64Array): { mean: number; std: number; values: Float64Array } {
  const n = y.length;
  if (n === 0) return { mean: 0, std: 1, values: new Float64Array(0) };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (y[i]! - mean) * (y[i]! - mean);
  let std = Math.sqrt(variance / n);
  if (!(std > 1e-12 * Math.max(1, Math.abs(mean)))) std = 1;
  return { mean, std, values: y.map((value) => (value - mean) / std) };
}

/** Milliseconds from a monotonic clock when the host has one (src/core has no DOM or Node types). */
function now(): number {
  const clock = (globalThis as { performance?: { now(): number } }).performance;
  return clock ? clock.now() : Date.now();
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
  const d = points.d;
  const meanColumns = meanColumnsFor(config, points);
  const kernel = kernelFor(d, config, distinctLevels(points, d, 2), trendFeaturesFor(config, points, meanColumns));
  const names = [...kernel.names, 'noise'];
  const floor = Math.max(config.noiseFloor ?? DEFAULT_NOISE_FLOOR, 1e-12);
  const lower = Float64Array.from([...kernel.bounds.map((b) => b[0]), Math.log(floor)]);
  const upper = Float64Array.from([...kernel.bounds.map((b) => b[1]), Math.log(Math.max(NOISE_UPPER, floor * 10))]);
  const clip = (theta: Float64Array): Float64Array => theta.map((value, i) => Math.min(upper[i]!, Math.max(lower[i]!, value)));
  const defaultTheta = clip(Float64Array.from([...kernel.theta, Math.log(INITIAL_NOISE)]));
  const warm =
    options.warmStart !== undefined &&
    options.warmStart.d === d &&
    options.warmStart.names.length === names.length &&
    options.warmStart.names.every((name, i) => name === names[i]) &&
    options.warmStart.theta.every(Number.isFinite)
      ? clip(Float64Array.from(options.warmStart.theta))
      : undefined;

  const standardised = standardise(y);
  const usePriors = config.priors ?? true;
  const subsetSize = options.subsetSize ?? 300;
  const rng = new Rng(options.seed ?? 0);
  const warnings: string[] = [];
  if (options.warmStart !== undefined && warm === undefined) {
    warnings.push('The warm start did not match this model (domains or hyperparameter names differ); started cold.');
  }

  let best = warm ?? defaultTheta;
  let evaluations = 0;
  let fullProblem: LikelihoodProblem | undefined;
  const full = (): LikelihoodProblem =>
    (fullProblem ??= new LikelihoodProblem(kernel, points, standardised.values, meanColumns, names, usePriors));
  if (points.n > 0 && !options.fixed) {
    const restarts = Math.max(0, options.restarts ?? (warm ? 0 : 2));
    const starts: Float64Array[] = [best];
    for (let r = 0; r < restarts; r++) {
      // Random starts within +-2 (log units) of the default, inside the bounds.
      starts.push(clip(defaultTheta.map((center) => center + rng.uniform(-2, 2))));
    }
    const useSubset = warm === undefined && points.n > subsetSize;
    let searchPoints = points;
    let searchY = standardised.values;
    if (useSubset) {
      const indices = Array.from({ length: points.n }, (_, i) => i);
      for (let i = 0; i < subsetSize; i++) {
        const j = i + rng.int(points.n - i);
        [indices[i], indices[j]] = [indices[j]!, indices[i]!];
      }
      const subset = subsetPoints(points, standardised.values, indices.slice(0, subsetSize).sort((x, z) => x - z));
      searchPoints = subset.points;
      // Re-standardise the subset so its scale matches what the full data will see.
      searchY = standardise(subset.y).values;
    }
    const maxIterations = options.maxIterations ?? (searchPoints.n <= subsetSize ? 100 : 10);
    const searchProblem = useSubset
      ? new LikelihoodProblem(kernel, searchPoints, searchY, meanColumnsFor(config, searchPoints), names, usePriors)
      : full();
    const objective = (problem: LikelihoodProblem) => (theta: Float64Array) => {
      const evaluation = problem.evaluate(theta, true);
      const gradient = evaluation.gradient!.map((value) => -value);
      return { value: -(evaluation.logMarginalLikelihood + evaluation.logPrior), gradient };
    };
    let bestValue = Infinity;
    for (const start of starts) {
      const isWarm = warm !== undefined && start === warm;
      const relativeTolerance = options.relativeTolerance ?? (isWarm ? 1e-6 : 2.2e-9);
      // A warm start that is already nearly stationary stops at once: with |gradient| <= 1e-3 n per log-unit, a
      // Newton step (curvature about n) could gain only about 1e-6 n nats.
      const gradientTolerance = isWarm ? Math.max(1e-5, 1e-3 * searchProblem.n) : 1e-5;
      const result = minimize(objective(searchProblem), start, { lower, upper, maxIterations, relativeTolerance, gradientTolerance });
      evaluations += result.evaluations;
      if (result.value < bestValue) {
        bestValue = result.value;
        best = result.x;
      }
    }
    if (useSubset) {
      const refined = minimize(objective(full()), best, {
        lower,
        upper,
        maxIterations: options.refineIterations ?? 10,
        relativeTolerance: options.relativeTolerance ?? 1e-7,
      });
      evaluations += refined.evaluations;
      if (Number.isFinite(refined.value)) best = refined.x;
    }
  }

  const final = full().evaluate(best, false);
  if (final.jitter > 0) warnings.push(`Cholesky needed jitter ${final.jitter.toExponential(2)} on the diagonal.`);
  kernel.theta = best.subarray(0, best.length - 1);
  const betaFull = new Float64Array(5);
  meanColumns.forEach((column, c) => {
    betaFull[MEAN_COLUMN_INDEX[column]] = final.beta[c]!;
  });
  return new GaussianProcess({
    config,
    kernel,
    names,
    theta: Float64Array.from(best),
    points,
    yRaw: Float64Array.from(y),
    yMean: standardised.mean,
    yStd: standardised.std,
    meanCoefficients: betaFull,
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

interface GaussianProcessState {
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
  /** G = L^-1 H (n x p) and (H^T K^-1 H)^-1 = (G^T G)^-1 (p x p), for the mean's uncertainty (R&W eq. 2.41) */
  private meanUncertainty: { readonly g: Float64Array; readonly inverse: Float64Array; readonly p: number } | undefined | null;

  constructor(state: GaussianProcessState) {
    this.state = state;
    this.d = state.points.d;
    this.n = state.points.n;
    this.config = state.config;
    this.noiseStandardised = Math.exp(state.theta[state.theta.length - 1]!);
    this.noiseVariance = this.noiseStandardised * state.yStd * state.yStd;
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
    const values: Record<string, number> = {};
    this.state.names.forEach((name, i) => {
      values[name] = Math.exp(this.state.theta[i]!);
    });
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
    const mixture = findMixtureStationary(this.state.kernel);
    const out = new Float64Array(this.d);
    if (!mixture) return out.fill(NaN);
    const lengthscales = mixture.lengthscales();
    for (let m = 0; m < this.d; m++) out[m] = lengthscales[lengthscales.length === 1 ? 0 : m]!;
    return out;
  }

  /** Prior mean (objective units) at the points. */
  private priorMean(points: PointSet): Float64Array {
    const out = new Float64Array(points.n);
    const dim = points.d + 2;
    const beta = this.state.meanCoefficients;
    for (let i = 0; i < points.n; i++) {
      const s = points.data[i * dim + points.d]!;
      const z = points.data[i * dim + points.d + 1]!;
      out[i] = beta[0]! + beta[1]! * s + beta[2]! * z + (beta[3] ?? 0) * s * s + (beta[4] ?? 0) * z * z;
    }
    return out;
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
   * What estimating the mean coefficients adds to the posterior (R&W eq. 2.41, flat prior on b):
   * R^T (H^T K^-1 H)^-1 R with R = H_* - H^T K^-1 K_*, so that intervals where the trend extrapolates (a size
   * with few runs) widen with the uncertainty of the trend. r_i = h(x_i) - G^T v_i, G = L^-1 H, v_i the whitened
   * cross-covariance of x_i. Returns r (m x p, standardised units), or undefined with no estimated mean.
   */
  private meanResiduals(points: PointSet, v: Float64Array | undefined): { r: Float64Array; inverse: Float64Array; p: number } | undefined {
    const columns = this.state.meanColumns;
    const p = columns.length;
    if (p === 0 || this.n === 0 || v === undefined || this.state.config.meanUncertainty === false) return undefined;
    if (this.meanUncertainty === undefined) {
      const n = this.n;
      const h = designMatrix(this.state.points, columns);
      const g = solveLowerRows(this.state.factor, n, transpose(h, n, p), p); // p x n = (L^-1 H)^T
      const a = new Float64Array(p * p);
      for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += g[r * n + k]! * g[c * n + k]!;
        a[r * p + c] = sum;
      }
      try {
        const { factor } = cholesky(a, p, { initialRelativeJitter: 1e-12 });
        const inverse = inverseFromCholesky(factor, p);
        this.meanUncertainty = { g, inverse, p };
      } catch {
        this.meanUncertainty = null;
      }
    }
    if (!this.meanUncertainty) return undefined;
    const { g, inverse } = this.meanUncertainty;
    const n = this.n;
    const m = points.n;
    const hStar = designMatrix(points, columns); // m x p
    const r = new Float64Array(m * p);
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < p; c++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += g[c * n + k]! * v[i * n + k]!;
        r[i * p + c] = hStar[i * p + c]! - sum;
      }
    }
    return { r, inverse, p };
  }

  /** r_a^T A^-1 r_b for rows i of a and j of b (standardised units). */
  private static meanTerm(ra: Float64Array, i: number, rb: Float64Array, j: number, inverse: Float64Array, p: number): number {
    let total = 0;
    for (let x = 0; x < p; x++) {
      let inner = 0;
      for (let y = 0; y < p; y++) inner += inverse[x * p + y]! * rb[j * p + y]!;
      total += ra[i * p + x]! * inner;
    }
    return total;
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
      if (trend) for (let i = 0; i < m; i++) variance[i] = variance[i]! + GaussianProcess.meanTerm(trend.r, i, trend.r, i, trend.inverse, trend.p);
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
      if (ta && tb) for (let i = 0; i < a.n; i++) result[i] = result[i]! + GaussianProcess.meanTerm(ta.r, i, tb.r, i, ta.inverse, ta.p);
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
          result[i * b.n + j] = result[i * b.n + j]! - sum + (ta && tb ? GaussianProcess.meanTerm(ta.r, i, tb.r, j, ta.inverse, ta.p) : 0);
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
  const kernel = kernelFor(points.d, config, distinctLevels(points, points.d, 2), trendFeaturesFor(config, points, meanColumns));
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

/** Names of the log-hyperparameters fitGp uses for a configuration (kernel names, then "noise"). */
export function hyperparameterNames(d: number, config: GpConfig): string[] {
  const kernel = kernelFor(d, config, 2);
  return [...kernel.names, 'noise'];
}

/** [lower, upper] (log space) per hyperparameter, same order as hyperparameterNames. */
export function hyperparameterBounds(d: number, config: GpConfig): Array<[number, number]> {
  const kernel = kernelFor(d, config, 2);
  const floor = Math.max(config.noiseFloor ?? DEFAULT_NOISE_FLOOR, 1e-12);
  return [...kernel.bounds.map((b): [number, number] => [b[0], b[1]]), [Math.log(floor), Math.log(Math.max(NOISE_UPPER, floor * 10))]];
}

/**
 * Hyperparameters from a log-theta vector (kernel names then "noise"), e.g. to evaluate a model at fixed values
 * with `fitGp(..., { fixed: true, warmStart })`. Fields that depend on data (yMean, yStd, mean coefficients)
 * are neutral: they are recomputed by fitGp.
 */
export function hyperparametersFromTheta(d: number, config: GpConfig, theta: ArrayLike<number>): GpHyperparameters {
  const names = hyperparameterNames(d, config);
  if (theta.length !== names.length) throw new CoreInputError(`hyperparametersFromTheta: theta has ${theta.length} entries, expected ${names.length}`);
  const values: Record<string, number> = {};
  names.forEach((name, i) => {
    values[name] = Math.exp(theta[i]!);
  });
  return {
    d,
    config: { ...config },
    names,
    theta: Array.from(theta),
    values,
    noiseVariance: Math.exp(theta[names.length - 1]!),
    meanCoefficients: [0, 0, 0, 0, 0],
    yMean: 0,
    yStd: 1,
  };
}
