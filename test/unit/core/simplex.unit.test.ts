import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { boxFor, projectToBox, refineOnSimplex, sampleMixtures } from '../../../src/core/simplex';
import type { Box } from '../../../src/core/simplex';
import { Rng } from '../../../src/core/random';
import { CoreInputError } from '../../../src/core/types';
import type { Fidelity, MixtureSpace } from '../../../src/core/types';

const TOL = 1e-9;

function space(d: number, lower?: number[], upper?: number[], fixed?: Map<number, number>): MixtureSpace {
  return {
    d,
    lower: Float64Array.from(lower ?? new Array<number>(d).fill(0)),
    upper: Float64Array.from(upper ?? new Array<number>(d).fill(1)),
    ...(fixed ? { fixed } : {}),
  };
}

function assertFeasible(w: ArrayLike<number>, box: Box, label: string): void {
  let sum = 0;
  for (let i = 0; i < box.d; i++) {
    const x = w[i]!;
    assert.ok(x >= box.lower[i]! - TOL && x <= box.upper[i]! + TOL, `${label}: w[${i}] = ${x} outside [${box.lower[i]}, ${box.upper[i]}]`);
    sum += x;
  }
  assert.ok(Math.abs(sum - 1) < 1e-12, `${label}: sum ${sum}`);
}

function distance2(a: ArrayLike<number>, b: ArrayLike<number>, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
}

describe('boxFor', () => {
  test('tightens upper bounds by data availability and pins fixed weights', () => {
    const fidelity: Fidelity = { label: '1B', s: 1, z: 1, cost: 1, maxWeight: Float64Array.from([0.3, Infinity, 2]) };
    const box = boxFor(space(3, [0, 0.1, 0], [1, 1, 0.8], new Map([[1, 0.2]])), fidelity);
    assert.deepEqual(Array.from(box.upper), [0.3, 0.2, 0.8]);
    assert.deepEqual(Array.from(box.lower), [0, 0.2, 0]);
    assert.deepEqual(Array.from(box.fixed), [0, 1, 0]);
  });

  test('infeasible bounds give a CoreInputError that says why and names the domain', () => {
    const names = ['web', 'code', 'books'];
    assert.throws(() => boxFor(space(3, [0.5, 0.4, 0.3]), undefined, names), (e: unknown) => e instanceof CoreInputError && /lower bounds.*sum to 1\.2000 > 1/.test(e.message));
    assert.throws(() => boxFor(space(3, undefined, [0.3, 0.3, 0.3]), undefined, names), (e: unknown) => e instanceof CoreInputError && /upper bounds sum to 0\.9000 < 1/.test(e.message));
    assert.throws(() => boxFor(space(3, [0, 0.6, 0], [1, 0.5, 1]), undefined, names), (e: unknown) => e instanceof CoreInputError && /code must be at least 0\.6 but at most 0\.5/.test(e.message));
    const capped: Fidelity = { label: '1B', s: 1, z: 1, cost: 1, maxWeight: Float64Array.from([0.2, 0.2, 0.2]) };
    assert.throws(() => boxFor(space(3), capped, names), (e: unknown) => e instanceof CoreInputError && /at 1B/.test(e.message) && /data availability caps web, code, books/.test(e.message));
    const pinned: Fidelity = { label: '60M', s: 0.5, z: 1, cost: 0.1, maxWeight: Float64Array.from([1, 0.05, 1]) };
    assert.throws(() => boxFor(space(3, [0, 0.1, 0]), pinned, names), (e: unknown) => e instanceof CoreInputError && /code must be at least 0\.1 but at most 0\.05 \(data availability at 60M\)/.test(e.message));
  });
});

describe('sampleMixtures', () => {
  test('mixtures sum to 1 and respect bounds, fixed weights and availability caps', () => {
    const d = 6;
    const fidelity: Fidelity = { label: 'small', s: 0, z: 1, cost: 1, maxWeight: Float64Array.from([0.15, Infinity, 0.5, Infinity, Infinity, 0.05]) };
    const box = boxFor(space(d, [0, 0.05, 0, 0.1, 0, 0], [1, 0.6, 1, 1, 0.4, 1], new Map([[2, 0.25]])), fidelity);
    const n = 500;
    const ws = sampleMixtures(box, n, 3);
    for (let k = 0; k < n; k++) {
      const w = ws.subarray(k * d, k * d + d);
      assertFeasible(w, box, `mixture ${k}`);
      assert.equal(w[2], 0.25, 'fixed weight moved');
      assert.ok(w[0]! <= 0.15 + TOL && w[5]! <= 0.05 + TOL, 'availability cap broken');
    }
  });

  test('points spread over the simplex: distinct, some sparse, every domain gets large weights somewhere', () => {
    const d = 5;
    const box = boxFor(space(d));
    const n = 256;
    const ws = sampleMixtures(box, n, 9);
    const keys = new Set<string>();
    let sparse = 0;
    const maxPerDomain = new Float64Array(d);
    for (let k = 0; k < n; k++) {
      const w = ws.subarray(k * d, k * d + d);
      keys.add(Array.from(w, (x) => x.toFixed(9)).join(','));
      if (w.some((x) => x === 0)) sparse++;
      for (let i = 0; i < d; i++) maxPerDomain[i] = Math.max(maxPerDomain[i]!, w[i]!);
    }
    assert.equal(keys.size, n);
    assert.ok(sparse >= n / 4, `only ${sparse} sparse mixtures`);
    assert.ok(maxPerDomain.every((x) => x > 0.6), `max weights ${Array.from(maxPerDomain)}`);
  });

  test('works for d = 1, d = 64 and d = 200 (beyond the Sobol dimensions)', () => {
    const one = sampleMixtures(boxFor(space(1)), 4, 0);
    assert.deepEqual(Array.from(one), [1, 1, 1, 1]);
    for (const d of [64, 200]) {
      const box = boxFor(space(d));
      const ws = sampleMixtures(box, 20, 1);
      for (let k = 0; k < 20; k++) assertFeasible(ws.subarray(k * d, k * d + d), box, `d ${d} mixture ${k}`);
    }
  });
});

describe('projectToBox', () => {
  test('returns the nearest feasible point (brute force over a fine grid, d = 3)', () => {
    const box = boxFor(space(3, [0.1, 0, 0.05], [0.7, 0.5, 1]));
    const rng = new Rng(4);
    const step = 0.0025;
    const grid: number[][] = [];
    for (let a = 0; a <= 1 + 1e-12; a += step) {
      for (let b = 0; a + b <= 1 + 1e-12; b += step) {
        const c = 1 - a - b;
        const w = [a, b, c];
        if (w.every((x, i) => x >= box.lower[i]! - 1e-12 && x <= box.upper[i]! + 1e-12)) grid.push(w);
      }
    }
    for (let k = 0; k < 40; k++) {
      const v = [2 * rng.next() - 0.5, 2 * rng.next() - 0.5, 2 * rng.next() - 0.5];
      const p = projectToBox(v, box);
      assertFeasible(p, box, `projection ${k}`);
      let bestGrid = Infinity;
      for (const g of grid) bestGrid = Math.min(bestGrid, distance2(v, g, 3));
      const ours = distance2(v, p, 3);
      assert.ok(ours <= bestGrid + 1e-12, `projection ${k} of ${v}: distance^2 ${ours} > grid ${bestGrid}`);
      // and the grid point nearest to the projection is within the grid's resolution of it
      assert.ok(Math.sqrt(bestGrid) - Math.sqrt(ours) < 2 * step);
    }
  });

  test('is the identity on feasible points and never moves fixed weights', () => {
    const box = boxFor(space(4, undefined, undefined, new Map([[0, 0.3]])));
    const w = [0.3, 0.2, 0.1, 0.4];
    assert.deepEqual(Array.from(projectToBox(w, box)).map((x) => +x.toFixed(12)), w);
    const rng = new Rng(8);
    for (let k = 0; k < 100; k++) {
      const v = Array.from({ length: 4 }, () => 3 * rng.normal());
      const p = projectToBox(v, box);
      assertFeasible(p, box, `random ${k}`);
      assert.equal(p[0], 0.3);
    }
  });

  test('satisfies the optimality conditions in higher dimension (w_i = clip(v_i - tau))', () => {
    const d = 17;
    const rng = new Rng(12);
    const lower = Array.from({ length: d }, () => 0.02 * rng.next());
    const upper = Array.from({ length: d }, () => 0.2 + 0.6 * rng.next());
    const box = boxFor(space(d, lower, upper));
    for (let k = 0; k < 30; k++) {
      const v = Array.from({ length: d }, () => rng.normal() * 0.3);
      const p = projectToBox(v, box);
      assertFeasible(p, box, `projection ${k}`);
      // every coordinate strictly inside its bounds is shifted by the same tau
      const shifts = p.reduce<number[]>((acc, x, i) => (x > box.lower[i]! + 1e-9 && x < box.upper[i]! - 1e-9 ? [...acc, v[i]! - x] : acc), []);
      for (const s of shifts) assert.ok(Math.abs(s - shifts[0]!) < 1e-9, `shifts differ: ${shifts}`);
      // and a random feasible point is never closer
      const q = sampleMixtures(box, 20, k);
      for (let j = 0; j < 20; j++) assert.ok(distance2(v, p, d) <= distance2(v, q.subarray(j * d, j * d + d), d) + 1e-12);
    }
  });
});

describe('refineOnSimplex', () => {
  test('stays feasible and never makes the objective worse; moves towards the optimum', () => {
    const d = 6;
    const box = boxFor(space(d, [0, 0, 0.05, 0, 0, 0], [0.5, 1, 1, 0.3, 1, 1], new Map([[4, 0.1]])));
    const optimum = projectToBox([0.45, 0.1, 0.05, 0.3, 0.1, 0], box);
    const objective = (w: ArrayLike<number>): number => -distance2(w, optimum, d);
    const ws = sampleMixtures(box, 10, 2);
    for (let k = 0; k < 10; k++) {
      const start = ws.slice(k * d, k * d + d);
      const startScore = objective(start);
      let calls = 0;
      const result = refineOnSimplex(
        start,
        startScore,
        box,
        (rows, count) => {
          calls++;
          const out = new Float64Array(count);
          for (let r = 0; r < count; r++) {
            const w = rows.subarray(r * d, r * d + d);
            assertFeasible(w, box, `scored row in start ${k}`);
            out[r] = objective(w);
          }
          return out;
        },
        { rounds: 30, seed: k },
      );
      assert.ok(calls > 0);
      assertFeasible(result.w, box, `result ${k}`);
      assert.equal(result.w[4], 0.1);
      assert.ok(result.score >= startScore, `start ${k}: ${result.score} < ${startScore}`);
      assert.equal(result.score, objective(result.w));
      assert.ok(-result.score < -startScore * 0.5 || -startScore < 1e-4, `start ${k}: little progress ${startScore} -> ${result.score}`);
    }
  });

  test('with fewer than two free domains nothing moves', () => {
    const box = boxFor(space(3, undefined, undefined, new Map([[0, 0.5], [1, 0.2]])));
    const start = Float64Array.from([0.5, 0.2, 0.3]);
    const result = refineOnSimplex(start, 1, box, () => {
      throw new Error('should not score');
    });
    assert.deepEqual(Array.from(result.w), [0.5, 0.2, 0.3]);
  });
});
