// Dense linear algebra on plain row-major Float64Array, tuned for the GP's symmetric positive definite
// matrices. (About 2.5x faster than ml-matrix's CholeskyDecomposition at n = 1,088 on the target machine.)
//
// Conventions: an n x n matrix is a Float64Array of length n*n, element (i, j) at i*n + j. A Cholesky factor is
// LOWER triangular (K = L L^T); its strict upper triangle is zero. Multiple right-hand sides are n x m row-major.

/**
 * Optional faster implementations of the O(n^3) kernels (the WebAssembly SIMD build of assembly/linalg.ts, installed
 * by the host through setDenseBackend). They compute the same quantities as the JavaScript code below, which stays the
 * fallback and the reference of the tests; used from DENSE_BACKEND_MIN_N on (copies cost more than they save below).
 */
export interface DenseBackend {
  readonly name: string;
  /** Cholesky of a + jitter I into factor (n x n); false on a non-positive pivot (see tryCholesky). */
  tryCholesky(a: Float64Array, n: number, jitter: number, factor: Float64Array): boolean;
  /** L^-T (see invertLowerTransposed) */
  invertLowerTransposed(factor: Float64Array, n: number): Float64Array;
  /** Lower triangle of U U^T for U = L^-T, strict upper triangle zero (see inverseFromCholesky). */
  inverseLowerFromUpper(upper: Float64Array, n: number): Float64Array;
  /** B M^T for B m x n and M lower triangular (see multiplyRowsByLowerTransposed) */
  multiplyRowsByLowerTransposed(rows: Float64Array, m: number, lower: Float64Array, n: number): Float64Array;
  /** Lower triangle of X diag(weights) X^T for X m x n, upper triangle zero (see weightedGram) */
  weightedGramLower?(x: Float64Array, m: number, n: number, weights: Float64Array): Float64Array;
  /** A B for two lower triangular n x n matrices (see multiplyLower) */
  multiplyLower?(a: Float64Array, b: Float64Array, n: number): Float64Array;
  /** Room for up to `rows` basis rows of length n (see basisWorkspace) */
  basisWorkspace?(rows: number, n: number): BasisWorkspace;
}

/**
 * The working memory of a partial pivoted Cholesky (sparseGp.ts): the rows kept so far (the columns of Phi) and the
 * new one, with the update of the new one against the kept ones. Views are valid until the next call of the backend.
 */
export interface BasisWorkspace {
  /** the new column (n values) */
  column(): Float64Array;
  /** column[i] -= kept[k][p] kept[k][i] for k < j, in the order of pivotedCholesky's JavaScript loop */
  projectOut(j: number, p: number): void;
  /** keeps the column as row j */
  keep(j: number): void;
  /** the first `count` kept rows (count x n), copied out */
  rows(count: number): Float64Array;
}

/** The dense backend's workspace for a pivoted Cholesky of n points, or undefined (the JavaScript loop). */
export function basisWorkspace(rows: number, n: number): BasisWorkspace | undefined {
  return denseBackend && n >= DENSE_BACKEND_MIN_N ? denseBackend.basisWorkspace?.(rows, n) : undefined;
}

export const DENSE_BACKEND_MIN_N = 48;
let denseBackend: DenseBackend | undefined;

/** Installs (or, with undefined, removes) the dense backend; returns the previous one. */
export function setDenseBackend(backend: DenseBackend | undefined): DenseBackend | undefined {
  const previous = denseBackend;
  denseBackend = backend;
  return previous;
}

export function activeDenseBackend(): string {
  return denseBackend?.name ?? 'js';
}

export interface CholeskyOptions {
  /** First jitter tried after a plain factorisation fails, relative to the mean diagonal. Default 1e-10. */
  readonly initialRelativeJitter?: number;
  /** Largest relative jitter of the x10 ladder. Default 1e-3. */
  readonly maxRelativeJitter?: number;
}

export interface CholeskyResult {
  /** n x n lower triangular factor of a + jitter * I. */
  readonly factor: Float64Array;
  /** Absolute value added to the diagonal (0 when a factorised as is). */
  readonly jitter: number;
  /** True when the jitter ladder failed and a diagonal large enough to guarantee success was added instead. */
  readonly forced: boolean;
}

/**
 * Cholesky factor of the symmetric matrix a (n x n; only the lower triangle is read).
 * Tries a as is, then a + jitter I with jitter = 1e-10 * mean(diag) growing x10 up to the cap. If that still
 * fails (singular, indefinite), adds a diagonal that makes the matrix strictly diagonally dominant (Gershgorin),
 * which always factorises for finite input, and reports it via `forced` and `jitter`. Never throws for finite a.
 */
export function cholesky(a: Float64Array, n: number, options: CholeskyOptions = {}): CholeskyResult {
  const factor = new Float64Array(n * n);
  if (n === 0) return { factor, jitter: 0, forced: false };
  if (tryCholesky(a, n, 0, factor)) return { factor, jitter: 0, forced: false };

  let diagonalSum = 0;
  for (let i = 0; i < n; i++) diagonalSum += Math.abs(a[i * n + i] ?? 0);
  const scale = diagonalSum > 0 && Number.isFinite(diagonalSum) ? diagonalSum / n : 1;
  const initial = options.initialRelativeJitter ?? 1e-10;
  const cap = options.maxRelativeJitter ?? 1e-3;
  for (let relative = initial; relative <= cap * (1 + 1e-12); relative *= 10) {
    const jitter = relative * scale;
    if (tryCholesky(a, n, jitter, factor)) return { factor, jitter, forced: false };
  }
  // Gershgorin: adding max_i sum_j |a_ij| (+ a margin) makes every row strictly dominant, hence positive definite.
  let maxRowSum = 0;
  for (let i = 0; i < n; i++) {
    let rowSum = 0;
    for (let j = 0; j <= i; j++) rowSum += Math.abs(a[i * n + j] ?? 0);
    for (let j = i + 1; j < n; j++) rowSum += Math.abs(a[j * n + i] ?? 0);
    if (rowSum > maxRowSum) maxRowSum = rowSum;
  }
  let jitter = Math.max(cap * scale * 10, maxRowSum * (1 + 1e-6) + scale * 1e-6);
  for (let attempt = 0; attempt < 60; attempt++) {
    if (tryCholesky(a, n, jitter, factor)) return { factor, jitter, forced: true };
    jitter *= 10;
  }
  throw new Error('cholesky: matrix contains non-finite values');
}

/**
 * Row-oriented (Cholesky-Banachiewicz) factorisation of a + jitter I into `factor`, blocked 2 x 2: rows i, i+1
 * against rows j, j+1 of L already computed, so each loaded element serves two products. Returns false on a
 * non-positive or NaN pivot.
 */
function tryCholesky(a: Float64Array, n: number, jitter: number, factor: Float64Array): boolean {
  if (denseBackend && n >= DENSE_BACKEND_MIN_N) return denseBackend.tryCholesky(a, n, jitter, factor);
  factor.fill(0);
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const rowI = i * n;
    const rowI1 = rowI + n;
    let j = 0;
    for (; j + 1 < i; j += 2) {
      const rowJ = j * n;
      const rowJ1 = rowJ + n;
      let sIJ = 0;
      let sIJ1 = 0;
      let sI1J = 0;
      let sI1J1 = 0;
      for (let k = 0; k < j; k++) {
        const li = factor[rowI + k]!;
        const li1 = factor[rowI1 + k]!;
        const lj = factor[rowJ + k]!;
        const lj1 = factor[rowJ1 + k]!;
        sIJ += li * lj;
        sIJ1 += li * lj1;
        sI1J += li1 * lj;
        sI1J1 += li1 * lj1;
      }
      const pivotJ = factor[rowJ + j]!;
      const pivotJ1 = factor[rowJ1 + j + 1]!;
      const lowerJ1J = factor[rowJ1 + j]!;
      const lIJ = (a[rowI + j]! - sIJ) / pivotJ;
      const lI1J = (a[rowI1 + j]! - sI1J) / pivotJ;
      factor[rowI + j] = lIJ;
      factor[rowI1 + j] = lI1J;
      factor[rowI + j + 1] = (a[rowI + j + 1]! - sIJ1 - lIJ * lowerJ1J) / pivotJ1;
      factor[rowI1 + j + 1] = (a[rowI1 + j + 1]! - sI1J1 - lI1J * lowerJ1J) / pivotJ1;
    }
    for (; j < i; j++) {
      const rowJ = j * n;
      let sI = 0;
      let sI1 = 0;
      for (let k = 0; k < j; k++) {
        const lj = factor[rowJ + k]!;
        sI += factor[rowI + k]! * lj;
        sI1 += factor[rowI1 + k]! * lj;
      }
      const pivot = factor[rowJ + j]!;
      factor[rowI + j] = (a[rowI + j]! - sI) / pivot;
      factor[rowI1 + j] = (a[rowI1 + j]! - sI1) / pivot;
    }
    // Diagonal of row i, then element (i+1, i), then the diagonal of row i+1.
    let sumII = 0;
    let sumKI = 0;
    for (let k = 0; k < i; k++) {
      const li = factor[rowI + k]!;
      sumII += li * li;
      sumKI += factor[rowI1 + k]! * li;
    }
    const diagonalI = a[rowI + i]! + jitter - sumII;
    if (!(diagonalI > 0)) return false;
    const pivotI = Math.sqrt(diagonalI);
    factor[rowI + i] = pivotI;
    factor[rowI1 + i] = (a[rowI1 + i]! - sumKI) / pivotI;
    let sumKK = 0;
    for (let k = 0; k <= i; k++) {
      const lk = factor[rowI1 + k]!;
      sumKK += lk * lk;
    }
    const diagonalK = a[rowI1 + i + 1]! + jitter - sumKK;
    if (!(diagonalK > 0)) return false;
    factor[rowI1 + i + 1] = Math.sqrt(diagonalK);
  }
  if (i < n) {
    const rowI = i * n;
    for (let j = 0; j < i; j++) {
      const rowJ = j * n;
      let sum = 0;
      for (let k = 0; k < j; k++) sum += factor[rowI + k]! * factor[rowJ + k]!;
      factor[rowI + j] = (a[rowI + j]! - sum) / factor[rowJ + j]!;
    }
    let sum = 0;
    for (let k = 0; k < i; k++) sum += factor[rowI + k]! * factor[rowI + k]!;
    const diagonal = a[rowI + i]! + jitter - sum;
    if (!(diagonal > 0)) return false;
    factor[rowI + i] = Math.sqrt(diagonal);
  }
  return true;
}

/** Solves L x = b for lower triangular L (n x n); b has length n. Returns a new vector. */
export function solveLower(factor: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    let sum = x[i]!;
    for (let k = 0; k < i; k++) sum -= factor[row + k]! * x[k]!;
    x[i] = sum / factor[row + i]!;
  }
  return x;
}

/** Solves L^T x = b for lower triangular L (n x n); b has length n. Returns a new vector. */
export function solveLowerTransposed(factor: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  // Column-oriented back substitution so that L is read along its rows.
  for (let i = n - 1; i >= 0; i--) {
    const row = i * n;
    const xi = x[i]! / factor[row + i]!;
    x[i] = xi;
    for (let k = 0; k < i; k++) x[k] = x[k]! - factor[row + k]! * xi;
  }
  return x;
}

/**
 * Solves L X = B for B n x m (row-major). Returns a new n x m matrix. Row i of X is row i of B minus a combination
 * of the rows above; four of those rows are folded in per pass over row i (fewer loads and stores per multiply-add).
 */
export function solveLowerMatrix(factor: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    const outRow = i * m;
    let k = 0;
    for (; k + 3 < i; k += 4) {
      const l0 = factor[row + k]!;
      const l1 = factor[row + k + 1]!;
      const l2 = factor[row + k + 2]!;
      const l3 = factor[row + k + 3]!;
      const r0 = k * m;
      const r1 = r0 + m;
      const r2 = r1 + m;
      const r3 = r2 + m;
      for (let c = 0; c < m; c++) {
        x[outRow + c] = x[outRow + c]! - l0 * x[r0 + c]! - l1 * x[r1 + c]! - l2 * x[r2 + c]! - l3 * x[r3 + c]!;
      }
    }
    for (; k < i; k++) {
      const lik = factor[row + k]!;
      if (lik === 0) continue;
      const otherRow = k * m;
      for (let c = 0; c < m; c++) x[outRow + c] = x[outRow + c]! - lik * x[otherRow + c]!;
    }
    const inversePivot = 1 / factor[row + i]!;
    for (let c = 0; c < m; c++) x[outRow + c] = x[outRow + c]! * inversePivot;
  }
  return x;
}

/**
 * Solves L x_i = b_i for each ROW b_i of B (m x n, row-major), i.e. returns B L^-T (m x n). Forward substitution
 * per row in dot-product form (contiguous reads).
 */
export function solveLowerRows(factor: Float64Array, n: number, rows: Float64Array, m: number): Float64Array {
  const x = Float64Array.from(rows);
  for (let r = 0; r < m; r++) {
    const base = r * n;
    for (let i = 0; i < n; i++) {
      const row = i * n;
      let sum0 = x[base + i]!;
      let sum1 = 0;
      let k = 0;
      for (; k + 1 < i; k += 2) {
        sum0 -= factor[row + k]! * x[base + k]!;
        sum1 -= factor[row + k + 1]! * x[base + k + 1]!;
      }
      if (k < i) sum0 -= factor[row + k]! * x[base + k]!;
      x[base + i] = (sum0 + sum1) / factor[row + i]!;
    }
  }
  return x;
}

/**
 * B M^T for B m x n and M n x n LOWER triangular (both row-major): out[i, k] = sum_{j <= k} M[k, j] B[i, j].
 * With M = L^-1 this whitens the rows of B like solveLowerRows, as independent dot products (2 x 2 blocked).
 */
export function multiplyRowsByLowerTransposed(rows: Float64Array, m: number, lower: Float64Array, n: number): Float64Array {
  if (denseBackend && n >= DENSE_BACKEND_MIN_N) return denseBackend.multiplyRowsByLowerTransposed(rows, m, lower, n);
  const out = new Float64Array(m * n);
  // Tiles of TILE rows of M stay in cache while every pair of rows of B passes over them.
  const TILE = 32;
  for (let tileStart = 0; tileStart < n; tileStart += TILE) {
    const tileEnd = Math.min(n, tileStart + TILE);
    let i = 0;
    for (; i + 1 < m; i += 2) {
      const b0 = i * n;
      const b1 = b0 + n;
      let k = tileStart;
      for (; k + 1 < tileEnd; k += 2) {
        const r0 = k * n;
        const r1 = r0 + n;
        let s00 = 0;
        let s01 = 0;
        let s10 = 0;
        let s11 = 0;
        for (let j = 0; j <= k; j++) {
          const x0 = rows[b0 + j]!;
          const x1 = rows[b1 + j]!;
          const m0 = lower[r0 + j]!;
          const m1 = lower[r1 + j]!;
          s00 += m0 * x0;
          s01 += m1 * x0;
          s10 += m0 * x1;
          s11 += m1 * x1;
        }
        const last = lower[r1 + k + 1]!;
        out[b0 + k] = s00;
        out[b0 + k + 1] = s01 + last * rows[b0 + k + 1]!;
        out[b1 + k] = s10;
        out[b1 + k + 1] = s11 + last * rows[b1 + k + 1]!;
      }
      if (k < tileEnd) {
        const r0 = k * n;
        let s0 = 0;
        let s1 = 0;
        for (let j = 0; j <= k; j++) {
          s0 += lower[r0 + j]! * rows[b0 + j]!;
          s1 += lower[r0 + j]! * rows[b1 + j]!;
        }
        out[b0 + k] = s0;
        out[b1 + k] = s1;
      }
    }
    if (i < m) {
      const b0 = i * n;
      for (let k = tileStart; k < tileEnd; k++) {
        const r0 = k * n;
        let s0 = 0;
        for (let j = 0; j <= k; j++) s0 += lower[r0 + j]! * rows[b0 + j]!;
        out[b0 + k] = s0;
      }
    }
  }
  return out;
}

/** Solves L^T X = B for B n x m (row-major). Returns a new n x m matrix. */
export function solveLowerTransposedMatrix(factor: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  const x = Float64Array.from(b);
  for (let i = n - 1; i >= 0; i--) {
    const row = i * n;
    const outRow = i * m;
    const inversePivot = 1 / factor[row + i]!;
    for (let c = 0; c < m; c++) x[outRow + c] = x[outRow + c]! * inversePivot;
    for (let k = 0; k < i; k++) {
      const lik = factor[row + k]!;
      if (lik === 0) continue;
      const otherRow = k * m;
      for (let c = 0; c < m; c++) x[otherRow + c] = x[otherRow + c]! - lik * x[outRow + c]!;
    }
  }
  return x;
}

/** Solves (L L^T) x = b; b has length n. */
export function choleskySolve(factor: Float64Array, n: number, b: Float64Array): Float64Array {
  return solveLowerTransposed(factor, n, solveLower(factor, n, b));
}

/** Solves (L L^T) X = B for B n x m (row-major). */
export function choleskySolveMatrix(factor: Float64Array, n: number, b: Float64Array, m: number): Float64Array {
  return solveLowerTransposedMatrix(factor, n, solveLowerMatrix(factor, n, b, m), m);
}

/** log det(L L^T) = 2 sum_i log L_ii. */
export function logDetFromCholesky(factor: Float64Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += Math.log(factor[i * n + i]!);
  return 2 * sum;
}

/**
 * Transpose of the inverse of the lower triangular L (n x n): an upper triangular U = L^-T, row j of which is
 * column j of L^-1. Each entry is one forward-substitution step, a dot product of a row of L with a row of U,
 * both contiguous.
 */
export function invertLowerTransposed(factor: Float64Array, n: number): Float64Array {
  if (denseBackend && n >= DENSE_BACKEND_MIN_N) return denseBackend.invertLowerTransposed(factor, n);
  const upper = new Float64Array(n * n);
  let j = 0;
  // Two columns j, j+1 (rows of U) against two rows i, i+1 of L at a time.
  for (; j + 1 < n; j += 2) {
    const outRow = j * n;
    const outRow1 = outRow + n;
    const pivotJ = factor[j * n + j]!;
    upper[outRow + j] = 1 / pivotJ;
    upper[outRow + j + 1] = -(factor[(j + 1) * n + j]! / pivotJ) / factor[(j + 1) * n + j + 1]!;
    upper[outRow1 + j + 1] = 1 / factor[(j + 1) * n + j + 1]!;
    let i = j + 2;
    for (; i + 1 < n; i += 2) {
      const row = i * n;
      const row1 = row + n;
      // k = j only meets row j of U (row j+1 of U is zero there).
      const first = upper[outRow + j]!;
      let s0 = factor[row + j]! * first;
      let s1 = 0;
      let t0 = factor[row1 + j]! * first;
      let t1 = 0;
      for (let k = j + 1; k < i; k++) {
        const l0 = factor[row + k]!;
        const l1 = factor[row1 + k]!;
        const u0 = upper[outRow + k]!;
        const u1 = upper[outRow1 + k]!;
        s0 += l0 * u0;
        s1 += l0 * u1;
        t0 += l1 * u0;
        t1 += l1 * u1;
      }
      const inversePivot = 1 / factor[row + i]!;
      const inversePivot1 = 1 / factor[row1 + i + 1]!;
      const lower = factor[row1 + i]!;
      const u0i = -s0 * inversePivot;
      const u1i = -s1 * inversePivot;
      upper[outRow + i] = u0i;
      upper[outRow1 + i] = u1i;
      upper[outRow + i + 1] = -(t0 + lower * u0i) * inversePivot1;
      upper[outRow1 + i + 1] = -(t1 + lower * u1i) * inversePivot1;
    }
    if (i < n) {
      const row = i * n;
      let s0 = factor[row + j]! * upper[outRow + j]!;
      let s1 = 0;
      for (let k = j + 1; k < i; k++) {
        const l0 = factor[row + k]!;
        s0 += l0 * upper[outRow + k]!;
        s1 += l0 * upper[outRow1 + k]!;
      }
      const inversePivot = 1 / factor[row + i]!;
      upper[outRow + i] = -s0 * inversePivot;
      upper[outRow1 + i] = -s1 * inversePivot;
    }
  }
  if (j < n) upper[j * n + j] = 1 / factor[j * n + j]!;
  return upper;
}

/** Inverse of the lower triangular L (n x n), lower triangular. */
export function invertLower(factor: Float64Array, n: number): Float64Array {
  const inverse = invertLowerTransposed(factor, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      inverse[i * n + j] = inverse[j * n + i]!;
      inverse[j * n + i] = 0;
    }
  }
  return inverse;
}

/**
 * (L L^T)^-1 as a full symmetric n x n matrix: with U = L^-T, entry (a, b) = sum_{k >= max(a,b)} U[a,k] U[b,k],
 * in 2 x 2 blocks. With `lowerOnly` the strict upper triangle is left at zero (enough for symmetric contractions).
 */
export function inverseFromCholesky(factor: Float64Array, n: number, options: { lowerOnly?: boolean } = {}): Float64Array {
  const upper = invertLowerTransposed(factor, n);
  if (denseBackend && n >= DENSE_BACKEND_MIN_N) {
    const lower = denseBackend.inverseLowerFromUpper(upper, n);
    if (!options.lowerOnly) symmetrizeFromLower(lower, n);
    return lower;
  }
  const result = new Float64Array(n * n);
  let a = 0;
  for (; a + 1 < n; a += 2) {
    const rowA = a * n;
    const rowA1 = rowA + n;
    // 2 x 2 blocks (a, a+1) x (b, b+1) with b+1 < a; every sum runs over k >= a (row a+1 of U is 0 at k = a).
    let b = 0;
    for (; b + 1 < a; b += 2) {
      const rowB = b * n;
      const rowB1 = rowB + n;
      let sAB = 0;
      let sAB1 = 0;
      let sA1B = 0;
      let sA1B1 = 0;
      for (let k = a; k < n; k++) {
        const ua = upper[rowA + k]!;
        const ua1 = upper[rowA1 + k]!;
        const ub = upper[rowB + k]!;
        const ub1 = upper[rowB1 + k]!;
        sAB += ua * ub;
        sAB1 += ua * ub1;
        sA1B += ua1 * ub;
        sA1B1 += ua1 * ub1;
      }
      result[rowA + b] = sAB;
      result[rowA + b + 1] = sAB1;
      result[rowA1 + b] = sA1B;
      result[rowA1 + b + 1] = sA1B1;
    }
    for (; b <= a; b++) {
      const rowB = b * n;
      let sA = 0;
      let sA1 = 0;
      for (let k = a; k < n; k++) {
        const ub = upper[rowB + k]!;
        sA += upper[rowA + k]! * ub;
        sA1 += upper[rowA1 + k]! * ub;
      }
      result[rowA + b] = sA;
      result[rowA1 + b] = sA1;
    }
    let diagonal = 0;
    for (let k = a + 1; k < n; k++) diagonal += upper[rowA1 + k]! * upper[rowA1 + k]!;
    result[rowA1 + a + 1] = diagonal;
  }
  if (a < n) {
    const rowA = a * n;
    for (let b = 0; b <= a; b++) {
      const rowB = b * n;
      let sum = 0;
      for (let k = a; k < n; k++) sum += upper[rowA + k]! * upper[rowB + k]!;
      result[rowA + b] = sum;
    }
  }
  if (!options.lowerOnly) symmetrizeFromLower(result, n);
  return result;
}

/** Copies the lower triangle onto the upper triangle in place. */
export function symmetrizeFromLower(matrix: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    const row = i * n;
    for (let j = 0; j < i; j++) matrix[j * n + i] = matrix[row + j]!;
  }
}

/** y = A x for A n x m (row-major), x length m. */
export function matVec(a: Float64Array, n: number, m: number, x: Float64Array): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * m;
    let sum = 0;
    for (let j = 0; j < m; j++) sum += a[row + j]! * x[j]!;
    y[i] = sum;
  }
  return y;
}

/** C = A B for A n x k and B k x m (row-major). */
export function matMul(a: Float64Array, b: Float64Array, n: number, k: number, m: number): Float64Array {
  const c = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const rowA = i * k;
    const rowC = i * m;
    for (let p = 0; p < k; p++) {
      const aip = a[rowA + p]!;
      if (aip === 0) continue;
      const rowB = p * m;
      for (let j = 0; j < m; j++) c[rowC + j] = c[rowC + j]! + aip * b[rowB + j]!;
    }
  }
  return c;
}

/** Dot product of two vectors of equal length. */
export function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/**
 * Extends the Cholesky factor of an n x n matrix K to that of [[K, c], [c^T, d]] (one point appended):
 * l = L^-1 c, pivot = sqrt(d - l.l). Returns undefined when the new pivot is not positive, so the caller can
 * fall back to a full factorisation with jitter.
 */
export function choleskyAppend(
  factor: Float64Array,
  n: number,
  column: Float64Array,
  diagonal: number,
): Float64Array | undefined {
  const l = solveLower(factor, n, column);
  const pivotSquared = diagonal - dot(l, l);
  if (!(pivotSquared > 0)) return undefined;
  const m = n + 1;
  const extended = new Float64Array(m * m);
  for (let i = 0; i < n; i++) extended.set(factor.subarray(i * n, i * n + i + 1), i * m);
  extended.set(l, n * m);
  extended[n * m + n] = Math.sqrt(pivotSquared);
  return extended;
}

/**
 * C = A B for A and B both n x n LOWER triangular (row-major); C is lower triangular: C[i, j] = sum_{j <= k <= i}
 * A[i, k] B[k, j]. n^3 / 6 multiply-adds instead of matMul's n^3.
 */
export function multiplyLower(a: Float64Array, b: Float64Array, n: number): Float64Array {
  if (denseBackend?.multiplyLower && n >= DENSE_BACKEND_MIN_N) return denseBackend.multiplyLower(a, b, n);
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const rowA = i * n;
    const rowC = rowA;
    for (let k = 0; k <= i; k++) {
      const aik = a[rowA + k]!;
      if (aik === 0) continue;
      const rowB = k * n;
      for (let j = 0; j <= k; j++) c[rowC + j] = c[rowC + j]! + aik * b[rowB + j]!;
    }
  }
  return c;
}

/**
 * G = X W X^T for X m x n (row-major) and the diagonal weights w (length n): G[a, b] = sum_i X[a, i] w_i X[b, i],
 * symmetric m x m, as dot products of contiguous rows, 2 x 2 blocked (each loaded element serves two products).
 */
export function weightedGram(x: Float64Array, m: number, n: number, weights: Float64Array): Float64Array {
  if (denseBackend?.weightedGramLower && m >= DENSE_BACKEND_MIN_N) {
    const lower = denseBackend.weightedGramLower(x, m, n, weights);
    symmetrizeFromLower(lower, m);
    return lower;
  }
  const scaled = new Float64Array(m * n);
  for (let a = 0; a < m; a++) {
    const row = a * n;
    for (let i = 0; i < n; i++) scaled[row + i] = x[row + i]! * weights[i]!;
  }
  const g = new Float64Array(m * m);
  let a = 0;
  for (; a + 1 < m; a += 2) {
    const xa = a * n;
    const xa1 = xa + n;
    let b = 0;
    for (; b + 1 <= a; b += 2) {
      const xb = b * n;
      const xb1 = xb + n;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let i = 0; i < n; i++) {
        const u0 = scaled[xa + i]!;
        const u1 = scaled[xa1 + i]!;
        const v0 = x[xb + i]!;
        const v1 = x[xb1 + i]!;
        s00 += u0 * v0;
        s01 += u0 * v1;
        s10 += u1 * v0;
        s11 += u1 * v1;
      }
      g[a * m + b] = s00;
      g[a * m + b + 1] = s01;
      g[(a + 1) * m + b] = s10;
      g[(a + 1) * m + b + 1] = s11;
    }
    // b = a (and a+1 against a+1): the 2 x 2 diagonal block
    let s00 = 0;
    let s10 = 0;
    let s11 = 0;
    for (let i = 0; i < n; i++) {
      const v0 = x[xa + i]!;
      const v1 = x[xa1 + i]!;
      s00 += scaled[xa + i]! * v0;
      s10 += scaled[xa1 + i]! * v0;
      s11 += scaled[xa1 + i]! * v1;
    }
    g[a * m + a] = s00;
    g[(a + 1) * m + a] = s10;
    g[(a + 1) * m + a + 1] = s11;
  }
  if (a < m) {
    const xa = a * n;
    for (let b = 0; b <= a; b++) {
      const xb = b * n;
      let sum = 0;
      for (let i = 0; i < n; i++) sum += scaled[xa + i]! * x[xb + i]!;
      g[a * m + b] = sum;
    }
  }
  symmetrizeFromLower(g, m);
  return g;
}
