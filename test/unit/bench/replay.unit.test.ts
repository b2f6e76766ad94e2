import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MethodRun, SelectionMethod } from '../../../src/bench/baselines';
import { randomAtTarget } from '../../../src/bench/baselines';
import { methodByName } from '../../../src/bench/methods';
import { costGrid, quantile, regretOnGrid, runSeed, summariseCosts, targetRanking } from '../../../src/bench/replay';
import type { World } from '../../../src/bench/replay';
import { runBench } from '../../../src/cli/bench';
import type { Fidelity } from '../../../src/core/types';

const small: Fidelity = { label: 'S', s: 0, z: 1, cost: 0.01 };
const big: Fidelity = { label: 'B', s: 1, z: 1, cost: 1 };
const w = (a: number): Float64Array => Float64Array.from([a, 1 - a]);
// Target values: row 5 (a = 0.6) is best, then 6, then 4.
const world: World = {
  d: 2,
  fidelities: [small, big],
  target: big,
  rows: [
    { w: w(0.1), fidelity: small, y: 3 },
    { w: w(0.5), fidelity: small, y: 2.5 },
    { w: w(0.9), fidelity: small, y: 2.8 },
    { w: w(0.2), fidelity: big, y: 2.4 },
    { w: w(0.4), fidelity: big, y: 2.2 },
    { w: w(0.6), fidelity: big, y: 2.0 },
    { w: w(0.7), fidelity: big, y: 2.1 },
    { w: w(0.95), fidelity: big, y: 2.6 },
  ],
};

/** A scripted method: picks the rows (by world index) in order, recommends by a fixed rule. */
function scripted(picks: number[], recommendRow: (seen: Set<number>) => number): SelectionMethod & { seenCandidates: number[][] } {
  const seenCandidates: number[][] = [];
  return {
    name: 'scripted',
    seenCandidates,
    start(): MethodRun {
      let k = 0;
      return {
        choose(input) {
          seenCandidates.push(input.candidates.map((c) => world.rows.findIndex((r) => r.w === c.w)));
          // the next scripted row that is offered (the initial random row may be one of them)
          while (k < picks.length) {
            const index = input.candidates.findIndex((c) => c.w === world.rows[picks[k]!]!.w);
            k++;
            if (index >= 0) return index;
          }
          return -1;
        },
        recommend(input) {
          const seen = new Set(input.observations.map((o) => world.rows.findIndex((r) => r.w === o.w)));
          const row = recommendRow(seen);
          return input.targetRows.findIndex((t) => t === world.rows[row]!.w);
        },
      };
    },
  };
}

describe('replay protocol', () => {
  test('ranking of target rows', () => {
    const { order, rankOf, best } = targetRanking(world);
    assert.deepEqual(order, [5, 6, 4, 3, 7]);
    assert.equal(rankOf.get(5), 1);
    assert.equal(rankOf.get(4), 3);
    assert.equal(best, 2.0);
  });

  test('regret is 0 once the method has seen the best row and recommends it; cost adds up; it stops there', () => {
    // Recommend the best target row seen so far, else row 7 (the worst).
    const method = scripted([3, 6, 5, 4], (seen) => [5, 6, 4, 3].find((r) => seen.has(r)) ?? 7);
    const result = runSeed(world, method, 0, { budget: 10 });
    const steps = result.steps;
    assert.equal(steps[0]!.step, 0);
    assert.equal(world.rows[steps[0]!.row]!.fidelity, small, 'the first row is a cheapest-fidelity row');
    assert.deepEqual(steps.slice(1).map((s) => s.row), [3, 6, 5], 'row 4 is never picked: the seed stopped');
    assert.deepEqual(steps.map((s) => s.regret.toFixed(2)), ['0.60', '0.40', '0.10', '0.00']);
    assert.deepEqual(steps.map((s) => s.rank), [5, 4, 2, 1]);
    assert.ok(Math.abs(steps[3]!.cost - (0.01 + 1 + 1 + 1)) < 1e-12);
    assert.equal(result.stopped, 'found-best');
    assert.ok(Math.abs(result.costToBest! - 3.01) < 1e-12);
    assert.ok(Math.abs(result.costToVerified! - 3.01) < 1e-12);
    assert.ok(Math.abs(result.costToTopK! - 2.01) < 1e-12, 'top-3 from the pick of row 6');
    assert.ok(Math.abs(result.spent - 3.01) < 1e-12);
  });

  test('a method is only offered unobserved rows that fit the budget; the seed stops when it declines', () => {
    const method = scripted([0, 1, 2, 3], () => 7);
    const result = runSeed(world, method, 3, { budget: 1.03 });
    for (let k = 0; k < method.seenCandidates.length; k++) {
      const offered = method.seenCandidates[k]!;
      const observedBefore = result.steps.slice(0, k + 1).map((s) => s.row);
      for (const row of observedBefore) assert.ok(!offered.includes(row), `step ${k + 1} offered observed row ${row}`);
      const spentBefore = result.steps[k]!.cost;
      for (const row of offered) assert.ok(spentBefore + world.rows[row]!.fidelity.cost <= 1.03 + 1e-9, `row ${row} does not fit`);
    }
    assert.ok(result.spent <= 1.03 + 1e-9);
    assert.equal(result.costToBest, null);
    assert.equal(result.costToVerified, null);
  });

  test('a recommendation that touches the best row and moves away counts as first touch only', () => {
    let calls = 0;
    const method = scripted([0, 1, 2], () => (++calls === 2 ? 5 : 7));
    const result = runSeed(world, method, 0, { budget: 10 });
    assert.equal(result.steps.length, 3);
    assert.equal(result.steps[1]!.regret, 0);
    assert.ok(result.steps[2]!.regret > 0);
    assert.equal(result.costToBest, null);
    assert.ok(Math.abs(result.firstCostToBest! - 0.02) < 1e-12);
    assert.equal(result.costToVerified, null, 'the best row was never measured');
  });

  test('seeds are reproducible and differ from each other', () => {
    const a = runSeed(world, randomAtTarget, 4, { budget: 10, now: () => 0 });
    const b = runSeed(world, randomAtTarget, 4, { budget: 10, now: () => 0 });
    assert.deepEqual(a, b);
    const firsts = new Set(Array.from({ length: 12 }, (_, s) => runSeed(world, randomAtTarget, s, { budget: 10 }).steps.map((x) => x.row).join()));
    assert.ok(firsts.size > 1);
  });

  test('every bench method picks distinct unobserved rows on a small world', () => {
    for (const name of ['mixopt-mf', 'mixopt-sf', 'zero-shot', 'random', 'regmix', 'dml', 'sobol'] as const) {
      const result = runSeed(world, methodByName(name), 1, { budget: 3, maxSteps: 6 });
      const rows = result.steps.map((s) => s.row);
      assert.equal(new Set(rows).size, rows.length, `${name} picked a row twice`);
      assert.ok(result.spent <= 3 + 1e-9, name);
    }
  });

  test('summaries: quantiles with "never" as Infinity, regret on a cost grid', () => {
    assert.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
    const s = summariseCosts([1, null, 3, null, null]);
    assert.equal(s.median, Infinity);
    assert.equal(s.q25, 3);
    assert.equal(s.reached, 2);
    const steps = runSeed(world, scripted([3, 5], (seen) => (seen.has(5) ? 5 : 3)), 0, { budget: 10 }).steps;
    assert.deepEqual(regretOnGrid(steps, [0.001, 0.01, 1.5, 2.5]).map((v) => (Number.isNaN(v) ? 'nan' : v.toFixed(1))), ['nan', '0.4', '0.4', '0.0']);
    const grid = costGrid(0.001, 10, 5);
    assert.ok(Math.abs(grid[0]! - 0.001) < 1e-15 && Math.abs(grid[4]! - 10) < 1e-12);
  });
});

describe('mixopt bench (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixopt-bench-'));
  const table = join(dir, 'world.csv');
  writeFileSync(table, ['fidelity,cost,score,x,y', ...world.rows.map((r) => `${r.fidelity.label},${r.fidelity.cost},${-r.y},${r.w[0]},${r.w[1]}`)].join('\n') + '\n');
  const capture = (): { io: { out(t: string): void; err(t: string): void }; out: string[]; err: string[] } => {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (t) => out.push(t), err: (t) => err.push(t) }, out, err };
  };

  test('replay on a generic table with renamed columns and maximize writes JSON, HTML and RESULTS.md', async () => {
    const { io, err } = capture();
    const md = join(dir, 'RESULTS.md');
    const code = await runBench(
      ['replay', '--table', table, '--target', 'B', '--direction', 'maximize', '--objective-column', 'score', '--seeds', '3', '--methods', 'random,regmix', '--budget', '6', '--out', dir, '--no-png', '--quiet', '--results-md', md],
      io,
    );
    assert.equal(code, 0, err.join('\n'));
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { methods: { method: string; seeds: number }[]; seeds: { picks: { regret: number }[] }[] };
    assert.deepEqual(results.methods.map((m) => [m.method, m.seeds]), [['random', 3], ['regmix', 3]]);
    for (const s of results.seeds) for (const p of s.picks) assert.ok(p.regret >= 0, 'maximised objective: regret stays non-negative');
    assert.match(readFileSync(join(dir, 'report.html'), 'utf8'), /<svg[^>]*id="regret-chart"/);
    assert.match(readFileSync(md, 'utf8'), /\| random \|/);
    assert.ok(existsSync(join(dir, 'results.json')));
  });

  test('render re-draws RESULTS.md from results.json; "never reached" survives the JSON round trip', async () => {
    const out = join(dir, 'never');
    const run = capture();
    const args = ['--table', table, '--target', 'B', '--objective-column', 'score', '--seeds', '2', '--methods', 'random', '--budget', '0.5', '--out', out, '--no-png', '--quiet'];
    assert.equal(await runBench(['replay', ...args, '--results-md', join(out, 'a.md')], run.io), 0, run.err.join('\n'));
    const rendered = capture();
    assert.equal(await runBench(['render', '--results', join(out, 'results.json'), '--no-png', '--results-md', join(out, 'b.md')], rendered.io), 0, rendered.err.join('\n'));
    const a = readFileSync(join(out, 'a.md'), 'utf8');
    const b = readFileSync(join(out, 'b.md'), 'utf8');
    // the target never fits the budget: no seed measured the best row (a random recommendation may touch it)
    assert.match(b, /\| random \| > 0\.5 \[> 0\.5, > 0\.5\] \([01]\/2\) \| [^|]+ \| > 0\.5 \[> 0\.5, > 0\.5\] \(0\/2\) \|/);
    const tableOf = (md: string): string => md.split('\n').filter((l) => l.startsWith('| random')).join('\n');
    assert.equal(tableOf(b), tableOf(a));
  });

  test('bad input: exit 1 with file:line:column for a bad table, exit 2 for bad flags', async () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'fidelity,cost,objective,x,y\nB,1,2,0.5,zz\n');
    const a = capture();
    assert.equal(await runBench(['replay', '--table', bad, '--out', dir, '--no-png', '--results-md', 'none'], a.io), 1);
    assert.match(a.err.join('\n'), new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:11: error: the weight of y is "zz"`));
    const b = capture();
    assert.equal(await runBench(['replay', '--table', table, '--methods', 'nope'], b.io), 2);
    assert.match(b.err.join('\n'), /unknown method "nope"/);
    const c = capture();
    assert.equal(await runBench(['replay', '--table', table, '--target', 'XL', '--objective-column', 'score'], c.io), 2);
    assert.match(c.err.join('\n'), /no rows with fidelity "XL"/);
    const e = capture();
    assert.equal(await runBench(['frobnicate'], e.io), 2);
  });
});
