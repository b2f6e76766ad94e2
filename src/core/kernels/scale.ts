// A fidelity-dependent output scale, as a factor of the product kernel.
import { checkCompatible, checkPaired, checkThetaLength } from './types';
import type { Feature, Kernel, KernelGradient, PreparedKernel } from './types';
import type { PointSet } from '../types';

export interface SizeScaleKernelOptions {
  readonly d: number;
  /** Initial ratio c (natural units). Default 1. */
  readonly ratio?: number;
  readonly bounds?: readonly [number, number];
}

/**
 * k(s, s') = c^((1 - s) + (1 - s')): a factor that scales the mixture-dependent part of the objective by c^(1 - s),
 * 1 at the target. The product kernel is otherwise stationary in s, so every size would vary as much over the
 * mixtures as the target does; a cheap size whose losses spread four times wider (or narrower) over the same
 * mixtures could then only be explained by a high correlation with the wrong amplitude or a low one, and neither
 * transfers. This is the scale factor rho of autoregressive co-kriging (Kennedy & O'Hagan 2000, eq. 2), made a
 * smooth function of the size. theta = [log c].
 */
export class SizeScaleKernel implements Kernel {
  readonly names: readonly string[] = ['s.scale'];
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  readonly features: readonly Feature[] = ['s'];
  private readonly logRatio: number;
  private readonly column: number;

  constructor(
    private readonly options: SizeScaleKernelOptions,
    theta?: ArrayLike<number>,
  ) {
    if (theta !== undefined) checkThetaLength(theta, 1, 'SizeScaleKernel');
    this.logRatio = theta !== undefined ? theta[0]! : Math.log(options.ratio ?? 1);
    const [low, high] = options.bounds ?? [1 / 50, 50];
    this.bounds = [[Math.log(low), Math.log(high)]];
    this.column = options.d;
  }

  get theta(): Float64Array {
    return Float64Array.from([this.logRatio]);
  }

  withTheta(theta: ArrayLike<number>): SizeScaleKernel {
    return new SizeScaleKernel(this.options, theta);
  }

  lengthscales(): undefined {
    return undefined;
  }

  /** (1 - s_i) + (1 - s_j): the exponent of c */
  private gaps(a: PointSet, b: PointSet): Float64Array {
    const dimA = a.d + 2;
    const dimB = b.d + 2;
    const out = new Float64Array(a.n * b.n);
    const gapsB = Float64Array.from({ length: b.n }, (_, j) => 1 - b.data[j * dimB + this.column]!);
    for (let i = 0; i < a.n; i++) {
      const gapA = 1 - a.data[i * dimA + this.column]!;
      for (let j = 0; j < b.n; j++) out[i * b.n + j] = gapA + gapsB[j]!;
    }
    return out;
  }

  matrix(a: PointSet, b?: PointSet): Float64Array {
    if (b !== undefined) checkCompatible(a, b);
    const out = this.gaps(a, b ?? a);
    for (let i = 0; i < out.length; i++) out[i] = Math.exp(this.logRatio * out[i]!);
    return out;
  }

  diag(a: PointSet): Float64Array {
    return this.pairwise(a, a);
  }

  pairwise(a: PointSet, b: PointSet): Float64Array {
    checkPaired(a, b);
    const dimA = a.d + 2;
    const dimB = b.d + 2;
    return Float64Array.from({ length: a.n }, (_, i) => Math.exp(this.logRatio * (1 - a.data[i * dimA + this.column]! + (1 - b.data[i * dimB + this.column]!))));
  }

  gradient(a: PointSet): KernelGradient {
    const gaps = this.gaps(a, a);
    const k = gaps.map((g) => Math.exp(this.logRatio * g));
    return { k, dk: [k.map((value, i) => value * gaps[i]!)] };
  }

  prepare(a: PointSet): PreparedKernel {
    const n = a.n;
    const gaps = this.gaps(a, a);
    const k = new Float64Array(n * n);
    return {
      matrix(theta: ArrayLike<number>): Float64Array {
        checkThetaLength(theta, 1, 'SizeScaleKernel');
        const logRatio = theta[0]!;
        for (let i = 0; i < k.length; i++) k[i] = Math.exp(logRatio * gaps[i]!);
        return k;
      },
      contract(weights: Float64Array): Float64Array {
        // dk_ij/dlog c = k_ij gap_ij; weights symmetric, lower triangle read
        let total = 0;
        for (let i = 0; i < n; i++) {
          const row = i * n;
          let offDiagonal = 0;
          for (let j = 0; j < i; j++) offDiagonal += weights[row + j]! * k[row + j]! * gaps[row + j]!;
          total += 2 * offDiagonal + weights[row + i]! * k[row + i]! * gaps[row + i]!;
        }
        return Float64Array.from([total]);
      },
    };
  }
}
