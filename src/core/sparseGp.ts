// The large-data model path: a FITC sparse GP (Snelson & Ghahramani 2006; the unifying view of Quinonero-Candela &
// Rasmussen 2005, "QC&R", section 6) whose hyperparameters come from the exact GP (gp.ts) fitted on a stable
// subset of the observations. The exact GP stays the reference: below SPARSE_ABOVE observations fitSurrogate
// returns it unchanged, and the unit tests compare the two where both are feasible.
//
// Cost: the subset fit is independent of n; the inducing basis and the posterior cost O(n M^2) for M inducing
// points (M <= maxInducing), i.e. linear in the number of observations; a prediction costs O(M^2) per point.
//
// Model. Inducing points u are chosen among the training inputs by a partial pivoted Cholesky of K_ff (greedy on
// the largest residual variance, Harbrecht, Peters & Schneider 2012), which yields directly the n x M factor
// Phi = K_fu L_uu^-T with Q_ff = Phi Phi^T (Nystroem). FITC keeps the exact prior diagonal:
//   C = Phi Phi^T + Lambda,  Lambda = diag(K_ff - Q_ff) + sigma_n^2 I                         (QC&R eq. 21)
// With B = I + Phi^T Lambda^-1 Phi (M x M) and phi(x) = L_uu^-1 k_u(x), the predictive at a test point is
//   mean(x) = m(x) + phi(x)^T B^-1 Phi^T Lambda^-1 r,      r = y - m(X)                    (QC&R eq. 23)
//   var(x)  = k(x, x) - phi(x)^T phi(x) + phi(x)^T B^-1 phi(x)
// (Woodbury on C^-1 = Lambda^-1 - Lambda^-1 Phi B^-1 Phi^T Lambda^-1; the test conditional is FIC's, so the prior
// variance is exact). All of it on the standardised scale of the subset fit.
import { fitGp } from './gp/fit';
import { kernelOf } from './gp/hyperparameters';
import type { FitOptions, GpConfig, GpHyperparameters } from './gp/config';
import type { GaussianProcess } from './gp/model';
import { trendAt } from './gp/mean';
import type { PairKernel } from './kernels/types';
import { basisWorkspace, cholesky, invertLower, logDetFromCholesky, multiplyLower, multiplyRowsByLowerTransposed, solveLower, solveLowerTransposed, weightedGram } from './linalg';
import { selectRows, validatePointSet } from './points';
import { CoreInputError } from './types';
import type { MarginalPosterior, PointSet, PosteriorModel } from './types';

/** Above this many observations fitSurrogate uses the sparse path (the exact GP's cold fit refines on all data). */
export const SPARSE_ABOVE = 800;
const DEFAULT_SUBSET = 600;
/** Cold multi-start search size; its winner is refined on the whole subset (at most REFINE_ITERATIONS steps). */
const DEFAULT_SEARCH = 150;
const REFINE_ITERATIONS = 30;
const DEFAULT_MAX_INDUCING = 512;
/** Stop adding inducing points when every residual prior variance is below this fraction of the noise. */
const DEFAULT_RESIDUAL_TOLERANCE = 0.02;
const LOG_2PI = Math.log(2 * Math.PI);

export interface SparseOptions {
  /** Observations the hyperparameters are fitted on (exact GP). Default 600. */
  readonly subsetSize?: number;
  /** Observations the cold multi-start search runs on before the refinement on the subset. Default 150. */
  readonly searchSize?: number;
  /** Largest number of inducing points M. Default 512. */
  readonly maxInducing?: number;
  /** Residual tolerance of the pivoted Cholesky, relative to the noise variance. Default 0.02. */
  readonly residualTolerance?: number;
  /** Use the sparse path above this n (fitSurrogate only). Default SPARSE_ABOVE. */
  readonly sparseAbove?: number;
  /**
   * An earlier model of the same study (the update after a run arrives): when its hyperparameters equal this fit's
   * (`fixed`), its inducing points are kept and the basis rows of the points it already had are reused, so the
   * update costs O(k M^2) for k new points instead of the O(n M^2) basis (see reusedBasis). Ignored otherwise.
   */
  readonly reuse?: SurrogateModel;
}

/** What the engine reads from a fitted surrogate, exact or sparse. */
export interface SurrogateModel extends PosteriorModel {
  readonly logMarginalLikelihood: number;
  readonly fitSeconds: number;
  readonly fitEvaluations: number;
  readonly warnings: string[];
  hyperparameters(): GpHyperparameters;
  mixtureLengthscales(): Float64Array;
  leaveOneOut(): { mean: Float64Array; variance: Float64Array };
}

/** The exact GP up to `sparseAbove` observations, the FITC model above. Same options as fitGp. */
export function fitSurrogate(points: PointSet, y: Float64Array, config: GpConfig, options: FitOptions & SparseOptions = {}): SurrogateModel {
  if (points.n <= (options.sparseAbove ?? SPARSE_ABOVE)) return fitGp(points, y, config, options);
  return fitSparseGp(points, y, config, options);
}

/** Milliseconds from a monotonic clock when the host has one (src/core has no DOM or Node types). */
function now(): number {
  const clock = (globalThis as { performance?: { now(): number } }).performance;
  return clock ? clock.now() : Date.now();
}

/** 32-bit FNV-1a over the bytes of one row of a Float64Array (a stable pseudo-random rank for a point). */
function rowHash(data: Float64Array, start: number, length: number, extra: number): number {
  const bytes = new Uint8Array(data.buffer, data.byteOffset + start * 8, length * 8);
  let h = 0x811c9dc5 ^ extra;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Indices of `size` observations for the hyperparameter fit, ordered by a hash of each point's content (w, s, z, y),
 * so adding one run changes the subset by at most one member (a warm refit sees nearly the same data). Points at
 * the target fidelity (s = z = 1) come first, up to a third of the subset: the mean's anchor at the target.
 */
export function stableSubset(points: PointSet, y: Float64Array, size: number, seed = 0): number[] {
  const dim = points.d + 2;
  const rows = new Float64Array(dim + 1);
  const ranked = Array.from({ length: points.n }, (_, i) => {
    rows.set(points.data.subarray(i * dim, i * dim + dim));
    rows[dim] = y[i]!;
    return { i, h: rowHash(rows, 0, dim + 1, seed), target: points.data[i * dim + points.d]! >= 1 - 1e-9 && points.data[i * dim + dim - 1]! >= 1 - 1e-9 };
  }).sort((a, b) => a.h - b.h || a.i - b.i);
  const chosen: number[] = [];
  for (const r of ranked) if (r.target && chosen.length < Math.floor(size / 3)) chosen.push(r.i);
  const taken = new Set(chosen);
  for (const r of ranked) {
    if (chosen.length >= size) break;
    if (!taken.has(r.i)) chosen.push(r.i);
  }
  return chosen.sort((a, b) => a - b);
}

/**
 * Partial pivoted Cholesky of K(points) (never formed): returns Phi (n x M row-major) and its transpose phiT (M x n)
 * with K ~ Phi Phi^T, the pivot indices (the inducing points, in order) and the residual diagonal
 * diag(K - Phi Phi^T). Column j costs one kernel row k(X, x_p) (O(n d)) and n j multiply-adds: O(n M^2) in all.
 */
export function pivotedCholesky(
  kernel: PairKernel,
  points: PointSet,
  maxRank: number,
  absoluteTolerance: number,
): { phi: Float64Array; phiT: Float64Array; rank: number; pivots: number[]; residual: Float64Array } {
  const n = points.n;
  const limit = Math.min(maxRank, n);
  const residual = kernel.diag(points);
  const columns: Float64Array[] = []; // column j of Phi, length n each (JavaScript loop)
  // the dense backend's memory for the columns and their update (WebAssembly SIMD; same result to the last bit)
  const workspace = basisWorkspace(limit, n);
  let rank = 0;
  const pivots: number[] = [];
  const chosen = new Uint8Array(n);
  const dim = points.d + 2;
  for (let j = 0; j < limit; j++) {
    let p = -1;
    let largest = absoluteTolerance;
    for (let i = 0; i < n; i++) {
      if (!chosen[i] && residual[i]! > largest) {
        largest = residual[i]!;
        p = i;
      }
    }
    if (p < 0) break;
    chosen[p] = 1;
    pivots.push(p);
    const row = kernel.matrix({ n: 1, d: points.d, data: points.data.subarray(p * dim, p * dim + dim) }, points); // 1 x n
    const column = workspace ? workspace.column() : new Float64Array(n);
    const pivot = Math.sqrt(largest);
    // column_i = (K_ip - sum_{k<j} Phi_ik Phi_pk) / sqrt(residual_p)
    column.set(row.subarray(0, n));
    if (workspace) workspace.projectOut(j, p);
    else projectOut(column, columns, j, p, n);
    for (let i = 0; i < n; i++) {
      const value = chosen[i] && i !== p ? 0 : column[i]! / pivot;
      column[i] = value;
      residual[i] = Math.max(0, residual[i]! - value * value);
    }
    column[p] = pivot;
    residual[p] = 0;
    if (workspace) workspace.keep(j);
    else columns.push(column);
    rank++;
  }
  const phiT = workspace ? workspace.rows(rank) : new Float64Array(rank * n);
  if (!workspace) columns.forEach((column, j) => phiT.set(column, j * n));
  return { phi: transpose(phiT, rank, n), phiT, rank, pivots, residual };
}

/** column -= sum_{k<j} columns[k][p] columns[k]: four earlier columns folded in per pass (fewer loads and stores). */
function projectOut(column: Float64Array, columns: readonly Float64Array[], j: number, p: number, n: number): void {
  let k = 0;
  for (; k + 3 < j; k += 4) {
    const p0 = columns[k]!;
    const p1 = columns[k + 1]!;
    const p2 = columns[k + 2]!;
    const p3 = columns[k + 3]!;
    const c0 = p0[p]!;
    const c1 = p1[p]!;
    const c2 = p2[p]!;
    const c3 = p3[p]!;
    for (let i = 0; i < n; i++) column[i] = column[i]! - c0 * p0[i]! - c1 * p1[i]! - c2 * p2[i]! - c3 * p3[i]!;
  }
  for (; k < j; k++) {
    const previous = columns[k]!;
    const coefficient = previous[p]!;
    if (coefficient === 0) continue;
    for (let i = 0; i < n; i++) column[i] = column[i]! - coefficient * previous[i]!;
  }
}

/** The n x m transpose of an m x n row-major matrix. */
function transpose(x: Float64Array, m: number, n: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let a = 0; a < m; a++) {
    const row = a * n;
    for (let i = 0; i < n; i++) out[i * m + a] = x[row + i]!;
  }
  return out;
}

interface SparseState {
  readonly exact: GaussianProcess;
  readonly kernel: PairKernel;
  readonly d: number;
  /** training points (fantasies included) */
  readonly points: PointSet;
  readonly yRaw: Float64Array;
  readonly inducing: PointSet;
  readonly rank: number;
  /** L_uu^-1 (M x M lower) */
  readonly lowerInverse: Float64Array;
  /** B = I + Phi^T Lambda^-1 Phi (M x M) and c = Phi^T Lambda^-1 r (M) over the training points */
  readonly b: Float64Array;
  readonly c: Float64Array;
  /** Phi^T (M x n), Lambda (n), r (n): kept for the leave-one-out of the observations */
  readonly phiT: Float64Array;
  readonly lambda: Float64Array;
  readonly residual: Float64Array;
  readonly noise: number;
  readonly fitSeconds: number;
  readonly fitEvaluations: number;
  readonly subsetSize: number;
  readonly warnings: string[];
}

/** Fits the FITC model: exact GP on a stable subset for the hyperparameters, then the basis on all points. */
export function fitSparseGp(points: PointSet, y: Float64Array, config: GpConfig, options: FitOptions & SparseOptions = {}): SparseGp {
  const started = now();
  if (points.data.length !== points.n * (points.d + 2) || y.length !== points.n) throw new CoreInputError(`fitSparseGp: ${points.n} points, ${y.length} values, data length ${points.data.length}`);
  const subsetSize = Math.min(points.n, options.subsetSize ?? DEFAULT_SUBSET);
  const indices = stableSubset(points, y, subsetSize, options.seed ?? 0);
  const subsetFit = (rows: readonly number[], fitOptions: FitOptions): GaussianProcess =>
    fitGp(selectRows(points, rows), Float64Array.from(rows, (i) => y[i]!), config, { ...fitOptions, subsetSize: rows.length });
  // A cold multi-start search costs tens of evaluations: it runs on 150 points (64x cheaper per evaluation than 600),
  // and its winner is refined on the whole subset as a warm start. The subset must not be too small: on the RegMix
  // example (n = 1,088) 300 or 450 points put the mixture lengthscale at 0.85 where all the data say 0.38 (Spearman
  // of 500 target predictions against the exact GP 0.92); 600 points give 0.38 (0.99).
  const searchSize = Math.min(subsetSize, options.searchSize ?? DEFAULT_SEARCH);
  const cold = options.warmStart === undefined && !options.fixed && searchSize < subsetSize;
  const search = cold ? subsetFit(stableSubset(points, y, searchSize, options.seed ?? 0), options) : undefined;
  const exact = subsetFit(indices, search ? { ...options, warmStart: search.hyperparameters(), restarts: 0, maxIterations: (options as { refineIterations?: number }).refineIterations ?? REFINE_ITERATIONS } : options);
  const hp = exact.hyperparameters();
  // the subset model's own kernel structure (linear trend, per-size component), at its fitted theta
  const kernel = kernelOf(hp);
  // The noise a run's checkpoints share (RunNoiseKernel) has no effect on the basis (it is zero between point sets):
  // FITC's diagonal takes it as independent noise, as the model did before it had the term.
  const noise = Math.exp(hp.theta[hp.theta.length - 1]!) + (hp.values['run.noise'] ?? 0);
  const ownPoints: PointSet = { n: points.n, d: points.d, data: Float64Array.from(points.data) };
  const tolerance = (options.residualTolerance ?? DEFAULT_RESIDUAL_TOLERANCE) * noise;
  const maxInducing = options.maxInducing ?? DEFAULT_MAX_INDUCING;
  const residual = standardisedResidual(exact, ownPoints, y);
  const previous = options.fixed && options.reuse instanceof SparseGp ? options.reuse : undefined;
  const reused = previous?.sameHyperparameters(hp) ? previous.reusedBasis(ownPoints, tolerance, maxInducing) : undefined;
  let basis: { phiT: Float64Array; rank: number; residual: Float64Array };
  let inducing: PointSet;
  let lowerInverse: Float64Array;
  let lambda: Float64Array;
  let b: Float64Array;
  let c: Float64Array;
  if (reused) {
    ({ inducing, lowerInverse, b, lambda } = reused);
    basis = reused;
    c = accumulateC(basis.phiT, points.n, basis.rank, lambda, residual);
  } else {
    const pivoted = pivotedCholesky(kernel, ownPoints, maxInducing, tolerance);
    const rank = pivoted.rank;
    basis = pivoted;
    inducing = selectRows(ownPoints, pivoted.pivots);
    // L_uu = the rows of Phi at the pivots (lower triangular in pivot order).
    const luu = new Float64Array(rank * rank);
    pivoted.pivots.forEach((p, i) => {
      for (let j = 0; j <= i; j++) luu[i * rank + j] = pivoted.phi[p * rank + j]!;
    });
    lowerInverse = invertLower(luu, rank);
    lambda = Float64Array.from(basis.residual, (r) => r + noise);
    ({ b, c } = accumulate(basis.phiT, points.n, rank, lambda, residual));
  }
  const rank = basis.rank;
  const warnings = [...exact.warnings];
  const largestResidual = basis.residual.reduce((a, v) => Math.max(a, v), 0);
  if (largestResidual > tolerance) {
    warnings.push(`Sparse model: ${rank} inducing points leave a prior variance of up to ${largestResidual.toExponential(2)} (noise ${noise.toExponential(2)}) unexplained; it is treated as extra noise (FITC).`);
  }
  return new SparseGp({
    exact,
    kernel,
    d: points.d,
    points: ownPoints,
    yRaw: Float64Array.from(y),
    inducing,
    rank,
    lowerInverse,
    b,
    c,
    phiT: basis.phiT,
    lambda,
    residual,
    noise,
    fitSeconds: (now() - started) / 1000,
    fitEvaluations: exact.fitEvaluations + (search?.fitEvaluations ?? 0),
    subsetSize,
    warnings,
  });
}

/** r = (y - yMean) / yStd - m(x) with the subset fit's standardisation and mean coefficients. */
function standardisedResidual(exact: GaussianProcess, points: PointSet, y: Float64Array): Float64Array {
  const hp = exact.hyperparameters();
  const dim = points.d + 2;
  return Float64Array.from(y, (value, i) => (value - hp.yMean) / hp.yStd - trendAt(hp.meanCoefficients, points.data[i * dim + points.d]!, points.data[i * dim + points.d + 1]!));
}

/** B = I + Phi^T Lambda^-1 Phi and c = Phi^T Lambda^-1 r from phiT = Phi^T (M x n, row-major): n M^2 / 2 multiply-adds. */
function accumulate(phiT: Float64Array, n: number, rank: number, lambda: Float64Array, residual: Float64Array): { b: Float64Array; c: Float64Array } {
  const weights = Float64Array.from(lambda, (l) => 1 / l);
  const b = weightedGram(phiT, rank, n, weights);
  for (let a = 0; a < rank; a++) b[a * rank + a] = b[a * rank + a]! + 1;
  return { b, c: accumulateC(phiT, n, rank, lambda, residual) };
}

/** c = Phi^T Lambda^-1 r alone (n M multiply-adds). */
function accumulateC(phiT: Float64Array, n: number, rank: number, lambda: Float64Array, residual: Float64Array): Float64Array {
  const weights = Float64Array.from(lambda, (l) => 1 / l);
  const c = new Float64Array(rank);
  for (let a = 0; a < rank; a++) {
    const row = a * n;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += phiT[row + i]! * weights[i]! * residual[i]!;
    c[a] = sum;
  }
  return c;
}

/** Whether two arrays hold the same values (same length, element by element). */
function sameValues(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The key of one point's row (its d + 2 coordinates): equal keys, equal basis rows. */
function rowKey(data: Float64Array, i: number, dim: number): string {
  let key = '';
  for (let k = 0; k < dim; k++) key += `${data[i * dim + k]!},`;
  return key;
}

/** FITC posterior over a fixed inducing basis; immutable (conditionOn returns a new model). */
export class SparseGp implements SurrogateModel {
  readonly d: number;
  readonly n: number;
  readonly noiseVariance: number;
  readonly logMarginalLikelihood: number;
  readonly fitSeconds: number;
  readonly fitEvaluations: number;
  readonly warnings: string[];
  /** number of inducing points M */
  readonly inducingPoints: number;
  /** observations the hyperparameters were fitted on */
  readonly subsetSize: number;
  private readonly state: SparseState;
  /** L_B (M x M lower), P = L_B^-1 L_uu^-1 (M x M lower) and a = L_uu^-T B^-1 c (M) */
  private readonly factorB: Float64Array;
  private readonly whiten: Float64Array;
  private readonly weights: Float64Array;
  private readonly yMean: number;
  private readonly yStd: number;
  private readonly beta: readonly number[];

  constructor(state: SparseState) {
    this.state = state;
    this.d = state.d;
    this.n = state.points.n;
    this.noiseVariance = state.exact.noiseVariance;
    this.fitSeconds = state.fitSeconds;
    this.fitEvaluations = state.fitEvaluations;
    this.warnings = state.warnings;
    this.inducingPoints = state.rank;
    this.subsetSize = state.subsetSize;
    const hp = state.exact.hyperparameters();
    this.yMean = hp.yMean;
    this.yStd = hp.yStd;
    this.beta = hp.meanCoefficients;
    const m = state.rank;
    const factored = cholesky(state.b, m);
    if (factored.jitter > 0) this.warnings.push(`Sparse model: B needed jitter ${factored.jitter.toExponential(2)}.`);
    this.factorB = factored.factor;
    // P = L_B^-1 L_uu^-1: phi(x) = L_uu^-1 k_u(x), psi(x) = L_B^-1 phi(x) = P k_u(x).
    this.whiten = multiplyLower(invertLower(this.factorB, m), state.lowerInverse, m);
    const bInverseC = solveLowerTransposed(this.factorB, m, solveLower(this.factorB, m, state.c));
    // a = L_uu^-T B^-1 c, so mean(x) = m(x) + k_u(x) . a
    this.weights = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      const value = bInverseC[i]!;
      for (let k = 0; k <= i; k++) this.weights[k] = this.weights[k]! + state.lowerInverse[i * m + k]! * value;
    }
    // log p(y) under C = Phi Phi^T + Lambda: r^T C^-1 r = sum r_i^2 / lambda_i - c^T B^-1 c; log|C| = log|B| + sum log lambda_i.
    let quadratic = 0;
    let logLambda = 0;
    for (let i = 0; i < this.n; i++) {
      quadratic += (state.residual[i]! * state.residual[i]!) / state.lambda[i]!;
      logLambda += Math.log(state.lambda[i]!);
    }
    for (let i = 0; i < m; i++) quadratic -= state.c[i]! * bInverseC[i]!;
    this.logMarginalLikelihood = -0.5 * quadratic - 0.5 * (logDetFromCholesky(this.factorB, m) + logLambda) - 0.5 * this.n * LOG_2PI;
  }

  /** Whether `hp` are this model's hyperparameters (same configuration, names and theta): its basis then applies. */
  sameHyperparameters(hp: GpHyperparameters): boolean {
    const own = this.state.exact.hyperparameters();
    return (
      own.d === hp.d &&
      JSON.stringify(own.config) === JSON.stringify(hp.config) &&
      own.names.length === hp.names.length &&
      own.names.every((name, i) => name === hp.names[i] && own.theta[i] === hp.theta[i])
    );
  }

  /**
   * This model's inducing basis over new training points (same hyperparameters). A point this model was trained on
   * keeps its row of Phi = K_fu L_uu^-T and its residual prior variance (both functions of the point alone); a new
   * point gets phi(x) = L_uu^-1 k_u(x) and k(x, x) - |phi(x)|^2. B = I + Phi^T Lambda^-1 Phi is updated by the
   * rank-one terms of the points added and removed (O(k M^2)), or recomputed when more than a quarter changed.
   * Undefined when a new point is poorly covered (residual above the tolerance) while the cold basis would still
   * add inducing points (fewer than maxInducing): then the caller builds the basis afresh.
   */
  reusedBasis(points: PointSet, tolerance: number, maxInducing: number): { phiT: Float64Array; rank: number; residual: Float64Array; lambda: Float64Array; inducing: PointSet; lowerInverse: Float64Array; b: Float64Array } | undefined {
    // (a model conditioned on fantasies has them among its rows: a new set without them removes their terms from B)
    const { rank: m, points: own, phiT: oldPhiT, lambda: oldLambda, noise } = this.state;
    const oldN = this.n;
    if (points.d !== this.d) return undefined;
    const dim = this.d + 2;
    const n = points.n;
    const rowOf = new Map<string, number>();
    const oldCount = new Map<string, number>();
    for (let i = 0; i < oldN; i++) {
      const key = rowKey(own.data, i, dim);
      if (!rowOf.has(key)) rowOf.set(key, i);
      oldCount.set(key, (oldCount.get(key) ?? 0) + 1);
    }
    const newCount = new Map<string, number>();
    const source = new Int32Array(n); // row of the old model, or -1 for a new point
    const fresh: number[] = [];
    for (let i = 0; i < n; i++) {
      const key = rowKey(points.data, i, dim);
      newCount.set(key, (newCount.get(key) ?? 0) + 1);
      const old = rowOf.get(key);
      source[i] = old ?? -1;
      if (old === undefined) fresh.push(i);
    }
    // phi rows and residual variances of the new points
    const freshPoints = selectRows(points, fresh);
    const freshPhi = multiplyRowsByLowerTransposed(this.state.kernel.matrix(freshPoints, this.state.inducing), fresh.length, this.state.lowerInverse, m); // k x M
    const freshPrior = this.state.kernel.diag(freshPoints);
    const freshResidual = new Float64Array(fresh.length);
    for (let k = 0; k < fresh.length; k++) {
      let explained = 0;
      for (let a = 0; a < m; a++) explained += freshPhi[k * m + a]! * freshPhi[k * m + a]!;
      freshResidual[k] = Math.max(0, freshPrior[k]! - explained);
      if (freshResidual[k]! > tolerance && m < Math.min(maxInducing, n)) return undefined;
    }
    const phiT = new Float64Array(m * n);
    const residual = new Float64Array(n);
    const lambda = new Float64Array(n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      const old = source[i]!;
      if (old >= 0) {
        for (let a = 0; a < m; a++) phiT[a * n + i] = oldPhiT[a * oldN + old]!;
        residual[i] = oldLambda[old]! - noise;
        lambda[i] = oldLambda[old]!;
      } else {
        for (let a = 0; a < m; a++) phiT[a * n + i] = freshPhi[k * m + a]!;
        residual[i] = freshResidual[k]!;
        lambda[i] = freshResidual[k]! + noise;
        k++;
      }
    }
    // B changes by +-phi phi^T / lambda for every point whose count changed (an input seen twice counts twice)
    const changes: { row: Float64Array; weight: number }[] = [];
    const rowAt = (data: Float64Array, i: number, count: number): Float64Array => Float64Array.from({ length: m }, (_, a) => data[a * count + i]!);
    for (const [key, before] of oldCount) {
      const delta = (newCount.get(key) ?? 0) - before;
      if (delta < 0) changes.push({ row: rowAt(oldPhiT, rowOf.get(key)!, oldN), weight: delta / oldLambda[rowOf.get(key)!]! });
    }
    const firstNew = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const key = rowKey(points.data, i, dim);
      if (!firstNew.has(key)) firstNew.set(key, i);
    }
    for (const [key, after] of newCount) {
      const delta = after - (oldCount.get(key) ?? 0);
      const i = firstNew.get(key)!;
      if (delta > 0) changes.push({ row: rowAt(phiT, i, n), weight: delta / lambda[i]! });
    }
    let b: Float64Array;
    if (changes.length > n / 4) {
      ({ b } = accumulate(phiT, n, m, lambda, new Float64Array(n)));
    } else {
      b = Float64Array.from(this.state.b);
      for (const { row, weight } of changes) {
        for (let a = 0; a < m; a++) {
          const scaled = weight * row[a]!;
          if (scaled === 0) continue;
          for (let e = 0; e < m; e++) b[a * m + e] = b[a * m + e]! + scaled * row[e]!;
        }
      }
    }
    return { phiT, rank: m, residual, lambda, inducing: this.state.inducing, lowerInverse: this.state.lowerInverse, b };
  }

  /** The exact GP fitted on the subset (its hyperparameters are this model's). */
  get subsetModel(): GaussianProcess {
    return this.state.exact;
  }

  get trainingPoints(): PointSet {
    return this.state.points;
  }

  get trainingValues(): Float64Array {
    return this.state.yRaw;
  }

  hyperparameters(): GpHyperparameters {
    return this.state.exact.hyperparameters();
  }

  mixtureLengthscales(): Float64Array {
    return this.state.exact.mixtureLengthscales();
  }

  private priorMean(points: PointSet, i: number): number {
    const dim = points.d + 2;
    return trendAt(this.beta, points.data[i * dim + points.d]!, points.data[i * dim + points.d + 1]!);
  }

  /** phi = K(points, u) L_uu^-T and psi = K(points, u) P^T (each points.n x M), standardised scale. */
  private features(points: PointSet, cross?: Float64Array): { kx: Float64Array; phi: Float64Array; psi: Float64Array } {
    const m = this.state.rank;
    const kx = cross ?? this.state.kernel.matrix(points, this.state.inducing); // points.n x M
    return {
      kx,
      phi: multiplyRowsByLowerTransposed(kx, points.n, this.state.lowerInverse, m),
      psi: multiplyRowsByLowerTransposed(kx, points.n, this.whiten, m),
    };
  }

  private marginal(points: PointSet, cross?: Float64Array): { posterior: MarginalPosterior; phi: Float64Array; psi: Float64Array } {
    const m = this.state.rank;
    const { kx, phi, psi } = this.features(points, cross);
    const prior = this.state.kernel.diag(points);
    const mean = new Float64Array(points.n);
    const variance = new Float64Array(points.n);
    for (let i = 0; i < points.n; i++) {
      const row = i * m;
      let mu = 0;
      let explained = 0;
      let kept = 0;
      for (let k = 0; k < m; k++) {
        mu += kx[row + k]! * this.weights[k]!;
        explained += phi[row + k]! * phi[row + k]!;
        kept += psi[row + k]! * psi[row + k]!;
      }
      mean[i] = this.yMean + this.yStd * (this.priorMean(points, i) + mu);
      variance[i] = Math.max(0, prior[i]! - explained + kept) * this.yStd * this.yStd;
    }
    return { posterior: { mean, variance }, phi, psi };
  }

  /**
   * The mean costs M per point (k_u(x) . a); the variance needs the two whitened products (M^2 per point), so it is
   * computed when first read: the recommendation's search over the posterior mean never pays for it.
   */
  posterior(points: PointSet): MarginalPosterior {
    this.check(points, 'posterior');
    const m = this.state.rank;
    const kx = this.state.kernel.matrix(points, this.state.inducing); // points.n x M
    const mean = new Float64Array(points.n);
    for (let i = 0; i < points.n; i++) {
      let mu = 0;
      for (let k = 0; k < m; k++) mu += kx[i * m + k]! * this.weights[k]!;
      mean[i] = this.yMean + this.yStd * (this.priorMean(points, i) + mu);
    }
    let variance: Float64Array | undefined;
    const full = (): Float64Array => (variance ??= this.marginal(points, kx).posterior.variance);
    return {
      mean,
      get variance(): Float64Array {
        return full();
      },
    };
  }

  jointPosterior(a: PointSet, b: PointSet): { first: MarginalPosterior; second: MarginalPosterior; crossCovariance: Float64Array } {
    this.check(a, 'jointPosterior a');
    this.check(b, 'jointPosterior b');
    if (a.n !== b.n) throw new CoreInputError(`jointPosterior: a has ${a.n} points, b has ${b.n}`);
    // MES asks for the same target copies at every cheaper fidelity: their features are kept from the last call
    const kept = this.lastSecond;
    if (kept && sameValues(kept.data, b.data)) {
      const first = this.marginal(a, this.state.kernel.matrix(a, this.state.inducing));
      const second = { mean: Float64Array.from(kept.second.posterior.mean), variance: Float64Array.from(kept.second.posterior.variance) };
      return { first: first.posterior, second, crossCovariance: this.pairwise(a, b, first, kept.second) };
    }
    const [crossA, crossB] = this.state.kernel.matrixPair(a, b, this.state.inducing);
    const first = this.marginal(a, crossA);
    const second = this.marginal(b, crossB);
    this.lastSecond = { data: Float64Array.from(b.data), second: { posterior: { mean: Float64Array.from(second.posterior.mean), variance: Float64Array.from(second.posterior.variance) }, phi: second.phi, psi: second.psi } };
    return { first: first.posterior, second: second.posterior, crossCovariance: this.pairwise(a, b, first, second) };
  }

  /** the `b` of the last jointPosterior with its posterior and features (see jointPosterior) */
  private lastSecond?: { readonly data: Float64Array; readonly second: { posterior: MarginalPosterior; phi: Float64Array; psi: Float64Array } };

  private pairwise(a: PointSet, b: PointSet, fa: { phi: Float64Array; psi: Float64Array }, fb: { phi: Float64Array; psi: Float64Array }): Float64Array {
    const m = this.state.rank;
    const prior = this.state.kernel.pairwise(a, b);
    const scale = this.yStd * this.yStd;
    return prior.map((value, i) => {
      let sum = value;
      for (let k = 0; k < m; k++) sum += -fa.phi[i * m + k]! * fb.phi[i * m + k]! + fa.psi[i * m + k]! * fb.psi[i * m + k]!;
      return sum * scale;
    });
  }

  crossCovarianceDiag(a: PointSet, b: PointSet): Float64Array {
    this.check(a, 'crossCovarianceDiag a');
    this.check(b, 'crossCovarianceDiag b');
    if (a.n !== b.n) throw new CoreInputError(`crossCovarianceDiag: a has ${a.n} points, b has ${b.n}`);
    return this.pairwise(a, b, this.features(a), this.features(b));
  }

  covariance(a: PointSet, b: PointSet): Float64Array {
    this.check(a, 'covariance a');
    this.check(b, 'covariance b');
    const m = this.state.rank;
    const fa = this.features(a);
    const fb = this.features(b);
    const result = this.state.kernel.matrix(a, b);
    const scale = this.yStd * this.yStd;
    for (let i = 0; i < a.n; i++) {
      for (let j = 0; j < b.n; j++) {
        let sum = result[i * b.n + j]!;
        for (let k = 0; k < m; k++) sum += -fa.phi[i * m + k]! * fb.phi[j * m + k]! + fa.psi[i * m + k]! * fb.psi[j * m + k]!;
        result[i * b.n + j] = sum * scale;
      }
    }
    return result;
  }

  /**
   * Conditioned additionally on (points, values) with the same noise, over the same inducing basis:
   * B += phi phi^T / lambda, c += phi r / lambda with lambda = sigma_n^2 + k(x, x) - |phi(x)|^2 (FITC). O(M^3).
   */
  conditionOn(points: PointSet, values: Float64Array): SparseGp {
    this.check(points, 'conditionOn points');
    if (values.length !== points.n || !values.every(Number.isFinite)) throw new CoreInputError(`conditionOn: ${values.length} values for ${points.n} points`);
    if (points.n === 0) return this;
    const m = this.state.rank;
    const { phi } = this.features(points);
    const prior = this.state.kernel.diag(points);
    const residual = Float64Array.from(values, (v, i) => (v - this.yMean) / this.yStd - this.priorMean(points, i));
    const lambda = new Float64Array(points.n);
    for (let i = 0; i < points.n; i++) {
      let explained = 0;
      for (let k = 0; k < m; k++) explained += phi[i * m + k]! * phi[i * m + k]!;
      lambda[i] = this.state.noise + Math.max(0, prior[i]! - explained);
    }
    const newT = transpose(phi, points.n, m); // M x k
    const added = accumulate(newT, points.n, m, lambda, residual);
    const b = Float64Array.from(this.state.b, (value, i) => value + added.b[i]! - (i % (m + 1) === 0 ? 1 : 0));
    const c = Float64Array.from(this.state.c, (value, i) => value + added.c[i]!);
    const total = this.n + points.n;
    const dim = this.d + 2;
    const data = new Float64Array(total * dim);
    data.set(this.state.points.data);
    data.set(points.data, this.n * dim);
    const yRaw = new Float64Array(total);
    yRaw.set(this.state.yRaw);
    yRaw.set(values, this.n);
    const phiAll = new Float64Array(m * total); // Phi^T with the new columns appended to each row
    for (let a = 0; a < m; a++) {
      phiAll.set(this.state.phiT.subarray(a * this.n, (a + 1) * this.n), a * total);
      phiAll.set(newT.subarray(a * points.n, (a + 1) * points.n), a * total + this.n);
    }
    const lambdaAll = new Float64Array(total);
    lambdaAll.set(this.state.lambda);
    lambdaAll.set(lambda, this.n);
    const residualAll = new Float64Array(total);
    residualAll.set(this.state.residual);
    residualAll.set(residual, this.n);
    return new SparseGp({ ...this.state, points: { n: total, d: this.d, data }, yRaw, b, c, lambda: lambdaAll, residual: residualAll, phiT: phiAll, fitSeconds: 0, fitEvaluations: 0, warnings: [...this.state.warnings] });
  }

  /**
   * Leave-one-out predictive of each observation (noise included), objective units, for the FITC covariance C
   * (R&W eq. 5.12 with C in place of K): [C^-1]_ii = 1/lambda_i - |L_B^-1 Phi_i|^2 / lambda_i^2 and
   * [C^-1 r]_i = (r_i - Phi_i . B^-1 c) / lambda_i.
   */
  leaveOneOut(): { mean: Float64Array; variance: Float64Array } {
    const m = this.state.rank;
    const n = this.n;
    const { lambda, residual, c } = this.state;
    const phi = transpose(this.state.phiT, m, n); // n x M
    const whitened = multiplyRowsByLowerTransposed(phi, n, invertLower(this.factorB, m), m); // n x M: row i = L_B^-1 Phi_i
    const bInverseC = solveLowerTransposed(this.factorB, m, solveLower(this.factorB, m, c));
    const mean = new Float64Array(n);
    const variance = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let projected = 0;
      let fitted = 0;
      for (let k = 0; k < m; k++) {
        projected += whitened[i * m + k]! * whitened[i * m + k]!;
        fitted += phi[i * m + k]! * bInverseC[k]!;
      }
      const l = lambda[i]!;
      const diagonal = Math.max(1e-300, 1 / l - projected / (l * l));
      const alpha = (residual[i]! - fitted) / l;
      mean[i] = this.state.yRaw[i]! - (this.yStd * alpha) / diagonal;
      variance[i] = (this.yStd * this.yStd) / diagonal;
    }
    return { mean, variance };
  }

  private check(points: PointSet, label: string): void {
    validatePointSet(points, label, this.d);
  }
}
