// Kernels that are a variance times a fixed Gram matrix (theta = [log v]): the constant (the amplitude of a
// product), the linear trend over the mixture weights, the per-level component of a fidelity and the
// size-and-steps trend.
import { checkCompatible, checkPaired, checkThetaLength, featureColumns } from './types';
import type { Feature, Kernel, KernelGradient, PreparedKernel } from './types';
import type { PointSet } from '../types';

export interface ConstantKernelOptions {
  /** Initial value (natural units). Default 1. */
  readonly value?: number;
  readonly bounds?: readonly [number, number];
  readonly name?: string;
}

/** A constant k = sigma^2 (as scikit-learn's ConstantKernel); as a factor of a product it is the amplitude. */
export class ConstantKernel implements Kernel {
  readonly names: readonly string[];
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  /** A constant reads no coordinate. */
  readonly features: readonly Feature[] = [];
  private readonly logValue: number;

  /** `theta`: [log value] (default: log(options.value)). */
  constructor(
    private readonly options: ConstantKernelOptions = {},
    theta?: ArrayLike<number>,
  ) {
    if (theta !== undefined) checkThetaLength(theta, 1, 'ConstantKernel');
    this.logValue = theta !== undefined ? theta[0]! : Math.log(options.value ?? 1);
    const [low, high] = options.bounds ?? [0.01, 100];
    this.names = [options.name ?? 'amplitude'];
    this.bounds = [[Math.log(low), Math.log(high)]];
  }

  get theta(): Float64Array {
    return Float64Array.from([this.logValue]);
  }

  withTheta(theta: ArrayLike<number>): ConstantKernel {
    return new ConstantKernel(this.options, theta);
  }

  lengthscales(): undefined {
    return undefined;
  }

  matrix(a: PointSet, b?: PointSet): Float64Array {
    if (b !== undefined) checkCompatible(a, b);
    return new Float64Array(a.n * (b ?? a).n).fill(Math.exp(this.logValue));
  }

  diag(a: PointSet): Float64Array {
    return new Float64Array(a.n).fill(Math.exp(this.logValue));
  }

  pairwise(a: PointSet, b: PointSet): Float64Array {
    checkPaired(a, b);
    return this.diag(a);
  }

  gradient(a: PointSet): KernelGradient {
    const k = this.matrix(a);
    return { k, dk: [Float64Array.from(k)] };
  }

  prepare(a: PointSet): PreparedKernel {
    const n = a.n;
    const k = new Float64Array(n * n);
    let logValue = this.logValue;
    return {
      matrix(theta: ArrayLike<number>): Float64Array {
        checkThetaLength(theta, 1, 'ConstantKernel');
        logValue = theta[0]!;
        return k.fill(Math.exp(logValue));
      },
      contract(weights: Float64Array): Float64Array {
        let total = 0;
        for (let i = 0; i < n; i++) {
          const row = i * n;
          let rowTotal = 0;
          for (let j = 0; j < i; j++) rowTotal += weights[row + j]!;
          total += 2 * rowTotal + weights[row + i]!;
        }
        return Float64Array.from([Math.exp(logValue) * total]);
      },
    };
  }
}

/**
 * k(x, x') = v g(x, x') for a fixed symmetric g: theta = [log v]. The linear, entropy and per-size kernels below
 * differ only in g, so the variance, the Gram matrix and the gradient (dk/dlog v = k) are written once here.
 */
abstract class ScaledGramKernel implements Kernel {
  abstract readonly names: readonly string[];
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  /** what g reads: the mixture weights, one fidelity column, or the fidelity columns ('fidelity', see features) */
  abstract readonly feature: Feature | 'fidelity';
  private readonly logVariance: number;

  /** `theta`: [log v] (default: log(variance)). */
  constructor(variance: number, bounds: readonly [number, number], theta: ArrayLike<number> | undefined) {
    if (theta !== undefined) checkThetaLength(theta, 1, 'ScaledGramKernel');
    this.logVariance = theta !== undefined ? theta[0]! : Math.log(variance);
    this.bounds = [[Math.log(bounds[0]), Math.log(bounds[1])]];
  }

  abstract withTheta(theta: ArrayLike<number>): ScaledGramKernel;

  get features(): readonly Feature[] {
    return this.feature === 'fidelity' ? ['s', 'z'] : [this.feature];
  }

  lengthscales(): undefined {
    return undefined;
  }

  /** g between row aRow of aData and row bRow of bData (offsets of the rows' first column) */
  protected abstract entry(aData: Float64Array, aRow: number, bData: Float64Array, bRow: number): number;

  get theta(): Float64Array {
    return Float64Array.from([this.logVariance]);
  }

  protected gram(a: PointSet, b: PointSet): Float64Array {
    const dimA = a.d + 2;
    const dimB = b.d + 2;
    const out = new Float64Array(a.n * b.n);
    for (let i = 0; i < a.n; i++) for (let j = 0; j < b.n; j++) out[i * b.n + j] = this.entry(a.data, i * dimA, b.data, j * dimB);
    return out;
  }

  matrix(a: PointSet, b?: PointSet): Float64Array {
    if (b !== undefined) checkCompatible(a, b);
    const out = this.gram(a, b ?? a);
    const v = Math.exp(this.logVariance);
    for (let i = 0; i < out.length; i++) out[i] = out[i]! * v;
    return out;
  }

  diag(a: PointSet): Float64Array {
    return this.pairwise(a, a);
  }

  pairwise(a: PointSet, b: PointSet): Float64Array {
    checkPaired(a, b);
    const dim = a.d + 2;
    const v = Math.exp(this.logVariance);
    return Float64Array.from({ length: a.n }, (_, i) => v * this.entry(a.data, i * dim, b.data, i * dim));
  }

  gradient(a: PointSet): KernelGradient {
    const k = this.matrix(a);
    return { k, dk: [Float64Array.from(k)] };
  }

  prepare(a: PointSet): PreparedKernel {
    const n = a.n;
    const gram = this.gram(a, a);
    const k = new Float64Array(n * n);
    const owner = this.names[0] ?? 'ScaledGramKernel';
    let logVariance = this.logVariance;
    return {
      matrix(theta: ArrayLike<number>): Float64Array {
        checkThetaLength(theta, 1, owner);
        logVariance = theta[0]!;
        const v = Math.exp(logVariance);
        for (let i = 0; i < k.length; i++) k[i] = gram[i]! * v;
        return k;
      },
      contract(weights: Float64Array): Float64Array {
        return Float64Array.from([Math.exp(logVariance) * symmetricContraction(weights, gram, n)]);
      },
    };
  }
}

/** sum_ij W_ij G_ij for symmetric W (lower triangle read) and symmetric G. */
function symmetricContraction(weights: Float64Array, g: Float64Array, n: number): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let offDiagonal = 0;
    for (let j = 0; j < i; j++) offDiagonal += weights[row + j]! * g[row + j]!;
    total += 2 * offDiagonal + weights[row + i]! * g[row + i]!;
  }
  return total;
}

/** Options of the trends over the mixture weights (LinearKernel, EntropyKernel). */
export interface MixtureTrendOptions {
  readonly d: number;
  /** Initial variance (natural units, relative to a unit-variance stationary part). Default: the kernel's. */
  readonly variance?: number;
  readonly bounds?: readonly [number, number];
}

export type LinearKernelOptions = MixtureTrendOptions;
export type EntropyKernelOptions = MixtureTrendOptions;

/** Variance bounds of the mixture trends (natural units). */
const MIXTURE_TREND_BOUNDS: readonly [number, number] = [1e-4, 1e3];

/** A ScaledGramKernel over the mixture weights: the options, bounds and feature the mixture trends share. */
abstract class MixtureTrendKernel extends ScaledGramKernel {
  readonly feature: Feature = 'mixture';
  protected readonly d: number;

  protected constructor(
    protected readonly options: MixtureTrendOptions,
    defaultVariance: number,
    theta: ArrayLike<number> | undefined,
  ) {
    super(options.variance ?? defaultVariance, options.bounds ?? MIXTURE_TREND_BOUNDS, theta);
    this.d = options.d;
  }
}

/**
 * Bayesian linear regression over the mixture weights as a kernel (R&W §2.1.2 and eq. 2.15 with Sigma_p = v I):
 * k(w, w') = v <w - c, w' - c> / E|w - c|^2, c = (1/d, ..., 1/d). The scale E|w - c|^2 = (d - 1) / (d (d + 1)) is
 * that of a uniform (Dirichlet(1)) mixture, so v = 1 means the linear trend explains about unit variance whatever
 * d. In a product with the fidelity kernels, and the objective in log space, this is the log-linear mixing law of
 * Olmix/RegMix as a special case of the GP: with few runs in 24-64 dimensions a linear trend is what the data can
 * support, and the stationary part models what it leaves.
 */
export class LinearKernel extends MixtureTrendKernel {
  readonly names: readonly string[] = ['mixture.linear.variance'];
  private readonly centre: number;
  private readonly inverseScale: number;

  /** Initial variance 0.5 unless `options.variance`. */
  constructor(options: LinearKernelOptions, theta?: ArrayLike<number>) {
    super(options, 0.5, theta);
    this.centre = 1 / options.d;
    this.inverseScale = options.d > 1 ? (options.d * (options.d + 1)) / (options.d - 1) : 1;
  }

  withTheta(theta: ArrayLike<number>): LinearKernel {
    return new LinearKernel(this.options, theta);
  }

  protected entry(aData: Float64Array, aRow: number, bData: Float64Array, bRow: number): number {
    let sum = 0;
    for (let m = 0; m < this.d; m++) sum += (aData[aRow + m]! - this.centre) * (bData[bRow + m]! - this.centre);
    return sum * this.inverseScale;
  }
}

/**
 * A linear trend in the mixture's diversity: k(w, w') = v g(w) g(w'), g(w) = 2 H(w) / log d - 1, with H the
 * Shannon entropy, so g runs from -1 (one domain) to 1 (uniform). Added to LinearKernel it lets the model learn
 * from a few runs how much spreading the weight over more domains helps, which a trend linear in w cannot say
 * (H is concave): on RegMix's 1B runs the loss falls with the mixture's entropy (Spearman 0.56 over the 64 runs).
 * Where diversity does not matter, the fit shrinks v towards its prior. The model has it only where every
 * observation is at one fidelity (gp/hyperparameters.ts kernelFor).
 */
export class EntropyKernel extends MixtureTrendKernel {
  readonly names: readonly string[] = ['mixture.entropy.variance'];
  private readonly inverseLog: number;

  /** Initial variance 0.1 unless `options.variance`. */
  constructor(options: EntropyKernelOptions, theta?: ArrayLike<number>) {
    super(options, 0.1, theta);
    this.inverseLog = options.d > 1 ? 1 / Math.log(options.d) : 0;
  }

  withTheta(theta: ArrayLike<number>): EntropyKernel {
    return new EntropyKernel(this.options, theta);
  }

  /** g of the row at `row` (offset of its first column). Weights are clipped at 0: the simplex's own bound. */
  private diversity(data: Float64Array, row: number): number {
    let h = 0;
    for (let m = 0; m < this.d; m++) {
      const w = data[row + m]!;
      if (w > 0) h -= w * Math.log(w);
    }
    return 2 * h * this.inverseLog - 1;
  }

  protected entry(aData: Float64Array, aRow: number, bData: Float64Array, bRow: number): number {
    return this.diversity(aData, aRow) * this.diversity(bData, bRow);
  }

  /** The rank-one Gram g g'^T with g computed once per point (O(n d) logarithms, not O(n^2 d)). */
  protected override gram(a: PointSet, b: PointSet): Float64Array {
    const ga = Float64Array.from({ length: a.n }, (_, i) => this.diversity(a.data, i * (a.d + 2)));
    const gb = a === b ? ga : Float64Array.from({ length: b.n }, (_, j) => this.diversity(b.data, j * (b.d + 2)));
    const out = new Float64Array(a.n * b.n);
    for (let i = 0; i < a.n; i++) {
      const gi = ga[i]!;
      for (let j = 0; j < b.n; j++) out[i * b.n + j] = gi * gb[j]!;
    }
    return out;
  }
}

export interface LevelKernelOptions {
  readonly feature: 's' | 'z';
  readonly d: number;
  /** Initial variance (natural units). Default 0.1. */
  readonly variance?: number;
  readonly bounds?: readonly [number, number];
}

/**
 * k(s, s') = v [s = s']: added to the fidelity kernel, it gives each model size a component of its own that other
 * sizes do not share (the bias term delta of autoregressive co-kriging, Kennedy & O'Hagan 2000, with one
 * variance for all sizes). The correlation of two different sizes at one mixture is then at most 1 / (1 + v):
 * a cheap size that ranks mixtures differently from the target is recognised by a large v, and what a run there
 * tells about the target (the acquisition's information gain) falls with it.
 */
export class LevelKernel extends ScaledGramKernel {
  readonly names: readonly string[];
  readonly feature: Feature;
  private readonly column: number;

  constructor(
    private readonly options: LevelKernelOptions,
    theta?: ArrayLike<number>,
  ) {
    super(options.variance ?? 0.1, options.bounds ?? [1e-4, 100], theta);
    this.feature = options.feature;
    this.column = featureColumns(options.feature, options.d).start;
    this.names = [`${options.feature}.level.variance`];
  }

  withTheta(theta: ArrayLike<number>): LevelKernel {
    return new LevelKernel(this.options, theta);
  }

  protected entry(aData: Float64Array, aRow: number, bData: Float64Array, bRow: number): number {
    return Math.abs(aData[aRow + this.column]! - bData[bRow + this.column]!) < 1e-9 ? 1 : 0;
  }
}

/** A polynomial feature of (s, z) measured from the target (s = z = 1); see TrendKernel. */
export type TrendFeature = 's' | 'z' | 's2' | 'z2' | 'sz';

export interface TrendKernelOptions {
  readonly feature: TrendFeature;
  readonly d: number;
  /** Initial variance (natural units). Default 0.25. */
  readonly variance?: number;
  readonly bounds?: readonly [number, number];
}

/**
 * k(x, x') = v phi(x) phi(x') for one feature phi of the fidelity, written from the target so that phi = 0 there:
 * 1 - s, 1 - z, (1 - s)^2, (1 - z)^2 or (1 - s)(1 - z). Added to the whole kernel (not multiplied by the mixture
 * kernel) it is a size-and-steps trend shared by every mixture whose coefficient has a N(0, v) prior: a mean
 * h(x)^T beta with beta ~ N(0, B) is the kernel h(x)^T B h(x') (Rasmussen & Williams 2006, eq. 2.42). The data fit v
 * where they show the curvature (several sizes or step counts); where they cannot (the target beyond every
 * observed size or step count), v keeps its prior and widens the interval of the extrapolation, which a mean
 * with fixed curvature would not.
 */
export class TrendKernel extends ScaledGramKernel {
  readonly names: readonly string[];
  readonly feature = 'fidelity' as const;
  readonly trend: TrendFeature;
  private readonly sColumn: number;
  private readonly zColumn: number;

  constructor(
    private readonly options: TrendKernelOptions,
    theta?: ArrayLike<number>,
  ) {
    super(options.variance ?? 0.25, options.bounds ?? [1e-6, 100], theta);
    this.trend = options.feature;
    this.sColumn = options.d;
    this.zColumn = options.d + 1;
    this.names = [`trend.${options.feature}.variance`];
  }

  /** Only the fidelity columns its feature uses. */
  override get features(): readonly Feature[] {
    return this.trend === 'sz' ? ['s', 'z'] : this.trend === 's' || this.trend === 's2' ? ['s'] : ['z'];
  }

  withTheta(theta: ArrayLike<number>): TrendKernel {
    return new TrendKernel(this.options, theta);
  }

  private phi(data: Float64Array, row: number): number {
    const s = 1 - data[row + this.sColumn]!;
    const z = 1 - data[row + this.zColumn]!;
    switch (this.trend) {
      case 's':
        return s;
      case 'z':
        return z;
      case 's2':
        return s * s;
      case 'z2':
        return z * z;
      case 'sz':
        return s * z;
    }
  }

  protected entry(aData: Float64Array, aRow: number, bData: Float64Array, bRow: number): number {
    return this.phi(aData, aRow) * this.phi(bData, bRow);
  }
}
