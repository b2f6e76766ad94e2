import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cholesky,
  choleskyAppend,
  choleskySolve,
  choleskySolveMatrix,
  inverseFromCholesky,
  invertLower,
  logDetFromCholesky,
  matMul,
  multiplyLower,
  weightedGram,
  matVec,
  multiplyRowsByLowerTransposed,
  solveLower,
  solveLowerRows,
  solveLowerMatrix,
  solveLowerTransposed,
  solveLowerTransposedMatrix,
} from '../../../src/core/linalg';
import { Rng } from '../../../src/core/random';

/** A random SPD matrix B B^T + shift I (n x n). */
function randomSpd(rng: Rng, n: number, shift = 0.1): Float64Array {
  const b = Float64Array.from({ length: n * n }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += b[i * n + k]! * b[j * n + k]!;
      a[i * n + j] = sum + (i === j ? shift : 0);
    }
  }
  return a;
}

function maxAbs(values: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(values[i]!));
  return worst;
}

function reconstruct(factor: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let k = 0; k <= Math.min(i, j); k++) sum += factor[i * n + k]! * factor[j * n + k]!;
      out[i * n + j] = sum;
    }
  }
  return out;
}

describe('cholesky', () => {
  for (const n of [1, 2, 3, 7, 20, 33]) {
    test(`factor of a random SPD ${n} x ${n} reproduces it, lower triangular, no jitter`, () => {
      const rng = new Rng(n);
      const a = randomSpd(rng, n);
      const { factor, jitter, forced } = cholesky(a, n);
      assert.equal(jitter, 0);
      assert.equal(forced, false);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(factor[i * n + j], 0);
      const back = reconstruct(factor, n);
      const error = maxAbs(back.map((value, i) => value - a[i]!));
      assert.ok(error < 1e-10 * maxAbs(a), `max error ${error}`);
    });
  }

  test('empty matrix', () => {
    const result = cholesky(new Float64Array(0), 0);
    assert.equal(result.factor.length, 0);
    assert.equal(result.jitter, 0);
  });

  test('singular matrix (duplicated rows) gets a small escalating jitter', () => {
    const n = 4;
    // Rank 1: all ones.
    const a = new Float64Array(n * n).fill(1);
    const { factor, jitter, forced } = cholesky(a, n);
    assert.equal(forced, false);
    assert.ok(jitter > 0 && jitter <= 1e-3, `jitter ${jitter}`);
    const back = reconstruct(factor, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) assert.ok(Math.abs(back[i * n + j]! - (a[i * n + j]! + (i === j ? jitter : 0))) < 1e-9);
    }
  });

  test('indefinite matrix: forced diagonal, reported, never throws', () => {
    const a = Float64Array.from([1, 2, 2, 1]); // eigenvalues 3 and -1
    const result = cholesky(a, 2);
    assert.equal(result.forced, true);
    assert.ok(result.jitter > 1);
    const back = reconstruct(result.factor, 2);
    assert.ok(Math.abs(back[0]! - (1 + result.jitter)) < 1e-9);
    assert.ok(Math.abs(back[1]! - 2) < 1e-9);
  });

  test('zero matrix factorises with jitter', () => {
    const result = cholesky(new Float64Array(9), 3);
    assert.ok(result.jitter > 0);
    assert.ok(result.factor.every(Number.isFinite));
  });

  test('log determinant', () => {
    const a = Float64Array.from([4, 2, 2, 3]); // det 8
    const { factor } = cholesky(a, 2);
    assert.ok(Math.abs(logDetFromCholesky(factor, 2) - Math.log(8)) < 1e-14);
  });
});

describe('triangular solves and inverses', () => {
  const rng = new Rng(99);
  const n = 13;
  const m = 4;
  const a = randomSpd(rng, n);
  const { factor } = cholesky(a, n);
  const b = Float64Array.from({ length: n }, () => rng.normal());
  const bMatrix = Float64Array.from({ length: n * m }, () => rng.normal());

  test('L x = b and L^T x = b', () => {
    const x = solveLower(factor, n, b);
    const lx = matVec(factor, n, n, x);
    assert.ok(maxAbs(lx.map((value, i) => value - b[i]!)) < 1e-10);
    const transposed = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) transposed[i * n + j] = factor[j * n + i]!;
    const y = solveLowerTransposed(factor, n, b);
    const ly = matVec(transposed, n, n, y);
    assert.ok(maxAbs(ly.map((value, i) => value - b[i]!)) < 1e-10);
  });

  test('multiple right-hand sides agree with column-by-column solves', () => {
    const x = solveLowerMatrix(factor, n, bMatrix, m);
    const y = solveLowerTransposedMatrix(factor, n, bMatrix, m);
    const z = choleskySolveMatrix(factor, n, bMatrix, m);
    for (let c = 0; c < m; c++) {
      const column = Float64Array.from({ length: n }, (_, i) => bMatrix[i * m + c]!);
      const xc = solveLower(factor, n, column);
      const yc = solveLowerTransposed(factor, n, column);
      const zc = choleskySolve(factor, n, column);
      for (let i = 0; i < n; i++) {
        assert.ok(Math.abs(x[i * m + c]! - xc[i]!) < 1e-12 * (1 + Math.abs(xc[i]!)));
        assert.ok(Math.abs(y[i * m + c]! - yc[i]!) < 1e-12 * (1 + Math.abs(yc[i]!)));
        assert.ok(Math.abs(z[i * m + c]! - zc[i]!) < 1e-12 * (1 + Math.abs(zc[i]!)));
      }
    }
  });

  test('row-wise whitening: solveLowerRows and B (L^-1)^T agree with per-row solves', () => {
    for (const rowsCount of [1, 2, 5]) {
      for (const size of [1, 2, 3, 33, 70]) {
        const spd = randomSpd(rng, size);
        const lower = cholesky(spd, size).factor;
        const rows = Float64Array.from({ length: rowsCount * size }, () => rng.normal());
        const solved = solveLowerRows(lower, size, rows, rowsCount);
        const multiplied = multiplyRowsByLowerTransposed(rows, rowsCount, invertLower(lower, size), size);
        for (let r = 0; r < rowsCount; r++) {
          const expected = solveLower(lower, size, rows.slice(r * size, r * size + size));
          for (let k = 0; k < size; k++) {
            assert.ok(Math.abs(solved[r * size + k]! - expected[k]!) < 1e-9 * (1 + Math.abs(expected[k]!)), `solve ${rowsCount}x${size}`);
            assert.ok(Math.abs(multiplied[r * size + k]! - expected[k]!) < 1e-9 * (1 + Math.abs(expected[k]!)), `multiply ${rowsCount}x${size}`);
          }
        }
      }
    }
  });

  test('choleskySolve solves A x = b', () => {
    const x = choleskySolve(factor, n, b);
    const ax = matVec(a, n, n, x);
    assert.ok(maxAbs(ax.map((value, i) => value - b[i]!)) < 1e-9);
  });

  test('inverse of L and inverse of A', () => {
    const lowerInverse = invertLower(factor, n);
    const identity = matMul(factor, lowerInverse, n, n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(identity[i * n + j]! - (i === j ? 1 : 0)) < 1e-10);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(lowerInverse[i * n + j], 0);
    for (const size of [n, 1, 2, 5, 6, 34]) {
      const spd = size === n ? a : randomSpd(rng, size);
      const inverse = inverseFromCholesky(cholesky(spd, size).factor, size);
      const product = matMul(spd, inverse, size, size, size);
      for (let i = 0; i < size; i++) {
        for (let j = 0; j < size; j++) {
          assert.ok(Math.abs(product[i * size + j]! - (i === j ? 1 : 0)) < 1e-9, `size ${size} (${i}, ${j})`);
          assert.equal(inverse[i * size + j], inverse[j * size + i]);
        }
      }
    }
  });

  test('appending one row/column extends the factor exactly', () => {
    const size = 9;
    const big = randomSpd(rng, size + 1);
    const small = new Float64Array(size * size);
    for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) small[i * size + j] = big[i * (size + 1) + j]!;
    const column = Float64Array.from({ length: size }, (_, i) => big[i * (size + 1) + size]!);
    const extended = choleskyAppend(cholesky(small, size).factor, size, column, big[size * (size + 1) + size]!);
    assert.ok(extended !== undefined);
    const direct = cholesky(big, size + 1).factor;
    assert.ok(maxAbs(extended.map((value, i) => value - direct[i]!)) < 1e-10);
    assert.equal(choleskyAppend(cholesky(small, size).factor, size, column, -1), undefined);
  });
});

describe('Rng', () => {
  test('same seed, same stream; different seeds differ', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const sa = Array.from({ length: 5 }, () => a.next());
    assert.deepEqual(sa, Array.from({ length: 5 }, () => b.next()));
    assert.notDeepEqual(sa, Array.from({ length: 5 }, () => c.next()));
  });

  test('next in [0, 1), int in range, normal has mean 0 and variance 1', () => {
    const rng = new Rng(7);
    let sum = 0;
    let sumSquares = 0;
    const count = 20000;
    for (let i = 0; i < count; i++) {
      const u = rng.next();
      assert.ok(u >= 0 && u < 1);
      const k = rng.int(5);
      assert.ok(Number.isInteger(k) && k >= 0 && k < 5);
      const z = rng.normal();
      sum += z;
      sumSquares += z * z;
    }
    assert.ok(Math.abs(sum / count) < 0.03);
    assert.ok(Math.abs(sumSquares / count - 1) < 0.05);
  });
});

describe('products for the sparse model (against matMul as reference)', () => {
  const rng = new Rng(21);
  const randomLower = (n: number): Float64Array => {
    const out = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) out[i * n + j] = rng.uniform(-1, 1);
    return out;
  };
  test('multiplyLower = matMul of two lower triangular matrices, and stays lower triangular', () => {
    for (const n of [1, 2, 7, 16]) {
      const a = randomLower(n);
      const b = randomLower(n);
      const fast = multiplyLower(a, b, n);
      const reference = matMul(a, b, n, n, n);
      for (let i = 0; i < n * n; i++) assert.ok(Math.abs(fast[i]! - reference[i]!) < 1e-12, `n=${n} entry ${i}`);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) assert.equal(fast[i * n + j], 0);
    }
  });
  test('weightedGram = X diag(w) X^T for odd and even sizes', () => {
    for (const [m, n] of [[1, 5], [2, 3], [5, 9], [8, 4]] as const) {
      const x = Float64Array.from({ length: m * n }, () => rng.uniform(-1, 1));
      const w = Float64Array.from({ length: n }, () => rng.uniform(0.1, 2));
      const xw = Float64Array.from(x, (value, k) => value * w[k % n]!);
      const xt = new Float64Array(n * m);
      for (let a = 0; a < m; a++) for (let i = 0; i < n; i++) xt[i * m + a] = x[a * n + i]!;
      const reference = matMul(xw, xt, m, n, m);
      const fast = weightedGram(x, m, n, w);
      for (let k = 0; k < m * m; k++) assert.ok(Math.abs(fast[k]! - reference[k]!) < 1e-12, `${m}x${n} entry ${k}`);
    }
  });
});
