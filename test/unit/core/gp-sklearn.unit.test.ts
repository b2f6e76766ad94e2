import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitGp } from '../../../src/core/gp/fit';
import { hyperparameterBounds, hyperparametersFromTheta } from '../../../src/core/gp/hyperparameters';
import { loadFixtures, maxScaledError, pointSet, relativeError } from './gp-sklearn-fixtures';

describe('GP agrees with scikit-learn 1.2.1 GaussianProcessRegressor', () => {
  for (const fixture of loadFixtures()) {
    const points = pointSet(fixture.points, fixture.n, fixture.d);
    const testPoints = pointSet(fixture.testPoints, fixture.nTest, fixture.d);
    const y = Float64Array.from(fixture.y);
    for (const reference of fixture.gps) {
      const label = `${fixture.file} ${reference.config.mixtureKernel}${reference.config.ard ? ' ARD' : ''}`;

      test(`${label}: same hyperparameter bounds`, () => {
        const bounds = hyperparameterBounds(fixture.d, reference.config);
        assert.equal(bounds.length, reference.boundsLog.length);
        bounds.forEach(([low, high], i) => {
          assert.ok(Math.abs(low - reference.boundsLog[i]![0]!) < 1e-12 && Math.abs(high - reference.boundsLog[i]![1]!) < 1e-12, `bound ${i}`);
        });
      });

      test(`${label}: LML, posterior mean and variance at fixed hyperparameters (normalize_y, alpha = noise)`, () => {
        const gp = fitGp(points, y, reference.config, {
          fixed: true,
          warmStart: hyperparametersFromTheta(fixture.d, reference.config, reference.theta),
        });
        assert.deepEqual(gp.hyperparameters().theta, reference.theta);
        assert.ok(relativeError(gp.logMarginalLikelihood, reference.logMarginalLikelihood) < 1e-8, `LML ${gp.logMarginalLikelihood} vs ${reference.logMarginalLikelihood}`);
        const posterior = gp.posterior(testPoints);
        assert.ok(maxScaledError(posterior.mean, reference.posteriorMean) < 1e-8, 'mean');
        for (let i = 0; i < fixture.nTest; i++) {
          assert.ok(relativeError(posterior.variance[i]!, reference.posteriorVariance[i]!) < 1e-8, `variance ${i}: ${posterior.variance[i]} vs ${reference.posteriorVariance[i]}`);
        }
      });

      test(`${label}: fitted LML >= scikit-learn's fitted LML - 1e-6 (${reference.fitted.restarts} restarts, priors off)`, () => {
        const gp = fitGp(points, y, reference.config, { restarts: reference.fitted.restarts, seed: 0 });
        assert.ok(
          gp.logMarginalLikelihood >= reference.fitted.logMarginalLikelihood - 1e-6,
          `ours ${gp.logMarginalLikelihood} vs sklearn ${reference.fitted.logMarginalLikelihood}`,
        );
      });
    }
  }
});
