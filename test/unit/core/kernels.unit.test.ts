import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProductKernel, SumKernel } from '../../../src/core/kernels/composite';
import { buildDefaultKernel } from '../../../src/core/kernels/default';
import { DownsamplingKernel } from '../../../src/core/kernels/downsampling';
import { ConstantKernel, EntropyKernel, LevelKernel, LinearKernel, TrendKernel } from '../../../src/core/kernels/gram';
import { StationaryKernel } from '../../../src/core/kernels/stationary';
import type { Kernel } from '../../../src/core/kernels/types';
import { cholesky } from '../../../src/core/linalg';
import { Rng } from '../../../src/core/random';
import type { PointSet } from '../../../src/core/types';

function randomPoints(rng: Rng, n: number, d: number): PointSet {
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
    data[i * dim + d] = rng.next();
    data[i * dim + d + 1] = rng.next();
  }
  return { n, d, data };
}

const d = 4;
interface Case {
  readonly name: string;
  readonly make: () => Kernel;
  /** has full rank on distinct points (constant and downsampling kernels are rank 1 or 2) */
  readonly fullRank: boolean;
}
const cases: Case[] = [
  { name: 'rbf mixture shared', make: () => new StationaryKernel('rbf', { feature: 'mixture', d }), fullRank: true },
  { name: 'rbf mixture ARD', make: () => new StationaryKernel('rbf', { feature: 'mixture', d, ard: true }), fullRank: true },
  { name: 'matern52 mixture shared', make: () => new StationaryKernel('matern52', { feature: 'mixture', d }), fullRank: true },
  { name: 'matern52 mixture ARD', make: () => new StationaryKernel('matern52', { feature: 'mixture', d, ard: true }), fullRank: true },
  { name: 'rbf s', make: () => new StationaryKernel('rbf', { feature: 's', d }), fullRank: true },
  { name: 'rbf z', make: () => new StationaryKernel('rbf', { feature: 'z', d }), fullRank: true },
  { name: 'downsampling s', make: () => new DownsamplingKernel({ feature: 's', d, c: 0.2, delta: 0.6 }), fullRank: false },
  { name: 'downsampling z', make: () => new DownsamplingKernel({ feature: 'z', d, c: 0.05, delta: 2 }), fullRank: false },
  { name: 'constant', make: () => new ConstantKernel({ value: 1.3 }), fullRank: false },
  { name: 'default rbf/rbf', make: () => buildDefaultKernel({ d, mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf' }), fullRank: true },
  { name: 'default matern ARD/downsampling', make: () => buildDefaultKernel({ d, mixtureKernel: 'matern52', ard: true, fidelityKernel: 'downsampling' }), fullRank: true },
  { name: 'linear mixture', make: () => new LinearKernel({ d, variance: 0.7 }), fullRank: false },
  { name: 'entropy mixture', make: () => new EntropyKernel({ d, variance: 0.4 }), fullRank: false },
  { name: 'level s', make: () => new LevelKernel({ feature: 's', d, variance: 0.3 }), fullRank: false },
  {
    name: 'sum rbf + linear mixture',
    make: () => new SumKernel([new StationaryKernel('rbf', { feature: 'mixture', d }), new LinearKernel({ d })]),
    fullRank: true,
  },
  {
    name: 'default with linear and entropy trends',
    make: () => buildDefaultKernel({ d, mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', linear: true, entropy: true }),
    fullRank: true,
  },
  {
    name: 'default with linear trend and per-size component',
    make: () => buildDefaultKernel({ d, mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', linear: true, sizeLevels: true }),
    fullRank: true,
  },
  ...(['s', 'z', 's2', 'z2', 'sz'] as const).map((feature) => ({ name: `trend ${feature}`, make: () => new TrendKernel({ feature, d, variance: 0.4 }), fullRank: false })),
  {
    name: 'default plus size-and-steps trend',
    make: () =>
      new SumKernel([
        buildDefaultKernel({ d, mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', linear: true, sizeLevels: true }),
        new TrendKernel({ feature: 's2', d }),
        new TrendKernel({ feature: 'sz', d }),
      ]),
    fullRank: true,
  },
  {
    name: 'product rbf mixture x downsampling s',
    make: () => new ProductKernel([new StationaryKernel('rbf', { feature: 'mixture', d }), new DownsamplingKernel({ feature: 's', d })]),
    fullRank: true,
  },
];

/** Moves theta away from the defaults so that each hyperparameter matters and they differ from each other. */
function perturbedTheta(kernel: Kernel, rng: Rng): Float64Array {
  return kernel.theta.map((value, i) => {
    const [low, high] = kernel.bounds[i]!;
    return Math.min(high - 0.5, Math.max(low + 0.5, value + rng.uniform(-0.7, 0.7)));
  });
}

describe('kernel properties', () => {
  for (const kernelCase of cases) {
    describe(kernelCase.name, () => {
      const rng = new Rng(11);
      const points = randomPoints(rng, 12, d);
      const other = randomPoints(rng, 5, d);
      const structure = kernelCase.make();
      const kernel = structure.withTheta(perturbedTheta(structure, rng));
      const n = points.n;

      test('names and bounds match theta', () => {
        assert.equal(kernel.names.length, kernel.theta.length);
        assert.equal(kernel.bounds.length, kernel.theta.length);
        for (const [low, high] of kernel.bounds) assert.ok(low < high);
      });

      test('matrix is symmetric and its diagonal equals diag()', () => {
        const k = kernel.matrix(points);
        const diag = kernel.diag(points);
        for (let i = 0; i < n; i++) {
          assert.ok(Math.abs(k[i * n + i]! - diag[i]!) <= 1e-12 * Math.abs(diag[i]!) + 1e-15);
          for (let j = 0; j < n; j++) assert.equal(k[i * n + j], k[j * n + i]);
        }
      });

      test('cross matrix agrees with the full matrix and pairwise()', () => {
        const cross = kernel.matrix(other, points);
        const joined: PointSet = { n: other.n + n, d, data: Float64Array.from([...other.data, ...points.data]) };
        const full = kernel.matrix(joined);
        const total = joined.n;
        for (let i = 0; i < other.n; i++) {
          for (let j = 0; j < n; j++) {
            assert.ok(Math.abs(cross[i * n + j]! - full[i * total + other.n + j]!) <= 1e-14 * (1 + Math.abs(cross[i * n + j]!)));
          }
        }
        const firstFive: PointSet = { n: other.n, d, data: points.data.slice(0, other.n * (d + 2)) };
        const pairs = kernel.pairwise(other, firstFive);
        for (let i = 0; i < other.n; i++) assert.ok(Math.abs(pairs[i]! - cross[i * n + i]!) <= 1e-14 * (1 + Math.abs(pairs[i]!)));
      });

      test('positive semidefinite', () => {
        const k = kernel.matrix(points);
        if (kernelCase.fullRank) {
          assert.ok(cholesky(k, n).jitter === 0, 'Cholesky without jitter on distinct points');
        }
        for (let trial = 0; trial < 20; trial++) {
          const v = Float64Array.from({ length: n }, () => rng.normal());
          let quadratic = 0;
          let scale = 0;
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) {
              quadratic += v[i]! * k[i * n + j]! * v[j]!;
              scale += Math.abs(v[i]! * k[i * n + j]! * v[j]!);
            }
          }
          assert.ok(quadratic >= -1e-12 * scale, `v^T K v = ${quadratic}`);
        }
      });

      test('analytic gradient matches central finite differences in log space', () => {
        const theta = kernel.theta;
        const { k, dk } = kernel.gradient(points);
        assert.equal(dk.length, theta.length);
        const reference = kernel.matrix(points);
        for (let i = 0; i < k.length; i++) assert.ok(Math.abs(k[i]! - reference[i]!) <= 1e-14 * (1 + Math.abs(k[i]!)));
        const h = 1e-6;
        for (let p = 0; p < theta.length; p++) {
          const plus = Float64Array.from(theta);
          plus[p] = plus[p]! + h;
          const minus = Float64Array.from(theta);
          minus[p] = minus[p]! - h;
          const kPlus = kernel.withTheta(plus).matrix(points);
          const kMinus = kernel.withTheta(minus).matrix(points);
          let worst = 0;
          for (let i = 0; i < k.length; i++) {
            const numeric = (kPlus[i]! - kMinus[i]!) / (2 * h);
            worst = Math.max(worst, Math.abs(numeric - dk[p]![i]!));
          }
          assert.ok(worst < 1e-7, `${kernel.names[p]}: max |fd - analytic| = ${worst}`);
        }
      });

      test('withTheta returns a new kernel at the new theta and leaves this one unchanged', () => {
        const before = kernel.theta;
        const k = kernel.matrix(points);
        const shifted = before.map((value) => value + 0.3);
        const moved = kernel.withTheta(shifted);
        assert.notEqual(moved, kernel);
        assert.deepEqual(Array.from(moved.theta), Array.from(shifted));
        assert.deepEqual(moved.names, kernel.names);
        assert.deepEqual(Array.from(kernel.theta), Array.from(before));
        assert.deepEqual(kernel.matrix(points), k);
        assert.notDeepEqual(moved.matrix(points), k);
      });

      test('features are exactly the coordinates the matrix depends on', () => {
        const k = kernel.matrix(points);
        const dim = d + 2;
        for (const feature of ['mixture', 's', 'z'] as const) {
          const [start, count] = feature === 'mixture' ? [0, d] : [feature === 's' ? d : d + 1, 1];
          const changed = Float64Array.from(points.data);
          for (let i = 0; i < n; i++) for (let c = start; c < start + count; c++) changed[i * dim + c] = 0.1 + 0.5 * (i % 2); // two levels, so a per-level kernel sees ties
          const other = kernel.matrix({ n, d, data: changed });
          if (kernel.features.includes(feature)) assert.notDeepEqual(other, k, `${feature} is read`);
          else assert.deepEqual(other, k, `${feature} is not read`);
        }
      });

      test('a prepared kernel evaluates any theta of its layout, and contracts at the last one', () => {
        const prepared = kernel.prepare(points);
        for (const shift of [0.25, -0.4]) {
          const theta = kernel.theta.map((value) => value + shift);
          const moved = kernel.withTheta(theta);
          const k = prepared.matrix(theta);
          const reference = moved.matrix(points);
          for (let i = 0; i < k.length; i++) assert.ok(Math.abs(k[i]! - reference[i]!) <= 1e-13 * (1 + Math.abs(reference[i]!)));
          const weights = Float64Array.from({ length: n * n }, (_, i) => Math.cos(Math.floor(i / n) * Math.max(1, i % n)));
          for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) weights[j * n + i] = weights[i * n + j]!;
          const contracted = prepared.contract(weights);
          moved.gradient(points).dk.forEach((matrix, p) => {
            let expected = 0;
            for (let i = 0; i < matrix.length; i++) expected += weights[i]! * matrix[i]!;
            assert.ok(Math.abs(contracted[p]! - expected) <= 1e-10 * (1 + Math.abs(expected)), `${kernel.names[p]}: ${contracted[p]} vs ${expected}`);
          });
        }
        assert.throws(() => prepared.matrix(new Float64Array(kernel.theta.length + 1)));
      });

      test('prepared matrix and gradient contraction agree with matrix() and gradient()', () => {
        const prepared = kernel.prepare(points);
        const k = prepared.matrix(kernel.theta);
        const reference = kernel.matrix(points);
        for (let i = 0; i < k.length; i++) assert.ok(Math.abs(k[i]! - reference[i]!) <= 1e-13 * (1 + Math.abs(reference[i]!)));
        const weights = new Float64Array(n * n);
        for (let i = 0; i < n; i++) {
          for (let j = 0; j <= i; j++) {
            const w = rng.normal();
            weights[i * n + j] = w;
            weights[j * n + i] = w;
          }
        }
        const contracted = prepared.contract(weights);
        const { dk } = kernel.gradient(points);
        dk.forEach((matrix, p) => {
          let expected = 0;
          for (let i = 0; i < matrix.length; i++) expected += weights[i]! * matrix[i]!;
          assert.ok(Math.abs(contracted[p]! - expected) <= 1e-10 * (1 + Math.abs(expected)), `${kernel.names[p]}: ${contracted[p]} vs ${expected}`);
        });
      });
    });
  }
});

describe('kernel details', () => {
  test('downsampling kernel equals c + (1-s)^(1+delta)(1-s\')^(1+delta) and is c at the target fidelity', () => {
    const kernel = new DownsamplingKernel({ feature: 's', d: 1, c: 0.3, delta: 0.5 });
    const points: PointSet = { n: 3, d: 1, data: Float64Array.from([1, 0.2, 0, 1, 0.5, 0, 1, 1, 0]) };
    const k = kernel.matrix(points);
    assert.ok(Math.abs(k[0 * 3 + 1]! - (0.3 + Math.pow(0.8, 1.5) * Math.pow(0.5, 1.5))) < 1e-15);
    assert.ok(Math.abs(k[2 * 3 + 2]! - 0.3) < 1e-15);
    assert.ok(Math.abs(k[0 * 3 + 2]! - 0.3) < 1e-15);
  });

  test('ARD with equal lengthscales equals the shared lengthscale', () => {
    const rng = new Rng(5);
    const points = randomPoints(rng, 8, d);
    for (const kind of ['rbf', 'matern52'] as const) {
      const shared = new StationaryKernel(kind, { feature: 'mixture', d, lengthscale: 0.37 });
      const ard = new StationaryKernel(kind, { feature: 'mixture', d, ard: true, lengthscale: 0.37 });
      const a = shared.matrix(points);
      const b = ard.matrix(points);
      for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-15);
    }
  });

  test('product theta is the concatenation of its factors in order', () => {
    const kernel = buildDefaultKernel({ d: 3, mixtureKernel: 'rbf', ard: true, fidelityKernel: 'downsampling' });
    assert.deepEqual(kernel.names, [
      'amplitude',
      'mixture.lengthscale[0]',
      'mixture.lengthscale[1]',
      'mixture.lengthscale[2]',
      's.downsampling.c',
      's.downsampling.delta',
      'z.downsampling.c',
      'z.downsampling.delta',
    ]);
    const theta = Float64Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    const set = kernel.withTheta(theta);
    assert.deepEqual(Array.from(set.theta), Array.from(theta));
    assert.deepEqual(Array.from(set.factors[2]!.theta), [0.5, 0.6]);
  });

  test('composites declare the union of their parts\' features and the mixture lengthscales of their stationary part', () => {
    const kernel = buildDefaultKernel({ d: 3, mixtureKernel: 'matern52', ard: true, fidelityKernel: 'downsampling', linear: true, sizeLevels: true });
    assert.deepEqual([...kernel.features].sort(), ['mixture', 's', 'z']);
    assert.deepEqual(new ConstantKernel().features, []);
    assert.deepEqual(new SumKernel([new StationaryKernel('rbf', { feature: 'mixture', d: 3 }), new LinearKernel({ d: 3 })]).features, ['mixture']);
    const theta = kernel.theta.map((value, i) => value + 0.01 * i);
    const lengthscales = kernel.withTheta(theta).lengthscales('mixture');
    const first = kernel.names.indexOf('mixture.lengthscale[0]');
    assert.deepEqual(Array.from(lengthscales ?? []), [0, 1, 2].map((m) => Math.exp(theta[first + m]!)));
    assert.equal(kernel.lengthscales('s'), undefined);
    assert.deepEqual(Array.from(new StationaryKernel('rbf', { feature: 's', d: 3, lengthscale: 0.7 }).lengthscales('s') ?? []), [0.7]);
  });

  test('the entropy kernel is v g g\' with g = -1 on one domain, 1 at the uniform mixture, 0 at normalised entropy 1/2', () => {
    const d3 = 3;
    const point = (w: readonly number[]): number[] => [...w, 1, 1];
    // a two-domain half-half mixture has H = log 2, i.e. H / log 3 = 0.631, g = 0.262
    const half = 2 * Math.log(2) / Math.log(3) - 1;
    const points: PointSet = { n: 3, d: d3, data: Float64Array.from([...point([1, 0, 0]), ...point([1 / 3, 1 / 3, 1 / 3]), ...point([0.5, 0.5, 0])]) };
    const v = 0.8;
    const k = new EntropyKernel({ d: d3, variance: v }).matrix(points);
    const g = [-1, 1, half];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) assert.ok(Math.abs(k[i * 3 + j]! - v * g[i]! * g[j]!) < 1e-12, `k[${i}][${j}] = ${k[i * 3 + j]}`);
    assert.deepEqual(new EntropyKernel({ d: d3 }).names, ['mixture.entropy.variance']);
    const withEntropy = buildDefaultKernel({ d: d3, mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', linear: true, entropy: true });
    assert.ok(withEntropy.names.includes('mixture.entropy.variance'));
    assert.ok(!buildDefaultKernel({ d: d3, mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', linear: true }).names.includes('mixture.entropy.variance'));
  });

  test('wrong theta length throws', () => {
    const kernel = new StationaryKernel('rbf', { feature: 'mixture', d: 3, ard: true });
    assert.throws(() => kernel.withTheta(new Float64Array(2)));
  });
});
