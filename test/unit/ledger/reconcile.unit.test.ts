import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Trial } from '../../../src/ledger/ledger';
import { mixtureDistance, reconcile } from '../../../src/ledger/reconcile';
import type { RunRecord } from '../../../src/runs/types';

function trial(id: string, status: Trial['status'], extra: Partial<Trial> = {}): Trial {
  return { id, status, launched: false, mixture: { github: 0.3, arxiv: 0.7 }, model: '60M', steps: 2000, created: '2026-11-01T00:00:00Z', updated: '2026-11-01T01:00:00Z', actor: 'w', ...extra };
}
function run(id: string, extra: Partial<RunRecord> = {}): RunRecord {
  return { id, format: 'mixopt-jsonl', source: `runs/${id}.jsonl`, mixture: { github: 0.3, arxiv: 0.7 }, model: '60M', steps: 2000, checkpoints: [{ step: 2000, metrics: { 'val_loss/github': 2 } }], status: 'completed', ...extra };
}

describe('reconcile', () => {
  test('by trial id: a run carrying only the trial id gets the mixture and model from the ledger', () => {
    const r = reconcile([trial('t1', 'pending')], [run('r1', { trialId: 't1', mixture: undefined, model: undefined, status: 'running', steps: 500 })]);
    assert.equal(r.rows.length, 1);
    assert.equal(r.rows[0]?.status, 'running');
    assert.equal(r.rows[0]?.matchedBy, 'trial-id');
    assert.deepEqual(r.runs[0]?.mixture, { github: 0.3, arxiv: 0.7 });
    assert.equal(r.runs[0]?.model, '60M');
    assert.deepEqual(r.updates, []);
  });
  test('by mixture within 1e-3 + model (case-insensitive) + steps; completed and failed runs update the trial', () => {
    const trials = [trial('t1', 'pending'), trial('t2', 'pending', { mixture: { github: 0.5, arxiv: 0.5 } }), trial('t3', 'pending', { mixture: { github: 0.9, arxiv: 0.1 } })];
    const runs = [
      run('near', { mixture: { github: 0.3004, arxiv: 0.6996 }, model: '60m' }),
      run('bad', { mixture: { github: 0.5, arxiv: 0.5 }, status: 'failed' }),
      run('far', { mixture: { github: 0.302, arxiv: 0.698 } }),
      run('other-model', { mixture: { github: 0.9, arxiv: 0.1 }, model: '1B' }),
    ];
    const r = reconcile(trials, runs);
    const byId = new Map(r.rows.map((x) => [x.id, x]));
    assert.equal(byId.get('t1')?.status, 'completed');
    assert.equal(byId.get('t1')?.runSource, 'runs/near.jsonl');
    assert.equal(byId.get('t2')?.status, 'failed');
    assert.equal(byId.get('t3')?.status, 'pending');
    assert.equal(byId.get('far')?.status, 'external');
    assert.equal(byId.get('other-model')?.status, 'external');
    assert.deepEqual(r.updates, [
      { trial: 't1', event: 'completed', run: 'near' },
      { trial: 't2', event: 'failed', run: 'bad' },
    ]);
  });
  test('steps must agree for a finished run; a running run short of the planned steps still matches', () => {
    const r1 = reconcile([trial('t1', 'pending')], [run('short', { steps: 1000 })]);
    assert.equal(r1.rows.find((x) => x.id === 't1')?.status, 'pending');
    const r2 = reconcile([trial('t1', 'pending')], [run('going', { steps: 1000, status: 'running' })]);
    assert.equal(r2.rows.find((x) => x.id === 't1')?.status, 'running');
  });
  test('a run that looks finished short of the planned steps keeps its trial running; 0-based last steps count as done', () => {
    const short = reconcile([trial('t1', 'pending')], [run('r', { trialId: 't1', steps: 1200 })]);
    assert.equal(short.rows[0]?.status, 'running');
    assert.deepEqual(short.updates, []);
    const lightning = reconcile([trial('t1', 'pending')], [run('r', { format: 'lightning-csv', steps: 1999 })]);
    assert.equal(lightning.rows[0]?.status, 'completed');
  });
  test('a run is matched to one trial only; bare suggestions and abandoned trials are not matched by mixture', () => {
    const r = reconcile([trial('t1', 'pending'), trial('t2', 'pending'), trial('s', 'suggested'), trial('a', 'abandoned')], [run('only')]);
    const statuses = Object.fromEntries(r.rows.map((x) => [x.id, x.status]));
    assert.deepEqual(statuses, { t1: 'completed', t2: 'pending', s: 'suggested', a: 'abandoned' });
  });
  test('a ledger that already says completed produces no update; the run named in the ledger is matched', () => {
    const r = reconcile([trial('t1', 'completed', { run: 'runs/x.jsonl', mixture: { github: 1 } })], [run('x')]);
    assert.equal(r.rows[0]?.matchedBy, 'ledger-run');
    assert.deepEqual(r.updates, []);
  });
  test('a run naming a trial the ledger does not know, without a mixture, is external and reported', () => {
    const r = reconcile([], [run('orphan', { trialId: 't-lost', mixture: undefined })]);
    assert.equal(r.rows[0]?.status, 'external');
    assert.equal(r.diagnostics.length, 1);
    assert.match(r.diagnostics[0]?.message ?? '', /t-lost/);
  });
  test('mixtureDistance compares over the union of domains', () => {
    assert.equal(mixtureDistance({ a: 0.5, b: 0.5 }, { a: 0.5, c: 0.5 }), 0.5);
    assert.equal(mixtureDistance({ a: 1 }, { a: 1 }), 0);
  });
});
