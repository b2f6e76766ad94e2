import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateObjective, buildDataset, buildFidelities, logScale, objectiveMetrics } from '../../../src/engine/dataset';
import type { Study } from '../../../src/study/types';
import type { RunRecord } from '../../../src/runs/types';

function study(overrides: Partial<Study> = {}): Study {
  return {
    file: 'pile.mixopt.yaml',
    name: 'pile',
    domains: ['web', 'code', 'books'],
    objective: { metrics: ['val_loss/{domain}'], aggregate: { kind: 'mean' }, direction: 'minimize' },
    fidelities: {
      models: [
        { name: '1M', params: 1e6 },
        { name: '60M', params: 6e7 },
        { name: '1B', params: 1e9 },
      ],
      steps: [],
      target: { model: '1B', steps: 25000 },
    },
    cost: { kind: 'table', table: { '1M': 0.001, '60M': 0.06, '1B': 1 } },
    budget: { total: 40, unit: 'target_runs' },
    constraints: { bounds: {}, fixed: {}, availableTokens: {}, maxEpochs: 4 },
    runs: { include: ['runs/**'], exclude: [] },
    optimizer: { acquisition: 'auto', batch: 1, seed: 0, kernel: 'rbf', ard: false, fidelityKernel: 'rbf' },
    ...overrides,
  };
}
const tableCost = (model: string): number => ({ '1M': 0.001, '60M': 0.06, '1B': 1 })[model] ?? NaN;

function run(id: string, model: string, losses: [number, number, number], step = 1000, mixture = { web: 0.5, code: 0.3, books: 0.2 }): RunRecord {
  return {
    id,
    format: 'mixopt-jsonl',
    source: `runs/${id}.jsonl`,
    mixture,
    model,
    steps: step,
    checkpoints: [{ step, metrics: { 'val_loss/web': losses[0], 'val_loss/code': losses[1], 'val_loss/books': losses[2] } }],
    status: 'completed',
  };
}

describe('objective', () => {
  test('{domain} expands in study order', () => {
    assert.deepEqual(objectiveMetrics(study()), ['val_loss/web', 'val_loss/code', 'val_loss/books']);
  });
  test('mean, max (worst domain) and weighted aggregates', () => {
    const values = { 'val_loss/web': 3, 'val_loss/code': 1, 'val_loss/books': 2 };
    const metrics = objectiveMetrics(study());
    assert.equal(aggregateObjective(study(), metrics, values), 2);
    assert.equal(aggregateObjective(study({ objective: { metrics: ['val_loss/{domain}'], aggregate: { kind: 'max' }, direction: 'minimize' } }), metrics, values), 3);
    const weighted = study({ objective: { metrics: ['val_loss/{domain}'], aggregate: { kind: 'weighted', weights: { web: 3, code: 1 } }, direction: 'minimize' } });
    assert.equal(aggregateObjective(weighted, metrics, values), (3 * 3 + 1 * 1) / 4);
  });
  test('a missing metric gives no objective', () => {
    assert.equal(aggregateObjective(study(), objectiveMetrics(study()), { 'val_loss/web': 1 }), undefined);
  });
});

describe('fidelities', () => {
  test('log scale puts the smallest model at 0 and the target at 1', () => {
    assert.equal(logScale(1e6, 1e6, 1e9), 0);
    assert.equal(logScale(1e9, 1e6, 1e9), 1);
    assert.ok(Math.abs(logScale(6e7, 1e6, 1e9) - Math.log(60) / Math.log(1000)) < 1e-12);
  });
  test('one fidelity per model without a steps list, costs from the cost function', () => {
    const { fidelities, target } = buildFidelities(study(), tableCost);
    assert.deepEqual(fidelities.map((f) => f.label), ['1M', '60M', '1B']);
    assert.equal(target.cost, 1);
    assert.equal(target.s, 1);
    assert.equal(target.z, 1);
  });
  test('models x steps with a steps list; data availability caps weights per fidelity', () => {
    const s = study({
      fidelities: { ...study().fidelities, steps: [2000, 25000] },
      cost: { kind: 'flops', tokensPerStep: 1000 },
      constraints: { bounds: {}, fixed: {}, availableTokens: { books: 5e6 }, maxEpochs: 2 },
    });
    const { fidelities } = buildFidelities(s, (m, st) => st);
    assert.equal(fidelities.length, 6);
    const small = fidelities.find((f) => f.label === '1M@2000');
    assert.ok(small?.maxWeight);
    // 5e6 tokens * 2 epochs / (2000 steps * 1000 tokens) = 5: unconstrained in effect; at 25000 steps: 0.4
    assert.equal(small.maxWeight[2], 5);
    assert.equal(fidelities.find((f) => f.label === '1B@25000')?.maxWeight?.[2], 0.4);
    assert.equal(small.maxWeight[0], Infinity);
  });
});

describe('dataset', () => {
  test('runs become observations at their model scale; positive minimised values in log space, maximised negated', () => {
    const ds = buildDataset(study(), [run('a', '1M', [3, 4, 5]), run('b', '1B', [2, 2, 2])], tableCost);
    assert.equal(ds.observations.length, 2);
    assert.equal(ds.scale.kind, 'log');
    assert.equal(ds.observations[0]?.y, Math.log(4));
    assert.equal(ds.scale.fromModel(ds.observations[0].y), 4);
    assert.equal(ds.observations[0]?.s, 0);
    assert.equal(ds.observations[1]?.s, 1);
    const negative = buildDataset(study(), [run('a', '1M', [3, 4, 5]), run('b', '1B', [-2, -2, -2])], tableCost);
    assert.equal(negative.scale.kind, 'identity', 'a value <= 0 anywhere: modelled as is');
    assert.deepEqual(negative.observations.map((o) => o.y), [4, -2]);
    const max = buildDataset(study({ objective: { metrics: ['val_loss/{domain}'], aggregate: { kind: 'mean' }, direction: 'maximize' } }), [run('a', '1M', [3, 4, 5])], tableCost);
    assert.equal(max.scale.kind, 'identity');
    assert.equal(max.observations[0]?.y, -4);
    assert.deepEqual(max.scale.interval(-4, 1), { mean: 4, lower: 4 - 1.96, upper: 4 + 1.96 });
  });
  test('a run at an unknown model is skipped with a diagnostic naming the run', () => {
    const ds = buildDataset(study(), [run('x', '7B', [1, 1, 1])], tableCost);
    assert.equal(ds.observations.length, 0);
    assert.match(ds.diagnostics[0]?.message ?? '', /run x: model 7B/);
  });
  test('learning-curve checkpoints count as observations at their steps', () => {
    const s = study({ fidelities: { ...study().fidelities, steps: [1000, 5000, 25000] } });
    const r: RunRecord = {
      ...run('c', '60M', [1, 1, 1]),
      checkpoints: [500, 1000, 5000].map((step) => ({ step, metrics: { 'val_loss/web': 4 - step / 5000, 'val_loss/code': 1, 'val_loss/books': 1 } })),
    };
    const ds = buildDataset(s, [r], tableCost);
    assert.equal(ds.observations.length, 2, 'the checkpoint before the smallest listed step is not used');
    assert.equal(ds.observations[0]?.z, 0);
    assert.ok((ds.observations[1]?.z ?? 0) > 0 && (ds.observations[1]?.z ?? 1) < 1);
  });
});
