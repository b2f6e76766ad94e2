import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { findMixtures, parseParams, studyYaml } from '../../../src/extension/scaffold';
import { parseStudy } from '../../../src/study/parse';

describe('New study scaffolding', () => {
  test('finds the mixture, model and steps keys in the example template', () => {
    const text = readFileSync('examples/pile-regmix/configs/base.yaml', 'utf8');
    const [found] = findMixtures([{ path: 'configs/base.yaml', text }]);
    assert.ok(found, 'a mixture is found');
    assert.equal(found.key, 'data.mixture');
    assert.equal(found.domains.length, 17);
    assert.ok(Math.abs(found.weights.reduce((a, b) => a + b, 0) - 1) < 0.05);
    assert.equal(found.modelKey, 'model.name');
    assert.equal(found.stepsKey, 'trainer.max_steps');
  });

  test('list-of-{name, weight} mixtures are found; maps that are not mixtures are not', () => {
    const found = findMixtures([
      { path: 'a.yaml', text: 'train:\n  streams:\n    - {name: web, weight: 0.7}\n    - {name: code, weight: 0.3}\n' },
      { path: 'b.yaml', text: 'optim:\n  betas: {b1: 0.9, b2: 0.95}\nlr: {warmup: 0.5, decay: 0.5, floor: 3}\n' },
      { path: 'c.yaml', text: ': : not yaml [' },
    ]);
    assert.deepEqual(found.map((f) => [f.file, f.key, f.domains.join(',')]), [['a.yaml', 'train.streams', 'web,code']]);
  });

  test('parses parameter counts', () => {
    assert.equal(parseParams('60M'), 6e7);
    assert.equal(parseParams('1B'), 1e9);
    assert.equal(parseParams('1.3b'), 1.3e9);
    assert.equal(parseParams('7e9'), 7e9);
    assert.equal(parseParams('big'), undefined);
    assert.equal(parseParams('-5M'), undefined);
  });

  test('the written study parses without errors and says what it found', () => {
    const text = studyYaml({
      name: 'my-study',
      domains: ['web', 'code', 'books'],
      metrics: ['val_loss/web', 'val_loss/code'],
      models: [
        { name: '60M', params: 6e7 },
        { name: '1B', params: 1e9 },
      ],
      targetModel: '1B',
      budgetTargetRuns: 20,
      runsInclude: ['runs/**'],
      template: 'configs/base.yaml',
      mixtureKey: 'data.mixture',
      modelKey: 'model.name',
    });
    const parsed = parseStudy(text, '/w/my-study.mixopt.yaml');
    assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error'), []);
    assert.ok(parsed.study);
    assert.deepEqual(parsed.study.domains, ['web', 'code', 'books']);
    assert.equal(parsed.study.fidelities.target.model, '1B');
    assert.equal(parsed.study.config?.mixtureKey, 'data.mixture');
    assert.equal(parsed.study.config?.output, 'configs/generated/{trial}.yaml');
    assert.equal(parsed.study.budget.total, 20);
  });
});
