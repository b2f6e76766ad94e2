// The kernel contract, in the scikit-learn style (gaussian_process/kernels.py): a kernel is a VALUE that holds its
// hyperparameters in LOG space (`theta`), their `bounds` (log space) and `names`, and gives its value, diagonal
// and analytic gradient w.r.t. theta. `withTheta` returns a new kernel (nothing mutates a kernel), and a kernel
// declares the coordinates it reads (`features`) and its lengthscales, so nothing needs to find kernels by class.
//
// Shapes: a PointSet holds n points, row-major, `dim = d + 2` columns (d mixture weights, then s, then z).
// `matrix(a, b)` is a.n x b.n row-major; `diag(a)` has length a.n; `gradient(a).dk[p]` is a.n x a.n.
//
// For fitting, `prepare(points)` returns a PreparedKernel that caches what does not depend on theta (e.g. squared
// distances) and evaluates K at any theta of this kernel's layout; it contracts dK/dtheta with a weight matrix
// without materialising one n x n matrix per hyperparameter: the LML gradient (R&W eq. 5.9) only needs
// sum_ij W_ij dK_ij/dtheta_p.
//
// Files: types.ts (this contract and shared checks), stationary.ts (RBF / Matern-5/2), downsampling.ts (ADMIRE's
// fidelity kernel), gram.ts (constant, linear, per-level: v times a fixed Gram matrix), composite.ts (sum and
// product), default.ts (the model's kernel).
import type { PointSet } from '../types';

/** Which coordinates of a point a kernel looks at. */
export type Feature = 'mixture' | 's' | 'z';

export interface KernelGradient {
  /** K(a, a), n x n */
  readonly k: Float64Array;
  /** dK/dtheta_p for each log-hyperparameter p, each n x n */
  readonly dk: Float64Array[];
}

export interface PreparedKernel {
  /**
   * K(a, a) at log-hyperparameters `theta` (the kernel's layout: same length and order as its names), n x n
   * symmetric. The returned buffer is reused by later calls.
   */
  matrix(theta: ArrayLike<number>): Float64Array;
  /**
   * g_p = sum_ij weights_ij dK_ij/dtheta_p at the theta of the last `matrix()` call (the kernel's own before any),
   * for a SYMMETRIC n x n `weights` of which only the lower triangle (j <= i) is read; the upper triangle may hold
   * anything.
   */
  contract(weights: Float64Array): Float64Array;
}

export interface Kernel {
  /** One name per log-hyperparameter, e.g. "mixture.lengthscale[3]". */
  readonly names: readonly string[];
  /** [lower, upper] per log-hyperparameter. */
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  /** Log-hyperparameters in `names` order (a copy). */
  readonly theta: Float64Array;
  /** The coordinates the kernel reads, each once; [] for a constant. */
  readonly features: readonly Feature[];
  /** The same kernel at other log-hyperparameters: a new kernel (this one is unchanged). Throws on a wrong length. */
  withTheta(theta: ArrayLike<number>): Kernel;
  /** Lengthscales (natural units; length 1 when shared) of the first stationary part over `feature`, if any. */
  lengthscales(feature: Feature): Float64Array | undefined;
  matrix(a: PointSet, b?: PointSet): Float64Array;
  diag(a: PointSet): Float64Array;
  /** k(a_i, b_i) for a.n === b.n; length a.n. */
  pairwise(a: PointSet, b: PointSet): Float64Array;
  gradient(a: PointSet): KernelGradient;
  prepare(a: PointSet): PreparedKernel;
}

/** A kernel that computes K(first, b) and K(second, b) together (ProductKernel shares its mixture-only factors). */
export interface PairKernel extends Kernel {
  withTheta(theta: ArrayLike<number>): PairKernel;
  matrixPair(first: PointSet, second: PointSet, b: PointSet): [Float64Array, Float64Array];
}

/** Whether a kernel declares matrixPair. */
export function isPairKernel(kernel: Kernel): kernel is PairKernel {
  return typeof (kernel as Partial<PairKernel>).matrixPair === 'function';
}

/** The columns of a feature: the d weights, or the one column of s or z. */
export function featureColumns(feature: Feature, d: number): { start: number; count: number } {
  if (feature === 'mixture') return { start: 0, count: d };
  return { start: feature === 's' ? d : d + 1, count: 1 };
}

/** Throws unless theta has `expected` entries (a kernel's layout). */
export function checkThetaLength(theta: ArrayLike<number>, expected: number, owner: string): void {
  if (theta.length !== expected) throw new Error(`${owner}: wrong theta length (${theta.length}, expected ${expected})`);
}

export function checkCompatible(a: PointSet, b: PointSet): void {
  if (a.d !== b.d) throw new Error(`kernel: point sets have different numbers of domains (${a.d} vs ${b.d})`);
}

export function checkPaired(a: PointSet, b: PointSet): void {
  checkCompatible(a, b);
  if (a.n !== b.n) throw new Error(`kernel: pairwise needs equal sizes (${a.n} vs ${b.n})`);
}

/** Whether a kernel reads only the mixture weights (so a pool and its copies at another fidelity share its values). */
export function readsOnlyMixture(kernel: Kernel): boolean {
  return kernel.features.every((feature) => feature === 'mixture');
}
