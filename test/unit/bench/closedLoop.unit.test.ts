import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { lawsFromRegmixTable, optimumOf, randomSearchSeed, regretAt, runCostInTargetRuns, runLoopSeed, summariseLoop } from '../../../src/bench/closedLoop';
import type { LoopSeed, LoopStep } from '../../../src/bench/closedLoop';
import { PretrainingSimulator, SIM_GROUPS } from '../../../src/bench/simulator';
import type { SimulatorLaws } from '../../../src/bench/simulator';
import { spearman } from '../../../src/bench/synthetic';
import { Rng } from '../../../src/core/random';

const fitted = lawsFromRegmixTable(readFileSync('bench/regmix-table.csv', 'utf8'));
if ('error' in fitted) throw new Error(fitted.error);
const laws: SimulatorLaws = fitted;

function randomMixtures(n: number, seed: number): Float64Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const w = Float64Array.from(SIM_GROUPS, () => -Math.log(1 - rng.next()));
    const t = w.reduce((a, b) => a + b, 0);
    return w.map((v) => v / t);
  });
}

describe('the pre-training simulator (laws fitted to the RegMix runs)', () => {
  const sim = new PretrainingSimulator(laws, 0);
  const optimum = optimumOf(laws);

  test('the optimum lies on the face w_noise = 0 and beats the uniform mixture and every random mixture', () => {
    assert.equal(SIM_GROUPS[4], 'noise');
    assert.ok(optimum.w[4]! < 1e-6, `w_noise = ${optimum.w[4]}`);
    for (let j = 0; j < 4; j++) assert.ok(optimum.w[j]! > 0.05, `domain ${SIM_GROUPS[j]} is used`);
    assert.ok(optimum.value < sim.truth(new Float64Array(5).fill(0.2), 1e9, 25000) - 0.01);
    for (const w of randomMixtures(300, 3)) assert.ok(sim.truth(w, 1e9, 25000) >= optimum.value);
  });

  test('loss falls with model size and with steps; small models rank target mixtures well but not perfectly', () => {
    const w = optimum.w;
    assert.ok(sim.truth(w, 2e7, 25000) > sim.truth(w, 1.5e8, 25000) && sim.truth(w, 1.5e8, 25000) > sim.truth(w, 1e9, 25000));
    assert.ok(sim.truth(w, 1e9, 2000) > sim.truth(w, 1e9, 10000) && sim.truth(w, 1e9, 10000) > sim.truth(w, 1e9, 25000));
    const ws = randomMixtures(200, 5);
    const target = ws.map((x) => sim.truth(x, 1e9, 25000));
    const rho = spearman(ws.map((x) => sim.truth(x, 2e7, 25000)), target);
    assert.ok(rho > 0.5 && rho < 0.995, `Spearman 20M vs 1B ${rho}`);
  });

  test('a run reports the checkpoints up to its length, with run-level and checkpoint noise', () => {
    const noisy = new PretrainingSimulator(laws, 1);
    const run = noisy.train(optimum.w, 6e7, 10000);
    assert.deepEqual(run.map((c) => c.step), [2000, 5000, 10000]);
    const errors = Array.from({ length: 400 }, () => {
      const last = noisy.train(optimum.w, 1e9, 25000).at(-1)!;
      return last.losses.reduce((a, b) => a + b, 0) / last.losses.length - optimum.value;
    });
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    const sd = Math.sqrt(errors.reduce((a, e) => a + (e - mean) ** 2, 0) / errors.length);
    assert.ok(Math.abs(mean) < 0.003, `mean error ${mean}`);
    assert.ok(sd > 0.008 && sd < 0.0125, `sd ${sd} vs sqrt(0.01^2 + 0.003^2) = 0.0104`);
  });
});

describe('the closed loop through the engine', () => {
  test('three engine steps: suggestions are trained and logged, the recommendation is scored, costs add up', async () => {
    const optimum = optimumOf(laws).value;
    const seed = await runLoopSeed(laws, 3, { budget: 10, maxSteps: 3, optimum });
    assert.equal(seed.stopped, 'max-steps');
    // no recommendation before the first run; one after each of the first two runs (the third is scored next call)
    assert.equal(seed.steps.length, 2);
    for (const s of seed.steps) assert.ok(s.regret >= 0 && s.regret < 1, `regret ${s.regret}`);
    const trained = seed.steps.map((s) => s.next!).filter(Boolean);
    assert.ok(seed.spent > 0 && seed.spent <= 10);
    const total = Object.values(seed.byModel).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - seed.spent) < 1e-12);
    assert.ok(trained.length >= 1);
    assert.equal(runCostInTargetRuns(1e9, 25000), 1);
    assert.ok(Math.abs(runCostInTargetRuns(1e8, 5000) - 0.02) < 1e-15);
  });

  test('random search: regret never rises as runs are added (best measured is kept)', () => {
    const steps = randomSearchSeed(laws, 0, 30, optimumOf(laws).value);
    assert.equal(steps.length, 30);
    assert.ok(steps.every((s) => s.regret >= 0));
  });

  test('summary: the compute ratio, regret at 1 unit, coverage and budget shares from fabricated seeds', () => {
    const step = (cost: number, regret: number, covered: boolean, at?: string): LoopStep => ({ cost, regret, covered, shown: { mean: 2 + cost / 10, lower: 1.9, upper: 2.1, truth: 2, ...(at ? { at } : {}) } });
    const seeds: LoopSeed[] = [
      { seed: 0, steps: [step(0.1, 0.05, false, '20M'), step(1, 0.02, true), step(10, 0.01, true)], spent: 10, byModel: { '1B': 6, '20M': 4 }, stopped: 'budget', seconds: 1 },
      { seed: 1, steps: [step(0.1, 0.04, true), { ...step(1, 0.01, true), versus: { probabilityBetter: 0.9, truthGap: -0.001 } }, { ...step(10, 0.02, false), versus: { probabilityBetter: 0.6, truthGap: 0.002 } }], spent: 10, byModel: { '1B': 10 }, stopped: 'over-budget-suggestion', seconds: 3 },
    ];
    // random: regret 0.1 / k after k runs
    const random = [0, 1].map(() => Array.from({ length: 40 }, (_, k) => step(k + 1, 0.1 / (k + 1), false)));
    const s = summariseLoop(seeds, random, 10, 2);
    assert.ok(Math.abs(s.finalMixopt - 0.015) < 1e-15, 'median of 0.01 and 0.02');
    // random's median regret 0.1 / k reaches 0.015 at 7 runs (0.0143): 7 / 10
    assert.ok(Math.abs(s.randomComputeRatio - 0.7) < 1e-12, String(s.randomComputeRatio));
    assert.equal(s.notWorseThanAtOne, 1, 'seed 0 ends at 0.01 <= 0.02; seed 1 ends at 0.02 > 0.01');
    assert.equal(s.coverage, 4 / 6);
    assert.equal(s.coverageAfterHalf, 1 / 2);
    assert.equal(s.coverageAfterTenth, 4 / 6, 'every step is at 0.1 units or more');
    assert.equal(s.shownBelowTarget, 1 / 6, 'one step showed its value at the one size run');
    assert.equal(s.coverageAtTarget, 4 / 5, 'the other five, of which four held the truth');
    assert.ok(Math.abs(s.meanBias - (0.01 + 0.1 + 1 + 0.01 + 0.1 + 1) / 6) < 1e-12, String(s.meanBias));
    assert.deepEqual(s.shareByModel, { '1B': 0.8, '20M': 0.2 });
    assert.equal(s.overBudgetSuggestions, 1);
    assert.equal(s.versus.steps, 2);
    assert.ok(Math.abs(s.versus.meanProbability - 0.75) < 1e-12, String(s.versus.meanProbability));
    assert.equal(s.versus.trulyBetter, 1 / 2, 'the first weighed step was right, the second was not');
    assert.equal(regretAt(seeds[0]!.steps, 0.5), 0.05);
    assert.ok(Number.isNaN(regretAt(seeds[0]!.steps, 0.01)));
  });
});
