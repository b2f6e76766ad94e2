import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGp } from '../../../src/core/gp/fit';
import { hyperparameterBounds, hyperparameterNames, hyperparametersFromTheta } from '../../../src/core/gp/hyperparameters';
import { evaluateObjective } from '../../../src/core/gp/likelihood';
import type { GpConfig } from '../../../src/core/gp/config';
import { buildDefaultKernel } from '../../../src/core/kernels/default';
import { cholesky, choleskySolve } from '../../../src/core/linalg';
import { Rng } from '../../../src/core/random';
import { CoreInputError } from '../../../src/core/types';
import type { PointSet } from '../../../src/core/types';

function mixtures(rng: Rng, n: number, d: number, fidelities = [0, 0.5, 1]): PointSet {
  const dim = d + 2;
  const data = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let m = 0; m < d; m++) {
      const e = -Math.log(1 - rng.next());
      data[i * dim + m] = e;
      total += e;
    }
    for (let m = 0; m < d; m++) data[i * dim + m] = data[i * dim + m]! / total;
    data[i * dim + d] = fidelities[rng.int(fidelities.length)]!;
    data[i * dim + d + 1] = rng.next();
  }
  return { n, d, data };
}

function objective(points: PointSet, rng: Rng, noise = 0.02): Float64Array {
  const dim = points.d + 2;
  return Float64Array.from({ length: points.n }, (_, i) => {
    const row = i * dim;
    return 3 + Math.sin(4 * points.data[row]!) - 0.6 * points.data[row + points.d]! - 0.2 * points.data[row + points.d + 1]! + noise * rng.normal();
  });
}

const configs: GpConfig[] = [
  { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'constant', priors: false },
  { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'linear', priors: true },
  { mixtureKernel: 'matern52', ard: true, fidelityKernel: 'rbf', mean: 'linear', priors: false },
  { mixtureKernel: 'matern52', ard: true, fidelityKernel: 'downsampling', mean: 'constant', priors: true },
  { mixtureKernel: 'rbf', ard: true, fidelityKernel: 'downsampling', mean: 'linear', priors: true },
  { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'quadratic', priors: true },
  { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'quadratic', priors: true, linear: true, sizeLevels: true },
  { mixtureKernel: 'matern52', ard: false, fidelityKernel: 'rbf', mean: 'constant', priors: false, linear: true },
];

function label(config: GpConfig): string {
  return `${config.mixtureKernel}${config.ard ? ' ARD' : ''}${config.linear ? ' + linear' : ''} / ${config.fidelityKernel}${config.sizeLevels ? ' + per-size' : ''} / ${config.mean} mean / priors ${config.priors ? 'on' : 'off'}`;
}

describe('log marginal likelihood gradient (R&W eq. 5.9) vs central finite differences', () => {
  for (const config of configs) {
    test(label(config), () => {
      const rng = new Rng(3);
      const d = 4;
      // four sizes: enough for the per-size component (SIZES_FOR_LEVELS)
      const points = mixtures(rng, 25, d, [0, 0.3, 0.6, 1]);
      const y = objective(points, rng);
      const names = hyperparameterNames(d, config);
      const theta = Float64Array.from(names, () => rng.uniform(-1.5, 0.5));
      const { gradient } = evaluateObjective(points, y, config, theta);
      const h = 1e-5;
      names.forEach((name, p) => {
        const plus = Float64Array.from(theta);
        plus[p] = plus[p]! + h;
        const minus = Float64Array.from(theta);
        minus[p] = minus[p]! - h;
        const numeric = (evaluateObjective(points, y, config, plus).value - evaluateObjective(points, y, config, minus).value) / (2 * h);
        assert.ok(Math.abs(numeric - gradient[p]!) <= 1e-6 * Math.max(1, Math.abs(numeric)), `${name}: fd ${numeric} vs analytic ${gradient[p]}`);
      });
    });
  }

  test('priors change the objective but not the reported LML', () => {
    const rng = new Rng(4);
    const points = mixtures(rng, 15, 3);
    const y = objective(points, rng);
    const off: GpConfig = { ...configs[0]!, priors: false };
    const on: GpConfig = { ...configs[0]!, priors: true };
    const theta = Float64Array.from(hyperparameterNames(3, off), () => -0.3);
    const a = evaluateObjective(points, y, off, theta);
    const b = evaluateObjective(points, y, on, theta);
    assert.equal(a.logMarginalLikelihood, b.logMarginalLikelihood);
    assert.notEqual(a.value, b.value);
  });
});

/** Reference posterior by explicit formulas (constant mean): y_mean + y_std k*^T (K + s^2 I)^-1 (y - y_mean) / y_std. */
function referencePosterior(train: PointSet, y: Float64Array, test: PointSet, config: GpConfig, theta: readonly number[]) {
  const n = train.n;
  const kernel = buildDefaultKernel({ d: train.d, mixtureKernel: config.mixtureKernel, ard: config.ard, fidelityKernel: config.fidelityKernel }).withTheta(theta.slice(0, -1));
  const noise = Math.exp(theta[theta.length - 1]!);
  let mean = 0;
  y.forEach((value) => (mean += value / n));
  let variance = 0;
  y.forEach((value) => (variance += (value - mean) ** 2 / n));
  const std = Math.sqrt(variance);
  const k = kernel.matrix(train);
  for (let i = 0; i < n; i++) k[i * n + i] = k[i * n + i]! + noise;
  const { factor } = cholesky(k, n);
  const alpha = choleskySolve(factor, n, y.map((value) => (value - mean) / std));
  const cross = kernel.matrix(test, train);
  const prior = kernel.diag(test);
  const outMean = new Float64Array(test.n);
  const outVariance = new Float64Array(test.n);
  for (let i = 0; i < test.n; i++) {
    const row = cross.subarray(i * n, i * n + n);
    let m = 0;
    row.forEach((value, j) => (m += value * alpha[j]!));
    const solved = choleskySolve(factor, n, row);
    let reduction = 0;
    row.forEach((value, j) => (reduction += value * solved[j]!));
    outMean[i] = mean + std * m;
    outVariance[i] = std * std * (prior[i]! - reduction);
  }
  return { mean: outMean, variance: outVariance, std, yMean: mean };
}

describe('posterior', () => {
  const rng = new Rng(21);
  const d = 3;
  const points = mixtures(rng, 30, d);
  const y = objective(points, rng);
  const config: GpConfig = { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'constant', priors: true };
  const gp = fitGp(points, y, config, { restarts: 1, seed: 1 });
  const testPoints = mixtures(rng, 8, d);

  test('matches explicit formulas; variances non-negative', () => {
    const reference = referencePosterior(points, y, testPoints, config, gp.hyperparameters().theta);
    const posterior = gp.posterior(testPoints);
    for (let i = 0; i < testPoints.n; i++) {
      assert.ok(Math.abs(posterior.mean[i]! - reference.mean[i]!) < 1e-9);
      assert.ok(Math.abs(posterior.variance[i]! - reference.variance[i]!) < 1e-9);
      assert.ok(posterior.variance[i]! >= 0);
    }
  });

  test('covariance: symmetric, diagonal equals posterior variance, crossCovarianceDiag equals its diagonal', () => {
    const other = mixtures(rng, 8, d);
    const cov = gp.covariance(testPoints, testPoints);
    const variance = gp.posterior(testPoints).variance;
    const m = testPoints.n;
    for (let i = 0; i < m; i++) {
      assert.ok(Math.abs(cov[i * m + i]! - variance[i]!) < 1e-10);
      for (let j = 0; j < m; j++) assert.ok(Math.abs(cov[i * m + j]! - cov[j * m + i]!) < 1e-12);
    }
    const cross = gp.covariance(testPoints, other);
    const diagonal = gp.crossCovarianceDiag(testPoints, other);
    for (let i = 0; i < m; i++) assert.ok(Math.abs(cross[i * other.n + i]! - diagonal[i]!) < 1e-12);
    assert.throws(() => gp.crossCovarianceDiag(testPoints, mixtures(rng, 3, d)), CoreInputError);
  });

  test('large queries (cached inverse factor) and small queries (forward substitution) agree', () => {
    const many = mixtures(new Rng(77), 40, d);
    const few: PointSet = { n: 5, d, data: many.data.slice(0, 5 * (d + 2)) };
    const fresh = () => fitGp(points, y, config, { fixed: true, warmStart: gp.hyperparameters() });
    const large = fresh().posterior(many);
    const small = fresh().posterior(few);
    for (let i = 0; i < 5; i++) {
      assert.ok(Math.abs(large.mean[i]! - small.mean[i]!) < 1e-10);
      assert.ok(Math.abs(large.variance[i]! - small.variance[i]!) < 1e-10);
    }
  });

  test('fantasies of a model with a cached inverse factor predict like a fresh model', () => {
    const many = mixtures(new Rng(78), 40, d);
    const pending = mixtures(new Rng(79), 3, d);
    const values = Float64Array.from([2.8, 3.2, 3.0]);
    const warmed = fitGp(points, y, config, { fixed: true, warmStart: gp.hyperparameters() });
    warmed.posterior(many); // caches L^-1, inherited by conditionOn
    const inherited = warmed.conditionOn(pending, values).posterior(many);
    const fresh = fitGp(points, y, config, { fixed: true, warmStart: gp.hyperparameters() }).conditionOn(pending, values);
    const few: PointSet = { n: 5, d, data: many.data.slice(0, 5 * (d + 2)) };
    const reference = fresh.posterior(few); // forward substitution path
    for (let i = 0; i < 5; i++) {
      assert.ok(Math.abs(inherited.mean[i]! - reference.mean[i]!) < 1e-10);
      assert.ok(Math.abs(inherited.variance[i]! - reference.variance[i]!) < 1e-10);
    }
  });

  test('noiseVariance is in objective units', () => {
    const values = gp.hyperparameters();
    assert.ok(Math.abs(gp.noiseVariance - values.values['noise']! * values.yStd ** 2) < 1e-15);
  });

  test('conditionOn matches the explicit posterior of the joined data; believer fantasies keep the mean', () => {
    const pending = mixtures(rng, 3, d);
    const values = Float64Array.from([2.5, 3.1, 2.9]);
    const conditioned = gp.conditionOn(pending, values);
    assert.equal(conditioned.n, points.n + 3);
    // Explicit: same hyperparameters and the same standardisation constants as the original fit.
    const h = gp.hyperparameters();
    const kernel = buildDefaultKernel({ d, mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf' }).withTheta(h.theta.slice(0, -1));
    const noise = h.values['noise']!;
    const all: PointSet = { n: points.n + 3, d, data: Float64Array.from([...points.data, ...pending.data]) };
    const yAll = Float64Array.from([...y, ...values]);
    const n = all.n;
    const k = kernel.matrix(all);
    for (let i = 0; i < n; i++) k[i * n + i] = k[i * n + i]! + noise;
    const { factor } = cholesky(k, n);
    const alpha = choleskySolve(factor, n, yAll.map((value) => (value - h.yMean) / h.yStd));
    const cross = kernel.matrix(testPoints, all);
    const posterior = conditioned.posterior(testPoints);
    for (let i = 0; i < testPoints.n; i++) {
      let m = 0;
      for (let j = 0; j < n; j++) m += cross[i * n + j]! * alpha[j]!;
      assert.ok(Math.abs(posterior.mean[i]! - (h.yMean + h.yStd * m)) < 1e-9);
    }
    // Kriging believer: values = current posterior mean leave the mean unchanged and shrink the variance.
    const before = gp.posterior(pending);
    const believer = gp.conditionOn(pending, before.mean);
    const after = believer.posterior(pending);
    for (let i = 0; i < pending.n; i++) {
      assert.ok(Math.abs(after.mean[i]! - before.mean[i]!) < 1e-9);
      assert.ok(after.variance[i]! < before.variance[i]!);
    }
    // Sequential and block conditioning agree.
    const first: PointSet = { n: 1, d, data: pending.data.slice(0, d + 2) };
    const rest: PointSet = { n: 2, d, data: pending.data.slice(d + 2) };
    const sequential = gp.conditionOn(first, values.slice(0, 1)).conditionOn(rest, values.slice(1));
    const a = sequential.posterior(testPoints);
    const b = conditioned.posterior(testPoints);
    for (let i = 0; i < testPoints.n; i++) {
      assert.ok(Math.abs(a.mean[i]! - b.mean[i]!) < 1e-10);
      assert.ok(Math.abs(a.variance[i]! - b.variance[i]!) < 1e-10);
    }
  });

  test('leaveOneOut matches refitting without each point at fixed hyperparameters (R&W eq. 5.12)', () => {
    const h = gp.hyperparameters();
    const kernel = buildDefaultKernel({ d, mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf' }).withTheta(h.theta.slice(0, -1));
    const noise = h.values['noise']!;
    const loo = gp.leaveOneOut();
    const n = points.n;
    const full = kernel.matrix(points);
    for (let i = 0; i < n; i++) full[i * n + i] = full[i * n + i]! + noise;
    for (const left of [0, 7, n - 1]) {
      const keep = Array.from({ length: n }, (_, i) => i).filter((i) => i !== left);
      const size = keep.length;
      const k = new Float64Array(size * size);
      keep.forEach((a, i) => keep.forEach((b, j) => (k[i * size + j] = full[a * n + b]!)));
      const { factor } = cholesky(k, size);
      const residual = Float64Array.from(keep, (i) => (y[i]! - h.yMean) / h.yStd);
      const column = Float64Array.from(keep, (i) => full[left * n + i]!);
      const alpha = choleskySolve(factor, size, residual);
      const solved = choleskySolve(factor, size, column);
      let mean = 0;
      let reduction = 0;
      column.forEach((value, j) => {
        mean += value * alpha[j]!;
        reduction += value * solved[j]!;
      });
      const expectedMean = h.yMean + h.yStd * mean;
      const expectedVariance = h.yStd ** 2 * (full[left * n + left]! - reduction);
      assert.ok(Math.abs(loo.mean[left]! - expectedMean) < 1e-9, `mean ${loo.mean[left]} vs ${expectedMean}`);
      assert.ok(Math.abs(loo.variance[left]! - expectedVariance) < 1e-9 * Math.max(1, expectedVariance));
    }
  });

  test('hyperparameters survive JSON and reproduce the model with fixed: true', () => {
    const json = JSON.parse(JSON.stringify(gp.hyperparameters())) as ReturnType<typeof gp.hyperparameters>;
    const again = fitGp(points, y, config, { fixed: true, warmStart: json });
    assert.equal(again.logMarginalLikelihood, gp.logMarginalLikelihood);
    assert.deepEqual(again.hyperparameters().theta, gp.hyperparameters().theta);
  });
});

describe('linear (MFMS-GP) and quadratic means in (s, z)', () => {
  test('the posterior variance includes the uncertainty of the estimated mean (R&W eq. 2.41), checked by explicit formulas', () => {
    const rng = new Rng(28);
    const d = 3;
    const train = mixtures(rng, 18, d, [0, 0.4, 1]);
    const y = objective(train, rng, 0.05);
    const config: GpConfig = { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'linear', priors: true };
    const gp = fitGp(train, y, config, { seed: 1 });
    const h = gp.hyperparameters();
    const test = mixtures(rng, 5, d, [1, 0.7]);
    const kernel = buildDefaultKernel({ d, mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf' }).withTheta(h.theta.slice(0, -1));
    const noise = Math.exp(h.theta[h.theta.length - 1]!);
    const n = train.n;
    const k = kernel.matrix(train);
    for (let i = 0; i < n; i++) k[i * n + i] = k[i * n + i]! + noise;
    const { factor } = cholesky(k, n);
    const dim = d + 2;
    const design = (ps: PointSet, i: number): number[] => [1, ps.data[i * dim + d]!, ps.data[i * dim + d + 1]!];
    // A = H^T K^-1 H (3 x 3), from K^-1 H column by column
    const kinvH = [0, 1, 2].map((c) => choleskySolve(factor, n, Float64Array.from({ length: n }, (_, i) => design(train, i)[c]!)));
    const a = [0, 1, 2].map((r) => [0, 1, 2].map((c) => Array.from({ length: n }, (_, i) => design(train, i)[r]! * kinvH[c]![i]!).reduce((x, v) => x + v, 0)));
    const { factor: aFactor } = cholesky(Float64Array.from(a.flat()), 3);
    const cross = kernel.matrix(test, train);
    const prior = kernel.diag(test);
    const posterior = gp.posterior(test);
    for (let t = 0; t < test.n; t++) {
      const kStar = cross.subarray(t * n, t * n + n);
      const kinvK = choleskySolve(factor, n, Float64Array.from(kStar));
      let reduction = 0;
      for (let i = 0; i < n; i++) reduction += kStar[i]! * kinvK[i]!;
      const hStar = design(test, t);
      const r = Float64Array.from([0, 1, 2], (c) => hStar[c]! - Array.from({ length: n }, (_, i) => design(train, i)[c]! * kinvK[i]!).reduce((x, v) => x + v, 0));
      const ainvR = choleskySolve(aFactor, 3, r);
      const meanTerm = r.reduce((x, v, c) => x + v * ainvR[c]!, 0);
      const expected = (prior[t]! - reduction + meanTerm) * h.yStd * h.yStd;
      assert.ok(meanTerm > 0);
      assert.ok(Math.abs(posterior.variance[t]! - expected) < 1e-9 * Math.max(1, expected), `point ${t}: ${posterior.variance[t]} vs ${expected}`);
    }
    // covariance() and crossCovarianceDiag() carry the same term: their diagonal equals the variance
    const cov = gp.covariance(test, test);
    const diag = gp.crossCovarianceDiag(test, test);
    for (let t = 0; t < test.n; t++) {
      assert.ok(Math.abs(cov[t * test.n + t]! - posterior.variance[t]!) < 1e-12 * Math.max(1, posterior.variance[t]!));
      assert.ok(Math.abs(diag[t]! - posterior.variance[t]!) < 1e-12 * Math.max(1, posterior.variance[t]!));
    }
  });

  test('recovers an exactly linear objective by generalised least squares', () => {
    const rng = new Rng(8);
    const points = mixtures(rng, 20, 3, [0, 0.3, 0.7, 1]);
    const dim = 5;
    const y = Float64Array.from({ length: 20 }, (_, i) => 2 + 0.5 * points.data[i * dim + 3]! - 0.3 * points.data[i * dim + 4]!);
    const gp = fitGp(points, y, { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'linear', priors: true });
    const h = gp.hyperparameters();
    assert.ok(Math.abs(h.meanCoefficients[1]! * h.yStd - 0.5) < 1e-6, `s coefficient ${h.meanCoefficients[1]! * h.yStd}`);
    assert.ok(Math.abs(h.meanCoefficients[2]! * h.yStd + 0.3) < 1e-6);
    const far = mixtures(rng, 4, 3, [0.9]);
    const posterior = gp.posterior(far);
    for (let i = 0; i < 4; i++) {
      const expected = 2 + 0.5 * far.data[i * dim + 3]! - 0.3 * far.data[i * dim + 4]!;
      assert.ok(Math.abs(posterior.mean[i]! - expected) < 1e-5);
    }
  });

  test('quadratic: recovers a curved scaling trend when the target level is among three observed levels', () => {
    const rng = new Rng(18);
    const points = mixtures(rng, 24, 3, [0, 0.5, 1]);
    const dim = 5;
    const trend = (s: number, z: number): number => 4 - 2.5 * s + 1.2 * s * s - 0.3 * z;
    const y = Float64Array.from({ length: 24 }, (_, i) => trend(points.data[i * dim + 3]!, points.data[i * dim + 4]!));
    const gp = fitGp(points, y, { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'quadratic', priors: true });
    const h = gp.hyperparameters();
    assert.ok(Math.abs(h.meanCoefficients[3]! * h.yStd - 1.2) < 1e-6, `s^2 coefficient ${h.meanCoefficients[3]! * h.yStd}`);
    assert.equal(h.meanCoefficients[4], 0, 'z never reaches the target level: no curvature in z');
    const far = mixtures(rng, 4, 3, [1]);
    const posterior = gp.posterior(far);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(posterior.mean[i]! - trend(1, far.data[i * dim + 4]!)) < 1e-5);
  });

  test('quadratic: no curvature from two levels, nor past the data (the target level not observed)', () => {
    for (const levels of [[0, 1], [0, 0.3, 0.6]]) {
      const rng = new Rng(19);
      const points = mixtures(rng, 20, 3, levels);
      const y = objective(points, rng);
      const quadratic = fitGp(points, y, { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'quadratic' }).hyperparameters();
      const linear = fitGp(points, y, { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'linear' }).hyperparameters();
      assert.equal(quadratic.meanCoefficients[3], 0, `levels ${levels.join(', ')}`);
      assert.deepEqual(quadratic.meanCoefficients, linear.meanCoefficients, 'the same design as the linear mean');
    }
  });

  test('with few target runs, a linear mean misplaces the target level of a curved trend; the quadratic one does not', () => {
    // 40 runs at each of two small sizes, 3 at the target, loss convex in log size (as in RegMix); 30 new target mixtures
    const rng = new Rng(20);
    const dim = 5;
    const small = mixtures(rng, 80, 3, [0, 0.55]);
    const big = mixtures(rng, 3, 3, [1]);
    const points: PointSet = { n: 83, d: 3, data: Float64Array.from([...small.data, ...big.data]) };
    const f = (row: Float64Array, i: number): number => 5 - 4 * row[i * dim + 3]! + 1.5 * row[i * dim + 3]! ** 2 + 0.1 * Math.sin(5 * row[i * dim]!);
    for (let i = 0; i < points.n; i++) points.data[i * dim + 4] = 1;
    const y = Float64Array.from({ length: 83 }, (_, i) => f(points.data, i) + 0.01 * rng.normal());
    const fresh = mixtures(rng, 30, 3, [1]);
    for (let i = 0; i < fresh.n; i++) fresh.data[i * dim + 4] = 1;
    const bias = (mean: GpConfig['mean']): number => {
      const p = fitGp(points, y, { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean }).posterior(fresh);
      let total = 0;
      for (let i = 0; i < fresh.n; i++) total += p.mean[i]! - f(fresh.data, i);
      return total / fresh.n;
    };
    const linear = bias('linear');
    const quadratic = bias('quadratic');
    assert.ok(Math.abs(quadratic) < 0.03, `quadratic bias ${quadratic.toFixed(4)}`);
    assert.ok(Math.abs(linear) > 3 * Math.abs(quadratic), `linear bias ${linear.toFixed(4)} vs quadratic ${quadratic.toFixed(4)}`);
  });

  test('trend: past the data, the interval of a curved size trend holds the target level, and the mean is 3x less biased than without it', () => {
    // four sizes up to 0.6, the target (s = 1) never observed, loss convex in log size, one step count
    const rng = new Rng(21);
    const dim = 5;
    const points = mixtures(rng, 60, 3, [0, 0.2, 0.4, 0.6]);
    for (let i = 0; i < points.n; i++) points.data[i * dim + 4] = 1;
    const f = (row: Float64Array, i: number): number => 5 - 4 * row[i * dim + 3]! + 1.5 * row[i * dim + 3]! ** 2 + 0.1 * Math.sin(5 * row[i * dim]!);
    const y = Float64Array.from({ length: points.n }, (_, i) => f(points.data, i) + 0.01 * rng.normal());
    const fresh = mixtures(rng, 30, 3, [1]);
    for (let i = 0; i < fresh.n; i++) fresh.data[i * dim + 4] = 1;
    const check = (trend: boolean): { bias: number; covered: number; names: readonly string[] } => {
      const gp = fitGp(points, y, { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'quadratic', trend });
      const p = gp.posterior(fresh);
      let bias = 0;
      let covered = 0;
      for (let i = 0; i < fresh.n; i++) {
        const truth = f(fresh.data, i);
        bias += (p.mean[i]! - truth) / fresh.n;
        if (Math.abs(p.mean[i]! - truth) <= 1.96 * Math.sqrt(p.variance[i]!)) covered++;
      }
      return { bias, covered, names: gp.hyperparameters().names };
    };
    const withTrend = check(true);
    const without = check(false);
    assert.ok(withTrend.names.includes('trend.s2.variance'), withTrend.names.join(', '));
    assert.ok(!without.names.some((name) => name.startsWith('trend.')));
    assert.ok(withTrend.covered >= 27, `with the trend: ${withTrend.covered}/30 covered, bias ${withTrend.bias.toFixed(4)}`);
    assert.ok(Math.abs(withTrend.bias) < 0.05, `with the trend: bias ${withTrend.bias.toFixed(4)}`);
    assert.ok(Math.abs(without.bias) > 3 * Math.abs(withTrend.bias), `without: bias ${without.bias.toFixed(4)} vs ${withTrend.bias.toFixed(4)}`);
  });

  test('trend: nothing is added where every point is at the target, nor where the mean already has the terms', () => {
    const rng = new Rng(22);
    const atTarget = mixtures(rng, 15, 3, [1]);
    for (let i = 0; i < atTarget.n; i++) atTarget.data[i * 5 + 4] = 1;
    const names = (points: PointSet): readonly string[] =>
      fitGp(points, objective(points, rng), { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'quadratic', trend: true }).hyperparameters().names;
    assert.ok(!names(atTarget).some((name) => name.startsWith('trend.')));
    // three sizes including the target, one step count at the target: s and s^2 are in the mean, z is constant
    const regmixLike = mixtures(rng, 30, 3, [0, 0.6, 1]);
    for (let i = 0; i < regmixLike.n; i++) regmixLike.data[i * 5 + 4] = 1;
    assert.ok(!names(regmixLike).some((name) => name.startsWith('trend.')), names(regmixLike).join(', '));
    // one or two sizes below the target: no curvature the data could fit, so none is added
    for (const sizes of [[0], [0, 0.5]]) {
      const few = mixtures(rng, 15, 3, sizes);
      for (let i = 0; i < few.n; i++) few.data[i * 5 + 4] = 1;
      assert.ok(!names(few).some((name) => name.startsWith('trend.')), `${sizes.length} sizes: ${names(few).join(', ')}`);
    }
    // three sizes below the target and steps that vary: curvature in s, and the size x steps interaction
    const three = mixtures(rng, 30, 3, [0, 0.3, 0.6]);
    for (let i = 0; i < three.n; i++) three.data[i * 5 + 4] = i % 2 === 0 ? 1 : 0.5;
    assert.deepEqual(names(three).filter((name) => name.startsWith('trend.')), ['trend.s2.variance', 'trend.sz.variance']);
  });

  test('a fidelity that never varies is left out of the design without failing', () => {
    const rng = new Rng(9);
    const points = mixtures(rng, 12, 3, [1]);
    const y = objective(points, rng);
    const gp = fitGp(points, y, { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'linear' });
    assert.equal(gp.hyperparameters().meanCoefficients[1], 0);
    assert.ok(Number.isFinite(gp.logMarginalLikelihood));
  });
});

describe('fitting', () => {
  test('warm start from the previous fit needs few evaluations and loses nothing', () => {
    const rng = new Rng(12);
    const d = 5;
    const points = mixtures(rng, 60, d);
    const y = objective(points, rng);
    const config: GpConfig = { mixtureKernel: 'matern52', ard: true, fidelityKernel: 'rbf', mean: 'linear', priors: true };
    const cold = fitGp(points, y, config, { restarts: 2, seed: 3 });
    const warm = fitGp(points, y, config, { warmStart: cold.hyperparameters() });
    assert.ok(warm.fitEvaluations <= 5, `warm evaluations ${warm.fitEvaluations}`);
    assert.ok(cold.fitEvaluations > 3 * warm.fitEvaluations, `cold ${cold.fitEvaluations} vs warm ${warm.fitEvaluations}`);
    assert.ok(warm.logMarginalLikelihood + warm.logPrior >= cold.logMarginalLikelihood + cold.logPrior - 1e-6);
  });

  test('a warm start that does not match (other d) falls back to a cold start with a warning', () => {
    const rng = new Rng(13);
    const points = mixtures(rng, 10, 3);
    const y = objective(points, rng);
    const config: GpConfig = { mixtureKernel: 'rbf', ard: true, fidelityKernel: 'rbf', mean: 'constant' };
    const gp = fitGp(points, y, config, { warmStart: hyperparametersFromTheta(4, config, new Array(8).fill(0)) });
    assert.ok(gp.warnings.some((warning) => warning.includes('warm start')));
  });

  test('ARD lengthscales point to the domain that matters', () => {
    const rng = new Rng(14);
    const d = 4;
    const points = mixtures(rng, 80, d, [1]);
    const y = Float64Array.from({ length: 80 }, (_, i) => 3 * points.data[i * (d + 2)]! + 0.01 * rng.normal());
    const gp = fitGp(points, y, { mixtureKernel: 'rbf', ard: true, fidelityKernel: 'rbf', mean: 'constant', priors: true }, { restarts: 1 });
    const lengthscales = gp.mixtureLengthscales();
    assert.equal(lengthscales.length, d);
    for (let m = 1; m < d; m++) assert.ok(lengthscales[0]! < lengthscales[m]!, `lengthscales ${Array.from(lengthscales)}`);
    const shared = fitGp(points, y, { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'constant' });
    const sharedScales = shared.mixtureLengthscales();
    assert.equal(sharedScales.length, d);
    assert.ok(sharedScales.every((value) => value === sharedScales[0]));
  });

  test('large n: restarts on a subset, refined on all data, no worse than the default start', () => {
    const rng = new Rng(15);
    const points = mixtures(rng, 150, 3);
    const y = objective(points, rng, 0.05);
    const config: GpConfig = { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'constant', priors: true };
    const gp = fitGp(points, y, config, { subsetSize: 50, restarts: 2 });
    const names = hyperparameterNames(3, config);
    const defaults = fitGp(points, y, config, { fixed: true });
    assert.equal(names.length, gp.hyperparameters().theta.length);
    assert.ok(gp.logMarginalLikelihood + gp.logPrior > defaults.logMarginalLikelihood + defaults.logPrior);
  });
});

describe('degenerate input never crashes', () => {
  const config: GpConfig = { mixtureKernel: 'matern52', ard: true, fidelityKernel: 'downsampling', mean: 'linear', priors: true };
  function usable(points: PointSet, y: Float64Array, fitConfig: GpConfig = config): void {
    const gp = fitGp(points, y, fitConfig, { restarts: 1 });
    assert.ok(Number.isFinite(gp.logMarginalLikelihood));
    const rng = new Rng(2);
    const posterior = gp.posterior(mixtures(rng, 5, points.d));
    for (let i = 0; i < 5; i++) {
      assert.ok(Number.isFinite(posterior.mean[i]!));
      assert.ok(posterior.variance[i]! >= 0 && Number.isFinite(posterior.variance[i]!));
    }
    const loo = gp.leaveOneOut();
    assert.ok(loo.mean.every(Number.isFinite) && loo.variance.every((value) => value >= 0));
  }

  test('one observation', () => {
    const rng = new Rng(30);
    const points = mixtures(rng, 1, 3);
    usable(points, Float64Array.from([2.5]));
    const gp = fitGp(points, Float64Array.from([2.5]), config);
    assert.ok(Math.abs(gp.posterior(points).mean[0]! - 2.5) < 1e-6);
  });

  test('no observations: the prior', () => {
    const gp = fitGp({ n: 0, d: 3, data: new Float64Array(0) }, new Float64Array(0), config);
    const posterior = gp.posterior(mixtures(new Rng(1), 2, 3));
    assert.ok(posterior.mean.every((value) => value === 0));
    assert.ok(posterior.variance.every((value) => value > 0));
  });

  test('all-equal y', () => {
    const rng = new Rng(31);
    const points = mixtures(rng, 12, 3);
    usable(points, new Float64Array(12).fill(3.3));
    const gp = fitGp(points, new Float64Array(12).fill(3.3), config);
    assert.ok(gp.posterior(mixtures(rng, 3, 3)).mean.every((value) => Math.abs(value - 3.3) < 1e-6));
  });

  test('duplicated points with different values', () => {
    const rng = new Rng(32);
    const one = mixtures(rng, 1, 3);
    const points: PointSet = { n: 6, d: 3, data: Float64Array.from([...one.data, ...one.data, ...one.data, ...one.data, ...one.data, ...one.data]) };
    usable(points, Float64Array.from([1, 1.1, 0.9, 1, 1.05, 0.95]));
    usable(points, Float64Array.from([1, 1.1, 0.9, 1, 1.05, 0.95]), { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'constant', priors: false, noiseFloor: 1e-10 });
  });

  test('identical points at the smallest noise: factorises, predicts their average, any jitter is reported', () => {
    const rng = new Rng(36);
    const one = mixtures(rng, 1, 3);
    const points: PointSet = { n: 4, d: 3, data: Float64Array.from([...one.data, ...one.data, ...one.data, ...one.data]) };
    const fixedConfig: GpConfig = { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'constant', noiseFloor: 1e-14 };
    const theta = [0, Math.log(0.5), Math.log(0.5), Math.log(0.5), Math.log(1e-14)];
    const gp = fitGp(points, Float64Array.from([1, 2, 3, 4]), fixedConfig, { fixed: true, warmStart: hyperparametersFromTheta(3, fixedConfig, theta) });
    assert.ok(gp.jitter === 0 || gp.warnings.some((warning) => warning.includes('jitter')));
    assert.ok(gp.noiseVariance <= 1e-11, 'noise clipped to the 1e-12 minimum floor, no larger');
    const posterior = gp.posterior(one);
    assert.ok(Math.abs(posterior.mean[0]! - 2.5) < 1e-3, `mean ${posterior.mean[0]}`);
    assert.ok(posterior.variance[0]! >= 0);
  });

  test('fitted hyperparameters stay within their bounds', () => {
    const rng = new Rng(37);
    const points = mixtures(rng, 30, 3);
    const y = objective(points, rng, 0);
    const fitConfig: GpConfig = { mixtureKernel: 'rbf', ard: true, fidelityKernel: 'downsampling', mean: 'constant', priors: false };
    const gp = fitGp(points, y, fitConfig, { restarts: 2 });
    const bounds = hyperparameterBounds(3, fitConfig);
    gp.hyperparameters().theta.forEach((value, i) => assert.ok(value >= bounds[i]![0] && value <= bounds[i]![1], `theta[${i}] = ${value}`));
  });

  test('a domain that is zero everywhere', () => {
    const rng = new Rng(33);
    const points = mixtures(rng, 15, 4);
    for (let i = 0; i < 15; i++) points.data[i * 6 + 2] = 0;
    usable(points, objective(points, rng));
  });

  test('d = 64', () => {
    const rng = new Rng(34);
    const points = mixtures(rng, 20, 64);
    usable(points, objective(points, rng));
  });

  test('NaN / Infinity in points or y throw CoreInputError naming row and column', () => {
    const rng = new Rng(35);
    const points = mixtures(rng, 5, 3);
    const y = objective(points, rng);
    const badPoints: PointSet = { ...points, data: Float64Array.from(points.data) };
    badPoints.data[2 * 5 + 3] = NaN;
    assert.throws(() => fitGp(badPoints, y, config), (error: unknown) => error instanceof CoreInputError && /row 2, column s/.test(error.message));
    badPoints.data[2 * 5 + 3] = 0.5;
    badPoints.data[4 * 5 + 1] = Infinity;
    assert.throws(() => fitGp(badPoints, y, config), (error: unknown) => error instanceof CoreInputError && /row 4, column w\[1\]/.test(error.message));
    const badY = Float64Array.from(y);
    badY[3] = NaN;
    assert.throws(() => fitGp(points, badY, config), (error: unknown) => error instanceof CoreInputError && /row 3, column y/.test(error.message));
    assert.throws(() => fitGp(points, y.slice(1), config), CoreInputError);
    assert.throws(() => fitGp({ n: 5, d: 3, data: new Float64Array(7) }, y, config), CoreInputError);
    const gp = fitGp(points, y, config);
    const badQuery: PointSet = { n: 1, d: 3, data: Float64Array.from([0.2, 0.3, 0.5, 1, NaN]) };
    assert.throws(() => gp.posterior(badQuery), (error: unknown) => error instanceof CoreInputError && /row 0, column z/.test(error.message));
    assert.throws(() => gp.posterior(mixtures(rng, 2, 4)), CoreInputError);
  });
});

describe('learned correlation between model sizes', () => {
  test('a cheap size that is the target plus a constant is trusted; a cheap size that is noise is not', () => {
    const d = 3;
    const correlationAtTarget = (cheapValue: (w: Float64Array, target: number, rng: Rng) => number): number => {
      const rng = new Rng(41);
      const n = 60;
      const data = new Float64Array(n * (d + 2));
      const y = new Float64Array(n);
      const all = mixtures(rng, n, d, [0]);
      for (let i = 0; i < n; i++) {
        const w = all.data.slice(i * (d + 2), i * (d + 2) + d);
        data.set(w, i * (d + 2));
        const isTarget = i % 4 === 0;
        data[i * (d + 2) + d] = isTarget ? 1 : 0;
        data[i * (d + 2) + d + 1] = 1;
        const truth = 2 + Math.sin(5 * w[0]!) + 0.5 * w[1]!;
        y[i] = isTarget ? truth + 0.01 * rng.normal() : cheapValue(w, truth, rng);
      }
      const gp = fitGp({ n, d, data }, y, { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'linear', linear: true, sizeLevels: true }, { seed: 2, restarts: 2 });
      const probe = mixtures(new Rng(7), 20, d, [0]);
      const atTarget = { n: probe.n, d, data: Float64Array.from(probe.data) };
      for (let i = 0; i < probe.n; i++) atTarget.data[i * (d + 2) + d] = 1;
      const cheap = gp.posterior(probe);
      const target = gp.posterior(atTarget);
      const cross = gp.crossCovarianceDiag(probe, atTarget);
      let total = 0;
      for (let i = 0; i < probe.n; i++) total += cross[i]! / Math.sqrt(cheap.variance[i]! * target.variance[i]!);
      return total / probe.n;
    };
    const transfer = correlationAtTarget((_, truth, rng) => truth + 0.7 + 0.01 * rng.normal());
    const noise = correlationAtTarget((_, __, rng) => 3 + rng.normal());
    assert.ok(transfer > 0.8, `transfer: mean posterior correlation ${transfer}`);
    assert.ok(noise < 0.3, `noise: mean posterior correlation ${noise}`);
  });
});
