// The `mixopt` CLI run as a child process (node --import tsx src/cli/main.ts) on a tiny study built here:
// three domains, two model sizes, eleven JSONL runs, a config template. Exit codes and --json shapes are the ones
// documented in docs/cli.md.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/main';
import { STUDY, TEMPLATE } from '../hostile/workspace';

const REPO = process.cwd();
const CLI = join(REPO, 'src', 'cli', 'main.ts');

// the same tiny study and template as the hostile-input tests

function runsJsonl(): string {
  const lines: string[] = [];
  let k = 0;
  for (const [model, count] of [['10M', 8], ['100M', 3]] as const) {
    for (let i = 0; i < count; i++) {
      const a = (i + 1) / (count + 1);
      const mixture = { web: a * 0.8, code: (1 - a) * 0.5, books: 1 - a * 0.8 - (1 - a) * 0.5 };
      const loss = 3 + (mixture.web - 0.5) ** 2 + (model === '10M' ? 0.4 : 0);
      lines.push(JSON.stringify({ run: `r${k++}`, step: 1000, model, mixture, metrics: { val_loss: loss } }));
    }
  }
  return `${lines.join('\n')}\n`;
}

let dir = '';
let studyFile = '';

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The same entry point in this process (for the many cheap cases; exit codes come from the same runCli). */
async function cliInProcess(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}

function isInterval(x: unknown): boolean {
  const i = x as { mean?: unknown; lower?: unknown; upper?: unknown };
  return typeof i.mean === 'number' && typeof i.lower === 'number' && typeof i.upper === 'number' && i.lower <= i.mean && i.mean <= i.upper;
}

function isMixture(x: unknown, domains: readonly string[]): boolean {
  const m = x as Record<string, number>;
  const sum = domains.reduce((s, d) => s + (m[d] ?? Number.NaN), 0);
  return Object.keys(m).every((k) => domains.includes(k)) && Math.abs(sum - 1) < 1e-6;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mixopt-cli-'));
  mkdirSync(join(dir, 'runs'));
  mkdirSync(join(dir, 'configs'));
  studyFile = join(dir, 'tiny.mixopt.yaml');
  writeFileSync(studyFile, STUDY);
  writeFileSync(join(dir, 'configs', 'base.yaml'), TEMPLATE);
  writeFileSync(join(dir, 'runs', 'runs.jsonl'), runsJsonl());
  writeFileSync(join(dir, 'bad.mixopt.yaml'), STUDY.replace('direction: minimize', 'direction: minimise'));
  writeFileSync(join(dir, 'broken.mixopt.yaml'), STUDY.replace('metrics: [val_loss]', 'metrics: [val_loss'));
  // 3.8 of the budget is spent by the runs: 0.5 left (a 100M run no longer fits), then 0.05 (nothing fits)
  writeFileSync(join(dir, 'tight.mixopt.yaml'), STUDY.replace('budget: {total: 10,', 'budget: {total: 4.3,'));
  writeFileSync(join(dir, 'spent.mixopt.yaml'), STUDY.replace('budget: {total: 10,', 'budget: {total: 3.85,'));
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('mixopt suggest respects the budget left', () => {
  test('a size that does not fit is not proposed, and the note says so', async () => {
    const r = await cliInProcess('suggest', join(dir, 'tight.mixopt.yaml'), '--json', '--batch', '3');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { suggestions: { model: string; cost: number }[]; note?: string };
    assert.ok(out.suggestions.length > 0);
    for (const s of out.suggestions) assert.equal(s.model, '10M');
    assert.ok(out.suggestions.reduce((t, s) => t + s.cost, 0) <= 0.5 + 1e-9);
    assert.match(out.note ?? '', /0\.5 100M runs left: 100M \(1\) no longer fits/);
  });

  test('nothing fits: no suggestion, and the note says the budget is spent', async () => {
    const r = await cliInProcess('suggest', join(dir, 'spent.mixopt.yaml'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /The budget is spent: 0\.05 of 3\.85 100M runs left/);
    assert.doesNotMatch(r.stdout, /predicted/);
  });
});

describe('mixopt CLI', () => {
  test('status: exit 0 and a summary of runs, budget and problems', () => {
    const r = cli('status', studyFile);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Study tiny/);
    assert.match(r.stdout, /trials: 11 external/);
    assert.match(r.stdout, /budget: 3\.8 of 10 100M runs used/);
  });

  test('status --json has study, name, trials, budget, diagnostics', () => {
    const r = cli('status', studyFile, '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { study: string; name: string; trials: { id: string; status: string; mixture: Record<string, number>; model: string; steps: number; cost: number; value?: number }[]; budget: { unit: string; total: number; used: number; byModel: Record<string, number> }; diagnostics: unknown[] };
    assert.equal(out.study, studyFile);
    assert.equal(out.name, 'tiny');
    assert.equal(out.trials.length, 11);
    for (const t of out.trials) {
      assert.equal(t.status, 'external');
      assert.ok(isMixture(t.mixture, ['web', 'code', 'books']));
      assert.ok(['10M', '100M'].includes(t.model));
      assert.equal(typeof t.value, 'number');
    }
    assert.equal(out.budget.total, 10);
    assert.ok(Math.abs(out.budget.used - 3.8) < 1e-9);
    assert.ok(Math.abs(out.budget.byModel['10M']! - 0.8) < 1e-9);
    assert.deepEqual(out.diagnostics, []);
  });

  test('usage errors exit 2', async () => {
    const none = cli();
    assert.equal(none.code, 2);
    assert.match(none.stdout, /Usage:/);
    const bogus = cli('status', studyFile, '--bogus');
    assert.equal(bogus.code, 2);
    assert.match(bogus.stderr, /^mixopt: .*--bogus/);
    for (const args of [['status'], ['frobnicate', studyFile], ['frobnicate', join(dir, 'nope.yaml')], ['suggest', studyFile, '--batch', '0'], ['suggest', studyFile, '--batch', 'two'], ['accept', studyFile, '--index', '3'], ['mark', studyFile, '--status', 'done', '--trial', 'x'], ['mark', studyFile, '--status', 'failed'], ['status', studyFile, 'extra.yaml']]) {
      const r = await cliInProcess(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^mixopt: /, args.join(' '));
    }
    const help = await cliInProcess('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Exit codes: 0 ok, 1 problems/);
    const version = await cliInProcess('--version');
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  test('a missing or invalid study file exits 1; stderr names the file (and the line)', async () => {
    const missing = join(dir, 'nope.mixopt.yaml');
    const m = cli('status', missing);
    assert.equal(m.code, 1);
    assert.ok(m.stderr.includes('nope.mixopt.yaml'), m.stderr);
    const bad = join(dir, 'bad.mixopt.yaml');
    for (const command of ['status', 'suggest', 'recommend', 'accept']) {
      const r = command === 'status' ? cli(command, bad) : await cliInProcess(command, bad);
      assert.equal(r.code, 1, `${command}: ${r.stderr}`);
      assert.ok(r.stderr.includes(`${bad}:5: error [objective.direction]`), `${command}: ${r.stderr}`);
      assert.match(r.stderr, /did you mean "minimize"/);
    }
    const broken = await cliInProcess('status', join(dir, 'broken.mixopt.yaml'));
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /broken\.mixopt\.yaml:\d+: error/);
    const asJson = await cliInProcess('status', bad, '--json');
    assert.equal(asJson.code, 1);
    const out = JSON.parse(asJson.stdout) as { diagnostics: { file: string; line: number; key?: string; severity: string }[] };
    assert.ok(out.diagnostics.some((d) => d.file === bad && d.line === 5 && d.key === 'objective.direction' && d.severity === 'error'));
  });

  test('suggest --json: the documented suggestion fields', () => {
    const r = cli('suggest', studyFile, '--json', '--batch', '2');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { study: string; suggestions: Record<string, unknown>[] };
    assert.equal(out.study, studyFile);
    assert.equal(out.suggestions.length, 2);
    for (const s of out.suggestions) {
      assert.deepEqual(Object.keys(s).sort(), ['acquisition', 'acquisitionValue', 'cost', 'id', 'mixture', 'model', 'predicted', 'predictedAtTarget', 'reason', 'steps']);
      assert.ok(isMixture(s['mixture'], ['web', 'code', 'books']));
      assert.ok(['10M', '100M'].includes(s['model'] as string));
      assert.equal(s['steps'], 1000);
      assert.ok(isInterval(s['predicted']) && isInterval(s['predictedAtTarget']));
      assert.equal(s['acquisition'], 'mes');
      assert.ok(Number.isFinite(s['acquisitionValue']) && Number.isFinite(s['cost']));
      assert.ok(typeof s['reason'] === 'string' && s['reason'].length > 0);
    }
    // suggest without --record writes nothing
    assert.equal(existsSync(join(dir, '.mixopt', 'ledger.jsonl')), false);
  });

  test('recommend --json: mixture, model, steps, predicted, source, bestObserved, alternative, extrapolation', () => {
    const r = cli('recommend', studyFile, '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(out).sort(), ['alternative', 'bestObserved', 'extrapolation', 'mixture', 'model', 'predicted', 'predictedAt', 'source', 'steps', 'study']);
    assert.equal(out['extrapolation'], null, 'the target size has runs: nothing is extrapolated in size');
    const alternative = out['alternative'] as { mixture: Record<string, number>; predicted: unknown; measured: boolean; probabilityBetter: number; threshold: number } | null;
    if (alternative !== null) {
      assert.ok(isMixture(alternative.mixture, ['web', 'code', 'books']));
      assert.ok(isInterval(alternative.predicted));
      assert.equal(alternative.threshold, 0.9);
      // a searched recommendation beat the measured one with at least the threshold; a kept measured one was not beaten
      if (alternative.measured) assert.ok(alternative.probabilityBetter >= 0.9);
      else assert.ok(1 - alternative.probabilityBetter < 0.9);
    }
    assert.ok(isMixture(out['mixture'], ['web', 'code', 'books']));
    assert.equal(out['model'], '100M');
    assert.ok(isInterval(out['predicted']));
    assert.ok(out['source'] === 'search' || out['source'] === 'observed');
    const best = out['bestObserved'] as { trialId: string; value: number; mixture: Record<string, number> };
    assert.ok(best && typeof best.trialId === 'string' && Math.abs(best.value - 3.0) < 0.1);
  });

  test('accept writes the config and records the trial; mark updates it; unknown trials exit 1', async () => {
    const r = cli('accept', studyFile, '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { trial: string; config: string; suggestion: { id: string; mixture: Record<string, number>; model: string } };
    assert.equal(out.trial, out.suggestion.id);
    assert.ok(out.config.startsWith(join(dir, 'configs', 'generated')));
    const config = readFileSync(out.config, 'utf8');
    assert.match(config, new RegExp(`mixopt_trial: ${out.trial}`));
    assert.match(config, /# set by MixOpt/);
    assert.ok(config.includes(`name: ${out.suggestion.model}`));
    const ledger = readFileSync(join(dir, '.mixopt', 'ledger.jsonl'), 'utf8');
    assert.ok(ledger.includes(out.trial));

    const status = JSON.parse(cli('status', studyFile, '--json').stdout) as { trials: { id: string; status: string }[] };
    assert.equal(status.trials.find((t) => t.id === out.trial)?.status, 'pending');

    const mark = cli('mark', studyFile, '--trial', out.trial, '--status', 'abandoned', '--note', 'out of quota');
    assert.equal(mark.code, 0, mark.stderr);
    assert.match(mark.stdout, /marked abandoned/);
    const after = JSON.parse(cli('status', studyFile, '--json').stdout) as { trials: { id: string; status: string }[] };
    assert.equal(after.trials.find((t) => t.id === out.trial)?.status, 'abandoned');

    const unknown = await cliInProcess('mark', studyFile, '--trial', 't-does-not-exist', '--status', 'failed');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /t-does-not-exist is not in the ledger/);
  });

  test('accept --trial takes a suggestion recorded earlier, exactly as recorded, once', async () => {
    const suggested = cli('suggest', studyFile, '--record', '--json');
    assert.equal(suggested.code, 0, suggested.stderr);
    const recorded = (JSON.parse(suggested.stdout) as { suggestions: { id: string; mixture: Record<string, number>; model: string }[] }).suggestions[0]!;
    const r = await cliInProcess('accept', studyFile, '--trial', recorded.id, '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { trial: string; config: string };
    assert.equal(out.trial, recorded.id);
    const config = readFileSync(out.config, 'utf8');
    for (const [domain, weight] of Object.entries(recorded.mixture)) {
      assert.match(config, new RegExp(`${domain}: ${weight.toString().replace('.', '\\.')}`), `${domain} written as recorded`);
    }
    const again = await cliInProcess('accept', studyFile, '--trial', recorded.id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is pending, not an open suggestion/);
    const unknown = await cliInProcess('accept', studyFile, '--trial', 't-nope');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no trial t-nope/);
  });
});
