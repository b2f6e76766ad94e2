// The WebAssembly SIMD kernels (assembly/linalg.ts) against the JavaScript ones of src/core/linalg.ts as reference.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fitGp } from '../../../src/core/gp/fit';
import { activeDenseBackend, cholesky, DENSE_BACKEND_MIN_N, inverseFromCholesky, invertLower, invertLowerTransposed, multiplyLower, multiplyRowsByLowerTransposed, setDenseBackend, weightedGram } from '../../../src/core/linalg';
import type { DenseBackend } from '../../../src/core/linalg';
import { Rng } from '../../../src/core/random';
import { buildDefaultKernel } from '../../../src/core/kernels/default';
import { pivotedCholesky } from '../../../src/core/sparseGp';
import { installWasmLinalg, wasmCandidates } from '../../../src/engine/wasm';

/** The built dist/linalg.wasm, or one compiled here from assembly/linalg.ts (npm run test:unit without a build). */
function wasmPath(): string {
  const built = wasmCandidates().find((p) => existsSync(p));
  if (built) return built;
  const out = join(mkdtempSync(join(tmpdir(), 'mixopt-wasm-')), 'linalg.wasm');
  const root = join(__dirname, '..', '..', '..');
  execFileSync(process.execPath, [join(root, 'node_modules/assemblyscript/bin/asc.js'), join(root, 'assembly/linalg.ts'), '--outFile', out, '-O3', '--runtime', 'stub', '--enable', 'simd', '--noAssert', '--initialMemory', '2']);
  return out;
}

function spd(rng: Rng, n: number, ridge: number): Float64Array {
  const k = 6;
  const x = Float64Array.from({ length: n * k }, () => rng.normal());
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += (x[i * k + c]! - x[j * k + c]!) * (x[i * k + c]! - x[j * k + c]!);
      a[i * n + j] = Math.exp(-s / 8) + (i === j ? ridge : 0);
    }
  }
  return a;
}

function worst(a: Float64Array, b: Float64Array): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i]! - b[i]!) / (1 + Math.abs(b[i]!)));
  return w;
}

describe('WebAssembly SIMD dense kernels', () => {
  let previous: DenseBackend | undefined;
  before(() => {
    previous = setDenseBackend(undefined);
    assert.equal(installWasmLinalg({ path: wasmPath(), force: true }), 'wasm-simd');
  });
  after(() => {
    setDenseBackend(previous);
  });
  const withJs = <T>(f: () => T): T => {
    const wasm = setDenseBackend(undefined);
    try {
      return f();
    } finally {
      setDenseBackend(wasm);
    }
  };

  for (const n of [DENSE_BACKEND_MIN_N, 97, 160]) {
    test(`n = ${n}: Cholesky factor, L^-T and (L L^T)^-1 equal the JavaScript kernels`, () => {
      const a = spd(new Rng(n), n, 1e-3);
      assert.equal(activeDenseBackend(), 'wasm-simd');
      const fast = cholesky(a, n);
      const reference = withJs(() => cholesky(a, n));
      assert.equal(fast.jitter, reference.jitter);
      assert.ok(worst(fast.factor, reference.factor) < 1e-12, `factor ${worst(fast.factor, reference.factor)}`);
      assert.ok(worst(invertLowerTransposed(fast.factor, n), withJs(() => invertLowerTransposed(reference.factor, n))) < 1e-9);
      const inverse = inverseFromCholesky(fast.factor, n);
      assert.ok(worst(inverse, withJs(() => inverseFromCholesky(reference.factor, n))) < 1e-9);
      assert.ok(worst(inverseFromCholesky(fast.factor, n, { lowerOnly: true }), withJs(() => inverseFromCholesky(reference.factor, n, { lowerOnly: true }))) < 1e-9);
      const rows = Float64Array.from({ length: 5 * n }, (_, k) => Math.sin(k));
      const whitened = multiplyRowsByLowerTransposed(rows, 5, reference.factor, n);
      assert.ok(worst(whitened, withJs(() => multiplyRowsByLowerTransposed(rows, 5, reference.factor, n))) < 1e-12);
      // A K^-1 = I (an independent check of both)
      let off = 0;
      for (let i = 0; i < n; i += 7) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let k = 0; k < n; k++) s += a[i * n + k]! * inverse[k * n + j]!;
          off = Math.max(off, Math.abs(s - (i === j ? 1 : 0)));
        }
      }
      assert.ok(off < 1e-6, `|A A^-1 - I| = ${off}`);
    });
  }

  test('an indefinite matrix fails the plain factorisation and climbs the same jitter ladder as JavaScript', () => {
    const n = 64;
    const a = spd(new Rng(3), n, 0);
    for (let i = 0; i < n; i++) a[i * n + i] = a[i * n + i]! - 0.05;
    const fast = cholesky(a, n);
    const reference = withJs(() => cholesky(a, n));
    assert.ok(fast.jitter > 0);
    assert.equal(fast.jitter, reference.jitter);
    assert.equal(fast.forced, reference.forced);
  });

  test('a GP fit gives the same hyperparameters and likelihood with either backend', () => {
    const rng = new Rng(9);
    const d = 3;
    const n = 120;
    const data = new Float64Array(n * (d + 2));
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const w = [rng.next(), rng.next(), rng.next()];
      const total = w[0]! + w[1]! + w[2]!;
      w.forEach((v, m) => (data[i * (d + 2) + m] = v / total));
      data[i * (d + 2) + d] = [0, 0.5, 1][i % 3]!;
      data[i * (d + 2) + d + 1] = 1;
      y[i] = Math.sin(4 * data[i * (d + 2)]!) - 0.5 * data[i * (d + 2) + d]! + 0.02 * rng.normal();
    }
    const config = { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'linear' } as const;
    const fast = fitGp({ n, d, data }, y, config, { restarts: 1 });
    const reference = withJs(() => fitGp({ n, d, data }, y, config, { restarts: 1 }));
    assert.ok(Math.abs(fast.logMarginalLikelihood - reference.logMarginalLikelihood) < 1e-6 * Math.abs(reference.logMarginalLikelihood));
    fast.hyperparameters().theta.forEach((t, i) => assert.ok(Math.abs(t - reference.hyperparameters().theta[i]!) < 1e-4, `theta ${i}`));
  });
  test('the product of two lower triangular matrices (the sparse model\'s whitening) is the same to the last bit', () => {
    for (const n of [DENSE_BACKEND_MIN_N, 201]) {
      const a = cholesky(spd(new Rng(n), n, 1e-2), n).factor;
      const b = invertLower(cholesky(spd(new Rng(n + 1), n, 1e-1), n).factor, n);
      a[5 * n + 2] = 0; // a zero entry is skipped on both sides
      const fast = multiplyLower(a, b, n);
      const reference = withJs(() => multiplyLower(a, b, n));
      assert.ok(reference.some((x) => x !== 0));
      assert.deepEqual(Array.from(fast), Array.from(reference));
    }
  });

  test('the weighted Gram matrix X W X^T (the sparse model\'s B) is the same to the last bit, odd and even row counts', () => {
    const rng = new Rng(17);
    for (const m of [DENSE_BACKEND_MIN_N, 51]) {
      const n = 137;
      const x = Float64Array.from({ length: m * n }, () => rng.normal());
      const weights = Float64Array.from({ length: n }, () => 0.1 + rng.next());
      const fast = weightedGram(x, m, n, weights);
      const reference = withJs(() => weightedGram(x, m, n, weights));
      assert.ok(reference.every((v) => Number.isFinite(v)) && reference[m + 1] !== 0);
      assert.deepEqual(Array.from(fast), Array.from(reference));
    }
  });

  test('the pivoted Cholesky of the sparse path: the same pivots, basis and residual to the last bit', () => {
    const rng = new Rng(13);
    const d = 5;
    const n = 300;
    const dim = d + 2;
    const data = new Float64Array(n * dim);
    for (let i = 0; i < n; i++) {
      let total = 0;
      for (let m = 0; m < d; m++) total += data[i * dim + m] = rng.next();
      for (let m = 0; m < d; m++) data[i * dim + m] = data[i * dim + m]! / total;
      data[i * dim + d] = [0, 0.5, 1][i % 3]!;
      data[i * dim + d + 1] = (i % 4) / 3;
    }
    const kernel = buildDefaultKernel({ d, mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf' });
    // capped (rank 90 of 300, the 4-column passes and the tail both run) and stopped by the tolerance
    for (const [rank, tolerance] of [[90, 0], [300, 1e-3]] as const) {
      const fast = pivotedCholesky(kernel, { n, d, data }, rank, tolerance);
      const reference = withJs(() => pivotedCholesky(kernel, { n, d, data }, rank, tolerance));
      assert.ok(fast.rank > 4 && fast.rank <= rank, `rank ${fast.rank}`);
      assert.equal(fast.rank, reference.rank);
      assert.deepEqual(fast.pivots, reference.pivots);
      assert.deepEqual(Array.from(fast.phiT), Array.from(reference.phiT));
      assert.deepEqual(Array.from(fast.residual), Array.from(reference.residual));
    }
  });
});
