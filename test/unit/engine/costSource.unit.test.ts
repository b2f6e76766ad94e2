// Issue 11 #6: the spent budget uses one cost source per study, measured (the logs' FLOPs / GPU-hours) when every
// counted run has it, else the study's nominal cost for every run, and says which and why (snapshot, `mixopt status`).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/main';
import { costSourceOf, runsCost } from '../../../src/engine/snapshot';
import type { RunRecord } from '../../../src/runs/types';
import { runCost, toBudgetUnit } from '../../../src/study/cost';
import type { Study } from '../../../src/study/types';
import { makeStudy } from '../runs/study-fixture';

function run(id: string, model: string, steps: number, logged: { flops?: number; gpuHours?: number } = {}): RunRecord {
  return { id, format: 'mixopt-jsonl', source: `runs/${id}.jsonl`, mixture: { pile_cc: 0.5, github: 0.5 }, model, steps, checkpoints: [{ step: steps, metrics: {} }], status: 'completed', ...logged };
}

/** Twelve runs over the three sizes, with measured FLOPs that differ from 6·N·D (factor 1.3), except `missing`. */
function twelveRuns(study: Study, missing: ReadonlySet<number>): RunRecord[] {
  const models = ['1M', '60M', '1B'];
  return Array.from({ length: 12 }, (_, i) => {
    const model = models[i % 3]!;
    const params = study.fidelities.models.find((m) => m.name === model)!.params;
    const steps = 25000;
    const nominal = 6 * params * steps * 1048576;
    return run(`r${i}`, model, steps, missing.has(i) ? {} : { flops: 1.3 * nominal });
  });
}

const nominalTotal = (study: Study, runs: readonly RunRecord[]): number => runs.reduce((sum, r) => sum + toBudgetUnit(study, runCost(study, r.model!, r.steps!)), 0);

describe('one cost source per study', () => {
  const study = makeStudy(); // cost.kind flops, budget in target runs

  test('every run logs FLOPs: measured, and the spent budget is the logged FLOPs', () => {
    const runs = twelveRuns(study, new Set());
    const spent = runsCost(study, runs);
    assert.equal(spent.source.kind, 'measured');
    assert.equal(spent.source.reason, undefined);
    assert.deepEqual([spent.source.runs, spent.source.measuredRuns], [12, 12]);
    assert.match(spent.source.label, /measured FLOPs from the run logs \(all 12 runs\)/);
    const logged = runs.reduce((sum, r) => sum + toBudgetUnit(study, r.flops!), 0);
    assert.ok(Math.abs(spent.total - logged) < 1e-9 * logged, `${spent.total} vs ${logged}`);
    assert.ok(Math.abs(spent.total - 1.3 * nominalTotal(study, runs)) < 1e-9 * spent.total);
  });

  test('3 of 12 runs without FLOPs: nominal for all twelve (never a mix), and the reason says so', () => {
    const runs = twelveRuns(study, new Set([0, 4, 8]));
    const spent = runsCost(study, runs);
    assert.equal(spent.source.kind, 'nominal');
    assert.equal(spent.source.reason, '3 of 12 runs have no measured FLOPs');
    assert.match(spent.source.label, /nominal FLOPs \(6·N·D/);
    assert.deepEqual([spent.source.runs, spent.source.measuredRuns], [12, 9]);
    const nominal = nominalTotal(study, runs);
    assert.ok(Math.abs(spent.total - nominal) < 1e-9 * nominal, `${spent.total} vs nominal ${nominal}`);
    // the mix the rule forbids: logged where there is a log, nominal elsewhere
    const mixed = runs.reduce((sum, r) => sum + toBudgetUnit(study, r.flops ?? runCost(study, r.model!, r.steps!)), 0);
    assert.ok(Math.abs(spent.total - mixed) > 0.01 * nominal, 'the spent budget is not the mixed sum');
    // each run's cost (the trials tree, the burn-down) is its nominal cost too
    for (const r of runs) assert.ok(Math.abs(spent.perRun.get(r.id)! - toBudgetUnit(study, runCost(study, r.model!, r.steps!))) < 1e-12);
  });

  test('one run missing reads in the singular; runs of sizes the study does not list are not counted', () => {
    const runs = [...twelveRuns(study, new Set([5])), run('other', '7B', 100)];
    const source = costSourceOf(study, runs);
    assert.equal(source.reason, '1 of 12 runs has no measured FLOPs');
    assert.equal(source.runs, 12);
  });

  test('no runs yet: nominal, because there is nothing measured', () => {
    const source = costSourceOf(study, []);
    assert.deepEqual([source.kind, source.reason, source.runs], ['nominal', 'no runs yet', 0]);
  });

  test('GPU-hours: measured when every run logs them, else cost.fallback for all, naming the metric', () => {
    const gpu = makeStudy({ cost: { kind: 'gpu_hours', metric: 'gpu_hours', fallback: { '1M': 0.1, '60M': 2, '1B': 40 } }, budget: { total: 1000, unit: 'gpu_hours' } });
    const all = [run('a', '1M', 25000, { gpuHours: 0.2 }), run('b', '60M', 25000, { gpuHours: 3 }), run('c', '1B', 25000, { gpuHours: 50 })];
    const measured = runsCost(gpu, all);
    assert.equal(measured.source.kind, 'measured');
    assert.ok(Math.abs(measured.total - 53.2) < 1e-9);
    const oneMissing = [...all.slice(0, 2), run('c', '1B', 25000)];
    const nominal = runsCost(gpu, oneMissing);
    assert.equal(nominal.source.kind, 'nominal');
    assert.equal(nominal.source.reason, '1 of 3 runs logs no gpu_hours');
    assert.match(nominal.source.label, /cost\.fallback/);
    assert.ok(Math.abs(nominal.total - 42.1) < 1e-9, `fallback costs for all three, ${nominal.total}`);
  });

  test("a cost table is the study's nominal cost even when the logs have FLOPs", () => {
    const table = makeStudy({ cost: { kind: 'table', table: { '1M': 0.001, '60M': 0.06, '1B': 1 } } });
    const spent = runsCost(table, twelveRuns(table, new Set()));
    assert.equal(spent.source.kind, 'nominal');
    assert.match(spent.source.reason ?? '', /cost\.kind is table/);
    assert.ok(Math.abs(spent.total - 4 * (0.001 + 0.06 + 1)) < 1e-9, `${spent.total}`);
  });
});

describe('mixopt status says which cost source the budget uses', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixopt-costsource-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const studyFile = join(dir, 'flops.mixopt.yaml');
  writeFileSync(
    studyFile,
    `name: flops
domains: [web, code]
objective: {metrics: [val_loss], direction: minimize}
fidelities:
  models: [{name: 10M, params: 1e7}, {name: 100M, params: 1e8}]
  target: {model: 100M, steps: 1000}
cost: {kind: flops, tokens_per_step: 1000}
budget: {total: 1e15, unit: flops}
runs: {include: ["runs/**"]}
`,
  );
  mkdirSync(join(dir, 'runs'));
  const writeRuns = (flops: readonly (number | undefined)[]): void => {
    const lines = flops.map((f, i) => JSON.stringify({ run: `r${i}`, step: 1000, model: i % 2 === 0 ? '10M' : '100M', mixture: { web: 0.2 + 0.1 * i, code: 0.8 - 0.1 * i }, metrics: { val_loss: 3 + 0.01 * i }, ...(f !== undefined ? { flops: f } : {}) }));
    writeFileSync(join(dir, 'runs', 'runs.jsonl'), `${lines.join('\n')}\n`);
  };
  const status = async (...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['status', studyFile, ...extra], { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
    return { code, stdout, stderr };
  };

  test('one of four runs without FLOPs: nominal costs and why, in the text and in --json', async () => {
    writeRuns([7e10, 7e11, 7e10, undefined]);
    const text = await status();
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /costs: nominal FLOPs \(6·N·D from the model sizes and cost\.tokens_per_step\): 1 of 4 runs has no measured FLOPs/);
    // nominal 6·N·D: 2 × 6e13 (10M) + 2 × 6e14 (100M)
    assert.match(text.stdout, /budget: 1\.32e\+15 of 1\.00e\+15 FLOPs used/);
    const json = await status('--json');
    const out = JSON.parse(json.stdout) as { budget: { used: number; costSource: { kind: string; reason?: string; runs: number; measuredRuns: number } } };
    assert.deepEqual(out.budget.costSource.kind, 'nominal');
    assert.equal(out.budget.costSource.reason, '1 of 4 runs has no measured FLOPs');
    assert.deepEqual([out.budget.costSource.runs, out.budget.costSource.measuredRuns], [4, 3]);
    assert.ok(Math.abs(out.budget.used - 1.32e15) < 1e3);
  });

  test('every run logs FLOPs: measured costs, the logged sum', async () => {
    writeRuns([7e10, 7e11, 7e10, 7e11]);
    const text = await status();
    assert.match(text.stdout, /costs: measured FLOPs from the run logs \(all 4 runs\)\n/);
    const out = JSON.parse((await status('--json')).stdout) as { budget: { used: number; costSource: { kind: string; reason?: string } } };
    assert.equal(out.budget.costSource.kind, 'measured');
    assert.equal(out.budget.costSource.reason, undefined);
    assert.ok(Math.abs(out.budget.used - 1.54e12) < 1, `${out.budget.used}`);
  });
});
