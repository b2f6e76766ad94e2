import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MethodRun, SelectionMethod } from '../../../src/bench/baselines';
import { INITIAL_DESIGN, methodByName, withInitialDesign } from '../../../src/bench/methods';
import { makeOlmixTable } from '../../../src/bench/olmix';
import { runSeed, summariseCosts } from '../../../src/bench/replay';
import type { World } from '../../../src/bench/replay';
import { SUITE, bestBaseline, renderSuiteMarkdown, worldOf } from '../../../src/bench/suite';
import type { SuiteMethodResult, SuiteTableResult } from '../../../src/bench/suite';
import { SYNTHETIC_SPECS, makeSyntheticTable, spearman } from '../../../src/bench/synthetic';
import { parseTable } from '../../../src/bench/table';
import { readSuiteResult, runBench } from '../../../src/cli/bench';
import type { Fidelity } from '../../../src/core/types';

const small: Fidelity = { label: 'S', s: 0, z: 1, cost: 0.1 };
const big: Fidelity = { label: 'B', s: 1, z: 1, cost: 1 };
const w = (a: number): Float64Array => Float64Array.from([a, 1 - a]);

/** Picks the listed world rows in order (when offered), recommends the best target row seen (else the last). */
function scripted(world: World, picks: number[]): SelectionMethod & { offered: { row: number; cost: number | undefined }[][] } {
  const offered: { row: number; cost: number | undefined }[][] = [];
  return {
    name: 'scripted',
    offered,
    start(): MethodRun {
      let k = 0;
      return {
        choose(input) {
          offered.push(input.candidates.map((c) => ({ row: world.rows.findIndex((r) => r.w === c.w), cost: c.cost })));
          while (k < picks.length) {
            const index = input.candidates.findIndex((c) => c.w === world.rows[picks[k]!]!.w);
            k++;
            if (index >= 0) return index;
          }
          return -1;
        },
        recommend(input) {
          const seen = input.observations.filter((o) => o.fidelity === input.target);
          if (seen.length === 0) return input.targetRows.length - 1;
          const best = seen.reduce((a, b) => (b.y < a.y ? b : a));
          return input.targetRows.findIndex((t) => t === best.w);
        },
      };
    },
  };
}

describe('replay with per-row costs and a small-regret threshold', () => {
  // one cheap row; target rows with their own costs; row 3 is the best target row, row 2 within 0.05 of it
  const world: World = {
    d: 2,
    fidelities: [small, big],
    target: big,
    rows: [
      { w: w(0.1), fidelity: small, y: 3, cost: 0.1 },
      { w: w(0.2), fidelity: big, y: 2.5, cost: 0.5 },
      { w: w(0.4), fidelity: big, y: 2.04, cost: 2 },
      { w: w(0.6), fidelity: big, y: 2.0, cost: 1.5 },
    ],
  };

  test('spent adds each row its own cost; rows that do not fit by their own cost are not offered; candidates carry it', () => {
    const method = scripted(world, [1, 2, 3]);
    const result = runSeed(world, method, 0, { budget: 3, smallRegret: 0.05 });
    // 0.1 (cheap) + 0.5 (row 1) + 2 (row 2) = 2.6; row 3 (1.5) no longer fits in 3
    assert.deepEqual(result.steps.map((s) => s.row), [0, 1, 2]);
    assert.ok(Math.abs(result.spent - 2.6) < 1e-12);
    assert.deepEqual(method.offered[0]!.map((o) => [o.row, o.cost]), [[1, 0.5], [2, 2], [3, 1.5]]);
    assert.equal(method.offered.length, 2, 'after row 2 nothing fits: the seed stops without asking');
    assert.equal(result.stopped, 'budget');
    assert.equal(result.costToBest, null, 'the best row was never recommended');
    assert.ok(Math.abs(result.costToSmallRegret! - 2.6) < 1e-12, 'row 2 is within 0.05 of the best from 2.6 on');
  });

  test('without a threshold, small regret means zero regret', () => {
    const result = runSeed(world, scripted(world, [1, 2, 3]), 0, { budget: 10 });
    assert.ok(Math.abs(result.costToBest! - 4.1) < 1e-12);
    assert.equal(result.costToSmallRegret, result.costToBest);
  });

  test('worldOf gives rows their own cost only where a level\'s costs differ', () => {
    const { table } = parseTable('fidelity,cost,objective,a,b\nS,0.1,3,0.5,0.5\nS,0.1,3.1,0.2,0.8\nB,1,2,0.5,0.5\nB,1.4,2.1,0.4,0.6\n', 'c.csv');
    const made = worldOf(table!, 'minimize');
    assert.ok(!('error' in made));
    assert.deepEqual(made.world.rows.map((r) => r.cost), [undefined, undefined, 1, 1.4]);
    assert.equal(made.world.target.cost, 1.2, 'the level cost is the median');
  });
});

describe('fair seeds: every method\'s initial design depends on its seed', () => {
  const rows: World['rows'][number][] = [];
  for (let i = 0; i < 12; i++) rows.push({ w: w(i / 12 + 0.01), fidelity: small, y: 3 + ((i * 7) % 5) / 10 });
  for (let i = 0; i < 30; i++) rows.push({ w: w(i / 30 + 0.02), fidelity: big, y: 2 + ((i * 5) % 7) / 10 + i / 1000 });
  const world: World = { d: 2, fidelities: [small, big], target: big, rows };

  test('withInitialDesign: the first picks are random rows at the chosen fidelity, then the method decides', () => {
    let calls = 0;
    const inner: SelectionMethod = {
      name: 'first-candidate',
      start: () => ({
        choose: () => (calls++, 0),
        // target row 1 is not the best (row 0 is): the seed does not stop early
        recommend: () => 1,
      }),
    };
    const firstPicks = new Set<string>();
    for (let seed = 0; seed < 6; seed++) {
      calls = 0;
      const result = runSeed(world, withInitialDesign(inner, 3, 'target'), seed, { budget: 100, maxSteps: 5 });
      const picks = result.steps.slice(1, 4);
      for (const p of picks) assert.equal(p.fidelity, 'B');
      firstPicks.add(picks.map((p) => p.row).join());
      assert.equal(calls, 2, 'the method chooses from the 4th pick on');
    }
    assert.ok(firstPicks.size >= 5, `seeds gave ${firstPicks.size} distinct initial designs`);
  });

  test('mixopt-sf: different seeds start from different target rows (not only the first)', () => {
    const designs = new Set<string>();
    for (let seed = 0; seed < 6; seed++) {
      const result = runSeed(world, methodByName('mixopt-sf'), seed, { budget: 100, maxSteps: INITIAL_DESIGN });
      const target = result.steps.filter((s) => s.fidelity === 'B').map((s) => s.row);
      assert.ok(target.length >= 2, `seed ${seed}: ${target.join()}`);
      designs.add(target.slice(1).join());
    }
    assert.ok(designs.size >= 5, `${designs.size} distinct designs after the first row`);
  });
});

describe('synthetic tables', () => {
  test('the committed CSVs are the generator output; transfer falls with the bias; the noise table has none', () => {
    const made = SYNTHETIC_SPECS.map((spec) => ({ spec, table: makeSyntheticTable(spec) }));
    for (const { spec, table } of made) {
      assert.equal(readFileSync(join('bench', `${spec.name}-table.csv`), 'utf8'), table.csv, `${spec.name}: run mixopt bench make-tables`);
      const parsed = parseTable(table.csv, spec.name);
      assert.deepEqual(parsed.diagnostics, []);
      if (spec.cheapRows === 0) {
        assert.deepEqual(parsed.table!.levels.map((l) => [l.label, l.rows]), [['1B', spec.targetRows]]);
        assert.equal(parsed.table!.domains.length, spec.domains);
        assert.ok(Number.isNaN(table.cheapRankCorrelation));
      } else {
        assert.deepEqual(parsed.table!.levels.map((l) => [l.label, l.rows]), [['60M', 256], ['1B', 64]]);
        assert.equal(parsed.table!.domains.length, 17);
      }
      assert.ok(table.targetRankCorrelation > 0.9, `${spec.name}: the target is measured with small noise`);
    }
    const rho = (name: string): number => made.find((m) => m.spec.name === name)!.table.cheapRankCorrelation;
    assert.ok(rho('synthetic-bias0') > 0.95);
    assert.ok(rho('synthetic-bias0') > rho('synthetic-bias1') && rho('synthetic-bias1') > rho('synthetic-bias4'));
    assert.ok(Math.abs(rho('synthetic-noise')) < 0.2, `pure noise: ${rho('synthetic-noise')}`);
    const costs = parseTable(made.find((m) => m.spec.costNoise !== undefined)!.table.csv, 'c').table!;
    assert.deepEqual(costs.levels.map((l) => l.costVaries), [true, true]);
    assert.ok(new Set(costs.rows.map((r) => r.cost)).size > 200, 'rows have their own costs');
  });

  test('spearman: 1 for a monotone map, -1 reversed, ties averaged', () => {
    assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 400]), 1);
    assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);
    assert.ok(Math.abs(spearman([1, 1, 2], [1, 2, 3]) - 0.866) < 1e-3);
  });
});

describe('Olmix converter', () => {
  const ratios = ',run,name,index,web,code\n0,aa,x-0,0,0.25,0.75\n1,bb,x-1,1,1.0,0.0\n';
  const metrics = ',run,name,index,task1,task2,task3\n0,bb,x-1,1,1.0,2.0,3.0\n1,aa,x-0,0,0.9,1.2,1.5\n';

  test('joins on run, objective = mean BPB over the tasks, one 30M fidelity at cost 1', () => {
    const { table, errors } = makeOlmixTable(ratios, metrics);
    assert.deepEqual(errors, []);
    assert.deepEqual(table!.domains, ['web', 'code']);
    assert.deepEqual(table!.tasks, ['task1', 'task2', 'task3']);
    const parsed = parseTable(table!.csv, 'o.csv');
    assert.deepEqual(parsed.diagnostics, []);
    assert.deepEqual(parsed.table!.rows.map((r) => [r.fidelity, r.cost, r.objective, Array.from(r.w)]), [
      ['30M', 1, 1.2, [0.25, 0.75]],
      ['30M', 1, 2, [1, 0]],
    ]);
  });

  test('a run without metrics and a bad cell are errors with file and line, and no table', () => {
    const { table, errors } = makeOlmixTable(ratios.replace('1,bb,', '1,cc,'), metrics.replace('1.2,1.5', 'oops,1.5'));
    assert.equal(table, undefined);
    assert.ok(errors.some((e) => /^dclm_ratios\.csv:3: run "cc" has no row in dclm_metrics\.csv/.test(e)), errors.join('\n'));
    assert.ok(errors.some((e) => /^dclm_metrics\.csv:3 \(task2\): "oops" is not a number/.test(e)), errors.join('\n'));
  });

  const dataDir = join('..', 'shared', 'data', 'olmix');
  const present = existsSync(join(dataDir, 'dclm_ratios.csv'));
  test('the committed bench/olmix-dclm-table.csv is the converter output of the shared data (127 runs, 24 domains, 110 tasks)', { skip: present ? false : `SKIPPED: no Olmix data at ${dataDir}` }, () => {
    const made = makeOlmixTable(readFileSync(join(dataDir, 'dclm_ratios.csv'), 'utf8'), readFileSync(join(dataDir, 'dclm_metrics.csv'), 'utf8'));
    assert.deepEqual(made.errors, []);
    assert.equal(made.table!.rows, 127);
    assert.equal(made.table!.domains.length, 24);
    assert.equal(made.table!.tasks.length, 110);
    assert.equal(readFileSync(join('bench', 'olmix-dclm-table.csv'), 'utf8'), made.table!.csv);
  });
});

describe('the suite', () => {
  test('every table exists, parses with its objective column, and has a positive noise figure and its unit', () => {
    const names = new Set<string>();
    for (const entry of SUITE) {
      assert.ok(!names.has(entry.name), `duplicate ${entry.name}`);
      names.add(entry.name);
      const parsed = parseTable(readFileSync(entry.file, 'utf8'), entry.file, { fidelity: 'fidelity', cost: 'cost', params: 'params', objective: entry.objective });
      assert.deepEqual(parsed.diagnostics, [], entry.name);
      assert.ok(entry.noise.sd > 0, entry.name);
      assert.ok(entry.unit.length > 0 && entry.seeds > 0, entry.name);
    }
    assert.equal(SUITE.filter((t) => t.name.startsWith('regmix-')).length, 14);
    assert.equal(SUITE.filter((t) => t.name.startsWith('synthetic-')).length, 6);
  });

  const summary = (median: number | null, seeds = 3): SuiteMethodResult['costToBest'] => summariseCosts(Array.from({ length: seeds }, () => median));
  const method = (name: string, best: number | null, verified: number | null): SuiteMethodResult => ({
    method: name,
    seeds: 3,
    costToBest: summary(best),
    costToVerified: summary(verified),
    costToSmallRegret: summary(best),
    picksByFidelity: { B: 3 },
    wallSeconds: 1,
  });
  const result: SuiteTableResult = {
    name: 't',
    about: 'a table',
    unit: 'runs',
    budget: 40,
    noise: { sd: 0.01, source: 'known' },
    levels: [],
    target: 'B',
    methods: [method('mixopt-mf', 2, 4), method('mixopt-sf', 8, 8), method('random', null, null), method('sobol', 5, 6), method('regmix', 10, 3), method('dml', 20, 20)],
    wallSeconds: 12,
  };

  test('"never reached" survives the JSON round trip of --jobs: a baseline that never got there is not the best', () => {
    const back = readSuiteResult(JSON.stringify(result));
    assert.equal(back.methods.find((m) => m.method === 'random')!.costToBest.median, Infinity);
    assert.equal(bestBaseline(back, 'costToBest')!.method, 'sobol');
  });

  test('best baseline is chosen per column; ratios of medians; "never" is shown against the budget', () => {
    assert.equal(bestBaseline(result, 'costToBest')!.method, 'sobol');
    assert.equal(bestBaseline(result, 'costToVerified')!.method, 'regmix');
    const md = renderSuiteMarkdown(result.methods ? [result] : []);
    const ratios = md.split('\n').find((l) => l.startsWith('| t |'))!;
    // MF / best baseline: 2/5 (sobol), 4/3 (regmix), 2/5; SF / best: 8/5; MF / SF: 2/8, 4/8, 2/8
    assert.equal(ratios, '| t | 0.40 (sobol) | 1.33 (regmix) | 0.40 (sobol) | 1.60 (sobol) | 0.25 | 0.50 | 0.25 | 12 |');
    assert.match(md, /\| {2}\| random \| 3 \| > 40\.0 \[> 40\.0, > 40\.0\] \(0\/3\) \|/);
  });

  test('mixopt bench suite runs one table with a subset of methods and seeds and writes the summary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mixopt-suite-'));
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t) };
    const md = join(dir, 'RESULTS.md');
    const code = await runBench(['suite', '--tables', 'synthetic-bias0', '--methods', 'random,regmix', '--seeds', '2', '--out', dir, '--results-md', md, '--quiet'], io);
    assert.equal(code, 0, err.join('\n'));
    const text = readFileSync(md, 'utf8');
    assert.match(text, /\| synthetic-bias0 \(target runs \(cost 1\); noise 0\.014\) \| random \| 2 \|/);
    assert.match(text, /\| {2}\| regmix \| 2 \|/);
    assert.match(text, /## Notes \(written by hand/);
    const json = readSuiteResult(readFileSync(join(dir, 'synthetic-bias0.json'), 'utf8'));
    assert.deepEqual(json.methods.map((m) => [m.method, m.seeds]), [['random', 2], ['regmix', 2]]);
    // --reuse reads the table's JSON instead of running it: the same summary, and says so
    const again: string[] = [];
    const md2 = join(dir, 'RESULTS2.md');
    assert.equal(await runBench(['suite', '--tables', 'synthetic-bias0', '--methods', 'random,regmix', '--seeds', '5', '--out', dir, '--results-md', md2, '--quiet', '--reuse'], { out: (t) => again.push(t), err: (t) => err.push(t) }), 0);
    assert.ok(again.some((l) => /synthetic-bias0: reusing/.test(l)));
    const rows = (t: string): string => t.split('\n').filter((l) => l.startsWith('| synthetic-bias0 (') || l.startsWith('|  |')).join('\n');
    assert.equal(rows(readFileSync(md2, 'utf8')), rows(text), 'the 2-seed results, not a new 5-seed run');
    const bad = await runBench(['suite', '--tables', 'nope'], { out: () => undefined, err: (t) => err.push(t) });
    assert.equal(bad, 2);
    assert.match(err.join('\n'), /unknown table "nope"; tables are regmix-mean/);
    const listed: string[] = [];
    assert.equal(await runBench(['suite', '--tables', 'regmix-*', '--list'], { out: (t) => listed.push(t), err: () => undefined }), 0);
    assert.equal(listed.length, 14);
  });
});
