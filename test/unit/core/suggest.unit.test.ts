import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGp } from '../../../src/core/gp/fit';
import type { GpConfig } from '../../../src/core/gp/config';
import type { GaussianProcess } from '../../../src/core/gp/model';
import { Rng } from '../../../src/core/random';
import { normalCdf } from '../../../src/core/acquisition';
import { probabilityLower, recommend, UNMEASURED_CONFIDENCE } from '../../../src/core/recommend';
import { boxFor, sampleMixtures } from '../../../src/core/simplex';
import { indexOfCandidate, resolveAcquisition, suggest } from '../../../src/core/suggest';
import { CoreInputError } from '../../../src/core/types';
import type { Candidate, Fidelity, MarginalPosterior, MixtureSpace, Observation, PointSet, PosteriorModel } from '../../../src/core/types';

// The engine's kernel configuration (src/engine/engine.ts gpConfig with the study defaults).
const ENGINE_CONFIG: GpConfig = { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'linear' };
const SINGLE_FIDELITY_CONFIG: GpConfig = { ...ENGINE_CONFIG, mean: 'constant' };

const CHEAP: Fidelity = { label: 'small', s: 0, z: 1, cost: 1 / 30 };
const TARGET: Fidelity = { label: 'target', s: 1, z: 1, cost: 1 };

function openSpace(d: number): MixtureSpace {
  return { d, lower: new Float64Array(d), upper: new Float64Array(d).fill(1) };
}

function optimumOf(d: number): Float64Array {
  const w = Float64Array.from({ length: d }, (_, i) => (i + 1) ** 1.5);
  const total = w.reduce((s, x) => s + x, 0);
  return w.map((x) => x / total);
}

/** A smooth objective with minimum 1 at wStar on the target; the cheap fidelity adds a smooth bias. */
function objective(w: ArrayLike<number>, s: number, wStar: Float64Array): number {
  let r = 0;
  for (let i = 0; i < wStar.length; i++) r += (w[i]! - wStar[i]!) ** 2;
  return 1 + 2 * r + (1 - s) * (0.5 + 0.3 * (w[0]! - 0.3));
}

function observe(d: number, n: number, seed: number, fidelities: readonly Fidelity[], wStar: Float64Array): Observation[] {
  const ws = sampleMixtures(boxFor(openSpace(d)), n, seed);
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const w = ws.slice(i * d, i * d + d);
    const f = fidelities[i % fidelities.length]!;
    return { w, s: f.s, z: f.z, y: objective(w, f.s, wStar) + 0.005 * rng.normal() };
  });
}

function fit(observations: readonly Observation[], d: number, config: GpConfig = ENGINE_CONFIG): GaussianProcess {
  const dim = d + 2;
  const data = new Float64Array(observations.length * dim);
  observations.forEach((o, i) => {
    data.set(o.w, i * dim);
    data[i * dim + d] = o.s;
    data[i * dim + d + 1] = o.z;
  });
  return fitGp({ n: observations.length, d, data }, Float64Array.from(observations, (o) => o.y), config, { seed: 0, restarts: 1 });
}

function assertOnSimplex(w: ArrayLike<number>, d: number, label: string): void {
  let sum = 0;
  for (let i = 0; i < d; i++) {
    assert.ok(Number.isFinite(w[i]!) && w[i]! >= -1e-12 && w[i]! <= 1 + 1e-12, `${label}: w[${i}] = ${w[i]}`);
    sum += w[i]!;
  }
  assert.ok(Math.abs(sum - 1) < 1e-9, `${label}: sum ${sum}`);
}

function assertCandidate(c: Candidate, d: number, label: string): void {
  assertOnSimplex(c.w, d, label);
  for (const key of ['mean', 'std', 'targetMean', 'targetStd', 'acquisitionValue'] as const) {
    assert.ok(Number.isFinite(c[key]), `${label}: ${key} = ${c[key]}`);
  }
  assert.ok(c.std >= 0 && c.targetStd >= 0);
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s);
}

describe('suggest', () => {
  const d = 3;
  const wStar = optimumOf(d);
  const observations = observe(d, 24, 1, [CHEAP, TARGET], wStar);
  const model = fit(observations, d);
  const space = openSpace(d);

  test("'auto' resolves to MES when a cheaper fidelity exists and to UCB when only the target can be run", () => {
    assert.equal(resolveAcquisition('auto', [CHEAP, TARGET], TARGET), 'mes');
    assert.equal(resolveAcquisition('auto', [TARGET], TARGET), 'ucb');
    assert.equal(resolveAcquisition('auto', [{ ...CHEAP, cost: 1 }, TARGET], TARGET), 'ucb');
    assert.equal(resolveAcquisition('ucb', [CHEAP, TARGET], TARGET), 'ucb');
    const multi = suggest(model, { space, fidelities: [CHEAP, TARGET], target: TARGET, observations, acquisition: 'auto', batch: 1 });
    assert.equal(multi[0]!.acquisition, 'mes');
    const targetOnly = observations.filter((o) => o.s === 1);
    const single = suggest(fit(targetOnly, d, SINGLE_FIDELITY_CONFIG), { space, fidelities: [TARGET], target: TARGET, observations: targetOnly, acquisition: 'auto', batch: 1 });
    assert.equal(single[0]!.acquisition, 'ucb');
    assert.equal(single[0]!.fidelity, TARGET);
  });

  test("'auto' with cheap sizes: a target pick is the UCB winner at the target; plain MES may pick elsewhere", () => {
    const observed = observe(d, 30, 9, [CHEAP, TARGET], optimumOf(d));
    const m = fit(observed, d);
    const candidates = Array.from({ length: 40 }, (_, i) => ({ w: sampleMixtures(boxFor(space), 40, 21).slice(i * d, i * d + d), fidelity: TARGET }));
    const input = { space, fidelities: [TARGET, CHEAP], target: TARGET, observations: observed, batch: 1, candidates };
    const hybrid = suggest(m, { ...input, acquisition: 'auto' })[0]!;
    const ws = new Float64Array(candidates.length * d);
    candidates.forEach((c, i) => ws.set(c.w, i * d));
    const post = m.posterior({ n: candidates.length, d, data: Float64Array.from(candidates.flatMap((c) => [...c.w, 1, 1])) });
    let arg = 0;
    for (let i = 1; i < candidates.length; i++) if (post.mean[i]! - Math.sqrt(post.variance[i]!) < post.mean[arg]! - Math.sqrt(post.variance[arg]!)) arg = i;
    assert.equal(hybrid.w, candidates[arg]!.w, 'the UCB (beta 1) winner among the target rows');
    assert.equal(hybrid.acquisition, 'mes');
    const plain = suggest(m, { ...input, acquisition: 'auto', plainMes: true })[0]!;
    assert.equal(plain.acquisition, 'mes');
  });

  test('a batch of q with fantasies is diverse: q distinct feasible picks', () => {
    for (const acquisition of ['mes', 'logei', 'ei-per-cost', 'ucb'] as const) {
      const batch = suggest(model, { space, fidelities: [CHEAP, TARGET], target: TARGET, observations, acquisition, batch: 4, seed: 3 });
      assert.equal(batch.length, 4, acquisition);
      batch.forEach((c, i) => assertCandidate(c, d, `${acquisition} pick ${i}`));
      for (let i = 0; i < batch.length; i++) {
        for (let j = i + 1; j < batch.length; j++) {
          const same = batch[i]!.fidelity.label === batch[j]!.fidelity.label && distance(batch[i]!.w, batch[j]!.w, d) < 1e-3;
          assert.ok(!same, `${acquisition}: picks ${i} and ${j} coincide`);
        }
      }
    }
  });

  test('a pending trial is conditioned on: the next pick moves away from it', () => {
    const first = suggest(model, { space, fidelities: [TARGET], target: TARGET, observations, acquisition: 'logei', batch: 1, seed: 5 })[0]!;
    const next = suggest(model, {
      space,
      fidelities: [TARGET],
      target: TARGET,
      observations,
      pending: [{ w: first.w, fidelity: TARGET }],
      acquisition: 'logei',
      batch: 1,
      seed: 5,
    })[0]!;
    assert.ok(distance(first.w, next.w, d) > 1e-3, 'pending trial suggested again');
  });

  test('the cost-aware acquisitions may pick the cheap fidelity; the others only the target', () => {
    const logei = suggest(model, { space, fidelities: [CHEAP, TARGET], target: TARGET, observations, acquisition: 'logei', batch: 3 });
    assert.ok(logei.every((c) => c.fidelity === TARGET));
    const mes = suggest(model, { space, fidelities: [CHEAP, TARGET], target: TARGET, observations, acquisition: 'mes', batch: 3 });
    assert.ok(mes.every((c) => c.fidelity === TARGET || c.fidelity === CHEAP));
  });

  test('discrete mode returns candidate rows only and never the same row twice', () => {
    const rows = sampleMixtures(boxFor(space), 12, 77);
    const candidates = Array.from({ length: 12 }, (_, i) => ({ w: rows.slice(i * d, i * d + d), fidelity: i % 3 === 0 ? TARGET : CHEAP }));
    for (const acquisition of ['mes', 'logei', 'ei-per-cost'] as const) {
      const picks = suggest(model, { space, fidelities: [CHEAP, TARGET], target: TARGET, observations, acquisition, batch: 6, candidates });
      const indices = picks.map((p) => indexOfCandidate(candidates, p));
      assert.ok(indices.every((i) => i >= 0), `${acquisition}: a pick is not a candidate row`);
      assert.equal(new Set(indices).size, indices.length, `${acquisition}: duplicate ${indices}`);
      picks.forEach((p, k) => assert.equal(p.w, candidates[indices[k]!]!.w));
    }
    // Asking for more than there are: each row once, then stop.
    const all = suggest(model, { space, fidelities: [CHEAP, TARGET], target: TARGET, observations, acquisition: 'mes', batch: 20, candidates });
    assert.equal(all.length, 12);
    assert.equal(new Set(all.map((p) => indexOfCandidate(candidates, p))).size, 12);
    // LogEI only runs the target: only the 4 target rows are eligible.
    const logei = suggest(model, { space, fidelities: [CHEAP, TARGET], target: TARGET, observations, acquisition: 'logei', batch: 20, candidates });
    assert.equal(logei.length, 4);
  });

  test('respects bounds, fixed weights and availability caps', () => {
    const bounded: MixtureSpace = { d, lower: Float64Array.from([0.1, 0, 0]), upper: Float64Array.from([1, 0.5, 1]), fixed: new Map([[2, 0.2]]) };
    const capped: Fidelity = { ...CHEAP, maxWeight: Float64Array.from([0.3, Infinity, Infinity]) };
    const picks = suggest(model, { space: bounded, fidelities: [capped, TARGET], target: TARGET, observations, acquisition: 'mes', batch: 3 });
    for (const p of picks) {
      assertOnSimplex(p.w, d, 'bounded pick');
      assert.ok(p.w[0]! >= 0.1 - 1e-12 && p.w[1]! <= 0.5 + 1e-12);
      assert.equal(p.w[2], 0.2);
      if (p.fidelity === capped) assert.ok(p.w[0]! <= 0.3 + 1e-12);
    }
  });

  test('refuses bad arguments with a CoreInputError', () => {
    assert.throws(() => suggest(model, { space, fidelities: [], target: TARGET, observations, acquisition: 'mes', batch: 1 }), CoreInputError);
    assert.throws(() => suggest(model, { space, fidelities: [CHEAP, TARGET], target: TARGET, observations, acquisition: 'mes', batch: 0 }), CoreInputError);
    assert.throws(() => suggest(model, { space, fidelities: [CHEAP], target: TARGET, observations, acquisition: 'logei', batch: 1 }), CoreInputError);
  });
});

/** A posterior whose mean is an exact known function: tests the search of recommend, not the GP. */
class KnownMeanModel implements PosteriorModel {
  readonly n = 10;
  readonly noiseVariance = 0;
  constructor(
    readonly d: number,
    private readonly meanAt: (w: Float64Array, s: number) => number,
  ) {}
  posterior(points: PointSet): MarginalPosterior {
    const dim = points.d + 2;
    const mean = new Float64Array(points.n);
    for (let i = 0; i < points.n; i++) mean[i] = this.meanAt(points.data.subarray(i * dim, i * dim + points.d), points.data[i * dim + points.d]!);
    return { mean, variance: new Float64Array(points.n).fill(0.01) };
  }
  covariance(a: PointSet, b: PointSet): Float64Array {
    return new Float64Array(a.n * b.n);
  }
  crossCovarianceDiag(a: PointSet): Float64Array {
    return new Float64Array(a.n);
  }
  conditionOn(): PosteriorModel {
    return this;
  }
}

/** d = 3, a known posterior mean (std 0.1 everywhere, no covariance) and the mixtures r of the way from its optimum to a corner. */
function knownOptimumCase(): { d: number; wStar: Float64Array; model: KnownMeanModel; toward: (r: number) => Float64Array } {
  const d = 3;
  const wStar = optimumOf(d);
  const corner = Float64Array.from({ length: d }, (_, i) => (i === 0 ? 1 : 0));
  return { d, wStar, model: new KnownMeanModel(d, (w, s) => objective(w, s, wStar)), toward: (r) => wStar.map((x, i) => x + r * (corner[i]! - x)) };
}

describe('recommend', () => {
  test('finds the minimiser of a known posterior mean at the target (d = 3 and d = 17)', () => {
    for (const d of [3, 17]) {
      const wStar = optimumOf(d);
      const model = new KnownMeanModel(d, (w, s) => objective(w, s, wStar));
      const rec = recommend(model, { space: openSpace(d), target: TARGET, observations: [] });
      assertOnSimplex(rec.w, d, `d ${d}`);
      assert.ok(distance(rec.w, wStar, d) < 0.05, `d ${d}: ${distance(rec.w, wStar, d)} from the optimum`);
      assert.ok(Math.abs(rec.mean - objective(rec.w, 1, wStar)) < 1e-12);
      assert.ok(rec.lower < rec.mean && rec.mean < rec.upper);
      assert.ok(Math.abs(rec.upper - rec.mean - 1.96 * 0.1) < 1e-12);
    }
  });

  test('on a GP fitted to a known function, recommends a mixture near its target minimiser', () => {
    const d = 3;
    const wStar = optimumOf(d);
    const observations = observe(d, 40, 2, [CHEAP, TARGET], wStar);
    const model = fit(observations, d);
    const rec = recommend(model, { space: openSpace(d), target: TARGET, observations, seed: 1 });
    assertOnSimplex(rec.w, d, 'recommendation');
    assert.ok(distance(rec.w, wStar, d) < 0.1, `${Array.from(rec.w)} is ${distance(rec.w, wStar, d)} from ${Array.from(wStar)}`);
    // as good as the best observed mixture under the model
    const best = Math.min(...observations.map((o) => model.posterior({ n: 1, d, data: Float64Array.from([...o.w, 1, 1]) }).mean[0]!));
    assert.ok(rec.mean <= best + 1e-9);
    assert.ok(objective(rec.w, 1, wStar) < 1.01, `true value at the recommendation ${objective(rec.w, 1, wStar)}`);
  });

  test('an unmeasured mixture replaces a measured target run only when the posterior is sure enough, and says how sure', () => {
    const { d, wStar, model, toward } = knownOptimumCase();
    // Measured close to the optimum: the search's gain is 2 |dw|^2 ~ 0.01, P(better) = Phi(0.01 / 0.14) ~ 0.53.
    const close = recommend(model, { space: openSpace(d), target: TARGET, observations: [{ w: toward(0.08), s: 1, z: 1, y: 1 }] });
    assert.equal(close.source, 'observed');
    assert.deepEqual(Array.from(close.w), Array.from(toward(0.08)));
    assert.ok(close.versusMeasured, 'the searched contender is reported');
    const pSearchedBetter = 1 - close.versusMeasured.probabilityBetter;
    assert.ok(pSearchedBetter > 0.5 && pSearchedBetter < UNMEASURED_CONFIDENCE, `P(searched better) ${pSearchedBetter}`);
    assert.ok(distance(close.versusMeasured.w, wStar, d) < 0.05);
    // Measured far from it: the searched optimum is better with probability ~1 and is recommended.
    const far = recommend(model, { space: openSpace(d), target: TARGET, observations: [{ w: toward(0.9), s: 1, z: 1, y: 1 }] });
    assert.equal(far.source, 'search');
    assert.ok(distance(far.w, wStar, d) < 0.05);
    assert.ok(far.versusMeasured && far.versusMeasured.probabilityBetter >= UNMEASURED_CONFIDENCE);
    // No target run measured: nothing to compare with.
    assert.equal(recommend(model, { space: openSpace(d), target: TARGET, observations: [{ w: toward(0.08), s: 0, z: 1, y: 1 }] }).versusMeasured, undefined);
  });

  test('a measured mixture recommended before stays recommended until another measured one is clearly better', () => {
    const { d, model, toward } = knownOptimumCase();
    const run = (w: Float64Array) => ({ w, s: 1, z: 1, y: 1 });
    // two measured target mixtures close to the optimum: 0.08 and 0.12 of the way to a corner, means a few
    // thousandths apart against a std of 0.1 (P(0.08 better) ~ 0.5)
    const observations = [run(toward(0.08)), run(toward(0.12)), run(toward(0.9))];
    const fresh = recommend(model, { space: openSpace(d), target: TARGET, observations });
    assert.deepEqual(Array.from(fresh.w), Array.from(toward(0.08)), 'without a previous one, the best posterior mean');
    // recommended before (as shown: rounded to 1e-6): kept
    const shown = Float64Array.from(toward(0.12), (x) => Math.round(x * 1e6) / 1e6);
    const kept = recommend(model, { space: openSpace(d), target: TARGET, observations, previous: shown });
    assert.deepEqual(Array.from(kept.w), Array.from(toward(0.12)));
    assert.equal(kept.source, 'observed');
    // a previous one far worse (0.9 of the way): P(0.08 better) ~ 1, so it is replaced
    const replaced = recommend(model, { space: openSpace(d), target: TARGET, observations, previous: toward(0.9) });
    assert.deepEqual(Array.from(replaced.w), Array.from(toward(0.08)));
    // a previous one that was never run at the target gives no protection
    const unmeasured = recommend(model, { space: openSpace(d), target: TARGET, observations, previous: toward(0.5) });
    assert.deepEqual(Array.from(unmeasured.w), Array.from(toward(0.08)));
  });

  test('probabilityLower uses the joint posterior (correlated points are easier to tell apart)', () => {
    const d = 3;
    const observations = observe(d, 30, 4, [TARGET], optimumOf(d));
    const model = fit(observations, d, SINGLE_FIDELITY_CONFIG);
    const a = { n: 1, d, data: Float64Array.from([0.3, 0.3, 0.4, 1, 1]) };
    const b = { n: 1, d, data: Float64Array.from([0.32, 0.3, 0.38, 1, 1]) };
    const pa = model.posterior(a);
    const pb = model.posterior(b);
    const cov = model.covariance(a, b)[0]!;
    assert.ok(cov > 0);
    const expected = normalCdf((pb.mean[0]! - pa.mean[0]!) / Math.sqrt(pa.variance[0]! + pb.variance[0]! - 2 * cov));
    assert.ok(Math.abs(probabilityLower(model, a, b) - expected) < 1e-12);
    assert.ok(Math.abs(probabilityLower(model, a, b) + probabilityLower(model, b, a) - 1) < 1e-9);
  });

  test('discrete mode returns the candidate with the lowest posterior mean', () => {
    const d = 4;
    const wStar = optimumOf(d);
    const model = new KnownMeanModel(d, (w, s) => objective(w, s, wStar));
    const rows = sampleMixtures(boxFor(openSpace(d)), 30, 5);
    const candidates = Array.from({ length: 30 }, (_, i) => rows.slice(i * d, i * d + d));
    const rec = recommend(model, { space: openSpace(d), target: TARGET, observations: [], candidates });
    const values = candidates.map((w) => objective(w, 1, wStar));
    const arg = values.indexOf(Math.min(...values));
    assert.equal(rec.index, arg);
    assert.deepEqual(Array.from(rec.w), Array.from(candidates[arg]!));
  });
});

describe('degenerate input never crashes', () => {
  function runAll(observations: Observation[], d: number, label: string): void {
    const model = fit(observations, d);
    const space = openSpace(d);
    for (const acquisition of ['auto', 'logei'] as const) {
      const picks = suggest(model, { space, fidelities: [CHEAP, TARGET], target: TARGET, observations, acquisition, batch: 2, samples: 64 });
      assert.ok(picks.length >= 1, `${label}: no suggestion`);
      picks.forEach((p, i) => assertCandidate(p, d, `${label} ${acquisition} pick ${i}`));
    }
    const rec = recommend(model, { space, target: TARGET, observations, samples: 64 });
    assertOnSimplex(rec.w, d, `${label} recommendation`);
    assert.ok(Number.isFinite(rec.mean) && Number.isFinite(rec.std), `${label}: recommendation ${rec.mean} ± ${rec.std}`);
  }

  test('one observation', () => {
    runAll([{ w: Float64Array.from([0.2, 0.3, 0.5]), s: 1, z: 1, y: 2.5 }], 3, 'one observation');
  });

  test('all-equal outputs', () => {
    const obs = observe(3, 10, 4, [CHEAP, TARGET], optimumOf(3)).map((o) => ({ ...o, y: 3 }));
    runAll(obs, 3, 'all-equal y');
  });

  test('duplicated points (same mixture and fidelity, different values)', () => {
    const base = observe(3, 6, 6, [CHEAP, TARGET], optimumOf(3));
    runAll([...base, ...base.map((o) => ({ ...o, y: o.y + 0.01 })), ...base], 3, 'duplicates');
  });

  test('a domain that is zero everywhere', () => {
    const obs = observe(4, 12, 8, [CHEAP, TARGET], optimumOf(4)).map((o) => {
      const w = Float64Array.from(o.w);
      const lost = w[2]!;
      w[2] = 0;
      w[0] = w[0]! + lost;
      return { ...o, w };
    });
    runAll(obs, 4, 'zero domain');
  });

  test('d = 64', () => {
    runAll(observe(64, 20, 9, [CHEAP, TARGET], optimumOf(64)), 64, 'd = 64');
  });

  test('NaN and Infinity are rejected with an error naming the observation', () => {
    const d = 3;
    const good = observe(d, 8, 10, [CHEAP, TARGET], optimumOf(d));
    const model = fit(good, d);
    const space = openSpace(d);
    const withNaN = good.map((o, i) => (i === 5 ? { ...o, y: Number.NaN } : o));
    assert.throws(() => fit(withNaN, d), (e: unknown) => e instanceof CoreInputError && /row 5/.test(e.message) && /NaN/.test(e.message));
    assert.throws(
      () => suggest(model, { space, fidelities: [CHEAP, TARGET], target: TARGET, observations: withNaN, acquisition: 'auto', batch: 1 }),
      (e: unknown) => e instanceof CoreInputError && /observation 5/.test(e.message) && /y = NaN/.test(e.message),
    );
    const withInf = good.map((o, i) => (i === 2 ? { ...o, w: Float64Array.from([Infinity, 0, 0]) } : o));
    assert.throws(
      () => recommend(model, { space, target: TARGET, observations: withInf }),
      (e: unknown) => e instanceof CoreInputError && /observation 2/.test(e.message) && /w\[0\] = Infinity/.test(e.message),
    );
    assert.throws(
      () => suggest(model, { space, fidelities: [TARGET], target: TARGET, observations: good, pending: [{ w: Float64Array.from([0.5, Number.NaN, 0.5]), fidelity: TARGET }], acquisition: 'logei', batch: 1 }),
      (e: unknown) => e instanceof CoreInputError && /pending trial 0/.test(e.message),
    );
    const badSpace: MixtureSpace = { d, lower: Float64Array.from([0, Number.NaN, 0]), upper: new Float64Array(d).fill(1) };
    assert.throws(() => suggest(model, { space: badSpace, fidelities: [TARGET], target: TARGET, observations: good, acquisition: 'logei', batch: 1 }), CoreInputError);
  });
});

describe('suggest within the budget left', () => {
  const d = 3;
  const wStar = optimumOf(d);
  const observations = observe(d, 24, 11, [CHEAP, TARGET], wStar);
  const model = fit(observations, d);
  const base = { space: openSpace(d), fidelities: [CHEAP, TARGET], target: TARGET, observations, acquisition: 'mes' as const, seed: 3, samples: 128 };

  test('a run that does not fit is never proposed; the cheap size is, while it fits', () => {
    const unlimited = suggest(model, { ...base, batch: 4 });
    assert.ok(unlimited.some((c) => c.fidelity.label === 'target'), 'without a limit the target is worth a run here');
    const tight = suggest(model, { ...base, batch: 4, maxCost: 0.5 });
    assert.ok(tight.length > 0);
    for (const c of tight) assert.equal(c.fidelity.label, 'small');
  });

  test('a batch stops when what is left would be overspent', () => {
    const batch = suggest(model, { ...base, batch: 5, maxCost: 2.5 * CHEAP.cost });
    assert.equal(batch.length, 2);
    assert.ok(batch.reduce((total, c) => total + c.fidelity.cost, 0) <= 2.5 * CHEAP.cost);
  });

  test('nothing fits: no suggestion rather than an overspend', () => {
    assert.deepEqual(suggest(model, { ...base, batch: 1, maxCost: CHEAP.cost / 2 }), []);
    assert.deepEqual(suggest(model, { ...base, acquisition: 'logei', batch: 1, maxCost: 0.9 }), []);
  });
});

describe('per-row costs in discrete mode', () => {
  test('of two equal rows the cheaper is picked, and a row over the budget left is skipped', () => {
    const d = 3;
    const observations = observe(d, 24, 13, [CHEAP, TARGET], optimumOf(d));
    const model = fit(observations, d);
    const w = Float64Array.from([0.2, 0.3, 0.5]);
    const twin = Float64Array.from(w);
    const base = { space: openSpace(d), fidelities: [CHEAP, TARGET], target: TARGET, observations, acquisition: 'mes' as const, batch: 1 };
    const dearFirst = suggest(model, { ...base, candidates: [{ w, fidelity: CHEAP, cost: 0.05 }, { w: twin, fidelity: CHEAP, cost: 0.01 }] })[0]!;
    assert.equal(dearFirst.w, twin, 'the 0.01 row, not the 0.05 one');
    const cheapFirst = suggest(model, { ...base, candidates: [{ w, fidelity: CHEAP, cost: 0.01 }, { w: twin, fidelity: CHEAP, cost: 0.05 }] })[0]!;
    assert.equal(cheapFirst.w, w);
    const limited = suggest(model, { ...base, maxCost: 0.02, candidates: [{ w, fidelity: CHEAP, cost: 0.05 }, { w: twin, fidelity: CHEAP, cost: 0.03 }] });
    assert.deepEqual(limited, []);
  });
});
