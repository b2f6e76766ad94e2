// The extrapolation check: the model's own error one size down widens the interval at a target size with no run.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGp } from '../../../src/core/gp/fit';
import type { GpConfig } from '../../../src/core/gp/config';
import { extrapolationCheck } from '../../../src/core/extrapolation';
import { pointsFromRows } from '../../../src/core/points';
import { Rng } from '../../../src/core/random';
import type { Observation } from '../../../src/core/types';

const config: GpConfig = { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'quadratic', linear: true, trend: true };
const target = { s: 1, z: 1 };

function runs(sizes: readonly number[], lossAt: (s: number) => number, seed: number): Observation[] {
  const rng = new Rng(seed);
  return sizes.flatMap((s) =>
    Array.from({ length: 12 }, () => {
      const e = [0, 1, 2].map(() => -Math.log(1 - rng.next()));
      const total = e[0]! + e[1]! + e[2]!;
      const w = Float64Array.from(e, (x) => x / total);
      return { w, s, z: 1, y: lossAt(s) + 0.05 * (w[0]! - 0.3) ** 2 + 0.002 * rng.normal() };
    }),
  );
}

const fitted = (observations: readonly Observation[]) => fitGp(pointsFromRows(3, observations), Float64Array.from(observations, (o) => o.y), config, { seed: 1 }).hyperparameters();

describe('extrapolationCheck', () => {
  test('a size effect the smaller sizes cannot show: the largest size is predicted badly, and the factor says so', () => {
    // log loss falls slowly, then fast: a straight line through the two smaller sizes misses the third
    const observations = runs([0.2, 0.4, 0.6], (s) => 1.4 - 0.1 * s - 1.2 * s ** 3, 2);
    const check = extrapolationCheck(fitted(observations), observations, target);
    assert.ok(check, 'made while the target size has no run');
    assert.equal(check.heldOut, 12);
    assert.ok(Math.abs(check.reach - 2) < 1e-9, `reach (1 - 0.6) / (0.6 - 0.4), got ${check.reach}`);
    assert.ok(check.zScale > 3, `z-scale ${check.zScale}`);
    assert.ok(Math.abs(check.factor - check.zScale * check.reach) < 1e-9);
  });

  test('never below 1, and not made with a target run or a single size', () => {
    const linear = runs([0.2, 0.4, 0.6], (s) => 1.4 - 0.3 * s, 3);
    const check = extrapolationCheck(fitted(linear), linear, target);
    assert.ok(check && check.factor >= 1);
    const withTarget = [...linear, { w: Float64Array.from([0.3, 0.3, 0.4]), s: 1, z: 1, y: 1.1 }];
    assert.equal(extrapolationCheck(fitted(withTarget), withTarget, target), undefined);
    const single = runs([0.4], () => 1.2, 4);
    assert.equal(extrapolationCheck(fitted(single), single, target), undefined);
  });
});
