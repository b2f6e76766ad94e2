import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { objectiveScale } from '../../../src/engine/scale';
import { domainImportance, posteriorSlices, ranks, sliceMixture, spearman } from '../../../src/engine/insights';
import type { MixtureSpace, PointSet, PosteriorModel } from '../../../src/core/types';

const space3: MixtureSpace = { d: 3, lower: new Float64Array(3), upper: new Float64Array([1, 0.5, 1]) };

/** Posterior whose mean is linear in the weights (f = 2 w0 + 0 w1 - w2) with constant variance 0.01. */
const linearModel: PosteriorModel = {
  d: 3,
  n: 0,
  noiseVariance: 0,
  posterior(points: PointSet) {
    const mean = new Float64Array(points.n);
    for (let i = 0; i < points.n; i++) mean[i] = 2 * points.data[i * 5]! - points.data[i * 5 + 2]!;
    return { mean, variance: new Float64Array(points.n).fill(0.01) };
  },
  covariance: () => new Float64Array(),
  crossCovarianceDiag: () => new Float64Array(),
  conditionOn() {
    return linearModel;
  },
};

describe('rank statistics', () => {
  test('ties share the average rank', () => {
    assert.deepEqual(ranks([10, 20, 10, 30]), [1.5, 3, 1.5, 4]);
  });
  test('spearman is 1 for monotone, -1 for reversed, NaN for no spread', () => {
    assert.equal(spearman([1, 2, 3, 4], [10, 20, 35, 90]), 1);
    assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
  });
});

describe('slices', () => {
  test('a slice keeps the mixture on the simplex and the others in proportion', () => {
    const w = sliceMixture([0.5, 0.3, 0.2], 0, 0.8, space3);
    assert.ok(w);
    assert.ok(Math.abs(w.reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.ok(Math.abs(w[1]! / w[2]! - 1.5) < 1e-12);
  });
  test('slices sweep each domain over its bounds with a 2-sigma band', () => {
    const slices = posteriorSlices(linearModel, space3, [0.5, 0.3, 0.2], ['a', 'b', 'c'], objectiveScale('minimize', [0]), 11);
    assert.equal(slices.length, 3);
    const b = slices[1]!;
    assert.equal(b.weights[b.weights.length - 1], 0.5, 'upper bound of domain b is respected');
    const a = slices[0]!;
    assert.ok(a.mean[a.mean.length - 1]! > a.mean[0]!, 'f grows with w0');
    assert.ok(Math.abs(a.upper[0]! - a.mean[0]! - 0.2) < 1e-12);
    const flipped = posteriorSlices(linearModel, space3, [0.5, 0.3, 0.2], ['a', 'b', 'c'], objectiveScale('maximize', [1]), 11);
    assert.equal(flipped[0]!.mean[0], -a.mean[0]!);
    assert.ok(flipped[0]!.lower[0]! < flipped[0]!.mean[0] && flipped[0]!.upper[0]! > flipped[0]!.mean[0], 'a band stays ordered when maximising');
  });
  test('in log space, slices come back as exp of the mean with the exact quantile band', () => {
    const slices = posteriorSlices(linearModel, space3, [0.5, 0.3, 0.2], ['a', 'b', 'c'], objectiveScale('minimize', [2, 3]), 11);
    const a = slices[0]!;
    // at w0 = 0 the others are rescaled to (0.6, 0.4): the model's (log) value there is 2 * 0 - 0.4
    assert.ok(Math.abs(a.mean[0]! - Math.exp(-0.4)) < 1e-12);
    for (let k = 0; k < a.mean.length; k++) {
      const m = Math.log(a.mean[k]!);
      assert.ok(Math.abs(a.upper[k]! - Math.exp(m + 0.2)) < 1e-12 && Math.abs(a.lower[k]! - Math.exp(m - 0.2)) < 1e-12);
    }
  });
  test('importance from ARD lengthscales is 1/l normalised; otherwise from slice ranges', () => {
    const ard = domainImportance(['a', 'b'], [], [0.5, 2]);
    assert.deepEqual(ard.map((x) => x.domain), ['a', 'b']);
    assert.ok(Math.abs(ard[0]!.importance - 0.8) < 1e-12);
    const slices = posteriorSlices(linearModel, space3, [0.4, 0.3, 0.3], ['a', 'b', 'c'], objectiveScale('minimize', [0]), 11);
    const byRange = domainImportance(['a', 'b', 'c'], slices);
    assert.equal(byRange[0]!.domain, 'a');
    assert.ok(Math.abs(byRange.reduce((s, x) => s + x.importance, 0) - 1) < 1e-12);
  });
});
