import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetUnitLabel, runCost, targetRunCost, toBudgetUnit } from '../../../src/study/cost';
import { parseStudy } from '../../../src/study/parse';
import type { Study } from '../../../src/study/types';

function study(costYaml: string, options: { steps?: string; budget?: string } = {}): Study {
  const text = `name: c
domains: [web, code]
objective: {metrics: [loss]}
fidelities:
  models:
    - {name: 60M, params: 6e7}
    - {name: 1B, params: 1e9}
${options.steps ? `  steps: ${options.steps}\n` : ''}  target: {model: 1B, steps: 10000}
${costYaml}
budget: ${options.budget ?? '{total: 10, unit: target_runs}'}
`;
  const { study: parsed, diagnostics } = parseStudy(text, 'c.mixopt.yaml');
  assert.ok(parsed, JSON.stringify(diagnostics));
  return parsed;
}

describe('runCost', () => {
  test('flops: 6 N D with D = steps x tokens per step; a logged figure wins', () => {
    const s = study('cost: {kind: flops, tokens_per_step: 1048576}', { budget: '{total: 1e21, unit: flops}' });
    assert.equal(runCost(s, '60M', 2000), 6 * 6e7 * 2000 * 1048576);
    assert.equal(runCost(s, '1B', 10000), 6 * 1e9 * 10000 * 1048576);
    assert.equal(runCost(s, '60M', 2000, { flops: 1.5e18 }), 1.5e18);
    assert.equal(runCost(s, '60M', 2000, { flops: Number.NaN }), 6 * 6e7 * 2000 * 1048576);
    assert.equal(targetRunCost(s), 6 * 1e9 * 10000 * 1048576);
    assert.equal(toBudgetUnit(s, 123), 123);
    assert.equal(budgetUnitLabel(s), 'FLOPs');
  });

  test('table: cost per model, scaled by steps when the study models training length', () => {
    const s = study('cost: {kind: table, table: {60M: 0.06, 1B: 1}}', { steps: '[2500, 5000, 10000]' });
    assert.equal(runCost(s, '1B', 10000), 1);
    assert.equal(runCost(s, '1B', 5000), 0.5);
    assert.ok(Math.abs(runCost(s, '60M', 2500) - 0.015) < 1e-15);
    // longer than the target costs no more than the table says
    assert.equal(runCost(s, '60M', 20000), 0.06);
    // without steps in the study, a run costs its table value whatever its length
    const flat = study('cost: {kind: table, table: {60M: 0.06, 1B: 1}}');
    assert.equal(runCost(flat, '60M', 100), 0.06);
    assert.throws(() => runCost(flat, '7B', 100), /7B/);
  });

  test('table from per-model costs and the default table (params relative to the target)', () => {
    const s = study('');
    assert.equal(runCost(s, '60M', 10000), 0.06);
    assert.equal(runCost(s, '1B', 10000), 1);
  });

  test('gpu_hours: the logged value, else the fallback scaled by steps, else params relative to the target', () => {
    const s = study('cost: {kind: gpu_hours, fallback: {60M: 3}}', { steps: '[5000, 10000]', budget: '{total: 500, unit: gpu_hours}' });
    assert.equal(runCost(s, '60M', 5000, { gpuHours: 2.5 }), 2.5);
    assert.equal(runCost(s, '60M', 5000), 1.5);
    assert.equal(runCost(s, '1B', 10000), 1);
    assert.equal(budgetUnitLabel(s), 'GPU-hours');
  });

  test('target-runs budget unit divides by the cost of one target run', () => {
    const s = study('cost: {kind: flops, tokens_per_step: 1000}');
    const target = targetRunCost(s);
    assert.equal(target, 6 * 1e9 * 10000 * 1000);
    assert.equal(toBudgetUnit(s, target * 2.5), 2.5);
    assert.ok(Math.abs(toBudgetUnit(s, runCost(s, '60M', 10000)) - 0.06) < 1e-12);
    assert.equal(budgetUnitLabel(s), '1B runs');
    const cost = study('cost: {kind: table, table: {60M: 6, 1B: 100}}', { budget: '{total: 1000, unit: cost}' });
    assert.equal(toBudgetUnit(cost, 250), 250);
    assert.equal(budgetUnitLabel(cost), 'cost units');
  });
});
