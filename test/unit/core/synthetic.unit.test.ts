// Multi-fidelity optimizer vs random search on synthetic problems with a known optimum on the simplex (issue 2):
// two fidelities, cheap = target + smooth bias, cost ratio 1:30. The optimizer as the engine runs it (fitGp with the
// engine's kernel, suggest with acquisition 'auto', recommend) must reach the optimum's neighbourhood (recommended
// mixture within the 0.1% quantile of the target over random mixtures) with less cost than random search at the
// target in at least 18 of 20 seeds. Per-seed costs are printed as test diagnostics.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGp } from '../../../src/core/gp/fit';
import type { GpConfig, GpHyperparameters } from '../../../src/core/gp/config';
import type { GaussianProcess } from '../../../src/core/gp/model';
import { Rng } from '../../../src/core/random';
import { recommend } from '../../../src/core/recommend';
import { suggest } from '../../../src/core/suggest';
import { Sobol } from '../../../src/core/sobol';
import type { Fidelity, MixtureSpace, Observation } from '../../../src/core/types';

// src/engine/engine.ts gpConfig with the study defaults (optimizer.kernel rbf, ard false, fidelity_kernel rbf) and
// a mean linear in (s, z) because more than one fidelity is observed.
const ENGINE_GP_CONFIG: GpConfig = { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'linear' };

const COST_RATIO = 30;
const CHEAP: Fidelity = { label: 'cheap', s: 0, z: 1, cost: 1 / COST_RATIO };
const TARGET: Fidelity = { label: 'target', s: 1, z: 1, cost: 1 };

interface Problem {
  readonly d: number;
  readonly optimum: Float64Array;
  /** target objective; minimum 0 at `optimum` */
  target(w: ArrayLike<number>): number;
  /** cheap objective: target plus a smooth bias */
  cheap(w: ArrayLike<number>): number;
  /** regret threshold of the optimum's neighbourhood */
  readonly epsilon: number;
}

/** Flat-Dirichlet point on the simplex. */
function randomMixture(rng: Rng, d: number): Float64Array {
  const w = Float64Array.from({ length: d }, () => -Math.log(1 - rng.next()));
  const total = w.reduce((s, x) => s + x, 0);
  return w.map((x) => x / total);
}

/**
 * Target: sum_i a_i (w_i - w*_i)^2 with a_i in [1, 3] and w* a Dirichlet(3) draw (interior). Cheap: target + 0.3 +
 * 0.25 sum_i c_i w_i + 0.05 sin(4 w_0) with c_i ~ N(0, 1): the bias moves the cheap optimum away from w*, so the
 * target must be sampled to find w*. The neighbourhood is the `quantile` of the target over random mixtures.
 */
function makeProblem(d: number, seed: number, quantile: number): Problem {
  const rng = new Rng(1000 + seed);
  const a = Float64Array.from({ length: d }, () => 1 + 2 * rng.next());
  const g = Float64Array.from({ length: d }, () => {
    let x = 0;
    for (let k = 0; k < 3; k++) x -= Math.log(1 - rng.next());
    return x;
  });
  const gTotal = g.reduce((s, x) => s + x, 0);
  const optimum = g.map((x) => x / gTotal);
  const c = Float64Array.from({ length: d }, () => rng.normal());
  const target = (w: ArrayLike<number>): number => {
    let v = 0;
    for (let i = 0; i < d; i++) v += a[i]! * (w[i]! - optimum[i]!) ** 2;
    return v;
  };
  const cheap = (w: ArrayLike<number>): number => {
    let bias = 0.3 + 0.05 * Math.sin(4 * w[0]!);
    for (let i = 0; i < d; i++) bias += 0.25 * c[i]! * w[i]!;
    return target(w) + bias;
  };
  const sample = new Rng(77 + seed);
  const values = Array.from({ length: 4000 }, () => target(randomMixture(sample, d))).sort((x, y) => x - y);
  return { d, optimum, target, cheap, epsilon: values[Math.floor(quantile * values.length)]! };
}

/** Pearson correlation of cheap and target values over random mixtures. */
function fidelityCorrelation(problem: Problem, samples: number, seed: number): number {
  const rng = new Rng(seed);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < samples; k++) {
    const w = randomMixture(rng, problem.d);
    xs.push(problem.cheap(w));
    ys.push(problem.target(w));
  }
  const mean = (v: number[]): number => v.reduce((s, x) => s + x, 0) / v.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let k = 0; k < samples; k++) {
    sxy += (xs[k]! - mx) * (ys[k]! - my);
    sxx += (xs[k]! - mx) ** 2;
    syy += (ys[k]! - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Cost random search at the target pays until its best mixture is in the neighbourhood (Infinity past `cap`). */
function randomSearchCost(problem: Problem, seed: number, cap: number): number {
  const rng = new Rng(5000 + seed);
  for (let k = 1; k <= cap; k++) if (problem.target(randomMixture(rng, problem.d)) <= problem.epsilon) return k * TARGET.cost;
  return Infinity;
}

interface OptimizerOptions {
  /** cheap runs of the initial design (Sobol mixtures) */
  readonly initialCheap: number;
  /** target runs of the initial design */
  readonly initialTarget: number;
  /** stop after this many suggestions */
  readonly iterations: number;
  /** refit the hyperparameters (warm-started) every this many suggestions; fixed in between */
  readonly refitEvery: number;
  /** candidate mixtures per suggestion */
  readonly samples: number;
}

interface OptimizerResult {
  /** cost paid when the recommendation first entered the neighbourhood (Infinity if it never did) */
  readonly cost: number;
  readonly iterations: number;
  readonly cheapRuns: number;
  readonly targetRuns: number;
}

function sobolMixtures(d: number, n: number, seed: number): Float64Array[] {
  const sobol = new Sobol(d, seed);
  return Array.from({ length: n }, () => {
    const u = sobol.next();
    const w = u.map((x) => -Math.log(1 - Math.min(x, 1 - 1e-12)));
    const total = w.reduce((s, x) => s + x, 0);
    return w.map((x) => x / total);
  });
}

/** The multi-fidelity optimizer as the engine runs it, on a synthetic problem. */
function runOptimizer(problem: Problem, seed: number, options: OptimizerOptions): OptimizerResult {
  const d = problem.d;
  const space: MixtureSpace = { d, lower: new Float64Array(d), upper: new Float64Array(d).fill(1) };
  const observations: Observation[] = [];
  let cost = 0;
  let cheapRuns = 0;
  let targetRuns = 0;
  const run = (w: Float64Array, fidelity: Fidelity): void => {
    const y = fidelity === TARGET ? problem.target(w) : problem.cheap(w);
    observations.push({ w, s: fidelity.s, z: fidelity.z, y });
    cost += fidelity.cost;
    if (fidelity === TARGET) targetRuns++;
    else cheapRuns++;
  };
  const design = sobolMixtures(d, options.initialCheap + options.initialTarget, seed + 1);
  design.forEach((w, i) => run(w, i < options.initialTarget ? TARGET : CHEAP));

  let hyperparameters: GpHyperparameters | undefined;
  let model: GaussianProcess | undefined;
  const fit = (refit: boolean): GaussianProcess => {
    const dim = d + 2;
    const data = new Float64Array(observations.length * dim);
    observations.forEach((o, i) => {
      data.set(o.w, i * dim);
      data[i * dim + d] = o.s;
      data[i * dim + d + 1] = o.z;
    });
    const y = Float64Array.from(observations, (o) => o.y);
    const points = { n: observations.length, d, data };
    const gp = hyperparameters
      ? fitGp(points, y, ENGINE_GP_CONFIG, { warmStart: hyperparameters, fixed: !refit, seed })
      : fitGp(points, y, ENGINE_GP_CONFIG, { restarts: 2, seed });
    hyperparameters = gp.hyperparameters();
    return gp;
  };
  const reached = (gp: GaussianProcess): boolean => {
    const rec = recommend(gp, { space, target: TARGET, observations, seed, samples: options.samples });
    return problem.target(rec.w) <= problem.epsilon;
  };

  model = fit(true);
  if (reached(model)) return { cost, iterations: 0, cheapRuns, targetRuns };
  for (let it = 1; it <= options.iterations; it++) {
    const [pick] = suggest(model, {
      space,
      fidelities: [CHEAP, TARGET],
      target: TARGET,
      observations,
      acquisition: 'auto',
      batch: 1,
      seed: seed * 1000 + it,
      samples: options.samples,
    });
    if (!pick) break;
    run(pick.w, pick.fidelity);
    model = fit(it % options.refitEvery === 0);
    if (reached(model)) return { cost, iterations: it, cheapRuns, targetRuns };
  }
  return { cost: Infinity, iterations: options.iterations, cheapRuns, targetRuns };
}

interface Comparison {
  readonly d: number;
  readonly correlation: number;
  readonly won: number;
  readonly seeds: number;
  readonly rows: { seed: number; optimizer: OptimizerResult; random: number }[];
}

function compare(d: number, seeds: number, quantile: number, options: OptimizerOptions, randomCap: number): Comparison {
  const rows: Comparison['rows'] = [];
  let won = 0;
  let correlation = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const problem = makeProblem(d, seed, quantile);
    correlation += fidelityCorrelation(problem, 2000, seed) / seeds;
    const optimizer = runOptimizer(problem, seed, options);
    const random = randomSearchCost(problem, seed, randomCap);
    if (optimizer.cost < random) won++;
    rows.push({ seed, optimizer, random });
  }
  return { d, correlation, won, seeds, rows };
}

const SETTINGS: Record<number, { quantile: number; options: OptimizerOptions; randomCap: number }> = {
  3: { quantile: 0.001, options: { initialCheap: 8, initialTarget: 2, iterations: 40, refitEvery: 5, samples: 128 }, randomCap: 20_000 },
  17: { quantile: 0.001, options: { initialCheap: 24, initialTarget: 3, iterations: 60, refitEvery: 10, samples: 256 }, randomCap: 20_000 },
};

const SEEDS = 20;
const REQUIRED_WINS = 18;

describe('multi-fidelity optimizer on synthetic problems', () => {
  for (const d of [3, 17]) {
    test(`d = ${d}: reaches the optimum's neighbourhood for less cost than random search in >= ${REQUIRED_WINS}/${SEEDS} seeds`, (t) => {
      const setting = SETTINGS[d]!;
      const started = performance.now();
      const result = compare(d, SEEDS, setting.quantile, setting.options, setting.randomCap);
      const costs = result.rows.map((r) => r.optimizer.cost);
      const finite = costs.filter(Number.isFinite).sort((a, b) => a - b);
      const randomCosts = result.rows.map((r) => r.random).sort((a, b) => a - b);
      t.diagnostic(
        `d = ${d}: cheap/target correlation ${result.correlation.toFixed(3)}, cost ratio 1:${COST_RATIO}; won ${result.won}/${SEEDS}; ` +
          `median cost optimizer ${finite[Math.floor(finite.length / 2)]?.toFixed(2) ?? 'never'} (reached in ${finite.length}/${SEEDS}), ` +
          `random ${randomCosts[SEEDS / 2]}; ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      // The cheap fidelity is informative but not the target itself.
      for (const row of result.rows) {
        const o = row.optimizer;
        t.diagnostic(`seed ${row.seed}: optimizer ${o.cost.toFixed(2)} (${o.iterations} suggestions, ${o.cheapRuns} cheap + ${o.targetRuns} target runs), random ${row.random}`);
      }
      assert.ok(result.correlation > 0.5 && result.correlation < 0.995, `correlation ${result.correlation}`);
      assert.ok(result.won >= REQUIRED_WINS, `won only ${result.won}/${SEEDS}: ${JSON.stringify(result.rows.map((r) => [r.optimizer.cost, r.random]))}`);
    });
  }

  test('the problems have their optimum on the simplex and a cheap optimum elsewhere', () => {
    for (const d of [3, 17]) {
      const problem = makeProblem(d, 0, 0.001);
      const sum = problem.optimum.reduce((s, x) => s + x, 0);
      assert.ok(Math.abs(sum - 1) < 1e-12 && problem.optimum.every((x) => x > 0));
      assert.equal(problem.target(problem.optimum), 0);
      assert.ok(problem.epsilon > 0);
      // moving along the cheap function's descent direction within the simplex lowers it: w* is not its optimum
      const e = 1e-4;
      let improved = false;
      for (let i = 0; i < d && !improved; i++) {
        for (let j = 0; j < d && !improved; j++) {
          if (i === j) continue;
          const w = Float64Array.from(problem.optimum);
          w[i] = w[i]! + e;
          w[j] = w[j]! - e;
          improved = problem.cheap(w) < problem.cheap(problem.optimum);
        }
      }
      assert.ok(improved, `d ${d}: the cheap fidelity has the same optimum`);
    }
  });
});
