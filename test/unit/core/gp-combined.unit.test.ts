import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGp } from '../../../src/core/gp/fit';
import { buildDefaultKernel } from '../../../src/core/kernels/default';
import type { GpConfig } from '../../../src/core/gp/config';
import type { GaussianProcess } from '../../../src/core/gp/model';
import { Rng } from '../../../src/core/random';
import { CoreInputError } from '../../../src/core/types';
import type { PointSet } from '../../../src/core/types';

function randomMixtures(rng: Rng, n: number, d: number, s: number | undefined): PointSet {
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
    data[i * dim + d] = s ?? [0, 0.6, 1][rng.int(3)]!;
    data[i * dim + d + 1] = 1;
  }
  return { n, d, data };
}

/** The same mixtures moved to fidelity s. */
function atScale(points: PointSet, s: number): PointSet {
  const data = Float64Array.from(points.data);
  for (let i = 0; i < points.n; i++) data[i * (points.d + 2) + points.d] = s;
  return { n: points.n, d: points.d, data };
}

function fitted(config: GpConfig, n: number, seed: number): GaussianProcess {
  const rng = new Rng(seed);
  const d = 5;
  const points = randomMixtures(rng, n, d, undefined);
  const dim = d + 2;
  const y = Float64Array.from({ length: n }, (_, i) => 3 + Math.sin(5 * points.data[i * dim]!) - 0.7 * points.data[i * dim + d]! + 0.02 * rng.normal());
  return fitGp(points, y, config, { restarts: 0, seed, maxIterations: 20 });
}

function assertClose(actual: Float64Array, expected: Float64Array, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < actual.length; i++) {
    const scale = Math.max(Math.abs(expected[i]!), 1e-300);
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= 1e-10 * scale, `${label}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

const configs: Array<[string, GpConfig]> = [
  ['rbf/rbf constant', { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'constant' }],
  ['matern ARD/downsampling linear', { mixtureKernel: 'matern52', ard: true, fidelityKernel: 'downsampling', mean: 'linear' }],
];

describe('GaussianProcess.jointPosterior', () => {
  for (const [name, config] of configs) {
    // 8 query points go through forward substitution, 80 through the cached L^-1.
    for (const m of [8, 80]) {
      test(`${name}, ${m} points: agrees with posterior + crossCovarianceDiag to 1e-10 relative`, () => {
        const gp = fitted(config, 60, 3);
        const cheap = randomMixtures(new Rng(11 + m), m, 5, 0);
        const target = atScale(cheap, 1);
        const joint = gp.jointPosterior(cheap, target);
        const first = gp.posterior(cheap);
        const second = gp.posterior(target);
        const cross = gp.crossCovarianceDiag(cheap, target);
        assertClose(joint.first.mean, first.mean, 'first mean');
        assertClose(joint.first.variance, first.variance, 'first variance');
        assertClose(joint.second.mean, second.mean, 'second mean');
        assertClose(joint.second.variance, second.variance, 'second variance');
        assertClose(joint.crossCovariance, cross, 'cross covariance');
        // the cross-fidelity covariance is a real correlation, not a copy of a variance
        const rho = joint.crossCovariance.map((c, i) => c / Math.sqrt(joint.first.variance[i]! * joint.second.variance[i]!));
        assert.ok(rho.every((r) => r > -1 - 1e-9 && r < 1 + 1e-9), 'correlations within [-1, 1]');
        assert.ok(rho.some((r) => r < 0.999999), 'some correlation below 1 across fidelities');
      });
    }
  }

  test('agrees after conditionOn (fantasies extend the factor and L^-1)', () => {
    const gp = fitted(configs[1]![1], 50, 5);
    const pool = randomMixtures(new Rng(2), 40, 5, 0);
    gp.posterior(pool); // caches L^-1 so the conditioned model inherits an extended inverse
    const pending = randomMixtures(new Rng(4), 3, 5, 0.6);
    const model = gp.conditionOn(pending, gp.posterior(pending).mean);
    const target = atScale(pool, 1);
    const joint = model.jointPosterior(pool, target);
    assertClose(joint.first.variance, model.posterior(pool).variance, 'first variance');
    assertClose(joint.second.mean, model.posterior(target).mean, 'second mean');
    assertClose(joint.crossCovariance, model.crossCovarianceDiag(pool, target), 'cross covariance');
  });

  test('refuses sets of different sizes and bad rows', () => {
    const gp = fitted(configs[0]![1], 20, 1);
    const a = randomMixtures(new Rng(1), 4, 5, 0);
    const b = randomMixtures(new Rng(1), 3, 5, 1);
    assert.throws(() => gp.jointPosterior(a, b), CoreInputError);
    const bad = { ...a, data: Float64Array.from(a.data, (v, i) => (i === 3 ? NaN : v)) };
    assert.throws(() => gp.jointPosterior(bad, atScale(a, 1)), CoreInputError);
  });
});

describe('ProductKernel.matrixPair', () => {
  for (const [name, config] of configs) {
    test(`${name}: equals two matrix() calls exactly, with shared and with different mixtures`, () => {
      const base = buildDefaultKernel({ d: 5, mixtureKernel: config.mixtureKernel, ard: config.ard, fidelityKernel: config.fidelityKernel });
      const kernel = base.withTheta(base.theta.map((value, i) => value + 0.1 * Math.sin(i + 1)));
      const train = randomMixtures(new Rng(7), 30, 5, undefined);
      const pool = randomMixtures(new Rng(8), 12, 5, 0);
      for (const second of [atScale(pool, 1), randomMixtures(new Rng(9), 12, 5, 1)]) {
        const [first, other] = kernel.matrixPair(pool, second, train);
        assert.deepEqual(first, kernel.matrix(pool, train));
        assert.deepEqual(other, kernel.matrix(second, train));
        assert.notDeepEqual(first, other);
      }
    });
  }
});
