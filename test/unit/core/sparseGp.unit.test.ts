import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGp } from '../../../src/core/gp/fit';
import { hyperparametersFromTheta } from '../../../src/core/gp/hyperparameters';
import { MODEL_DEFAULTS } from '../../../src/core/gp/config';
import type { GpConfig } from '../../../src/core/gp/config';
import { buildDefaultKernel } from '../../../src/core/kernels/default';
import { Rng } from '../../../src/core/random';
import { fitSparseGp, fitSurrogate, pivotedCholesky, SparseGp, SPARSE_ABOVE, stableSubset } from '../../../src/core/sparseGp';
import type { PointSet } from '../../../src/core/types';
import { spearman } from '../../../src/engine/insights';

const config: GpConfig = { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'quadratic', priors: true };

function dirichlet(rng: Rng, d: number, out: Float64Array, offset: number): void {
  let total = 0;
  for (let m = 0; m < d; m++) {
    const e = -Math.log(1 - rng.next());
    out[offset + m] = e;
    total += e;
  }
  for (let m = 0; m < d; m++) out[offset + m] = out[offset + m]! / total;
}

/**
 * Learning curves: `runs` mixtures at 3 model sizes, each logged at the same step grid (z levels), the loss falling in
 * s and z with a mixture effect that shrinks the curve's level: y = 3 + 0.4 sin(5 w0) + 0.3 w1^2 - 0.5 s - 0.3 z + noise.
 */
function curves(rng: Rng, runs: number, d: number, zs: readonly number[]): { points: PointSet; y: Float64Array } {
  const dim = d + 2;
  const data = new Float64Array(runs * zs.length * dim);
  const y = new Float64Array(runs * zs.length);
  const w = new Float64Array(d);
  let row = 0;
  for (let r = 0; r < runs; r++) {
    dirichlet(rng, d, w, 0);
    const s = [0, 0.6, 1][r % 3]!;
    for (const z of zs) {
      data.set(w, row * dim);
      data[row * dim + d] = s;
      data[row * dim + d + 1] = z;
      y[row] = 3 + 0.4 * Math.sin(5 * w[0]!) + 0.3 * w[1]! * w[1]! - 0.5 * s - 0.3 * z + 0.01 * rng.normal();
      row++;
    }
  }
  return { points: { n: row, d, data }, y };
}

function pool(rng: Rng, count: number, d: number, s: number, z: number): PointSet {
  const dim = d + 2;
  const data = new Float64Array(count * dim);
  for (let i = 0; i < count; i++) {
    dirichlet(rng, d, data, i * dim);
    data[i * dim + d] = s;
    data[i * dim + d + 1] = z;
  }
  return { n: count, d, data };
}

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

describe('pivoted Cholesky (inducing basis)', () => {
  test('at full rank it reproduces the kernel matrix, and the residual diagonal is diag(K - Phi Phi^T) at any rank', () => {
    const rng = new Rng(1);
    const { points } = curves(rng, 20, 3, [0, 0.5, 1]);
    const kernel = buildDefaultKernel({ d: 3, mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf' });
    const k = kernel.matrix(points);
    const n = points.n;
    for (const rank of [n, 12]) {
      const basis = pivotedCholesky(kernel, points, rank, 0);
      assert.equal(basis.rank, Math.min(rank, basis.rank));
      let worstEntry = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let sum = 0;
          for (let c = 0; c < basis.rank; c++) sum += basis.phi[i * basis.rank + c]! * basis.phi[j * basis.rank + c]!;
          if (i === j) assert.ok(Math.abs(k[i * n + i]! - sum - basis.residual[i]!) < 1e-10, `residual ${i} at rank ${rank}`);
          worstEntry = Math.max(worstEntry, Math.abs(k[i * n + j]! - sum));
        }
      }
      if (rank === n) assert.ok(worstEntry < 1e-8, `full rank: largest |K - Phi Phi^T| = ${worstEntry}`);
      else assert.ok(worstEntry > 1e-6, 'a rank-12 basis of 60 points is not exact (the check can fail)');
    }
  });

  test('pivots are distinct and stop at the tolerance', () => {
    const rng = new Rng(2);
    const { points } = curves(rng, 30, 3, [0, 1]);
    const kernel = buildDefaultKernel({ d: 3, mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf' });
    const basis = pivotedCholesky(kernel, points, points.n, 1e-3);
    assert.equal(new Set(basis.pivots).size, basis.pivots.length);
    assert.ok(basis.rank < points.n, `rank ${basis.rank} of ${points.n}`);
    assert.ok(Math.max(...basis.residual) <= 1e-3);
  });
});

describe('FITC sparse GP against the exact GP (R&W Algorithm 2.1) as reference', () => {
  // Same hyperparameters, all points inducing: FITC's C = Phi Phi^T + sigma^2 I is then the exact K + sigma^2 I.
  const rng = new Rng(3);
  const d = 3;
  const { points, y } = curves(rng, 40, d, [0, 0.5, 1]);
  const theta = [Math.log(0.8), Math.log(0.6), Math.log(1.5), Math.log(0.9), Math.log(1e-3)];
  const warmStart = hyperparametersFromTheta(d, config, theta);
  // the sparse path has no term for the mean coefficients' uncertainty (R&W eq. 2.41): compare without it
  const exact = fitGp(points, y, { ...config, meanUncertainty: false }, { warmStart, fixed: true });
  const sparse = fitSparseGp(points, y, config, { warmStart, fixed: true, subsetSize: points.n, maxInducing: points.n, residualTolerance: 1e-9 });
  const query = pool(new Rng(4), 25, d, 1, 1);
  const cheap = pool(new Rng(5), 25, d, 0, 0.5);

  test('full rank: posterior mean and variance, covariances, LML and leave-one-out match', () => {
    assert.equal(sparse.inducingPoints, points.n);
    const a = sparse.posterior(query);
    const b = exact.posterior(query);
    assert.ok(maxAbsDifference(a.mean, b.mean) < 1e-6, `mean ${maxAbsDifference(a.mean, b.mean)}`);
    assert.ok(maxAbsDifference(a.variance, b.variance) < 1e-7, `variance ${maxAbsDifference(a.variance, b.variance)}`);
    assert.ok(maxAbsDifference(sparse.covariance(query, cheap), exact.covariance(query, cheap)) < 1e-7);
    assert.ok(maxAbsDifference(sparse.crossCovarianceDiag(query, cheap), exact.crossCovarianceDiag(query, cheap)) < 1e-7);
    const joint = sparse.jointPosterior(cheap, query);
    assert.ok(maxAbsDifference(joint.second.mean, b.mean) < 1e-6);
    assert.ok(maxAbsDifference(joint.crossCovariance, exact.crossCovarianceDiag(cheap, query)) < 1e-7);
    assert.ok(Math.abs(sparse.logMarginalLikelihood - exact.logMarginalLikelihood) < 1e-5 * Math.abs(exact.logMarginalLikelihood), `${sparse.logMarginalLikelihood} vs ${exact.logMarginalLikelihood}`);
    const looA = sparse.leaveOneOut();
    const looB = exact.leaveOneOut();
    assert.ok(maxAbsDifference(looA.mean, looB.mean) < 1e-5, `loo mean ${maxAbsDifference(looA.mean, looB.mean)}`);
    assert.ok(maxAbsDifference(looA.variance, looB.variance) < 1e-7);
  });

  test('conditioning on fantasies matches the exact GP conditioned on the same points', () => {
    const extra = pool(new Rng(6), 4, d, 0.6, 1);
    const values = Float64Array.from([2.9, 3.1, 2.7, 3.0]);
    // The fantasies are inside the span of the full-rank basis only approximately: compare at a basis that covers
    // them by conditioning both models on training points (exactly representable).
    const fromTraining: PointSet = { n: 3, d, data: points.data.slice(0, 3 * (d + 2)) };
    const a = sparse.conditionOn(fromTraining, Float64Array.from([2.5, 2.6, 2.7])).posterior(query);
    const b = exact.conditionOn(fromTraining, Float64Array.from([2.5, 2.6, 2.7])).posterior(query);
    assert.ok(maxAbsDifference(a.mean, b.mean) < 1e-6, `mean ${maxAbsDifference(a.mean, b.mean)}`);
    assert.ok(maxAbsDifference(a.variance, b.variance) < 1e-7);
    // Off the basis the FITC update still shrinks the variance at the fantasy and moves the mean toward its value.
    const before = sparse.posterior(extra);
    const after = sparse.conditionOn(extra, values).posterior(extra);
    for (let i = 0; i < extra.n; i++) assert.ok(after.variance[i]! <= before.variance[i]! + 1e-12);
    assert.equal(sparse.conditionOn(extra, values).n, points.n + extra.n);
  });

  test('the target copies kept from the last joint call give the same joint posterior to the last bit', () => {
    const low = (): SparseGp => fitSparseGp(points, y, config, { warmStart, fixed: true, subsetSize: points.n, maxInducing: 30 });
    const model = low();
    const other = pool(new Rng(9), 25, d, 0.6, 0.5);
    model.jointPosterior(cheap, query); // keeps query's features
    const hit = model.jointPosterior(other, query);
    const fresh = low().jointPosterior(other, query);
    assert.deepEqual(Array.from(hit.first.mean), Array.from(fresh.first.mean));
    assert.deepEqual(Array.from(hit.first.variance), Array.from(fresh.first.variance));
    assert.deepEqual(Array.from(hit.second.mean), Array.from(fresh.second.mean));
    assert.deepEqual(Array.from(hit.second.variance), Array.from(fresh.second.variance));
    assert.deepEqual(Array.from(hit.crossCovariance), Array.from(fresh.crossCovariance));
    // other target rows: computed anew, not the kept ones
    const moved = model.jointPosterior(query, cheap);
    assert.deepEqual(Array.from(moved.second.mean), Array.from(low().posterior(cheap).mean));
  });

  test('a low-rank basis changes the answer only a little (and the check can tell)', () => {
    const low = fitSparseGp(points, y, config, { warmStart, fixed: true, subsetSize: points.n, maxInducing: 30 });
    assert.equal(low.inducingPoints, 30);
    const a = low.posterior(query);
    const b = exact.posterior(query);
    const difference = maxAbsDifference(a.mean, b.mean);
    assert.ok(difference > 1e-9, 'rank 30 of 120 is not exact');
    assert.ok(spearman(Array.from(a.mean), Array.from(b.mean)) > 0.9);
  });
});

describe('fitSurrogate', () => {
  test(`exact GP up to ${SPARSE_ABOVE} observations, sparse above`, () => {
    const rng = new Rng(7);
    const small = curves(rng, 10, 3, [0, 1]);
    assert.ok(!(fitSurrogate(small.points, small.y, config, { fixed: true }) instanceof SparseGp));
    assert.ok(fitSurrogate(small.points, small.y, config, { fixed: true, sparseAbove: 10 }) instanceof SparseGp);
  });

  test('the stable subset changes by at most one point when one observation is added, and keeps target points', () => {
    const rng = new Rng(8);
    const { points, y } = curves(rng, 100, 3, [0, 0.5, 1]);
    const dim = points.d + 2;
    const fewer: PointSet = { n: points.n - 1, d: points.d, data: points.data.slice(0, (points.n - 1) * dim) };
    const key = (p: PointSet, i: number): string => Array.from(p.data.subarray(i * dim, i * dim + dim)).join(',');
    const a = new Set(stableSubset(fewer, y.slice(0, points.n - 1), 120).map((i) => key(fewer, i)));
    const b = stableSubset(points, y, 120).map((i) => key(points, i));
    assert.ok(b.filter((k) => !a.has(k)).length <= 1);
    const isTarget = (i: number): boolean => points.data[i * dim + 3] === 1 && points.data[i * dim + 4] === 1;
    const all = Array.from({ length: points.n }, (_, i) => i).filter(isTarget).length;
    assert.ok(all < 40 && all > 20);
    // every target point makes it (up to a third of the subset), where a uniform subset would keep about 40% of them
    assert.equal(stableSubset(points, y, 120).filter(isTarget).length, all);
    assert.equal(stableSubset(points, y, 30).filter(isTarget).length, 10);
  });

  test('target-fidelity predictions over a pool agree with the exact GP fitted on all data (Spearman >= 0.95)', (t) => {
    // 280 runs x 3 checkpoints = 840 observations, above SPARSE_ABOVE: both models fitted from scratch as the engine does.
    const rng = new Rng(11);
    const d = 5;
    const { points, y } = curves(rng, 280, d, [0, 0.5, 1]);
    assert.ok(points.n > SPARSE_ABOVE);
    // the engine's configuration: linear trend in the mixture kernel, the size-and-steps trend (names carry over)
    const engineConfig: GpConfig = { ...config, ...MODEL_DEFAULTS };
    const sparse = fitSurrogate(points, y, engineConfig, { restarts: 2, seed: 0 });
    assert.ok(sparse instanceof SparseGp);
    const exact = fitGp(points, y, engineConfig, { restarts: 2, seed: 0 });
    assert.ok(sparse.hyperparameters().names.includes('mixture.linear.variance'));
    assert.deepEqual(sparse.hyperparameters().names, exact.hyperparameters().names);
    const candidates = pool(new Rng(12), 300, d, 1, 1);
    const a = sparse.posterior(candidates);
    const b = exact.posterior(candidates);
    const rho = spearman(Array.from(a.mean), Array.from(b.mean));
    t.diagnostic(`Spearman ${rho.toFixed(4)} over 300 candidates, ${sparse.inducingPoints} inducing points, n = ${points.n}`);
    assert.ok(rho >= 0.95, `Spearman ${rho.toFixed(4)}`);
  });
});

describe('the update after a run arrives: the earlier model\'s basis reused', () => {
  const rng = new Rng(21);
  const d = 4;
  const all = curves(rng, 300, d, [0, 0.5, 1]); // 900 observations
  const dim = d + 2;
  const first = (count: number): { points: PointSet; y: Float64Array } => ({ points: { n: count, d, data: all.points.data.slice(0, count * dim) }, y: all.y.slice(0, count) });
  const before = first(all.points.n - 3); // the last run (3 checkpoints) arrives
  // a basis at its cap (40 of 900 points), as on large data: the rebuilt basis may pick other inducing points
  const options = { seed: 0, subsetSize: 300, maxInducing: 40 };
  const previous = fitSparseGp(before.points, before.y, config, { ...options, restarts: 1 });
  const hp = previous.hyperparameters();
  const queries = pool(new Rng(22), 200, d, 1, 1);

  test('on the same data it is the same model', () => {
    const again = fitSparseGp(before.points, before.y, config, { ...options, warmStart: hp, fixed: true, reuse: previous });
    const a = again.posterior(queries);
    const b = previous.posterior(queries);
    assert.ok(maxAbsDifference(a.mean, b.mean) < 1e-10, `mean ${maxAbsDifference(a.mean, b.mean)}`);
    assert.ok(maxAbsDifference(a.variance, b.variance) < 1e-10);
    assert.ok(Math.abs(again.logMarginalLikelihood - previous.logMarginalLikelihood) < 1e-8);
  });

  test('one more run: the same inducing points, predictions as the rebuilt basis and the exact GP give', (t) => {
    const reused = fitSparseGp(all.points, all.y, config, { ...options, warmStart: hp, fixed: true, reuse: previous });
    const rebuilt = fitSparseGp(all.points, all.y, config, { ...options, warmStart: hp, fixed: true });
    const exact = fitGp(all.points, all.y, { ...config, meanUncertainty: false }, { warmStart: hp, fixed: true });
    assert.equal(reused.n, all.points.n);
    assert.equal(reused.inducingPoints, previous.inducingPoints);
    // the pool and the new run's own points (in the model now: the rebuilt basis has them as data too)
    const added: PointSet = { n: 3, d, data: all.points.data.slice(before.points.n * dim) };
    const where: PointSet = { n: queries.n + 3, d, data: Float64Array.from([...queries.data, ...added.data]) };
    const a = reused.posterior(where);
    const b = rebuilt.posterior(where);
    const c = exact.posterior(queries);
    let worst = 0;
    for (let i = 0; i < where.n; i++) worst = Math.max(worst, Math.abs(a.mean[i]! - b.mean[i]!) / Math.sqrt(b.variance[i]!));
    const rho = spearman(Array.from(a.mean.subarray(0, queries.n)), Array.from(c.mean));
    t.diagnostic(`reused vs rebuilt basis: largest mean difference ${worst.toFixed(4)} sd; Spearman vs the exact GP ${rho.toFixed(4)}`);
    assert.ok(worst < 0.05, `${worst} sd`);
    assert.ok(rho >= 0.95, `Spearman ${rho}`);
  });

  test('B updated by rank-one terms: adding a run and removing it again gives back the first model', () => {
    const grown = fitSparseGp(all.points, all.y, config, { ...options, warmStart: hp, fixed: true, reuse: previous });
    const back = fitSparseGp(before.points, before.y, config, { ...options, warmStart: hp, fixed: true, reuse: grown });
    const a = back.posterior(queries);
    const b = previous.posterior(queries);
    assert.ok(maxAbsDifference(a.mean, b.mean) < 1e-8, `mean ${maxAbsDifference(a.mean, b.mean)}`);
    assert.ok(maxAbsDifference(a.variance, b.variance) < 1e-8, `variance ${maxAbsDifference(a.variance, b.variance)}`);
    assert.ok(Math.abs(back.logMarginalLikelihood - previous.logMarginalLikelihood) < 1e-6 * Math.abs(previous.logMarginalLikelihood));
    // a model conditioned on fantasies has them among its rows: refitted on the data alone, their terms leave B
    const fantasies = pool(new Rng(23), 2, d, 0.6, 1);
    const conditioned = previous.conditionOn(fantasies, Float64Array.from([2.9, 3.1]));
    const without = fitSparseGp(before.points, before.y, config, { ...options, warmStart: hp, fixed: true, reuse: conditioned });
    assert.ok(maxAbsDifference(without.posterior(queries).mean, b.mean) < 1e-8);
  });

  test('not reused when the hyperparameters differ, or a new point is poorly covered while the basis could grow', () => {
    const moved = hyperparametersFromTheta(d, config, hp.theta.map((x, i) => (i === 0 ? x + 0.3 : x)));
    const withMoved = fitSparseGp(all.points, all.y, config, { ...options, warmStart: moved, fixed: true, reuse: previous });
    const coldMoved = fitSparseGp(all.points, all.y, config, { ...options, warmStart: moved, fixed: true });
    assert.ok(maxAbsDifference(withMoved.posterior(queries).mean, coldMoved.posterior(queries).mean) < 1e-12);
    // a basis below its cap (tolerance reached) meets a point far from every inducing point: built afresh
    const small = first(60);
    const loose = { seed: 0, subsetSize: 60, maxInducing: 60, residualTolerance: 0.5 };
    const low = fitSparseGp(small.points, small.y, config, { ...loose, warmStart: hp, fixed: true });
    assert.ok(low.inducingPoints < 60, `${low.inducingPoints} inducing`);
    const far: PointSet = { n: 61, d, data: new Float64Array(61 * dim) };
    far.data.set(small.points.data);
    far.data.set([1, 0, 0, 0, 0.3, 0.2], 60 * dim); // a vertex of the simplex at a size and step no run has
    const farY = Float64Array.from([...small.y, 3.2]);
    const grown = fitSparseGp(far, farY, config, { ...loose, warmStart: hp, fixed: true, reuse: low });
    const fresh = fitSparseGp(far, farY, config, { ...loose, warmStart: hp, fixed: true });
    assert.equal(grown.inducingPoints, fresh.inducingPoints);
    assert.ok(maxAbsDifference(grown.posterior(queries).mean, fresh.posterior(queries).mean) < 1e-12);
  });
});
