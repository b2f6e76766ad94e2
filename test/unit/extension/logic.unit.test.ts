import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bestTargetValue, budgetLeftText, carryOver, fmt, groupTrials, reportHtml, statusBarText, trialDescription, trialsCsv } from '../../../src/extension/logic';
import type { SuggestionView } from '../../../src/protocol/snapshot';
import { snapshotFixture } from './snapshot-fixture';

const suggestion = (id: string): SuggestionView => ({
  id,
  mixture: { web: 0.5, code: 0.5 },
  model: '60M',
  steps: 1000,
  predicted: { mean: 3, lower: 2.8, upper: 3.2 },
  predictedAtTarget: { mean: 2.3, lower: 2.1, upper: 2.5 },
  acquisition: 'mes',
  acquisitionValue: 1.5,
  cost: 0.06,
  reason: 'cheap and informative',
});

describe('host logic', () => {
  test('groups trials by status, newest first', () => {
    const groups = groupTrials(snapshotFixture().trials);
    assert.deepEqual([...groups.keys()].sort(), ['completed', 'external', 'failed', 'pending', 'suggested']);
    assert.deepEqual(groups.get('completed')!.map((t) => t.id), ['r3', 'r2']);
  });

  test('best target value ignores failed runs and other models, follows the direction', () => {
    assert.equal(bestTargetValue(snapshotFixture()), 2.4);
    const maximize = snapshotFixture({ direction: 'maximize' });
    assert.equal(bestTargetValue(maximize), 2.5);
    assert.equal(bestTargetValue(snapshotFixture({ trials: [] })), undefined);
  });

  test('status bar shows budget and best, or the study problems', () => {
    const ok = statusBarText(snapshotFixture());
    assert.match(ok.text, /3\.06\/10 1B runs · best 2\.4/);
    assert.match(ok.tooltip, /Best observed at 1B: 2\.4/);
    const broken = statusBarText(
      snapshotFixture({
        budget: { unit: '', total: 0, used: 0, byModel: {}, burn: [], targetRunCost: 0, costSource: { kind: 'nominal', label: '', runs: 0, measuredRuns: 0 } },
        diagnostics: [{ severity: 'error', file: '/w/demo.mixopt.yaml', line: 3, message: 'bad' }],
      }),
    );
    assert.match(broken.text, /1 problem in the study/);
  });

  test('trial description carries status, fidelity, value and cost', () => {
    const [r2] = snapshotFixture().trials.filter((t) => t.id === 'r2');
    assert.equal(trialDescription(r2!, '1B runs'), 'completed · 1B@1000 · = 2.5 · 1 1B runs');
  });

  test('budget left in words, with runs of each model that still fit', () => {
    assert.equal(budgetLeftText(snapshotFixture()), '3.06 of 10 1B runs used; 6.94 left ≈ 115 60M runs or 6 1B runs.');
  });

  test('fmt keeps four significant digits and switches to exponents for tiny and huge values', () => {
    assert.equal(fmt(2.123456), '2.123');
    assert.equal(fmt(0.0001234), '1.23e-4');
    assert.equal(fmt(12345678), '1.23e+7');
    assert.equal(fmt(Number.NaN), '—');
  });

  test('CSV of trials: one row per trial, quoted where needed, one column per domain', () => {
    const snap = snapshotFixture();
    const csv = trialsCsv({ ...snap, trials: [...snap.trials, { ...snap.trials[0]!, id: 'needs "quotes", yes' }] });
    const lines = csv.trim().split('\n');
    assert.equal(lines.length, 1 + snap.trials.length + 1);
    assert.equal(lines[0], 'id,status,model,steps,value,cost,config,run,time,web,code');
    assert.match(lines[lines.length - 1]!, /^"needs ""quotes"", yes",external,60M,/);
  });

  test('HTML report is standalone (no scripts) and escapes names', () => {
    const html = reportHtml(snapshotFixture({ name: '<script>alert(1)</script>' }));
    assert.ok(!html.includes('<script>'), 'no script tags, names escaped');
    assert.match(html, /&lt;script&gt;/);
    assert.match(html, /<svg/);
  });

  test('carryOver keeps the posterior and unanswered suggestions across a read-only refresh', () => {
    const previous = snapshotFixture({
      suggestions: [suggestion('t-sug'), suggestion('t-new')],
      recommendation: { mixture: { web: 0.7, code: 0.3 }, model: '1B', steps: 1000, predicted: { mean: 2.3, lower: 2.2, upper: 2.4 }, source: 'search' },
    });
    const next = snapshotFixture({ computedAt: '2026-01-07T00:00:00Z' });
    const merged = carryOver(next, previous);
    assert.equal(merged.computedAt, '2026-01-07T00:00:00Z');
    assert.deepEqual(merged.recommendation, previous.recommendation);
    // t-new is pending now (accepted), so only t-sug is still a suggestion
    assert.deepEqual(merged.suggestions?.map((s) => s.id), ['t-sug']);
    // a new fit's own results win
    const fresh = snapshotFixture({ suggestions: [suggestion('t-other')] });
    assert.deepEqual(carryOver(fresh, previous).suggestions?.map((s) => s.id), ['t-other']);
    // another study never inherits
    assert.equal(carryOver(snapshotFixture({ studyFile: '/w/other.mixopt.yaml' }), previous).recommendation, undefined);
  });
});
