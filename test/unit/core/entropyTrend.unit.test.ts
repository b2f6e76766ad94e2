// The entropy trend of the mixture kernel (kernels/gram.ts EntropyKernel, config.entropy): fitted only where
// every observation is at one fidelity (one size, one step count), rebuilt from a fit's names, and of use where the objective follows the mixture's
// diversity and the runs are few.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MODEL_DEFAULTS } from '../../../src/core/gp/config';
import type { GpConfig } from '../../../src/core/gp/config';
import { fitGp } from '../../../src/core/gp/fit';
import { kernelForData, kernelOf } from '../../../src/core/gp/hyperparameters';
import { pointsFromRows } from '../../../src/core/points';
import type { PointRow } from '../../../src/core/points';
import { Rng } from '../../../src/core/random';
import { spearman } from '../../../src/bench/synthetic';

const d = 17;
const config: GpConfig = { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'constant', ...MODEL_DEFAULTS };

/** Sparse random mixtures: each uses 1 to d domains with exponential weights, so their entropies spread widely. */
function mixtures(rng: Rng, n: number): Float64Array[] {
  return Array.from({ length: n }, () => {
    const used = 1 + rng.int(d);
    const w = new Float64Array(d);
    let total = 0;
    for (let k = 0; k < used; k++) {
      const j = rng.int(d);
      const e = -Math.log(1 - rng.next());
      w[j] = w[j]! + e;
      total += e;
    }
    return w.map((x) => x / total);
  });
}

const entropy = (w: Float64Array): number => w.reduce((h, x) => (x > 0 ? h - x * Math.log(x) : h), 0);

describe('entropy trend', () => {
  test('is in the kernel where the data hold one fidelity, not two sizes or two step counts, and kernelOf rebuilds each fit', () => {
    const rng = new Rng(3);
    const ws = mixtures(rng, 12);
    const oneSize: PointRow[] = ws.map((w) => ({ w, s: 1, z: 1 }));
    const twoSizes: PointRow[] = ws.map((w, i) => ({ w, s: i % 2 === 0 ? 1 : 0.5, z: 1 }));
    const twoSteps: PointRow[] = ws.map((w, i) => ({ w, s: 1, z: i % 2 === 0 ? 1 : 0.6 }));
    const y = Float64Array.from(ws, (w) => 3 - 0.2 * entropy(w) + 0.01 * rng.normal());
    assert.ok(kernelForData(pointsFromRows(d, oneSize), config).names.includes('mixture.entropy.variance'));
    assert.ok(!kernelForData(pointsFromRows(d, twoSizes), config).names.includes('mixture.entropy.variance'));
    assert.ok(!kernelForData(pointsFromRows(d, twoSteps), config).names.includes('mixture.entropy.variance'));
    assert.ok(!kernelForData(pointsFromRows(d, oneSize), { ...config, entropy: false }).names.includes('mixture.entropy.variance'));
    for (const rows of [oneSize, twoSizes, twoSteps]) {
      const hp = fitGp(pointsFromRows(d, rows), y, config, { seed: 1 }).hyperparameters();
      assert.deepEqual(kernelOf(hp).names, hp.names.slice(0, -1));
    }
  });

  test('with 10 runs of an objective that falls with diversity, it ranks 300 unseen mixtures better than the GP without it', () => {
    const rng = new Rng(7);
    const truth = (w: Float64Array): number => 3 - 0.3 * entropy(w) + 0.1 * (w[0]! - w[1]!);
    const unseen = mixtures(rng, 300);
    const correlations = { with: [] as number[], without: [] as number[] };
    for (let draw = 0; draw < 5; draw++) {
      const train = mixtures(rng, 10);
      const points = pointsFromRows(d, train.map((w) => ({ w, s: 1, z: 1 })));
      const y = Float64Array.from(train, (w) => truth(w) + 0.02 * rng.normal());
      const at = pointsFromRows(d, unseen.map((w) => ({ w, s: 1, z: 1 })));
      const truths = unseen.map(truth);
      for (const [key, entropyOn] of [['with', true], ['without', false]] as const) {
        const mean = fitGp(points, y, { ...config, entropy: entropyOn }, { seed: draw }).posterior(at).mean;
        correlations[key].push(spearman(Array.from(mean), truths));
      }
    }
    const average = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
    assert.ok(average(correlations.with) > average(correlations.without) + 0.1, `Spearman with ${average(correlations.with).toFixed(3)}, without ${average(correlations.without).toFixed(3)}`);
    assert.ok(average(correlations.with) > 0.7, `Spearman with ${average(correlations.with).toFixed(3)}`);
  });
});
