import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGp } from '../../../src/core/gp/fit';
import type { GpConfig } from '../../../src/core/gp/config';
import { Rng } from '../../../src/core/random';
import { checkTransfer } from '../../../src/core/transfer';
import type { LeaveOneOutModel } from '../../../src/core/transfer';
import type { Observation, PointSet } from '../../../src/core/types';

const d = 3;

function pointsOf(rows: readonly Observation[]): PointSet {
  const data = new Float64Array(rows.length * (d + 2));
  rows.forEach((r, i) => {
    data.set(r.w, i * (d + 2));
    data[i * (d + 2) + d] = r.s;
    data[i * (d + 2) + d + 1] = r.z;
  });
  return { n: rows.length, d, data };
}

/** 12 target runs and 48 cheap runs (the cheap ones at mixtures of their own and at the target's). */
function study(cheapValue: (truth: number, rng: Rng) => number): Observation[] {
  const rng = new Rng(5);
  const rows: Observation[] = [];
  for (let i = 0; i < 60; i++) {
    const e = Float64Array.from({ length: d }, () => -Math.log(1 - rng.next()));
    const total = e.reduce((a, b) => a + b, 0);
    const w = e.map((x) => x / total);
    const truth = 2 + Math.sin(5 * w[0]!) + 0.5 * w[1]!;
    const atTarget = i % 5 === 0;
    rows.push({ w, s: atTarget ? 1 : 0, z: 1, y: atTarget ? truth + 0.01 * rng.normal() : cheapValue(truth, rng) });
  }
  return rows;
}

function check(rows: readonly Observation[]) {
  const config: GpConfig = { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'quadratic', linear: true, sizeLevels: true, trend: true };
  const all = fitGp(pointsOf(rows), Float64Array.from(rows, (r) => r.y), config, { seed: 1, restarts: 2 });
  const own = rows.filter((r) => r.s === 1);
  const targetOnly = fitGp(pointsOf(own), Float64Array.from(own, (r) => r.y), { ...config, mean: 'constant' }, { seed: 1, restarts: 2 });
  return checkTransfer(all, targetOnly, rows, { s: 1, z: 1 });
}

describe('transfer check (leave-one-out at the target)', () => {
  test('a cheap size that tracks the target is used; a cheap size that is noise is not', () => {
    const tracks = check(study((truth, rng) => truth + 0.7 + 0.01 * rng.normal()));
    const noise = check(study((_, rng) => 3 + rng.normal()));
    assert.equal(tracks.targetRuns, 12);
    assert.ok(tracks.useCheap, `tracking: with cheap ${tracks.withCheap.toFixed(3)}, target only ${tracks.targetOnly.toFixed(3)}`);
    assert.ok(tracks.withCheap > tracks.targetOnly + 0.5);
    assert.ok(!noise.useCheap, `noise: with cheap ${noise.withCheap.toFixed(3)}, target only ${noise.targetOnly.toFixed(3)}`);
  });

  test('scores are mean log predictive densities of the left-out target runs; a tie keeps the target-only model', () => {
    const rows: Observation[] = [
      { w: Float64Array.of(1, 0, 0), s: 0, z: 1, y: 5 },
      { w: Float64Array.of(0, 1, 0), s: 1, z: 1, y: 1 },
      { w: Float64Array.of(0, 0, 1), s: 1, z: 1, y: 2 },
    ];
    const model = (mean: number[], variance: number[]): LeaveOneOutModel => ({ leaveOneOut: () => ({ mean: Float64Array.from(mean), variance: Float64Array.from(variance) }) });
    const density = (y: number, m: number, v: number): number => -0.5 * (Math.log(2 * Math.PI * v) + ((y - m) * (y - m)) / v);
    const result = checkTransfer(model([9, 1.5, 2], [1, 0.25, 1]), model([1, 2.5], [1, 4]), rows, { s: 1, z: 1 });
    assert.ok(Math.abs(result.withCheap - (density(1, 1.5, 0.25) + density(2, 2, 1)) / 2) < 1e-12);
    assert.ok(Math.abs(result.targetOnly - (density(1, 1, 1) + density(2, 2.5, 4)) / 2) < 1e-12);
    const tie = checkTransfer(model([0, 1, 2], [1, 1, 1]), model([1, 2], [1, 1]), rows, { s: 1, z: 1 });
    assert.equal(tie.withCheap, tie.targetOnly);
    assert.equal(tie.useCheap, false);
    assert.throws(() => checkTransfer(model([0, 1, 2], [1, 1, 1]), model([1], [1]), rows, { s: 1, z: 1 }), /target-only model has 1/);
  });
});

describe('leaveOneOutAt', () => {
  test('equals leaveOneOut at the chosen observations, in their order', () => {
    const rng = new Rng(5);
    const n = 40;
    const dim = d + 2;
    const data = new Float64Array(n * dim);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const e = [0, 1, 2].map(() => -Math.log(1 - rng.next()));
      const total = e[0]! + e[1]! + e[2]!;
      for (let m = 0; m < d; m++) data[i * dim + m] = e[m]! / total;
      data[i * dim + d] = i % 3 === 0 ? 1 : 0.4;
      data[i * dim + d + 1] = 1;
      y[i] = Math.sin(4 * data[i * dim]!) + data[i * dim + d]! + 0.05 * rng.normal();
    }
    const gp = fitGp({ n, d, data }, y, { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'linear' }, { seed: 1 });
    const indices = [33, 0, 17, 39];
    const some = gp.leaveOneOutAt(indices);
    const all = gp.leaveOneOut();
    indices.forEach((index, k) => {
      assert.ok(Math.abs(some.mean[k]! - all.mean[index]!) < 1e-9 * (1 + Math.abs(all.mean[index]!)));
      assert.ok(Math.abs(some.variance[k]! - all.variance[index]!) < 1e-9 * all.variance[index]!);
    });
    assert.throws(() => gp.leaveOneOutAt([n]), /outside/);
  });
});
