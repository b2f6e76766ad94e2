// The acquisition objects and the suggest driver on a MOCK posterior (no GP is fitted): a hand-made PosteriorModel
// whose means, variances and cross-fidelity covariances are known in closed form, with and without jointPosterior.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { logExpectedImprovement, maxValueEntropyGain } from '../../../src/core/acquisition';
import {
  LogExpectedImprovement,
  LogExpectedImprovementPerCost,
  MaxValueEntropySearch,
  UpperConfidenceBound,
  observedIncumbent,
} from '../../../src/core/acquisitions';
import { suggest } from '../../../src/core/suggest';
import type { Fidelity, MarginalPosterior, MixtureSpace, Observation, PointSet, PosteriorModel } from '../../../src/core/types';

const d = 3;
const TARGET: Fidelity = { label: 'target', s: 1, z: 1, cost: 1 };
const CHEAP: Fidelity = { label: 'cheap', s: 0, z: 1, cost: 0.1 };
const CHEAPER_TWIN: Fidelity = { label: 'cheap-twin', s: 0.5, z: 1, cost: 0.05 };
const SPACE: MixtureSpace = { d, lower: new Float64Array(d), upper: new Float64Array(d).fill(1) };

interface Truth {
  /** posterior mean and variance of f at (w, s) */
  readonly at: (w: Float64Array, s: number) => { mean: number; variance: number };
  /** correlation of f(w, s) with f(w, 1) (same mixture, the target) */
  readonly correlation: (s: number) => number;
}

function rowsOf(points: PointSet): { w: Float64Array; s: number; z: number }[] {
  const dim = points.d + 2;
  return Array.from({ length: points.n }, (_, i) => ({
    w: points.data.slice(i * dim, i * dim + points.d),
    s: points.data[i * dim + points.d]!,
    z: points.data[i * dim + points.d + 1]!,
  }));
}

const sameW = (a: Float64Array, b: Float64Array): boolean => a.every((x, i) => x === b[i]);

/** A PosteriorModel from closed forms; counts the calls it gets. No jointPosterior. */
class MockPosterior implements PosteriorModel {
  readonly d = d;
  readonly n = 4;
  readonly calls = { posterior: 0, crossCovarianceDiag: 0, jointPosterior: 0, conditionOn: 0 };

  constructor(
    private readonly truth: Truth,
    readonly noiseVariance = 0,
  ) {}

  posterior(points: PointSet): MarginalPosterior {
    this.calls.posterior++;
    const rows = rowsOf(points).map((r) => this.truth.at(r.w, r.s));
    return { mean: Float64Array.from(rows, (r) => r.mean), variance: Float64Array.from(rows, (r) => r.variance) };
  }

  /** cov(f(w, s), f(w', s')): rho(s) rho(s') sd sd' for the same mixture (a one-factor model), 0 otherwise. */
  private cov(a: { w: Float64Array; s: number }, b: { w: Float64Array; s: number }): number {
    if (!sameW(a.w, b.w)) return 0;
    const va = this.truth.at(a.w, a.s).variance;
    const vb = this.truth.at(b.w, b.s).variance;
    const rho = a.s === b.s ? 1 : this.truth.correlation(a.s) * this.truth.correlation(b.s);
    return rho * Math.sqrt(va * vb);
  }

  covariance(a: PointSet, b: PointSet): Float64Array {
    const ra = rowsOf(a);
    const rb = rowsOf(b);
    return Float64Array.from({ length: ra.length * rb.length }, (_, k) => this.cov(ra[Math.floor(k / rb.length)]!, rb[k % rb.length]!));
  }

  crossCovarianceDiag(a: PointSet, b: PointSet): Float64Array {
    this.calls.crossCovarianceDiag++;
    const rb = rowsOf(b);
    return Float64Array.from(rowsOf(a), (r, i) => this.cov(r, rb[i]!));
  }

  conditionOn(): PosteriorModel {
    this.calls.conditionOn++;
    return this;
  }
}

/** The same closed forms with jointPosterior (computed from them, so both paths must agree exactly). */
class MockWithJoint extends MockPosterior {
  jointPosterior(a: PointSet, b: PointSet): { first: MarginalPosterior; second: MarginalPosterior; crossCovariance: Float64Array } {
    this.calls.jointPosterior++;
    const calls = { ...this.calls };
    const result = { first: this.posterior(a), second: this.posterior(b), crossCovariance: this.crossCovarianceDiag(a, b) };
    Object.assign(this.calls, { posterior: calls.posterior, crossCovarianceDiag: calls.crossCovarianceDiag });
    return result;
  }
}

/** Mixtures of the tests, each with a known target mean and sd. */
const W = [
  Float64Array.from([0.6, 0.2, 0.2]),
  Float64Array.from([0.2, 0.6, 0.2]),
  Float64Array.from([0.2, 0.2, 0.6]),
  Float64Array.from([1 / 3, 1 / 3, 1 / 3]),
];
const MEANS = [1.0, 0.9, 1.2, 0.95];
const SDS = [0.1, 0.05, 0.4, 0.2];

/** Target mean/sd from the table above; cheaper sizes add 0.5 to the mean and keep the sd; rho 0.8 below the target. */
const TABLE: Truth = {
  at(w, s) {
    const k = W.findIndex((x) => sameW(x, w));
    const mean = (k >= 0 ? MEANS[k]! : 1.1) + 0.5 * (1 - s);
    const sd = k >= 0 ? SDS[k]! : 0.3;
    return { mean, variance: sd * sd };
  },
  correlation: (s) => (s >= 1 ? 1 : 0.8),
};

/** A smooth surface for the continuous mode: a bowl in w, an offset and a falling correlation below the target. */
const BOWL: Truth = {
  at(w, s) {
    let r = 0;
    for (let j = 0; j < d; j++) r += (w[j]! - [0.5, 0.3, 0.2][j]!) ** 2;
    return { mean: 1 + r + 0.4 * (1 - s), variance: 0.01 + 0.05 * w[0]! + 0.02 * (1 - s) };
  },
  correlation: (s) => 0.5 + 0.45 * s,
};

const pack = (ws: readonly Float64Array[]): Float64Array => {
  const out = new Float64Array(ws.length * d);
  ws.forEach((w, i) => out.set(w, i * d));
  return out;
};
const noIncumbent = (): number => 0;

describe('UpperConfidenceBound on a mock posterior', () => {
  test('scores -(mean - beta sd) and picks the argmin of mean - beta sd; beta moves the pick', () => {
    const model = new MockPosterior(TABLE);
    for (const [beta, expected] of [[0, 1], [1, 3], [2, 2]] as const) {
      const ucb = new UpperConfidenceBound(model, d, noIncumbent, beta);
      const scores = ucb.score(pack(W), W.length, TARGET);
      scores.forEach((value, i) => assert.ok(Math.abs(value + (MEANS[i]! - beta * SDS[i]!)) < 1e-15, `beta ${beta}, row ${i}`));
      assert.equal(ucb.best(pack(W), W.length, TARGET).index, expected, `beta ${beta}`);
      const lowest = MEANS.map((m, i) => m - beta * SDS[i]!).reduce((a, v, i, all) => (v < all[a]! ? i : a), 0);
      assert.equal(expected, lowest);
    }
  });

  test('through suggest (discrete rows at the target): the pick and the posterior it reports are the mock\'s', () => {
    const model = new MockPosterior(TABLE);
    const candidates = W.map((w) => ({ w, fidelity: TARGET }));
    const [pick] = suggest(model, { space: SPACE, fidelities: [TARGET], target: TARGET, observations: [], acquisition: 'ucb', beta: 2, batch: 1, candidates });
    assert.ok(pick);
    assert.deepEqual(Array.from(pick.w), Array.from(W[2]!));
    assert.equal(pick.mean, MEANS[2]);
    assert.ok(Math.abs(pick.std - SDS[2]!) < 1e-15);
    assert.equal(pick.acquisition, 'ucb');
    assert.ok(Math.abs(pick.acquisitionValue + (MEANS[2]! - 2 * SDS[2]!)) < 1e-15);
  });
});

describe('EI on a mock posterior', () => {
  test('LogEI scores log EI below the incumbent; the incumbent is the best observation at the fidelity', () => {
    const model = new MockPosterior(TABLE);
    const observations: Observation[] = [
      { w: W[0]!, s: 1, z: 1, y: 0.97 },
      { w: W[1]!, s: 1, z: 1, y: 0.93 },
      { w: W[1]!, s: 0, z: 1, y: 0.2 },
    ];
    const incumbent = observedIncumbent(model, d, observations);
    assert.equal(incumbent(TARGET), 0.93);
    assert.equal(incumbent(CHEAP), 0.2);
    const scores = new LogExpectedImprovement(model, d, incumbent).score(pack(W), W.length, TARGET);
    scores.forEach((value, i) => assert.equal(value, logExpectedImprovement(MEANS[i]!, Math.sqrt(SDS[i]! ** 2), 0.93)));
  });

  test('with nothing observed at a fidelity the incumbent is the best posterior mean there over the observed mixtures', () => {
    const model = new MockPosterior(TABLE);
    const incumbent = observedIncumbent(model, d, [{ w: W[0]!, s: 1, z: 1, y: 0.97 }, { w: W[2]!, s: 1, z: 1, y: 1.3 }]);
    assert.equal(incumbent(CHEAP), Math.min(MEANS[0]! + 0.5, MEANS[2]! + 0.5));
    assert.equal(observedIncumbent(model, d, [])(CHEAP), 0);
  });

  test('EI per cost divides by cost^alpha, and a row with its own cost is re-divided by it', () => {
    const model = new MockPosterior(TABLE);
    const eipc = new LogExpectedImprovementPerCost(model, d, () => 1, 0.25);
    const alpha = 0.75;
    const [atCheap] = eipc.score(pack([W[1]!]), 1, CHEAP);
    assert.ok(Math.abs(atCheap! - (logExpectedImprovement(MEANS[1]! + 0.5, SDS[1]!, 1) - alpha * Math.log(CHEAP.cost))) < 1e-12);
    assert.ok(Math.abs(eipc.perRowCost(atCheap!, CHEAP, 0.4) - (atCheap! + alpha * (Math.log(0.1) - Math.log(0.4)))) < 1e-12);
    assert.equal(eipc.perRowCost(atCheap!, CHEAP, undefined), atCheap);
  });
});

describe('MaxValueEntropySearch on a mock posterior', () => {
  const minValues = [0.7, 0.75, 0.8];

  test('equals the closed-form gain (rho from the noisy observation) divided by the cost', () => {
    const noise = 0.01;
    const model = new MockPosterior(TABLE, noise);
    const mes = new MaxValueEntropySearch(model, d, TARGET, minValues);
    const [value] = mes.score(pack([W[0]!]), 1, CHEAP);
    const sd = SDS[0]!;
    const rho = (0.8 * sd * sd) / (sd * Math.sqrt(sd * sd + noise));
    const expected = maxValueEntropyGain(minValues.map((m) => (m - MEANS[0]!) / sd), rho) / CHEAP.cost;
    assert.ok(Math.abs(value! - expected) < 1e-12, `${value} vs ${expected}`);
    const noiseless = new MaxValueEntropySearch(model, d, TARGET, minValues, { noiseless: true }).score(pack([W[0]!]), 1, CHEAP)[0]!;
    assert.ok(noiseless > value!, 'the noise lowers what a cheap run tells');
  });

  test('prefers the cheaper of two equally informative fidelities (through suggest, discrete rows)', () => {
    // CHEAP and CHEAPER_TWIN have the same posterior and the same correlation with the target: only cost differs.
    const twin: Truth = { at: (w) => TABLE.at(w, 0), correlation: (s) => (s >= 1 ? 1 : 0.8) };
    const model = new MockPosterior({ at: (w, s) => (s >= 1 ? TABLE.at(w, 1) : twin.at(w, 0)), correlation: twin.correlation });
    const mes = new MaxValueEntropySearch(model, d, TARGET, minValues);
    const atCheap = mes.score(pack([W[3]!]), 1, CHEAP)[0]!;
    const atTwin = mes.score(pack([W[3]!]), 1, CHEAPER_TWIN)[0]!;
    assert.ok(atCheap > 0);
    assert.ok(Math.abs(atTwin - 2 * atCheap) < 1e-12, 'half the cost, twice the value');
    const candidates = [{ w: W[3]!, fidelity: CHEAP }, { w: W[3]!, fidelity: CHEAPER_TWIN }];
    const [pick] = suggest(model, { space: SPACE, fidelities: [CHEAP, CHEAPER_TWIN, TARGET], target: TARGET, observations: [], acquisition: 'mes', batch: 1, candidates });
    assert.equal(pick?.fidelity.label, 'cheap-twin');
  });

  test('a row with its own cost is valued per that cost', () => {
    const mes = new MaxValueEntropySearch(new MockPosterior(TABLE), d, TARGET, minValues);
    assert.ok(Math.abs(mes.perRowCost(3, CHEAP, 0.2) - 1.5) < 1e-12);
    assert.equal(mes.perRowCost(3, CHEAP, undefined), 3);
  });

  test('the pruned best over a pool equals scoring every point', () => {
    const model = new MockPosterior(BOWL, 0.001);
    const ws = pack(Array.from({ length: 150 }, (_, i) => {
      const a = (i % 10) / 10;
      const b = Math.floor(i / 10) / 15;
      return Float64Array.from([a * (1 - b), (1 - a) * (1 - b), b]);
    }));
    const { minValues: samples, atTarget } = MaxValueEntropySearch.minValueSamples(model, d, TARGET, ws, 150, []);
    const mes = new MaxValueEntropySearch(model, d, TARGET, samples);
    const all = mes.score(ws, 150, CHEAP);
    const arg = all.reduce((a, v, i) => (v > all[a]! ? i : a), 0);
    assert.deepEqual(mes.best(ws, 150, CHEAP, atTarget), { index: arg, value: all[arg]! });
  });
});

describe('suggest over a mock posterior', () => {
  const observations: Observation[] = [{ w: W[0]!, s: 1, z: 1, y: 0.97 }];

  test('without jointPosterior (discrete): MES uses posterior + crossCovarianceDiag and picks as with the joint call', () => {
    const candidates = W.flatMap((w) => [{ w, fidelity: CHEAP }, { w, fidelity: TARGET }]);
    const input = { space: SPACE, fidelities: [CHEAP, TARGET], target: TARGET, observations, acquisition: 'auto' as const, batch: 1, candidates };
    const plain = new MockPosterior(TABLE, 0.001);
    const joint = new MockWithJoint(TABLE, 0.001);
    const [a] = suggest(plain, input);
    const [b] = suggest(joint, input);
    assert.ok(a && b);
    assert.ok(plain.calls.crossCovarianceDiag > 0);
    assert.equal(joint.calls.crossCovarianceDiag, 0);
    assert.ok(joint.calls.jointPosterior > 0);
    assert.equal(a.fidelity.label, b.fidelity.label);
    assert.deepEqual(Array.from(a.w), Array.from(b.w));
    assert.equal(a.acquisitionValue, b.acquisitionValue);
  });

  test('without jointPosterior (continuous pool, refined on the simplex): the same suggestion as with it', () => {
    const input = { space: SPACE, fidelities: [CHEAP, TARGET], target: TARGET, observations, acquisition: 'mes' as const, batch: 1, samples: 48, seed: 3 };
    const plain = new MockPosterior(BOWL, 0.001);
    const joint = new MockWithJoint(BOWL, 0.001);
    const [a] = suggest(plain, input);
    const [b] = suggest(joint, input);
    assert.ok(a && b);
    assert.ok(plain.calls.crossCovarianceDiag > 0);
    assert.equal(joint.calls.crossCovarianceDiag, 0);
    assert.equal(a.fidelity.label, b.fidelity.label);
    assert.deepEqual(Array.from(a.w), Array.from(b.w));
    assert.equal(a.acquisitionValue, b.acquisitionValue);
    assert.ok(Math.abs(a.w.reduce((s, x) => s + x, 0) - 1) < 1e-9);
  });

  test('auto with cheaper sizes: the target row is the UCB winner, valued by MES; plainMes takes the MES winner', () => {
    // Only target rows offered: UCB with beta 0 takes the lowest mean (row 1); MES prefers row 3 (0.95, sd 0.2).
    const model = new MockPosterior(TABLE, 0.001);
    const candidates = W.map((w) => ({ w, fidelity: TARGET }));
    const input = { space: SPACE, fidelities: [CHEAP, TARGET], target: TARGET, observations, batch: 1, candidates, beta: 0 };
    const [auto] = suggest(model, { ...input, acquisition: 'auto' });
    const [plainMes] = suggest(model, { ...input, acquisition: 'auto', plainMes: true });
    assert.deepEqual(Array.from(auto!.w), Array.from(W[1]!));
    assert.equal(auto!.acquisition, 'mes');
    assert.deepEqual(Array.from(plainMes!.w), Array.from(W[3]!));
    assert.ok(plainMes!.acquisitionValue > auto!.acquisitionValue, 'MES values its own winner higher');
  });

  test('maxCost: a candidate that does not fit is not proposed; nothing fits, no suggestion', () => {
    const model = new MockPosterior(TABLE, 0.001);
    // UCB alone would take the target row; with 0.5 left only the cheap one fits.
    const candidates = [{ w: W[3]!, fidelity: TARGET }, { w: W[1]!, fidelity: CHEAP }];
    const input = { space: SPACE, fidelities: [CHEAP, TARGET], target: TARGET, observations, acquisition: 'mes' as const, batch: 1, candidates };
    const unlimited = suggest(model, input);
    assert.equal(unlimited.length, 1);
    const [fits] = suggest(model, { ...input, maxCost: 0.5 });
    assert.equal(fits?.fidelity.label, 'cheap');
    assert.deepEqual(suggest(model, { ...input, maxCost: 0.05 }), []);
    // a batch stops when the budget is spent: 0.15 pays for one cheap run, not two
    const two = [{ w: W[1]!, fidelity: CHEAP }, { w: W[2]!, fidelity: CHEAP }];
    assert.equal(suggest(model, { ...input, candidates: two, batch: 2, maxCost: 0.15 }).length, 1);
    assert.equal(suggest(model, { ...input, candidates: two, batch: 2, maxCost: 0.2 }).length, 2);
  });
});
