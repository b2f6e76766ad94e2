import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { kernelFromSpec, loadFixtures, maxScaledError, pointSet } from './gp-sklearn-fixtures';

describe('kernels agree with scikit-learn 1.2.1 (numpy for the Downsampling kernel)', () => {
  for (const fixture of loadFixtures()) {
    const points = pointSet(fixture.points, fixture.n, fixture.d);
    const testPoints = pointSet(fixture.testPoints, fixture.nTest, fixture.d);
    for (const reference of fixture.kernels) {
      test(`${fixture.file} ${reference.name}`, () => {
        const structure = kernelFromSpec(reference.spec, fixture.d);
        assert.equal(structure.theta.length, reference.theta.length);
        const kernel = structure.withTheta(reference.theta);
        assert.equal(reference.k.length, fixture.n * fixture.n);
        assert.ok(maxScaledError(kernel.matrix(points), reference.k) < 1e-8, 'K(X, X)');
        assert.ok(maxScaledError(kernel.matrix(testPoints, points), reference.kCross) < 1e-8, 'K(X*, X)');
        assert.ok(maxScaledError(kernel.diag(testPoints), reference.diag) < 1e-8, 'diag K(X*)');
      });
    }
  }
});
