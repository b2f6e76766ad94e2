// Stationary kernels over one feature: RBF (R&W eq. 4.9) and Matern-5/2 (R&W eq. 4.17), with a shared or a
// per-column (ARD) lengthscale; theta = log lengthscales.
import { checkCompatible, checkPaired, checkThetaLength, featureColumns } from './types';
import type { Feature, Kernel, KernelGradient, PreparedKernel } from './types';
import type { PointSet } from '../types';

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
  readonly features: readonly Feature[];
  readonly ard: boolean;
  private readonly start: number;
  private readonly count: number;
  private readonly dim: number;
  private readonly profile: RadialProfile;
  private readonly logLengthscales: Float64Array;

  /** `theta`: log lengthscales (default: all log(options.lengthscale)). */
  constructor(
    readonly kind: 'rbf' | 'matern52',
    private readonly options: StationaryKernelOptions,
    theta?: ArrayLike<number>,
  ) {
    this.feature = options.feature;
    this.features = [options.feature];
    const { start, count } = featureColumns(options.feature, options.d);
    this.start = start;
    this.count = count;
    this.dim = options.d + 2;
    this.ard = (options.ard ?? false) && count > 1;
    this.profile = kind === 'rbf' ? rbfProfile : matern52Profile;
    const size = this.ard ? count : 1;
    const [low, high] = options.lengthscaleBounds ?? [0.005, 20];
    if (theta !== undefined) checkThetaLength(theta, size, 'StationaryKernel');
    this.logLengthscales = theta !== undefined ? Float64Array.from(theta) : new Float64Array(size).fill(Math.log(options.lengthscale ?? 0.5));
    this.names = this.ard
      ? Array.from({ length: size }, (_, m) => `${options.feature}.lengthscale[${m}]`)
      : [`${options.feature}.lengthscale`];
    this.bounds = Array.from({ length: size }, () => [Math.log(low), Math.log(high)] as const);
  }

  get theta(): Float64Array {
    return Float64Array.from(this.logLengthscales);
  }

  withTheta(theta: ArrayLike<number>): StationaryKernel {
    return new StationaryKernel(this.kind, this.options, theta);
  }

  /** Lengthscales in natural units (length 1 when shared), when `feature` is this kernel's. */
  lengthscales(feature: Feature): Float64Array | undefined {
    return feature === this.feature ? this.logLengthscales.map(Math.exp) : undefined;
  }

  /** 1 / l_m^2 for every column of the feature, from log lengthscales in this kernel's layout. */
  private inverseSquaredLengthscales(logLengthscales: ArrayLike<number> = this.logLengthscales): Float64Array {
    const result = new Float64Array(this.count);
    for (let m = 0; m < this.count; m++) {
      const l = Math.exp(logLengthscales[this.ard ? m : 0]!);
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
    const size = this.logLengthscales.length;
    return {
      matrix: (theta: ArrayLike<number>): Float64Array => {
        checkThetaLength(theta, size, 'StationaryKernel');
        inv = this.inverseSquaredLengthscales(theta);
        const inv0 = inv[0]!;
        for (let i = 0; i < n; i++) {
          const row = i * n;
          k[row + i] = 1;
          const rowI = i * this.dim + this.start;
          for (let j = 0; j < i; j++) {
            const r2 =
              unscaled !== undefined
                ? unscaled[row + j]! * inv0
                : this.scaledDistance(a.data, rowI, a.data, j * this.dim + this.start, inv);
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
      contract: (weights: Float64Array): Float64Array => {
        const out = new Float64Array(size);
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
        const start = this.start;
        const dim = this.dim;
        const count = this.count;
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
