// The Downsampling kernel of ADMIRE-BayesOpt over one fidelity coordinate (s or z); theta = [log c, log delta].
import { checkCompatible, checkPaired, checkThetaLength, featureColumns } from './types';
import type { Feature, Kernel, KernelGradient, PreparedKernel } from './types';
import type { PointSet } from '../types';

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
  readonly features: readonly Feature[];
  private readonly column: number;
  private readonly dim: number;
  private readonly logC: number;
  private readonly logDelta: number;

  /** `theta`: [log c, log delta] (default: from options.c and options.delta). */
  constructor(
    private readonly options: DownsamplingKernelOptions,
    theta?: ArrayLike<number>,
  ) {
    this.feature = options.feature;
    this.features = [options.feature];
    this.column = featureColumns(options.feature, options.d).start;
    this.dim = options.d + 2;
    if (theta !== undefined) checkThetaLength(theta, 2, 'DownsamplingKernel');
    this.logC = theta !== undefined ? theta[0]! : Math.log(options.c ?? 0.1);
    this.logDelta = theta !== undefined ? theta[1]! : Math.log(options.delta ?? 1);
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

  withTheta(theta: ArrayLike<number>): DownsamplingKernel {
    return new DownsamplingKernel(this.options, theta);
  }

  lengthscales(): undefined {
    return undefined;
  }

  /** p_i = (1 - x_i)^(1+delta) and q_i = p_i log(1 - x_i) (0 where 1 - x_i = 0, the limit of t^a log t). */
  private powers(points: PointSet, logDelta: number = this.logDelta): { p: Float64Array; q: Float64Array } {
    const exponent = 1 + Math.exp(logDelta);
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
    let p: Float64Array = new Float64Array(n);
    let q: Float64Array = new Float64Array(n);
    let logC = this.logC;
    let logDelta = this.logDelta;
    return {
      matrix: (theta: ArrayLike<number>): Float64Array => {
        checkThetaLength(theta, 2, 'DownsamplingKernel');
        logC = theta[0]!;
        logDelta = theta[1]!;
        ({ p, q } = this.powers(a, logDelta));
        const c = Math.exp(logC);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) k[i * n + j] = c + p[i]! * p[j]!;
        return k;
      },
      contract: (weights: Float64Array): Float64Array => {
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
        return Float64Array.from([Math.exp(logC) * total, Math.exp(logDelta) * mixed]);
      },
    };
  }
}
