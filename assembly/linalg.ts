// WebAssembly (SIMD, f64x2) versions of the three O(n^3) kernels of the GP's likelihood gradient, compiled by
// scripts/build.mjs with AssemblyScript 0.28 into dist/linalg.wasm. Same algorithms and conventions as
// src/core/linalg.ts (row-major, lower triangular Cholesky factor), which stays the fallback and the test reference.
// Memory is managed by the caller (src/core/wasmLinalg.ts): every argument is a byte offset into linear memory.

/** sum_{k < len} p[k] q[k] with two f64x2 accumulators (4 products per iteration) and a scalar tail. */
@inline
function dot(p: usize, q: usize, len: i32): f64 {
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let k = 0;
  for (; k + 3 < len; k += 4) {
    const offset = <usize>k << 3;
    acc0 = f64x2.add(acc0, f64x2.mul(v128.load(p + offset), v128.load(q + offset)));
    acc1 = f64x2.add(acc1, f64x2.mul(v128.load(p + offset, 16), v128.load(q + offset, 16)));
  }
  const acc = f64x2.add(acc0, acc1);
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  for (; k < len; k++) {
    const offset = <usize>k << 3;
    sum += load<f64>(p + offset) * load<f64>(q + offset);
  }
  return sum;
}

/**
 * Cholesky-Banachiewicz factorisation of a + jitter I (n x n, lower triangle read) into l: row by row,
 * L[i, j] = (A[i, j] - L[i, :j] . L[j, :j]) / L[j, j]. Returns 0 on a non-positive or NaN pivot, 1 on success.
 */
export function cholesky(a: usize, l: usize, n: i32, jitter: f64): i32 {
  memory.fill(l, 0, <usize>n * <usize>n * 8);
  for (let i = 0; i < n; i++) {
    const rowI = l + ((<usize>i * <usize>n) << 3);
    const rowA = a + ((<usize>i * <usize>n) << 3);
    for (let j = 0; j < i; j++) {
      const rowJ = l + ((<usize>j * <usize>n) << 3);
      const value = (load<f64>(rowA + (<usize>j << 3)) - dot(rowI, rowJ, j)) / load<f64>(rowJ + (<usize>j << 3));
      store<f64>(rowI + (<usize>j << 3), value);
    }
    const diagonal = load<f64>(rowA + (<usize>i << 3)) + jitter - dot(rowI, rowI, i);
    if (!(diagonal > 0)) return 0;
    store<f64>(rowI + (<usize>i << 3), Math.sqrt(diagonal));
  }
  return 1;
}

/**
 * U = L^-T (upper triangular, n x n) into u: row j of U is column j of L^-1, U[j, j] = 1 / L[j, j] and for i > j
 * U[j, i] = -(L[i, j:i] . U[j, j:i]) / L[i, i] (forward substitution, both operands contiguous).
 */
export function invertLowerTransposed(l: usize, u: usize, n: i32): void {
  memory.fill(u, 0, <usize>n * <usize>n * 8);
  for (let j = 0; j < n; j++) {
    const rowU = u + ((<usize>j * <usize>n) << 3);
    store<f64>(rowU + (<usize>j << 3), 1 / load<f64>(l + ((<usize>j * <usize>n + <usize>j) << 3)));
    for (let i = j + 1; i < n; i++) {
      const rowL = l + ((<usize>i * <usize>n) << 3);
      const sum = dot(rowL + (<usize>j << 3), rowU + (<usize>j << 3), i - j);
      store<f64>(rowU + (<usize>i << 3), -sum / load<f64>(rowL + (<usize>i << 3)));
    }
  }
}

/** Lower triangle of U U^T = (L L^T)^-1 from U = L^-T: out[a, b] = U[a, a:] . U[b, a:] for b <= a. */
export function inverseFromUpper(u: usize, out: usize, n: i32): void {
  memory.fill(out, 0, <usize>n * <usize>n * 8);
  for (let a = 0; a < n; a++) {
    const rowA = u + ((<usize>a * <usize>n + <usize>a) << 3);
    const rowOut = out + ((<usize>a * <usize>n) << 3);
    for (let b = 0; b <= a; b++) {
      const rowB = u + ((<usize>b * <usize>n + <usize>a) << 3);
      store<f64>(rowOut + (<usize>b << 3), dot(rowA, rowB, n - a));
    }
  }
}

/**
 * out = B M^T for B m x n (row-major) and M n x n lower triangular: out[i, k] = M[k, :k+1] . B[i, :k+1]
 * (the whitening of rows by L^-1 when M = L^-1).
 */
export function multiplyRowsByLowerTransposed(rows: usize, m: i32, lower: usize, n: i32, out: usize): void {
  for (let i = 0; i < m; i++) {
    const rowB = rows + ((<usize>i * <usize>n) << 3);
    const rowOut = out + ((<usize>i * <usize>n) << 3);
    for (let k = 0; k < n; k++) {
      store<f64>(rowOut + (<usize>k << 3), dot(lower + ((<usize>k * <usize>n) << 3), rowB, k + 1));
    }
  }
}

/**
 * The update of pivoted Cholesky's new column (src/core/sparseGp.ts, pivotedCholesky): column[i] -= basis[k, p]
 * basis[k, i] for every earlier column k < j (the rows of `basis`, n values each) and i < n. Four earlier columns per
 * pass and the same order of operations as the JavaScript loop (no fused multiply-add), so the result is the same to
 * the last bit; a zero coefficient of the tail is skipped there too.
 */
export function projectOut(basis: usize, j: i32, n: i32, p: i32, column: usize): void {
  const stride = <usize>n << 3;
  const at = <usize>p << 3;
  let k = 0;
  for (; k + 3 < j; k += 4) {
    const r0 = basis + <usize>k * stride;
    const r1 = r0 + stride;
    const r2 = r1 + stride;
    const r3 = r2 + stride;
    const c0 = load<f64>(r0 + at);
    const c1 = load<f64>(r1 + at);
    const c2 = load<f64>(r2 + at);
    const c3 = load<f64>(r3 + at);
    const v0 = f64x2.splat(c0);
    const v1 = f64x2.splat(c1);
    const v2 = f64x2.splat(c2);
    const v3 = f64x2.splat(c3);
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const o = <usize>i << 3;
      let v = v128.load(column + o);
      v = f64x2.sub(v, f64x2.mul(v0, v128.load(r0 + o)));
      v = f64x2.sub(v, f64x2.mul(v1, v128.load(r1 + o)));
      v = f64x2.sub(v, f64x2.mul(v2, v128.load(r2 + o)));
      v = f64x2.sub(v, f64x2.mul(v3, v128.load(r3 + o)));
      v128.store(column + o, v);
    }
    for (; i < n; i++) {
      const o = <usize>i << 3;
      store<f64>(column + o, load<f64>(column + o) - c0 * load<f64>(r0 + o) - c1 * load<f64>(r1 + o) - c2 * load<f64>(r2 + o) - c3 * load<f64>(r3 + o));
    }
  }
  for (; k < j; k++) {
    const r = basis + <usize>k * stride;
    const c = load<f64>(r + at);
    if (c == 0) continue;
    const v = f64x2.splat(c);
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const o = <usize>i << 3;
      v128.store(column + o, f64x2.sub(v128.load(column + o), f64x2.mul(v, v128.load(r + o))));
    }
    for (; i < n; i++) {
      const o = <usize>i << 3;
      store<f64>(column + o, load<f64>(column + o) - c * load<f64>(r + o));
    }
  }
}

/**
 * Rows first..end-1 of c = A B for A, B n x n lower triangular (src/core/linalg.ts multiplyLower; c zeroed by the
 * caller): c[i, j] += A[i, k] B[k, j] for k <= i and j <= k, in the same order as the JavaScript loop (zero A[i, k]
 * skipped), so the same to the last bit. Called a few rows at a time (see weightedGramRows).
 */
export function multiplyLowerRows(a: usize, b: usize, n: i32, c: usize, first: i32, end: i32): void {
  for (let i = first; i < end; i++) {
    const rowA = a + ((<usize>i * <usize>n) << 3);
    const rowC = c + ((<usize>i * <usize>n) << 3);
    for (let k = 0; k <= i; k++) {
      const aik = load<f64>(rowA + (<usize>k << 3));
      if (aik == 0) continue;
      const rowB = b + ((<usize>k * <usize>n) << 3);
      const v = f64x2.splat(aik);
      let j = 0;
      for (; j + 1 <= k; j += 2) {
        const o = <usize>j << 3;
        v128.store(rowC + o, f64x2.add(v128.load(rowC + o), f64x2.mul(v, v128.load(rowB + o))));
      }
      for (; j <= k; j++) {
        const o = <usize>j << 3;
        store<f64>(rowC + o, load<f64>(rowC + o) + aik * load<f64>(rowB + o));
      }
    }
  }
}

/**
 * The lower triangle of G = X W X^T for X m x n (row-major) and W = diag(weights) (src/core/linalg.ts weightedGram),
 * rows first..end-1 of G: G[a, b] = sum_i (X[a, i] w_i) X[b, i] for b <= a, each entry summed over i in order as
 * the JavaScript loop does (the two lanes hold two entries b, b + 1, not two terms of one sum), so the same to the
 * last bit. `scaled` (X W) and `pairs` (rows b, b + 1 of X interleaved) come from weightedGramPrepare. The host calls
 * it a few rows at a time: V8 runs a long first call in its baseline compiler, the later ones optimised.
 */
export function weightedGramRows(x: usize, m: i32, n: i32, scaled: usize, pairs: usize, g: usize, first: i32, end: i32): void {
  const stride = <usize>n << 3;
  for (let a = first; a < end; a++) {
    const rowS = scaled + <usize>a * stride;
    const rowG = g + ((<usize>a * <usize>m) << 3);
    for (let b = 0; b <= a; b += 2) {
      if (b + 1 < m) {
        const pair = pairs + <usize>b * stride;
        let acc = f64x2.splat(0);
        for (let i = 0; i < n; i++) {
          const o = <usize>i << 3;
          acc = f64x2.add(acc, f64x2.mul(f64x2.splat(load<f64>(rowS + o)), v128.load(pair + (o << 1))));
        }
        store<f64>(rowG + (<usize>b << 3), f64x2.extract_lane(acc, 0));
        if (b + 1 <= a) store<f64>(rowG + (<usize>(b + 1) << 3), f64x2.extract_lane(acc, 1));
      } else {
        const rowX = x + <usize>b * stride;
        let sum: f64 = 0;
        for (let i = 0; i < n; i++) {
          const o = <usize>i << 3;
          sum += load<f64>(rowS + o) * load<f64>(rowX + o);
        }
        store<f64>(rowG + (<usize>b << 3), sum);
      }
    }
  }
}

/** scaled = X W and pairs = rows b, b + 1 of X interleaved (for weightedGramRows); g zeroed. */
export function weightedGramPrepare(x: usize, m: i32, n: i32, weights: usize, scaled: usize, pairs: usize, g: usize): void {
  const stride = <usize>n << 3;
  for (let a = 0; a < m; a++) {
    const row = <usize>a * stride;
    for (let i = 0; i < n; i++) {
      const o = <usize>i << 3;
      store<f64>(scaled + row + o, load<f64>(x + row + o) * load<f64>(weights + o));
    }
  }
  for (let b = 0; b + 1 < m; b += 2) {
    const from = x + <usize>b * stride;
    const to = pairs + <usize>b * stride;
    for (let i = 0; i < n; i++) {
      const o = <usize>i << 3;
      store<f64>(to + (o << 1), load<f64>(from + o));
      store<f64>(to + (o << 1) + 8, load<f64>(from + stride + o));
    }
  }
  memory.fill(g, 0, <usize>m * <usize>m * 8);
}
