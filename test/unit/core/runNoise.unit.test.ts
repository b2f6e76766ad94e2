// The noise a run's checkpoints share (kernels/runNoise.ts): its covariance, gradient and prepared form, that it
// adds nothing to predictions, and what it does to a fitted GP on runs observed at several step counts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGp } from '../../../src/core/gp/fit';
import { hyperparameterNames } from '../../../src/core/gp/hyperparameters';
import { hasRunsWithCheckpoints, RunNoiseKernel, runGroups } from '../../../src/core/kernels/runNoise';
import { cholesky } from '../../../src/core/linalg';
import { pointsFromRows } from '../../../src/core/points';
import type { PointRow } from '../../../src/core/points';
import { Rng } from '../../../src/core/random';

const d = 3;
/** runs x checkpoints rows: run r has mixture w_r, size s_r and checkpoints at z = 0.25, 0.5, 0.75, 1 */
function runRows(rng: Rng, runs: number, checkpoints: number): PointRow[] {
  const rows: PointRow[] = [];
  for (let r = 0; r < runs; r++) {
    const raw = Array.from({ length: d }, () => -Math.log(1 - rng.next()));
    const total = raw.reduce((a, b) => a + b, 0);
    const w = raw.map((x) => x / total);
    const s = r % 2 === 0 ? 1 : 0.5;
    for (let c = 0; c < checkpoints; c++) rows.push({ w, s, z: (c + 1) / checkpoints });
  }
  return rows;
}

describe('RunNoiseKernel', () => {
  const rng = new Rng(3);
  const points = pointsFromRows(d, runRows(rng, 5, 3));
  const kernel = new RunNoiseKernel({ variance: 0.2 });
  const n = points.n;

  test('groups the checkpoints of a run: same mixture and size, any step count', () => {
    const groups = runGroups(points);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.equal(groups[i] === groups[j], Math.floor(i / 3) === Math.floor(j / 3));
    assert.equal(hasRunsWithCheckpoints(points), true);
    const oneEach = pointsFromRows(d, runRows(new Rng(4), 6, 1));
    assert.equal(hasRunsWithCheckpoints(oneEach), false);
    // two runs of one mixture and size at the same step count are replicates, not checkpoints
    const replicate = pointsFromRows(d, [{ w: [0.2, 0.3, 0.5], s: 1, z: 1 }, { w: [0.2, 0.3, 0.5], s: 1, z: 1 }]);
    assert.equal(hasRunsWithCheckpoints(replicate), false);
  });

  test('adds v within a run to the observations\' covariance, positive semidefinite', () => {
    const k = kernel.matrix(points);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.equal(k[i * n + j], Math.floor(i / 3) === Math.floor(j / 3) ? 0.2 : 0);
    const shifted = Float64Array.from(k);
    for (let i = 0; i < n; i++) shifted[i * n + i] = shifted[i * n + i]! + 1e-9;
    assert.equal(cholesky(shifted, n).jitter, 0);
  });

  test('adds nothing between point sets or to a prediction\'s prior variance', () => {
    const other = pointsFromRows(d, runRows(new Rng(9), 2, 2));
    assert.ok(kernel.matrix(points, other).every((v) => v === 0));
    assert.ok(kernel.matrix(points, points).every((v) => v === 0), 'K(a, b) is zero even for b = a (WhiteKernel semantics)');
    assert.ok(kernel.diag(points).every((v) => v === 0));
    assert.ok(kernel.pairwise(points, points).every((v) => v === 0));
  });

  test('gradient and prepared contraction match finite differences in log space', () => {
    const { k, dk } = kernel.gradient(points);
    const h = 1e-6;
    const plus = kernel.withTheta([kernel.theta[0]! + h]).matrix(points);
    const minus = kernel.withTheta([kernel.theta[0]! - h]).matrix(points);
    for (let i = 0; i < k.length; i++) assert.ok(Math.abs((plus[i]! - minus[i]!) / (2 * h) - dk[0]![i]!) < 1e-8);
    const prepared = kernel.prepare(points);
    const theta = [Math.log(0.05)];
    const kp = prepared.matrix(theta);
    const reference = kernel.withTheta(theta).matrix(points);
    for (let i = 0; i < kp.length; i++) assert.ok(Math.abs(kp[i]! - reference[i]!) < 1e-15);
    const weights = Float64Array.from({ length: n * n }, (_, i) => Math.sin(1 + Math.floor(i / n) * 0.7 + (i % n) * 0.3));
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) weights[j * n + i] = weights[i * n + j]!;
    let expected = 0;
    for (let i = 0; i < reference.length; i++) expected += weights[i]! * reference[i]!;
    assert.ok(Math.abs(prepared.contract(weights)[0]! - expected) < 1e-12 * (1 + Math.abs(expected)));
  });
});

describe('a GP with run noise', () => {
  // truth: a smooth mixture effect plus a steps trend; each run off by one shared offset (sd 0.05), each checkpoint
  // by its own (sd 0.005): the regime of real pre-training runs, where seeds matter more than evaluation noise
  const truth = (row: PointRow): number => 3 + 0.4 * Math.sin(4 * (row.w[0] ?? 0)) - 0.3 * (row.w[1] ?? 0) + 0.5 * (1 - row.z) + 0.2 * (1 - row.s);
  function simulate(seed: number): { rows: PointRow[]; y: Float64Array } {
    const rng = new Rng(seed);
    const rows = runRows(rng, 30, 4);
    const y = new Float64Array(rows.length);
    let offset = 0;
    rows.forEach((row, i) => {
      if (i % 4 === 0) offset = 0.05 * rng.normal();
      y[i] = truth(row) + offset + 0.005 * rng.normal();
    });
    return { rows, y };
  }
  const config = { mixtureKernel: 'matern52', ard: false, fidelityKernel: 'rbf', mean: 'linear', linear: true } as const;

  test('is fitted where runs have checkpoints, and its variance is of the runs\' offsets', () => {
    const { rows, y } = simulate(1);
    const points = pointsFromRows(d, rows);
    const model = fitGp(points, y, { ...config, runNoise: true });
    const hp = model.hyperparameters();
    assert.ok(hp.names.includes('run.noise'));
    const runVariance = hp.values['run.noise']! * hp.yStd * hp.yStd;
    assert.ok(runVariance > 0.5 * 0.05 ** 2 && runVariance < 2 * 0.05 ** 2, `run variance ${runVariance} against 0.0025`);
    assert.ok(model.noiseVariance < runVariance, `checkpoint noise ${model.noiseVariance} below the run's ${runVariance}`);
    // not with one observation per run, where it cannot be told from the noise
    const finals = rows.flatMap((row, i) => (i % 4 === 3 ? [i] : []));
    const single = fitGp(pointsFromRows(d, finals.map((i) => rows[i]!)), Float64Array.from(finals, (i) => y[i]!), { ...config, runNoise: true });
    assert.ok(!single.hyperparameters().names.includes('run.noise'));
    assert.ok(!hyperparameterNames(d, config).includes('run.noise'));
  });

  test('its 95% intervals at the runs\' own mixtures hold the noise-free truth; without it they are too narrow', () => {
    let heldWith = 0;
    let heldWithout = 0;
    let total = 0;
    for (const seed of [1, 2, 3, 4]) {
      const { rows, y } = simulate(seed);
      const points = pointsFromRows(d, rows);
      const finals = rows.filter((_, i) => i % 4 === 3);
      const at = pointsFromRows(d, finals);
      for (const [runNoise, count] of [[true, (h: number) => (heldWith += h)], [false, (h: number) => (heldWithout += h)]] as const) {
        const posterior = fitGp(points, y, { ...config, runNoise }).posterior(at);
        let held = 0;
        finals.forEach((row, i) => {
          if (Math.abs(posterior.mean[i]! - truth(row)) <= 1.96 * Math.sqrt(posterior.variance[i]!)) held++;
        });
        count(held);
      }
      total += finals.length;
    }
    assert.ok(heldWith / total >= 0.85, `with run noise: ${heldWith} of ${total}`);
    assert.ok(heldWithout < heldWith, `without: ${heldWithout} of ${total}, with: ${heldWith}`);
  });
});
