// An additive kernel over the mixture weights: one smooth function of each domain's weight, summed (Duvenaud,
// Nickisch & Rasmussen 2011, first order; Kandasamy, Schneider & Poczos 2015 for BO in high dimension):
//     k(w, w') = v / d * sum_j exp(-(w_j - w'_j)^2 / (2 l^2)),   theta = [log v, log l],
// one lengthscale for all domains. With 24-64 domains and a few dozen runs, a stationary kernel over the whole
// simplex sees sparse mixtures as nearly unrelated (their distance is about sqrt(2) for disjoint supports) and the
// linear kernel cannot bend: a domain that helps a lot at a small weight and then saturates (the exp(-t w) of a
// data-mixing law) is a one-dimensional curve the additive part can learn from runs that share the domain.
import { checkCompatible, checkPaired, checkThetaLength } from './types';
import type { Feature, Kernel, KernelGradient, PreparedKernel } from './types';
import type { PointSet } from '../types';

export interface AdditiveKernelOptions {
  readonly d: number;
  /** Initial variance (natural units, relative to a unit-variance stationary part). Default 0.5. */
  readonly variance?: number;
  /** Initial lengthscale of each domain's weight. Default 0.3. */
  readonly lengthscale?: number;
}

export class AdditiveKernel implements Kernel {
  readonly names: readonly string[] = ['mixture.additive.variance', 'mixture.additive.lengthscale'];
  readonly bounds: ReadonlyArray<readonly [number, number]> = [
    [Math.log(1e-4), Math.log(1e3)],
    [Math.log(0.01), Math.log(5)],
  ];
  readonly features: readonly Feature[] = ['mixture'];
  private readonly d: number;
  private readonly logVariance: number;
  private readonly logLengthscale: number;

  constructor(
    private readonly options: AdditiveKernelOptions,
    theta?: ArrayLike<number>,
  ) {
    if (theta !== undefined) checkThetaLength(theta, 2, 'AdditiveKernel');
    this.d = options.d;
    this.logVariance = theta !== undefined ? theta[0]! : Math.log(options.variance ?? 0.5);
    this.logLengthscale = theta !== undefined ? theta[1]! : Math.log(options.lengthscale ?? 0.3);
  }

  get theta(): Float64Array {
    return Float64Array.from([this.logVariance, this.logLengthscale]);
  }

  withTheta(theta: ArrayLike<number>): AdditiveKernel {
    return new AdditiveKernel(this.options, theta);
  }

  /** Its lengthscale is of one domain's weight, not of the mixture: it does not answer for the mixture kernel. */
  lengthscales(): undefined {
    return undefined;
  }

  /**
   * sum_j exp(-(a_j - b_j)^2 / (2 l^2)) for one pair of rows, and sum_j of the same times (a_j - b_j)^2 / l^2 (its
   * derivative in log l) into `second` when given. Domains where both weights are 0 add exactly 1 and nothing to
   * the derivative, so sparse mixtures cost only their supports' exponentials.
   */
  private pairSum(aData: Float64Array, aRow: number, bData: Float64Array, bRow: number, inverse: number, second?: { value: number }): number {
    let total = 0;
    let derivative = 0;
    for (let j = 0; j < this.d; j++) {
      const delta = aData[aRow + j]! - bData[bRow + j]!;
      if (delta === 0) {
        total += 1;
        continue;
      }
      const scaled = delta * delta * inverse;
      const value = Math.exp(-0.5 * scaled);
      total += value;
      derivative += value * scaled;
    }
    if (second) second.value = derivative;
    return total;
  }

  matrix(a: PointSet, b?: PointSet): Float64Array {
    const other = b ?? a;
    if (b !== undefined) checkCompatible(a, b);
    const dimA = a.d + 2;
    const dimB = other.d + 2;
    const scale = Math.exp(this.logVariance) / this.d;
    const inverse = Math.exp(-2 * this.logLengthscale);
    const out = new Float64Array(a.n * other.n);
    for (let i = 0; i < a.n; i++) {
      for (let j = 0; j < other.n; j++) {
        if (b === undefined && j < i) {
          out[i * a.n + j] = out[j * a.n + i]!;
          continue;
        }
        out[i * other.n + j] = scale * this.pairSum(a.data, i * dimA, other.data, j * dimB, inverse);
      }
    }
    return out;
  }

  /** v: every domain's term is 1 at distance 0. */
  diag(a: PointSet): Float64Array {
    return new Float64Array(a.n).fill(Math.exp(this.logVariance));
  }

  pairwise(a: PointSet, b: PointSet): Float64Array {
    checkPaired(a, b);
    const dim = a.d + 2;
    const scale = Math.exp(this.logVariance) / this.d;
    const inverse = Math.exp(-2 * this.logLengthscale);
    return Float64Array.from({ length: a.n }, (_, i) => scale * this.pairSum(a.data, i * dim, b.data, i * dim, inverse));
  }

  gradient(a: PointSet): KernelGradient {
    const n = a.n;
    const dim = a.d + 2;
    const scale = Math.exp(this.logVariance) / this.d;
    const inverse = Math.exp(-2 * this.logLengthscale);
    const k = new Float64Array(n * n);
    const dl = new Float64Array(n * n);
    const second = { value: 0 };
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const value = scale * this.pairSum(a.data, i * dim, a.data, j * dim, inverse, second);
        k[i * n + j] = k[j * n + i] = value;
        dl[i * n + j] = dl[j * n + i] = scale * second.value;
      }
    }
    return { k, dk: [Float64Array.from(k), dl] };
  }

  prepare(a: PointSet): PreparedKernel {
    const n = a.n;
    const dim = a.d + 2;
    const k = new Float64Array(n * n);
    // at the last theta: sum_j of each pair's terms times (delta / l)^2, for the lengthscale's derivative
    const derivativeSums = new Float64Array(n * n);
    const second = { value: 0 };
    let logVariance = this.logVariance;
    let evaluated = false;
    const self = this;
    const prepared: PreparedKernel = {
      matrix(theta: ArrayLike<number>): Float64Array {
        checkThetaLength(theta, 2, 'AdditiveKernel');
        logVariance = theta[0]!;
        const scale = Math.exp(logVariance) / self.d;
        const inverse = Math.exp(-2 * theta[1]!);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j <= i; j++) {
            const value = scale * self.pairSum(a.data, i * dim, a.data, j * dim, inverse, second);
            k[i * n + j] = k[j * n + i] = value;
            derivativeSums[i * n + j] = second.value;
          }
        }
        evaluated = true;
        return k;
      },
      contract(weights: Float64Array): Float64Array {
        if (!evaluated) prepared.matrix(self.theta);
        const scale = Math.exp(logVariance) / self.d;
        let variance = 0;
        let lengthscale = 0;
        for (let i = 0; i < n; i++) {
          const row = i * n;
          for (let j = 0; j <= i; j++) {
            const factor = j === i ? 1 : 2;
            variance += factor * weights[row + j]! * k[row + j]!;
            lengthscale += factor * weights[row + j]! * derivativeSums[row + j]!;
          }
        }
        return Float64Array.from([variance, scale * lengthscale]);
      },
    };
    return prepared;
  }
}
