// Covariance functions in the scikit-learn style: each kernel holds its hyperparameters in LOG space (`theta`),
// their `bounds` (log space) and `names`, and gives its value, diagonal and analytic gradient w.r.t. theta.
//
// Shapes: a PointSet holds n points, row-major, `dim = d + 2` columns (d mixture weights, then s, then z).
// `matrix(a, b)` is a.n x b.n row-major; `diag(a)` has length a.n; `gradient(a).dk[p]` is a.n x a.n.
//
// For fitting, `prepare(points)` returns a PreparedKernel that caches what does not depend on theta (e.g. squared
// distances) and contracts dK/dtheta with a weight matrix without materialising one n x n matrix per
// hyperparameter: the LML gradient (R&W eq. 5.9) only needs sum_ij W_ij dK_ij/dtheta_p.

import type { PointSet } from './types';

/** Which coordinates of a point a kernel looks at. */
export type Feature = 'mixture' | 's' | 'z';

export interface KernelGradient {
  /** K(a, a), n x n */
  readonly k: Float64Array;
  /** dK/dtheta_p for each log-hyperparameter p, each n x n */
  readonly dk: Float64Array[];
}

export interface PreparedKernel {
  /** K(a, a) at the kernel's current theta, n x n symmetric. The returned buffer is reused by later calls. */
  matrix(): Float64Array;
  /**
   * g_p = sum_ij weights_ij dK_ij/dtheta_p at the theta of the last `matrix()` call, for a SYMMETRIC n x n
   * `weights` of which only the lower triangle (j <= i) is read; the upper triangle may hold anything.
   */
  contract(weights: Float64Array): Float64Array;
}

export interface Kernel {
  /** One name per log-hyperparameter, e.g. "mixture.lengthscale[3]". */
  readonly names: readonly string[];
  /** [lower, upper] per log-hyperparameter. */
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  /** Log-hyperparameters; setting copies. */
  theta: Float64Array;
  matrix(a: PointSet, b?: PointSet): Float64Array;
  diag(a: PointSet): Float64Array;
  /** k(a_i, b_i) for a.n === b.n; length a.n. */
  pairwise(a: PointSet, b: PointSet): Float64Array;
  gradient(a: PointSet): KernelGradient;
  prepare(a: PointSet): PreparedKernel;
}

function featureColumns(feature: Feature, d: number): { start: number; count: number } {
  if (feature === 'mixture') return { start: 0, count: d };
  return { start: feature === 's' ? d : d + 1, count: 1 };
}

/** Whether two sets of n points have the same mixture weights row by row (fidelity columns may differ). */
function sameMixtureColumns(a: PointSet, b: PointSet): boolean {
  const dim = a.d + 2;
  for (let i = 0; i < a.n; i++) {
    for (let m = 0; m < a.d; m++) if (a.data[i * dim + m] !== b.data[i * dim + m]) return false;
  }
  return true;
}

function checkCompatible(a: PointSet, b: PointSet): void {
  if (a.d !== b.d) throw new Error(`kernel: point sets have different numbers of domains (${a.d} vs ${b.d})`);
}

function checkPaired(a: PointSet, b: PointSet): void {
  checkCompatible(a, b);
  if (a.n !== b.n) throw new Error(`kernel: pairwise needs equal sizes (${a.n} vs ${b.n})`);
}

/** A radial profile: k = value(r2) with r2 = sum_m (x_m - x'_m)^2 / l_m^2, dk/dlog l_m = slope(r2) * diff_m^2 / l_m^2. */
interface RadialProfile {
  value(r2: number): number;
  /** -2 dk/d(r2), so that dk/dlog l_m = slope(r2) * (x_m - x'_m)^2 / l_m^2. */
  slope(r2: number): number;
}

const rbfProfile: RadialProfile = {
  value: (r2) => Math.exp(-0.5 * r2),
  slope: (r2) => Math.exp(-0.5 * r2),
};

const SQRT5 = Math.sqrt(5);
// Matern nu = 5/2 (R&W eq. 4.17): k = (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r);
// dk/dlog l_m = (5/3) (1 + sqrt5 r) exp(-sqrt5 r) * diff_m^2 / l_m^2 (no division by r, so r = 0 is safe).
const matern52Profile: RadialProfile = {
  value: (r2) => {
    const r = Math.sqrt(r2);
    return (1 + SQRT5 * r + (5 / 3) * r2) * Math.exp(-SQRT5 * r);
  },
  slope: (r2) => {
    const r = Math.sqrt(r2);
    return (5 / 3) * (1 + SQRT5 * r) * Math.exp(-SQRT5 * r);
  },
};

export interface StationaryKernelOptions {
  readonly feature: Feature;
  readonly d: number;
  /** One lengthscale per column of the feature (ARD) instead of one shared. Default false. */
  readonly ard?: boolean;
  /** Initial lengthscale (natural units). Default 0.5. */
  readonly lengthscale?: number;
  /** Lengthscale bounds in natural units. Default [0.005, 20]. */
  readonly lengthscaleBounds?: readonly [number, number];
}

/** RBF (R&W eq. 4.9) or Matern-5/2 over one feature, with a shared or per-column (ARD) lengthscale. */
export class StationaryKernel implements Kernel {
  readonly names: readonly string[];
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  readonly feature: Feature;
  readonly ard: boolean;
  private readonly start: number;
  private readonly count: number;
  private readonly dim: number;
  private readonly profile: RadialProfile;
  private logLengthscales: Float64Array;

  constructor(
    readonly kind: 'rbf' | 'matern52',
    options: StationaryKernelOptions,
  ) {
    this.feature = options.feature;
    const { start, count } = featureColumns(options.feature, options.d);
    this.start = start;
    this.count = count;
    this.dim = options.d + 2;
    this.ard = (options.ard ?? false) && count > 1;
    this.profile = kind === 'rbf' ? rbfProfile : matern52Profile;
    const size = this.ard ? count : 1;
    const [low, high] = options.lengthscaleBounds ?? [0.005, 20];
    this.logLengthscales = new Float64Array(size).fill(Math.log(options.lengthscale ?? 0.5));
    this.names = this.ard
      ? Array.from({ length: size }, (_, m) => `${options.feature}.lengthscale[${m}]`)
      : [`${options.feature}.lengthscale`];
    this.bounds = Array.from({ length: size }, () => [Math.log(low), Math.log(high)] as const);
  }

  get theta(): Float64Array {
    return Float64Array.from(this.logLengthscales);
  }

  set theta(value: Float64Array) {
    if (value.length !== this.logLengthscales.length) throw new Error('StationaryKernel: wrong theta length');
    this.logLengthscales = Float64Array.from(value);
  }

  /** Lengthscales in natural units (length 1 when shared). */
  lengthscales(): Float64Array {
    return this.logLengthscales.map(Math.exp);
  }

  /** 1 / l_m^2 for every column of the feature. */
  private inverseSquaredLengthscales(): Float64Array {
    const result = new Float64Array(this.count);
    for (let m = 0; m < this.count; m++) {
      const l = Math.exp(this.logLengthscales[this.ard ? m : 0]!);
      result[m] = 1 / (l * l);
    }
    return result;
  }

  private scaledDistance(aData: Float64Array, aRow: number, bData: Float64Array, bRow: number, inv: Float64Array): number {
    let r2 = 0;
    for (let m = 0; m < this.count; m++) {
      const diff = aData[aRow + m]! - bData[bRow + m]!;
      r2 += diff * diff * inv[m]!;
    }
    return r2;
  }

  matrix(a: PointSet, b?: PointSet): Float64Array {
    const inv = this.inverseSquaredLengthscales();
    if (b === undefined) {
      const n = a.n;
      const out = new Float64Array(n * n);
      for (let i = 0; i < n; i++) {
        out[i * n + i] = 1;
        for (let j = 0; j < i; j++) {
          const value = this.profile.value(this.scaledDistance(a.data, i * this.dim + this.start, a.data, j * this.dim + this.start, inv));
          out[i * n + j] = value;
          out[j * n + i] = value;
        }
      }
      return out;
    }
    checkCompatible(a, b);
    const out = new Float64Array(a.n * b.n);
    for (let i = 0; i < a.n; i++) {
      for (let j = 0; j < b.n; j++) {
        out[i * b.n + j] = this.profile.value(this.scaledDistance(a.data, i * this.dim + this.start, b.data, j * this.dim + this.start, inv));
      }
    }
    return out;
  }

  diag(a: PointSet): Float64Array {
    return new Float64Array(a.n).fill(1);
  }

  pairwise(a: PointSet, b: PointSet): Float64Array {
    checkPaired(a, b);
    const inv = this.inverseSquaredLengthscales();
    const out = new Float64Array(a.n);
    for (let i = 0; i < a.n; i++) {
      out[i] = this.profile.value(this.scaledDistance(a.data, i * this.dim + this.start, b.data, i * this.dim + this.start, inv));
    }
    return out;
  }

  gradient(a: PointSet): KernelGradient {
    const n = a.n;
    const inv = this.inverseSquaredLengthscales();
    const k = this.matrix(a);
    const dk = this.logLengthscales.length === 0 ? [] : Array.from(this.logLengthscales, () => new Float64Array(n * n));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const rowI = i * this.dim + this.start;
        const rowJ = j * this.dim + this.start;
        const slope = this.profile.slope(this.scaledDistance(a.data, rowI, a.data, rowJ, inv));
        for (let m = 0; m < this.count; m++) {
          const diff = a.data[rowI + m]! - a.data[rowJ + m]!;
          const target = dk[this.ard ? m : 0]!;
          target[i * n + j] = target[i * n + j]! + slope * diff * diff * inv[m]!;
        }
      }
    }
    return { k, dk };
  }

  prepare(a: PointSet): PreparedKernel {
    const n = a.n;
    const k = new Float64Array(n * n);
    const kernel = this;
    // Shared lengthscale: cache the unscaled squared distances once (n x n, lower triangle used).
    // ARD: recompute per call; caching n x n x d would cost 160 MB at n = 1,088, d = 17.
    let unscaled: Float64Array | undefined;
    if (!this.ard) {
      unscaled = new Float64Array(n * n);
      const ones = new Float64Array(this.count).fill(1);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < i; j++) {
          unscaled[i * n + j] = this.scaledDistance(a.data, i * this.dim + this.start, a.data, j * this.dim + this.start, ones);
        }
      }
    }
    // Per pair (lower triangle): slope(r2) for ARD, slope(r2) * r2 when shared, filled by matrix() for contract().
    const slopeCache = new Float64Array(n * n);
    const isRbf = this.kind === 'rbf';
    let inv = this.inverseSquaredLengthscales();
    return {
      matrix(): Float64Array {
        inv = kernel.inverseSquaredLengthscales();
        const inv0 = inv[0]!;
        for (let i = 0; i < n; i++) {
          const row = i * n;
          k[row + i] = 1;
          const rowI = i * kernel.dim + kernel.start;
          for (let j = 0; j < i; j++) {
            const r2 =
              unscaled !== undefined
                ? unscaled[row + j]! * inv0
                : kernel.scaledDistance(a.data, rowI, a.data, j * kernel.dim + kernel.start, inv);
            let value: number;
            let slope: number;
            if (isRbf) {
              value = Math.exp(-0.5 * r2);
              slope = value;
            } else {
              const r = Math.sqrt(r2);
              const decay = Math.exp(-SQRT5 * r);
              value = (1 + SQRT5 * r + (5 / 3) * r2) * decay;
              slope = (5 / 3) * (1 + SQRT5 * r) * decay;
            }
            slopeCache[row + j] = unscaled !== undefined ? slope * r2 : slope;
            k[row + j] = value;
            k[j * n + i] = value;
          }
        }
        return k;
      },
      contract(weights: Float64Array): Float64Array {
        const out = new Float64Array(kernel.logLengthscales.length);
        if (unscaled !== undefined) {
          // dk/dlog l = slope(r2) * r2 (shared lengthscale); the diagonal has r2 = 0.
          let sum = 0;
          for (let i = 0; i < n; i++) {
            const row = i * n;
            for (let j = 0; j < i; j++) sum += weights[row + j]! * slopeCache[row + j]!;
          }
          out[0] = 2 * sum;
          return out;
        }
        const start = kernel.start;
        const dim = kernel.dim;
        const count = kernel.count;
        const data = a.data;
        for (let i = 0; i < n; i++) {
          const rowI = i * dim + start;
          for (let j = 0; j < i; j++) {
            const w = 2 * weights[i * n + j]! * slopeCache[i * n + j]!;
            if (w === 0) continue;
            const rowJ = j * dim + start;
            for (let m = 0; m < count; m++) {
              const diff = data[rowI + m]! - data[rowJ + m]!;
              out[m] = out[m]! + w * diff * diff;
            }
          }
        }
        for (let m = 0; m < count; m++) out[m] = out[m]! * inv[m]!;
        return out;
      },
    };
  }
}

export interface DownsamplingKernelOptions {
  readonly feature: 's' | 'z';
  readonly d: number;
  /** Initial c and delta (natural units). Defaults 0.1 and 1. */
  readonly c?: number;
  readonly delta?: number;
  readonly cBounds?: readonly [number, number];
  readonly deltaBounds?: readonly [number, number];
}

/**
 * The Downsampling kernel of ADMIRE-BayesOpt eq. 3 (from Wu et al. 2020): k(s, s') = c + (1-s)^(1+delta) (1-s')^(1+delta),
 * over s or z in [0, 1]; theta = [log c, log delta]. Values above 1 are treated as 1 (the target fidelity).
 */
export class DownsamplingKernel implements Kernel {
  readonly names: readonly string[];
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  readonly feature: 's' | 'z';
  private readonly column: number;
  private readonly dim: number;
  private logC: number;
  private logDelta: number;

  constructor(options: DownsamplingKernelOptions) {
    this.feature = options.feature;
    this.column = featureColumns(options.feature, options.d).start;
    this.dim = options.d + 2;
    this.logC = Math.log(options.c ?? 0.1);
    this.logDelta = Math.log(options.delta ?? 1);
    const [cLow, cHigh] = options.cBounds ?? [1e-4, 10];
    const [dLow, dHigh] = options.deltaBounds ?? [0.01, 10];
    this.names = [`${options.feature}.downsampling.c`, `${options.feature}.downsampling.delta`];
    this.bounds = [
      [Math.log(cLow), Math.log(cHigh)],
      [Math.log(dLow), Math.log(dHigh)],
    ];
  }

  get theta(): Float64Array {
    return Float64Array.from([this.logC, this.logDelta]);
  }

  set theta(value: Float64Array) {
    if (value.length !== 2) throw new Error('DownsamplingKernel: wrong theta length');
    this.logC = value[0]!;
    this.logDelta = value[1]!;
  }

  /** p_i = (1 - x_i)^(1+delta) and q_i = p_i log(1 - x_i) (0 where 1 - x_i = 0, the limit of t^a log t). */
  private powers(points: PointSet): { p: Float64Array; q: Float64Array } {
    const exponent = 1 + Math.exp(this.logDelta);
    const p = new Float64Array(points.n);
    const q = new Float64Array(points.n);
    for (let i = 0; i < points.n; i++) {
      const t = Math.max(0, 1 - points.data[i * this.dim + this.column]!);
      if (t > 0) {
        const value = Math.pow(t, exponent);
        p[i] = value;
        q[i] = value * Math.log(t);
      }
    }
    return { p, q };
  }

  matrix(a: PointSet, b?: PointSet): Float64Array {
    const c = Math.exp(this.logC);
    const pa = this.powers(a).p;
    const pb = b === undefined ? pa : (checkCompatible(a, b), this.powers(b).p);
    const out = new Float64Array(pa.length * pb.length);
    for (let i = 0; i < pa.length; i++) for (let j = 0; j < pb.length; j++) out[i * pb.length + j] = c + pa[i]! * pb[j]!;
    return out;
  }

  diag(a: PointSet): Float64Array {
    const c = Math.exp(this.logC);
    return this.powers(a).p.map((value) => c + value * value);
  }

  pairwise(a: PointSet, b: PointSet): Float64Array {
    checkPaired(a, b);
    const c = Math.exp(this.logC);
    const pa = this.powers(a).p;
    const pb = this.powers(b).p;
    return pa.map((value, i) => c + value * pb[i]!);
  }

  gradient(a: PointSet): KernelGradient {
    const n = a.n;
    const c = Math.exp(this.logC);
    const delta = Math.exp(this.logDelta);
    const { p, q } = this.powers(a);
    const k = this.matrix(a);
    const dc = new Float64Array(n * n).fill(c);
    const dDelta = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) dDelta[i * n + j] = delta * (q[i]! * p[j]! + p[i]! * q[j]!);
    return { k, dk: [dc, dDelta] };
  }

  prepare(a: PointSet): PreparedKernel {
    const n = a.n;
    const k = new Float64Array(n * n);
    const kernel = this;
    let p: Float64Array = new Float64Array(n);
    let q: Float64Array = new Float64Array(n);
    return {
      matrix(): Float64Array {
        ({ p, q } = kernel.powers(a));
        const c = Math.exp(kernel.logC);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k[i * n + j] = c + p[i]! * p[j]!;
        return k;
      },
      contract(weights: Float64Array): Float64Array {
        // dk/dlog c = c; dk/dlog delta = delta (q_i p_j + p_i q_j). Symmetric weights: lower triangle, off-diagonal twice.
        let total = 0;
        let mixed = 0;
        for (let i = 0; i < n; i++) {
          const pi = p[i]!;
          const qi = q[i]!;
          const row = i * n;
          let rowTotal = 0;
          let rowMixed = 0;
          for (let j = 0; j < i; j++) {
            const w = weights[row + j]!;
            rowTotal += w;
            rowMixed += w * (qi * p[j]! + pi * q[j]!);
          }
          const diagonal = weights[row + i]!;
          total += 2 * rowTotal + diagonal;
          mixed += 2 * rowMixed + diagonal * 2 * qi * pi;
        }
        return Float64Array.from([Math.exp(kernel.logC) * total, Math.exp(kernel.logDelta) * mixed]);
      },
    };
  }
}

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
  private logValue: number;

  constructor(options: ConstantKernelOptions = {}) {
    this.logValue = Math.log(options.value ?? 1);
    const [low, high] = options.bounds ?? [0.01, 100];
    this.names = [options.name ?? 'amplitude'];
    this.bounds = [[Math.log(low), Math.log(high)]];
  }

  get theta(): Float64Array {
    return Float64Array.from([this.logValue]);
  }

  set theta(value: Float64Array) {
    if (value.length !== 1) throw new Error('ConstantKernel: wrong theta length');
    this.logValue = value[0]!;
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
    const kernel = this;
    return {
      matrix(): Float64Array {
        return k.fill(Math.exp(kernel.logValue));
      },
      contract(weights: Float64Array): Float64Array {
        let total = 0;
        for (let i = 0; i < n; i++) {
          const row = i * n;
          let rowTotal = 0;
          for (let j = 0; j < i; j++) rowTotal += weights[row + j]!;
          total += 2 * rowTotal + weights[row + i]!;
        }
        return Float64Array.from([Math.exp(kernel.logValue) * total]);
      },
    };
  }
}

/** Product of kernels; theta is the concatenation of the factors' thetas. */
export class ProductKernel implements PairKernel {
  readonly names: readonly string[];
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  readonly factors: readonly Kernel[];
  private readonly sizes: readonly number[];

  constructor(factors: readonly Kernel[]) {
    if (factors.length === 0) throw new Error('ProductKernel needs at least one factor');
    this.factors = factors;
    this.sizes = factors.map((factor) => factor.names.length);
    this.names = factors.flatMap((factor) => factor.names);
    this.bounds = factors.flatMap((factor) => factor.bounds);
  }

  get theta(): Float64Array {
    const out = new Float64Array(this.names.length);
    let offset = 0;
    for (const factor of this.factors) {
      const part = factor.theta;
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }

  set theta(value: Float64Array) {
    if (value.length !== this.names.length) throw new Error('ProductKernel: wrong theta length');
    let offset = 0;
    this.factors.forEach((factor, index) => {
      const size = this.sizes[index]!;
      factor.theta = value.slice(offset, offset + size);
      offset += size;
    });
  }

  matrix(a: PointSet, b?: PointSet): Float64Array {
    const out = this.factors[0]!.matrix(a, b);
    for (let f = 1; f < this.factors.length; f++) {
      const next = this.factors[f]!.matrix(a, b);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! * next[i]!;
    }
    return out;
  }

  /**
   * [K(first, b), K(second, b)] for two sets of equal size whose rows may share their mixture weights (a pool and
   * its copies at another fidelity): factors that read only those columns (the mixture kernel, the constant) are
   * evaluated once when the weights are equal. Same products in the same order as matrix(), so the same numbers.
   */
  matrixPair(first: PointSet, second: PointSet, b: PointSet): [Float64Array, Float64Array] {
    const sameMixtures = first.n === second.n && first.d === second.d && sameMixtureColumns(first, second);
    let outFirst: Float64Array | undefined;
    let outSecond: Float64Array | undefined;
    for (const factor of this.factors) {
      const mixtureOnly = readsOnlyMixture(factor);
      const nextFirst = factor.matrix(first, b);
      const nextSecond = sameMixtures && mixtureOnly ? nextFirst : factor.matrix(second, b);
      if (outFirst === undefined || outSecond === undefined) {
        outFirst = nextFirst === nextSecond ? Float64Array.from(nextFirst) : nextFirst;
        outSecond = nextSecond;
        continue;
      }
      for (let i = 0; i < outFirst.length; i++) outFirst[i] = outFirst[i]! * nextFirst[i]!;
      for (let i = 0; i < outSecond.length; i++) outSecond[i] = outSecond[i]! * nextSecond[i]!;
    }
    return [outFirst!, outSecond!];
  }

  diag(a: PointSet): Float64Array {
    const out = this.factors[0]!.diag(a);
    for (let f = 1; f < this.factors.length; f++) {
      const next = this.factors[f]!.diag(a);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! * next[i]!;
    }
    return out;
  }

  pairwise(a: PointSet, b: PointSet): Float64Array {
    const out = this.factors[0]!.pairwise(a, b);
    for (let f = 1; f < this.factors.length; f++) {
      const next = this.factors[f]!.pairwise(a, b);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! * next[i]!;
    }
    return out;
  }

  gradient(a: PointSet): KernelGradient {
    const parts = this.factors.map((factor) => factor.gradient(a));
    const k = Float64Array.from(parts[0]!.k);
    for (let f = 1; f < parts.length; f++) {
      const next = parts[f]!.k;
      for (let i = 0; i < k.length; i++) k[i] = k[i]! * next[i]!;
    }
    const dk: Float64Array[] = [];
    parts.forEach((part, f) => {
      for (const own of part.dk) {
        const scaled = Float64Array.from(own);
        parts.forEach((other, g) => {
          if (g === f) return;
          for (let i = 0; i < scaled.length; i++) scaled[i] = scaled[i]! * other.k[i]!;
        });
        dk.push(scaled);
      }
    });
    return { k, dk };
  }

  prepare(a: PointSet): PreparedKernel {
    const n = a.n;
    const prepared = this.factors.map((factor) => factor.prepare(a));
    const constants = this.factors.map((factor) => factor instanceof ConstantKernel);
    const k = new Float64Array(n * n);
    const scaledWeights = new Float64Array(n * n);
    let factorMatrices: Float64Array[] = [];
    let constantProduct = 1;
    const total = this.names.length;
    const sizes = this.sizes;
    return {
      matrix(): Float64Array {
        factorMatrices = prepared.map((factor) => factor.matrix());
        constantProduct = 1;
        k.fill(1);
        factorMatrices.forEach((matrix, f) => {
          if (constants[f]) {
            constantProduct *= matrix[0] ?? 1;
            return;
          }
          for (let i = 0; i < k.length; i++) k[i] = k[i]! * matrix[i]!;
        });
        if (constantProduct !== 1) for (let i = 0; i < k.length; i++) k[i] = k[i]! * constantProduct;
        return k;
      },
      contract(weights: Float64Array): Float64Array {
        const out = new Float64Array(total);
        let offset = 0;
        prepared.forEach((factor, f) => {
          // Weights for factor f: W o (product of the other factors), written with constants folded into a scalar.
          let scalar = 1;
          const others: Float64Array[] = [];
          factorMatrices.forEach((matrix, g) => {
            if (g === f) return;
            if (constants[g]) scalar *= matrix[0] ?? 1;
            else others.push(matrix);
          });
          // Only the lower triangle is read by the factors (weights are symmetric).
          const first = others[0];
          const second = others[1];
          if (others.length === 0) {
            for (let i = 0; i < scaledWeights.length; i++) scaledWeights[i] = weights[i]! * scalar;
          } else if (others.length === 1 && first) {
            for (let i = 0; i < n; i++) {
              for (let j = i * n, end = i * n + i + 1; j < end; j++) scaledWeights[j] = weights[j]! * scalar * first[j]!;
            }
          } else if (others.length === 2 && first && second) {
            for (let i = 0; i < n; i++) {
              for (let j = i * n, end = i * n + i + 1; j < end; j++) scaledWeights[j] = weights[j]! * scalar * first[j]! * second[j]!;
            }
          } else {
            for (let i = 0; i < n; i++) {
              for (let j = i * n, end = i * n + i + 1; j < end; j++) {
                let value = weights[j]! * scalar;
                for (const other of others) value *= other[j]!;
                scaledWeights[j] = value;
              }
            }
          }
          out.set(factor.contract(scaledWeights), offset);
          offset += sizes[f]!;
        });
        return out;
      },
    };
  }
}

export interface DefaultKernelSpec {
  readonly d: number;
  readonly mixtureKernel: 'rbf' | 'matern52';
  readonly ard: boolean;
  readonly fidelityKernel: 'rbf' | 'downsampling';
  /** Add a linear trend in the mixture weights to the mixture kernel (LinearKernel). Default false. */
  readonly linear?: boolean;
  /** Add a per-model-size component to the size kernel (LevelKernel). Default false. */
  readonly sizeLevels?: boolean;
}

/**
 * scale x K_mix(w, w') x K_model(s, s') x K_steps(z, z') (SPEC "Model and decisions"), where K_mix may be
 * stationary + linear and K_model stationary + per-size component.
 */
export function buildDefaultKernel(spec: DefaultKernelSpec): ProductKernel {
  const fidelity = (feature: 's' | 'z'): Kernel =>
    spec.fidelityKernel === 'rbf'
      ? new StationaryKernel('rbf', { feature, d: spec.d, lengthscale: 0.5, lengthscaleBounds: [0.01, 20] })
      : new DownsamplingKernel({ feature, d: spec.d });
  const stationary = new StationaryKernel(spec.mixtureKernel, { feature: 'mixture', d: spec.d, ard: spec.ard });
  const mixture = spec.linear ? new SumKernel([stationary, new LinearKernel({ d: spec.d })]) : stationary;
  const size = spec.sizeLevels ? new SumKernel([fidelity('s'), new LevelKernel({ feature: 's', d: spec.d })]) : fidelity('s');
  return new ProductKernel([new ConstantKernel({ value: 1, bounds: [0.01, 100], name: 'amplitude' }), mixture, size, fidelity('z')]);
}

/**
 * k(x, x') = v g(x, x') for a fixed symmetric g: theta = [log v]. The linear and per-size kernels below differ only
 * in g, so the variance, the Gram matrix and the gradient (dk/dlog v = k) are written once here.
 */
abstract class ScaledGramKernel implements Kernel {
  abstract readonly names: readonly string[];
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  /** what g reads: the mixture weights, one fidelity column, or both fidelity columns ('fidelity') */
  abstract readonly feature: Feature | 'fidelity';
  private logVariance: number;

  constructor(variance: number, bounds: readonly [number, number]) {
    this.logVariance = Math.log(variance);
    this.bounds = [[Math.log(bounds[0]), Math.log(bounds[1])]];
  }

  /** g between row aRow of aData and row bRow of bData (offsets of the rows' first column) */
  protected abstract entry(aData: Float64Array, aRow: number, bData: Float64Array, bRow: number): number;

  get theta(): Float64Array {
    return Float64Array.from([this.logVariance]);
  }

  set theta(value: Float64Array) {
    if (value.length !== 1) throw new Error(`${this.names[0]}: wrong theta length`);
    this.logVariance = value[0]!;
  }

  private gram(a: PointSet, b: PointSet): Float64Array {
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
    const kernel = this;
    return {
      matrix(): Float64Array {
        const v = Math.exp(kernel.logVariance);
        for (let i = 0; i < k.length; i++) k[i] = gram[i]! * v;
        return k;
      },
      contract(weights: Float64Array): Float64Array {
        return Float64Array.from([Math.exp(kernel.logVariance) * symmetricContraction(weights, gram, n)]);
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

export interface LinearKernelOptions {
  readonly d: number;
  /** Initial variance (natural units, relative to a unit-variance stationary part). Default 0.5. */
  readonly variance?: number;
  readonly bounds?: readonly [number, number];
}

/**
 * Bayesian linear regression over the mixture weights as a kernel (R&W §2.1.2 and eq. 2.15 with Sigma_p = v I):
 * k(w, w') = v <w - c, w' - c> / E|w - c|^2, c = (1/d, ..., 1/d). The scale E|w - c|^2 = (d - 1) / (d (d + 1)) is
 * that of a uniform (Dirichlet(1)) mixture, so v = 1 means the linear trend explains about unit variance whatever
 * d. In a product with the fidelity kernels, and the objective in log space, this is the log-linear mixing law of
 * Olmix/RegMix as a special case of the GP: with few runs in 24-64 dimensions a linear trend is what the data can
 * support, and the stationary part models what it leaves.
 */
export class LinearKernel extends ScaledGramKernel {
  readonly names: readonly string[] = ['mixture.linear.variance'];
  readonly feature: Feature = 'mixture';
  private readonly d: number;
  private readonly centre: number;
  private readonly inverseScale: number;

  constructor(options: LinearKernelOptions) {
    super(options.variance ?? 0.5, options.bounds ?? [1e-4, 1e3]);
    this.d = options.d;
    this.centre = 1 / options.d;
    this.inverseScale = options.d > 1 ? (options.d * (options.d + 1)) / (options.d - 1) : 1;
  }

  protected entry(aData: Float64Array, aRow: number, bData: Float64Array, bRow: number): number {
    let sum = 0;
    for (let m = 0; m < this.d; m++) sum += (aData[aRow + m]! - this.centre) * (bData[bRow + m]! - this.centre);
    return sum * this.inverseScale;
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

  constructor(options: LevelKernelOptions) {
    super(options.variance ?? 0.1, options.bounds ?? [1e-4, 100]);
    this.feature = options.feature;
    this.column = featureColumns(options.feature, options.d).start;
    this.names = [`${options.feature}.level.variance`];
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

  constructor(options: TrendKernelOptions) {
    super(options.variance ?? 0.25, options.bounds ?? [1e-6, 100]);
    this.trend = options.feature;
    this.sColumn = options.d;
    this.zColumn = options.d + 1;
    this.names = [`trend.${options.feature}.variance`];
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

/** A kernel that computes K(first, b) and K(second, b) together (ProductKernel shares its mixture-only factors). */
export interface PairKernel extends Kernel {
  matrixPair(first: PointSet, second: PointSet, b: PointSet): [Float64Array, Float64Array];
}

/** Sum of kernels over the same feature (scikit-learn's Sum); theta is the concatenation of the parts' thetas. */
export class SumKernel implements PairKernel {
  readonly names: readonly string[];
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  readonly parts: readonly Kernel[];
  private readonly sizes: readonly number[];

  constructor(parts: readonly Kernel[]) {
    if (parts.length === 0) throw new Error('SumKernel needs at least one part');
    this.parts = parts;
    this.sizes = parts.map((part) => part.names.length);
    this.names = parts.flatMap((part) => part.names);
    this.bounds = parts.flatMap((part) => part.bounds);
  }

  get theta(): Float64Array {
    const out = new Float64Array(this.names.length);
    let offset = 0;
    for (const part of this.parts) {
      out.set(part.theta, offset);
      offset += part.names.length;
    }
    return out;
  }

  set theta(value: Float64Array) {
    if (value.length !== this.names.length) throw new Error('SumKernel: wrong theta length');
    let offset = 0;
    this.parts.forEach((part, index) => {
      const size = this.sizes[index]!;
      part.theta = value.slice(offset, offset + size);
      offset += size;
    });
  }

  private add(compute: (part: Kernel) => Float64Array): Float64Array {
    const out = compute(this.parts[0]!);
    for (let p = 1; p < this.parts.length; p++) {
      const next = compute(this.parts[p]!);
      for (let i = 0; i < out.length; i++) out[i] = out[i]! + next[i]!;
    }
    return out;
  }

  matrix(a: PointSet, b?: PointSet): Float64Array {
    return this.add((part) => part.matrix(a, b));
  }

  matrixPair(first: PointSet, second: PointSet, b: PointSet): [Float64Array, Float64Array] {
    const pairOf = (part: Kernel): [Float64Array, Float64Array] =>
      'matrixPair' in part && typeof part.matrixPair === 'function' ? (part as PairKernel).matrixPair(first, second, b) : [part.matrix(first, b), part.matrix(second, b)];
    const [outFirst, outSecond] = pairOf(this.parts[0]!);
    for (let p = 1; p < this.parts.length; p++) {
      const [nextFirst, nextSecond] = pairOf(this.parts[p]!);
      for (let i = 0; i < outFirst.length; i++) outFirst[i] = outFirst[i]! + nextFirst[i]!;
      for (let i = 0; i < outSecond.length; i++) outSecond[i] = outSecond[i]! + nextSecond[i]!;
    }
    return [outFirst, outSecond];
  }

  diag(a: PointSet): Float64Array {
    return this.add((part) => part.diag(a));
  }

  pairwise(a: PointSet, b: PointSet): Float64Array {
    return this.add((part) => part.pairwise(a, b));
  }

  gradient(a: PointSet): KernelGradient {
    const parts = this.parts.map((part) => part.gradient(a));
    const k = Float64Array.from(parts[0]!.k);
    for (let p = 1; p < parts.length; p++) {
      const next = parts[p]!.k;
      for (let i = 0; i < k.length; i++) k[i] = k[i]! + next[i]!;
    }
    return { k, dk: parts.flatMap((part) => part.dk) };
  }

  prepare(a: PointSet): PreparedKernel {
    const prepared = this.parts.map((part) => part.prepare(a));
    const k = new Float64Array(a.n * a.n);
    const total = this.names.length;
    const sizes = this.sizes;
    return {
      matrix(): Float64Array {
        k.set(prepared[0]!.matrix());
        for (let p = 1; p < prepared.length; p++) {
          const next = prepared[p]!.matrix();
          for (let i = 0; i < k.length; i++) k[i] = k[i]! + next[i]!;
        }
        return k;
      },
      contract(weights: Float64Array): Float64Array {
        const out = new Float64Array(total);
        let offset = 0;
        prepared.forEach((part, p) => {
          out.set(part.contract(weights), offset);
          offset += sizes[p]!;
        });
        return out;
      },
    };
  }
}

/** Whether a kernel reads only the mixture weights (so a pool and its copies at another fidelity share its values). */
export function readsOnlyMixture(kernel: Kernel): boolean {
  if (kernel instanceof ConstantKernel) return true;
  if (kernel instanceof StationaryKernel || kernel instanceof LinearKernel) return kernel.feature === 'mixture';
  if (kernel instanceof SumKernel) return kernel.parts.every(readsOnlyMixture);
  if (kernel instanceof ProductKernel) return kernel.factors.every(readsOnlyMixture);
  return false;
}

/** The stationary kernel over the mixture weights inside a kernel tree (its lengthscales give domain importance). */
export function findMixtureStationary(kernel: Kernel): StationaryKernel | undefined {
  if (kernel instanceof StationaryKernel) return kernel.feature === 'mixture' ? kernel : undefined;
  const children = kernel instanceof SumKernel ? kernel.parts : kernel instanceof ProductKernel ? kernel.factors : [];
  for (const child of children) {
    const found = findMixtureStationary(child);
    if (found) return found;
  }
  return undefined;
}
