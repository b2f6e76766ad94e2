// The extrapolation check: the model's own error one size down widens the interval at a target size with no run.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGp } from '../../../src/core/gp/fit';
import type { GpConfig } from '../../../src/core/gp/config';
import { extrapolationCheck, extrapolationCheckAlong } from '../../../src/core/extrapolation';
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

describe('extrapolationCheck along the steps', () => {
  /** runs of the target size and a smaller one, each logged at the step coordinates `zs` */
  function curves(zs: readonly number[], lossAt: (z: number) => number, seed: number): Observation[] {
    const rng = new Rng(seed);
    return [0.5, 1].flatMap((s) =>
      Array.from({ length: 8 }, () => {
        const e = [0, 1, 2].map(() => -Math.log(1 - rng.next()));
        const total = e[0]! + e[1]! + e[2]!;
        const w = Float64Array.from(e, (x) => x / total);
        return zs.map((z) => ({ w, s, z, y: lossAt(z) + 0.3 * (1 - s) + 0.05 * (w[0]! - 0.3) ** 2 + 0.002 * rng.normal() }));
      }).flat(),
    );
  }

  test('with the target size run but not to its steps, the later checkpoints are left out and predicted from the earlier', () => {
    // the loss falls slowly, then fast in steps: the early checkpoints cannot show it
    const observations = curves([0, 0.2, 0.4, 0.6], (z) => 2 - 0.1 * z - 1.5 * z ** 3, 5);
    const check = extrapolationCheck(fitted(observations), observations, target);
    assert.ok(check, 'made while no observation is at the target steps');
    assert.equal(check.axis, 'z');
    // (1 - 0.6) below 0.6 is 0.2: the checkpoints at 0.4 and 0.6 are left out, the rest keeps 0 and 0.2
    assert.ok(Math.abs(check.cut - 0.4) < 1e-9, `cut ${check.cut}`);
    assert.equal(check.heldOut, 2 * 8 * 2);
    assert.ok(Math.abs(check.reach - 1) < 1e-9, `reach (1 - 0.6) / (0.6 - 0.2), got ${check.reach}`);
    assert.ok(check.zScale > 3, `z-scale ${check.zScale}`);
    assert.ok(Math.abs(check.factor - check.zScale) < 1e-9, `factor ${check.factor}`);
  });

  test('dense learning curves: the cut is as far below the largest checkpoint as the target is above it', () => {
    const zs = Array.from({ length: 9 }, (_, i) => 0.4 + 0.05 * i); // 0.4 .. 0.8
    const observations = curves(zs, (z) => 2 - 0.4 * z, 6);
    const check = extrapolationCheck(fitted(observations), observations, target);
    assert.ok(check && check.axis === 'z');
    assert.ok(Math.abs(check.cut - 0.65) < 1e-9, `levels above 0.8 - 0.2 = 0.6 are left out, cut ${check.cut}`);
    assert.ok(Math.abs(check.reach - 0.2 / 0.2) < 1e-9, `reach ${check.reach}`);
    assert.ok(check.factor >= 1);
  });

  test("its size and steps seen only apart: the wider of the two checks; none once at the target", () => {
    const observations = curves([0, 0.5], (z) => 2 - 0.4 * z, 7);
    const apart = [...observations, { w: Float64Array.from([0.3, 0.3, 0.4]), s: 0.5, z: 1, y: 1.9 }];
    const hp = fitted(apart);
    const check = extrapolationCheck(hp, apart, target);
    const bySize = extrapolationCheckAlong('s', hp, apart, target);
    const bySteps = extrapolationCheckAlong('z', hp, apart, target);
    assert.ok(check && bySize && bySteps);
    // the target size's 16 checkpoints from the smaller size; the one long checkpoint from the shorter ones
    assert.ok(bySize.cut === 1 && bySize.heldOut === 16 && bySize.reach === 0, JSON.stringify(bySize));
    assert.ok(bySteps.cut === 1 && bySteps.heldOut === 1, JSON.stringify(bySteps));
    assert.deepEqual(check, bySteps.factor > bySize.factor ? bySteps : bySize);
    const atTarget = [...observations, { w: Float64Array.from([0.3, 0.3, 0.4]), s: 1, z: 1, y: 1.6 }];
    assert.equal(extrapolationCheck(fitted(atTarget), atTarget, target), undefined);
  });
});
