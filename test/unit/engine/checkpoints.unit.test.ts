// Learning-curve checkpoints at scale (collapse onto the listed steps levels) and partial runs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDataset, collapseCheckpoints, COLLAPSE_ABOVE, runProgress } from '../../../src/engine/dataset';
import type { Study } from '../../../src/study/types';
import type { RunRecord } from '../../../src/runs/types';

function study(steps: number[] = []): Study {
  return {
    file: 'pile.mixopt.yaml',
    name: 'pile',
    domains: ['web', 'code', 'books'],
    objective: { metrics: ['val_loss'], aggregate: { kind: 'mean' }, direction: 'minimize' },
    fidelities: {
      models: [
        { name: '1M', params: 1e6 },
        { name: '60M', params: 6e7 },
        { name: '1B', params: 1e9 },
      ],
      steps,
      target: { model: '1B', steps: 20000 },
    },
    cost: { kind: 'flops', tokensPerStep: 1e6 },
    budget: { total: 40, unit: 'target_runs' },
    constraints: { bounds: {}, fixed: {}, availableTokens: {}, maxEpochs: 4 },
    runs: { include: ['runs/**'], exclude: [] },
    optimizer: { acquisition: 'auto', batch: 1, seed: 0, kernel: 'rbf', ard: false, fidelityKernel: 'rbf' },
  };
}

/** A run logging val_loss every `every` steps up to `last`. */
function run(id: string, every: number, last: number, extra: Partial<RunRecord> = {}): RunRecord {
  const checkpoints = [];
  for (let step = every; step <= last; step += every) checkpoints.push({ step, metrics: { val_loss: 3 - step / 1e5 } });
  return {
    id,
    format: 'mixopt-jsonl',
    source: `runs/${id}.jsonl`,
    mixture: { web: 0.5, code: 0.3, books: 0.2 },
    model: ['1M', '60M', '1B'][id.length % 3]!,
    steps: checkpoints[checkpoints.length - 1]?.step ?? 0,
    checkpoints,
    status: 'completed',
    ...extra,
  };
}

const cost = (_model: string, steps: number): number => steps / 20000;

describe('collapseCheckpoints', () => {
  test('keeps the checkpoint nearest each level (log steps) and the last one, in order', () => {
    const points = [500, 1000, 1500, 2500, 4000, 6000, 9000, 13000, 19000].map((step) => ({ step }));
    const kept = collapseCheckpoints(points, [2000, 5000, 20000]).map((c) => c.step);
    // 2000: |log(1500/2000)| = 0.288 > |log(2500/2000)| = 0.223; 5000: 4000 (0.223) vs 6000 (0.182); 20000: 19000; last 19000
    assert.deepEqual(kept, [2500, 6000, 19000]);
  });
  test('a run that stopped early is not stretched onto a level it never came within a factor 2 of', () => {
    const points = [1000, 2000, 3000].map((step) => ({ step }));
    assert.deepEqual(collapseCheckpoints(points, [2000, 10000, 20000]).map((c) => c.step), [2000, 3000]);
  });
  test('one checkpoint or none stays as is', () => {
    assert.deepEqual(collapseCheckpoints([{ step: 7 }], [2000]), [{ step: 7 }]);
    assert.deepEqual(collapseCheckpoints([], [2000]), []);
  });
});

describe('buildDataset with many checkpoints', () => {
  const levels = [2000, 5000, 20000];
  test(`every checkpoint is an observation up to ${COLLAPSE_ABOVE}; above, each run keeps at most levels + 1`, () => {
    const few = Array.from({ length: 10 }, (_, i) => run(`r${'x'.repeat(i)}`, 1000, 20000));
    const small = buildDataset(study(levels), few, cost);
    assert.equal(small.observations.length, 10 * 19); // checkpoints from 2000 (the smallest level) to 20000
    assert.equal(small.checkpoints?.kept, 190);

    const many = Array.from({ length: 60 }, (_, i) => run(`r${'x'.repeat(i)}`, 1000, 20000));
    const large = buildDataset(study(levels), many, cost);
    assert.ok(60 * 19 > COLLAPSE_ABOVE);
    assert.equal(large.observations.length, 60 * 3); // 2000, 5000, 20000 (= the last)
    assert.deepEqual([...new Set(large.sources.map((s) => s.steps))].sort((a, b) => a - b), levels);
    assert.deepEqual(large.checkpoints, { usable: 60 * 19, kept: 180 });
    assert.ok(large.diagnostics.some((d) => d.severity === 'info' && d.message.includes('180 of 1140 checkpoints')));
  });
});

describe('partial runs', () => {
  test('a run is partial when still running or short of its max_steps or its trial steps (0-based last step is not short)', () => {
    assert.equal(runProgress(run('a', 1000, 20000)).partial, false);
    assert.equal(runProgress(run('a', 1000, 8000, { status: 'running' })).partial, true);
    assert.equal(runProgress(run('a', 1000, 8000, { maxSteps: 20000 })).partial, true);
    assert.equal(runProgress(run('a', 1000, 8000), 20000).partial, true);
    assert.equal(runProgress(run('a', 1000, 8000), 8000).partial, false);
    assert.equal(runProgress({ ...run('a', 1000, 8000), steps: 19999 }, 20000).partial, false);
    assert.deepEqual(runProgress(run('a', 1000, 8000, { maxSteps: 20000 })), { partial: true, stepsReached: 8000, plannedSteps: 20000 });
  });

  test('without a steps fidelity a partial run is not an observation (it would pose as a finished target run)', () => {
    const finished = run('a', 5000, 20000);
    const preempted = run('bb', 5000, 10000, { maxSteps: 20000 });
    const ds = buildDataset(study(), [finished, preempted], cost);
    assert.deepEqual(ds.sources.map((s) => s.runId), ['a']);
    assert.ok(ds.diagnostics.some((d) => d.message.includes('run bb is partial (step 10000 of 20000)')));
    // the trial's planned steps tell the same when the log has no max_steps
    const viaTrial = buildDataset(study(), [finished, run('bb', 5000, 10000)], cost, { trialSteps: new Map([['bb', 20000]]) });
    assert.deepEqual(viaTrial.sources.map((s) => s.runId), ['a']);
  });

  test('with a steps fidelity a partial run counts at the steps it reached, never at the target', () => {
    const preempted = run('bb', 1000, 10000, { maxSteps: 20000, model: '1B' });
    const ds = buildDataset(study([2000, 20000]), [preempted], cost);
    assert.equal(ds.observations.length, 9); // 2000 ... 10000
    assert.equal(Math.max(...ds.sources.map((s) => s.steps)), 10000);
    assert.ok(ds.observations.every((o) => o.z < 1));
  });
});
