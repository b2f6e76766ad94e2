import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fitLinear,
  fitMixingLaw,
  gpMethod,
  mixingLawMethod,
  predictLinear,
  predictMixingLaw,
  randomAtTarget,
  randomMixtures,
  recommendByValueOrPrediction,
  regmixMethod,
  sobolAtTarget,
  sobolMixtures,
} from '../../../src/bench/baselines';
import type { CandidateRow, ObservedRow, SelectionMethod } from '../../../src/bench/baselines';
import { Rng } from '../../../src/core/random';
import type { Fidelity } from '../../../src/core/types';
import { CoreInputError } from '../../../src/core/types';

function dirichletRows(n: number, d: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < d; j++) {
      out[i * d + j] = -Math.log(1 - rng.next());
      sum += out[i * d + j]!;
    }
    for (let j = 0; j < d; j++) out[i * d + j] = out[i * d + j]! / sum;
  }
  return out;
}

function expectMixtures(ws: Float64Array, d: number): void {
  for (let i = 0; i < ws.length / d; i++) {
    let sum = 0;
    for (let j = 0; j < d; j++) {
      assert.ok(ws[i * d + j]! >= -1e-12, `row ${i} has a negative weight`);
      sum += ws[i * d + j]!;
    }
    assert.ok(Math.abs(sum - 1) < 1e-9, `row ${i} sums to ${sum}`);
  }
}

describe('space-filling designs', () => {
  test('random and Sobol mixtures lie on the simplex and are reproducible by seed', () => {
    const space = { d: 5, lower: new Float64Array(5), upper: new Float64Array(5).fill(1) };
    for (const make of [randomMixtures, sobolMixtures]) {
      const a = make(space, 50, 3);
      expectMixtures(a, 5);
      assert.deepEqual(a, make(space, 50, 3));
      assert.notDeepEqual(a, make(space, 50, 4));
    }
  });

  test('random mixtures respect lower and upper bounds', () => {
    const space = { d: 3, lower: Float64Array.from([0.2, 0, 0]), upper: Float64Array.from([1, 0.3, 1]) };
    const ws = randomMixtures(space, 30, 1);
    expectMixtures(ws, 3);
    for (let i = 0; i < 30; i++) {
      assert.ok(ws[i * 3]! >= 0.2 - 1e-12);
      assert.ok(ws[i * 3 + 1]! <= 0.3 + 1e-12);
    }
  });
});

describe('RegMix linear regression', () => {
  test('recovers the predictions of a known linear law (coefficients up to the sum-to-one direction)', () => {
    const d = 6;
    const ws = dirichletRows(80, d, 1);
    const truth = [1.5, -0.4, 0.3, 2.0, -1.1, 0.7];
    const y = Float64Array.from({ length: 80 }, (_, i) => 3 + truth.reduce((a, t, j) => a + t * ws[i * d + j]!, 0));
    const model = fitLinear(ws, y, d, 1e-9);
    const test = dirichletRows(20, d, 2);
    const predicted = predictLinear(model, test, d);
    for (let i = 0; i < 20; i++) {
      const expected = 3 + truth.reduce((a, t, j) => a + t * test[i * d + j]!, 0);
      assert.ok(Math.abs(predicted[i]! - expected) < 1e-5, `row ${i}: ${predicted[i]} vs ${expected}`);
    }
    // Differences of coefficients are identified (weights sum to 1): beta_j - beta_0 = t_j - t_0.
    for (let j = 1; j < d; j++) assert.ok(Math.abs(model.coefficients[j]! - model.coefficients[0]! - (truth[j]! - truth[0]!)) < 1e-5);
  });

  test('ridge shrinks the coefficients', () => {
    const d = 4;
    const ws = dirichletRows(30, d, 3);
    const y = Float64Array.from({ length: 30 }, (_, i) => 5 * ws[i * d]!);
    const loose = fitLinear(ws, y, d, 1e-9);
    const tight = fitLinear(ws, y, d, 10);
    const norm = (c: Float64Array): number => Math.hypot(...c);
    assert.ok(norm(tight.coefficients) < norm(loose.coefficients) / 2);
  });

  test('rejects non-finite values naming the row', () => {
    assert.throws(() => fitLinear(new Float64Array([0.5, 0.5, 1, 0]), [1, NaN], 2), (e: unknown) => e instanceof CoreInputError && /observation 1/.test(e.message));
    assert.throws(() => fitLinear(new Float64Array(3), [1, 2], 2), CoreInputError);
  });
});

describe('Data Mixing Law', () => {
  test('recovers a known exponential law c + k exp(t.w)', () => {
    const d = 5;
    const ws = dirichletRows(60, d, 5);
    const t = [-1.2, 0.4, 1.5, -0.3, 0.2];
    const law = (row: Float64Array, i: number): number => 2 + 0.6 * Math.exp(t.reduce((a, tj, j) => a + tj * row[i * d + j]!, 0));
    const y = Float64Array.from({ length: 60 }, (_, i) => law(ws, i));
    const fitted = fitMixingLaw(ws, y, d, 0);
    assert.ok(Math.abs(fitted.c - 2) < 1e-3, `c = ${fitted.c}`);
    // t is identified up to a common shift absorbed by k (weights sum to 1).
    for (let j = 1; j < d; j++) assert.ok(Math.abs(fitted.t[j]! - fitted.t[0]! - (t[j]! - t[0]!)) < 1e-2, `t[${j}] - t[0] = ${fitted.t[j]! - fitted.t[0]!}`);
    const test = dirichletRows(15, d, 6);
    const predicted = predictMixingLaw(fitted, test, d);
    for (let i = 0; i < 15; i++) assert.ok(Math.abs(predicted[i]! - law(test, i)) < 1e-3);
  });

  test('a linear method cannot fit the curvature the law captures', () => {
    const d = 3;
    const ws = dirichletRows(40, d, 7);
    const y = Float64Array.from({ length: 40 }, (_, i) => 1 + Math.exp(4 * ws[i * d]!));
    const lawError = predictMixingLaw(fitMixingLaw(ws, y, d, 0), ws, d).reduce((a, p, i) => a + (p - y[i]!) ** 2, 0);
    const linearError = predictLinear(fitLinear(ws, y, d, 1e-9), ws, d).reduce((a, p, i) => a + (p - y[i]!) ** 2, 0);
    assert.ok(lawError < linearError / 100, `law ${lawError}, linear ${linearError}`);
  });
});

// A small world: 3 domains, a cheap and a target fidelity, values from a smooth function.
const cheap: Fidelity = { label: 'small', s: 0, z: 1, cost: 0.01 };
const target: Fidelity = { label: 'big', s: 1, z: 1, cost: 1 };
const d = 3;
const targetWs = dirichletRows(24, d, 11);
const cheapWs = dirichletRows(40, d, 12);
const value = (w: ArrayLike<number>, s: number): number => (w[0]! - 0.6) ** 2 + (w[1]! - 0.3) ** 2 + 0.1 * (1 - s);
const rowsOf = (ws: Float64Array, f: Fidelity): CandidateRow[] => Array.from({ length: ws.length / d }, (_, i) => ({ w: ws.slice(i * d, i * d + d), fidelity: f }));
const allRows = [...rowsOf(cheapWs, cheap), ...rowsOf(targetWs, target)];
const targetRows = allRows.filter((r) => r.fidelity === target).map((r) => r.w);

function play(method: SelectionMethod, seed: number, steps: number, valueOf = value): { picks: CandidateRow[]; observations: ObservedRow[]; recommended: number } {
  const run = method.start(seed, d);
  const observations: ObservedRow[] = [{ ...allRows[0]!, y: valueOf(allRows[0]!.w, 0) }];
  const picks: CandidateRow[] = [];
  for (let k = 0; k < steps; k++) {
    const candidates = allRows.filter((r) => !observations.some((o) => o.w === r.w));
    const index = run.choose({ candidates, observations, target, fidelities: [cheap, target], spent: k, budget: 100 });
    if (index < 0) break;
    const row = candidates[index]!;
    assert.ok(row, `${method.name} picked index ${index} of ${candidates.length}`);
    picks.push(row);
    observations.push({ ...row, y: valueOf(row.w, row.fidelity.s) });
  }
  return { picks, observations, recommended: run.recommend({ targetRows, observations, target }) };
}

describe('methods behind one interface', () => {
  const methods: SelectionMethod[] = [
    randomAtTarget,
    sobolAtTarget,
    regmixMethod(),
    mixingLawMethod(),
    gpMethod({ fidelities: 'target' }),
    gpMethod({ fidelities: 'all', refitEvery: 4 }),
  ];
  for (const method of methods) {
    test(`${method.name}: picks unobserved rows only, recommends a valid target row, is reproducible by seed`, () => {
      const a = play(method, 1, 8);
      assert.ok(a.picks.length > 0);
      const keys = a.picks.map((p) => allRows.indexOf(p));
      assert.equal(new Set(keys).size, keys.length, 'a row was picked twice');
      assert.ok(!keys.includes(0), 'the initial observation was picked again');
      assert.ok(a.recommended >= 0 && a.recommended < targetRows.length);
      const b = play(method, 1, 8);
      assert.deepEqual(b.picks.map((p) => allRows.indexOf(p)), keys);
      assert.equal(b.recommended, a.recommended);
    });
  }

  test('target-only methods pick target rows only and stop (-1) when none is left', () => {
    for (const method of [randomAtTarget, sobolAtTarget, regmixMethod(), gpMethod({ fidelities: 'target' })]) {
      const run = method.start(0, d);
      const observations: ObservedRow[] = [{ ...allRows[0]!, y: 1 }];
      const onlyCheap = allRows.filter((r) => r.fidelity === cheap).slice(1);
      assert.equal(run.choose({ candidates: onlyCheap, observations, target, fidelities: [cheap, target], spent: 0, budget: 1 }), -1, method.name);
      const mixed = allRows.slice(30, 45);
      const index = run.choose({ candidates: mixed, observations, target, fidelities: [cheap, target], spent: 0, budget: 10 });
      assert.equal(mixed[index]?.fidelity, target, method.name);
    }
  });

  test('RegMix finds the best target row of a linear law after d + 2 target runs (every seed)', () => {
    const linear = (w: ArrayLike<number>, s: number): number => 2 * w[0]! - w[1]! + 0.5 * w[2]! + (1 - s);
    const best = Math.min(...targetRows.map((w) => linear(w, 1)));
    for (let seed = 0; seed < 5; seed++) {
      const { recommended } = play(regmixMethod({ recommendRule: 'prediction' }), seed, d + 2, linear);
      assert.equal(linear(targetRows[recommended]!, 1), best, `seed ${seed}`);
    }
  });

  test('single-fidelity GP BO beats random at the target on a smooth function (summed regret over seeds)', () => {
    const bestValue = Math.min(...targetRows.map((w) => value(w, 1)));
    const regretOf = (method: SelectionMethod): number => {
      let total = 0;
      for (let seed = 0; seed < 6; seed++) total += value(targetRows[play(method, seed, 12).recommended]!, 1) - bestValue;
      return total;
    };
    const random = regretOf(randomAtTarget);
    const gp = regretOf(gpMethod({ fidelities: 'target' }));
    assert.ok(gp < random, `GP ${gp}, random ${random}`);
  });

  test('recommendation: measured values win over predictions', () => {
    const observations: ObservedRow[] = [{ w: targetRows[2]!, fidelity: target, y: 0.5 }];
    const predicted = targetRows.map((_, i) => (i === 2 ? 9 : 1));
    assert.equal(recommendByValueOrPrediction({ targetRows, observations, target }, predicted), 2);
    const worse: ObservedRow[] = [{ w: targetRows[2]!, fidelity: target, y: 2 }];
    assert.notEqual(recommendByValueOrPrediction({ targetRows, observations: worse, target }, predicted), 2);
  });
});
