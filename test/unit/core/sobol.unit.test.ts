import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sobol } from '../../../src/core/sobol';
import { Rng } from '../../../src/core/random';

/** Largest |fraction of points in [0, c) - volume of [0, c)| over `boxes` random anchored boxes. */
function anchoredBoxError(points: Float64Array, n: number, d: number, boxes: number, seed: number): number {
  const rng = new Rng(seed);
  let worst = 0;
  const corner = new Float64Array(d);
  for (let b = 0; b < boxes; b++) {
    let volume = 1;
    for (let j = 0; j < d; j++) {
      corner[j] = 0.2 + 0.8 * rng.next();
      volume *= corner[j]!;
    }
    let inside = 0;
    for (let i = 0; i < n; i++) {
      let all = true;
      for (let j = 0; j < d && all; j++) all = points[i * d + j]! < corner[j]!;
      if (all) inside++;
    }
    worst = Math.max(worst, Math.abs(inside / n - volume));
  }
  return worst;
}

describe('Sobol', () => {
  test('the first points for d = 2 are the textbook Sobol sequence', () => {
    const sobol = new Sobol(2);
    const expected = [
      [0, 0],
      [0.5, 0.5],
      [0.75, 0.25],
      [0.25, 0.75],
      [0.375, 0.375],
      [0.875, 0.875],
      [0.625, 0.125],
      [0.125, 0.625],
    ];
    for (const [k, point] of expected.entries()) {
      const got = sobol.next();
      assert.deepEqual(Array.from(got), point, `point ${k}`);
    }
  });

  test('every point lies in [0, 1)^d, for d up to 128', () => {
    for (const d of [1, 3, 17, 64, 128]) {
      const points = new Sobol(d, d).take(300);
      for (const x of points) assert.ok(x >= 0 && x < 1, `d = ${d}: ${x}`);
    }
  });

  test('each coordinate of the first 2^m points hits every dyadic interval of width 2^-m exactly once', () => {
    const d = 40;
    const m = 8;
    const n = 1 << m;
    const points = new Sobol(d).take(n);
    for (let j = 0; j < d; j++) {
      const hits = new Uint16Array(n);
      for (let i = 0; i < n; i++) hits[Math.floor(points[i * d + j]! * n)]!++;
      assert.ok(hits.every((h) => h === 1), `coordinate ${j} is not stratified`);
    }
  });

  test('scrambled replicates differ from each other but keep the stratification', () => {
    const n = 64;
    const a = new Sobol(5, 1).take(n);
    const b = new Sobol(5, 2).take(n);
    assert.notDeepEqual(Array.from(a), Array.from(b));
    for (let j = 0; j < 5; j++) {
      const cells = new Set<number>();
      for (let i = 0; i < n; i++) cells.add(Math.floor(a[i * 5 + j]! * n));
      assert.equal(cells.size, n);
    }
  });

  test('lower discrepancy than uniform random points on an anchored-box count', () => {
    const d = 4;
    const n = 1024;
    const sobolError = anchoredBoxError(new Sobol(d).take(n), n, d, 300, 5);
    let randomWins = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const rng = new Rng(seed);
      const random = Float64Array.from({ length: n * d }, () => rng.next());
      if (anchoredBoxError(random, n, d, 300, 5) <= sobolError) randomWins++;
    }
    assert.equal(randomWins, 0, `Sobol box error ${sobolError.toFixed(4)} beaten by random in ${randomWins}/5`);
    // A random set of 1,024 points has box error of order 1/sqrt(n) ~ 0.03; Sobol is near log(n)^d / n.
    assert.ok(sobolError < 0.015, `Sobol box error ${sobolError}`);
  });

  test('rejects a dimension outside 1..128', () => {
    assert.throws(() => new Sobol(0), RangeError);
    assert.throws(() => new Sobol(129), RangeError);
    assert.throws(() => new Sobol(2.5), RangeError);
  });
});
