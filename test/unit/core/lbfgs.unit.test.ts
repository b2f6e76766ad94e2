import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { minimize } from '../../../src/core/lbfgs';

function rosenbrock(x: Float64Array): { value: number; gradient: Float64Array } {
  let value = 0;
  const gradient = new Float64Array(x.length);
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    const b = 1 - x[i]!;
    value += 100 * a * a + b * b;
    gradient[i] = gradient[i]! - 400 * a * x[i]! - 2 * b;
    gradient[i + 1] = gradient[i + 1]! + 200 * a;
  }
  return { value, gradient };
}

describe('projected L-BFGS', () => {
  for (const size of [2, 5, 10]) {
    test(`Rosenbrock in ${size} dimensions from (-1.2, 1, ...) reaches (1, ..., 1)`, () => {
      const start = Float64Array.from({ length: size }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
      const result = minimize(rosenbrock, start, { maxIterations: 2000 });
      assert.ok(result.converged, result.reason);
      assert.ok(result.value < 1e-8, `f = ${result.value}`);
      for (const value of result.x) assert.ok(Math.abs(value - 1) < 1e-3, `x = ${Array.from(result.x)}`);
    });
  }

  test('Rosenbrock with the minimum cut off by upper bounds ends on the bound', () => {
    const result = minimize(rosenbrock, Float64Array.from([-1.2, 1]), {
      lower: Float64Array.from([-2, -2]),
      upper: Float64Array.from([0.5, 0.5]),
    });
    // Constrained optimum: x0 = 0.5 on its bound, x1 = x0^2 = 0.25 free; f = 0.25.
    assert.ok(Math.abs(result.x[0]! - 0.5) < 1e-12);
    assert.ok(Math.abs(result.x[1]! - 0.25) < 1e-4);
    assert.ok(Math.abs(result.value - 0.25) < 1e-8);
  });

  test('ill-conditioned quadratic with a lower bound active', () => {
    const scales = [1, 10, 100, 1000];
    const target = [3, -2, 1, -5];
    const objective = (x: Float64Array) => {
      let value = 0;
      const gradient = new Float64Array(x.length);
      x.forEach((v, i) => {
        value += 0.5 * scales[i]! * (v - target[i]!) ** 2;
        gradient[i] = scales[i]! * (v - target[i]!);
      });
      return { value, gradient };
    };
    const result = minimize(objective, new Float64Array(4), { lower: Float64Array.from([-10, -10, -10, -1]), relativeTolerance: 0 });
    assert.equal(result.reason, 'gradient');
    assert.ok(result.converged);
    const expected = [3, -2, 1, -1];
    result.x.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `x${i} = ${v}`));
  });

  test('start outside the bounds is projected; x never leaves the box', () => {
    const lower = Float64Array.from([0, 0]);
    const upper = Float64Array.from([1, 1]);
    const seen: number[][] = [];
    const result = minimize(
      (x) => {
        seen.push(Array.from(x));
        return { value: (x[0]! + 1) ** 2 + (x[1]! - 3) ** 2, gradient: Float64Array.from([2 * (x[0]! + 1), 2 * (x[1]! - 3)]) };
      },
      Float64Array.from([5, -5]),
      { lower, upper },
    );
    for (const x of seen) assert.ok(x[0]! >= 0 && x[0]! <= 1 && x[1]! >= 0 && x[1]! <= 1);
    assert.deepEqual(Array.from(result.x), [0, 1]);
    assert.equal(result.reason, 'gradient');
  });

  test('a region where the objective is NaN is backed out of', () => {
    // f = x^2 - 4x for x < 3, NaN beyond: a full Newton-like step from 0 lands in the NaN region at first.
    const result = minimize(
      (x) => (x[0]! < 3 ? { value: x[0]! ** 2 - 4 * x[0]!, gradient: Float64Array.from([2 * x[0]! - 4]) } : { value: NaN, gradient: Float64Array.from([NaN]) }),
      Float64Array.from([-10]),
    );
    assert.ok(Math.abs(result.x[0]! - 2) < 1e-5, `x = ${result.x[0]}`);
  });

  test('non-finite start is reported, not thrown', () => {
    const result = minimize(() => ({ value: NaN, gradient: new Float64Array(1) }), new Float64Array(1));
    assert.equal(result.reason, 'non-finite-start');
    assert.equal(result.converged, false);
  });

  test('maxIterations is respected', () => {
    const result = minimize(rosenbrock, Float64Array.from([-1.2, 1]), { maxIterations: 3 });
    assert.equal(result.reason, 'max-iterations');
    assert.equal(result.iterations, 3);
  });
});
