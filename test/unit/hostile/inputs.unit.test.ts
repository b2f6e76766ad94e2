// Issue 12: hostile input to the study, the ledger, the template, the engine and the exports. Every case runs
// the CLI's own entry point (runCli, in this process) on a workspace built for it and checks: no internal error
// (exit 3), a message naming the file and line (or the path) of the problem, and a loose bound on time and memory
// that the cases of the issue exceeded (150 s and 2.2 GB for one JSONL line; minutes for 4,000 rows).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/main';
import { wordMatcher } from '../../../src/core/names';
import { EngineError } from '../../../src/engine/api';
import { metricDomain, aggregateObjective, mixtureVector } from '../../../src/engine/dataset';
import { forgetEngineState, runEngine } from '../../../src/engine/engine';
import { toEngineError } from '../../../src/engine/errors';
import { extremeValues } from '../../../src/engine/outliers';
import { csvCell, escapeMarkdown, trialsCsv } from '../../../src/extension/logic';
import { appendEvent, createTrialId, ledgerPathFor } from '../../../src/ledger/append';
import { parseStudy } from '../../../src/study/parse';
import { minimalSnapshot } from './snapshot';
import { makeWorkspace, runLines, STUDY } from './workspace';

const TIME_BOUND_MS = 20_000;
const HEAP_BOUND_BYTES = 768 * 2 ** 20;

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function cli(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  forgetEngineState();
  const code = await runCli(args, { out: (t) => (stdout += `${t}\n`), err: (t) => (stderr += `${t}\n`) });
  return { code, stdout, stderr };
}

const dirs: string[] = [];
function workspace(options: Parameters<typeof makeWorkspace>[0] = {}): { dir: string; studyFile: string } {
  const ws = makeWorkspace(options);
  dirs.push(ws.dir);
  return ws;
}

/** Seeds a ledger with `n` accepted trials and returns their ids. */
function seedLedger(studyFile: string, n: number): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const trial = createTrialId();
    ids.push(trial);
    const a = (i + 1) / (n + 2);
    appendEvent(ledgerPathFor(studyFile), { v: 1, event: 'accepted', trial, key: trial, mixture: { web: a, code: 1 - a, books: 0 }, model: '10M', steps: 1000, time: new Date().toISOString(), actor: 'seed' });
  }
  return ids;
}

const nested = (open: string, close: string, depth: number): string => open.repeat(depth) + close.repeat(depth);

const results: { name: string; passed: boolean; ms: number }[] = [];

/** One hostile case: runs `body`, then checks the time and heap bounds and records the outcome for the table. */
function hostile(name: string, body: () => Promise<void> | void): void {
  test(name, async () => {
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    let passed = false;
    try {
      await body();
      const ms = performance.now() - started;
      const heap = process.memoryUsage().heapUsed - heapBefore;
      assert.ok(ms < TIME_BOUND_MS, `${name}: ${ms.toFixed(0)} ms, bound ${TIME_BOUND_MS} ms`);
      assert.ok(heap < HEAP_BOUND_BYTES, `${name}: heap grew ${(heap / 2 ** 20).toFixed(0)} MB`);
      passed = true;
    } finally {
      results.push({ name, passed, ms: performance.now() - started });
    }
  });
}

function notInternal(r: CliRun, what: string): void {
  assert.notEqual(r.code, 3, `${what}: internal error\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error|RangeError|TypeError|at .*\.ts:\d+/, `${what}: ${r.stderr}`);
}

describe('hostile input', () => {
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    const table = results.map((r) => `${r.passed ? 'pass' : 'FAIL'}  ${r.ms.toFixed(0).padStart(6)} ms  ${r.name}`).join('\n');
    process.stdout.write(`# hostile cases: ${results.filter((r) => r.passed).length}/${results.length} passed\n${table.replace(/^/gm, '# ')}\n`);
  });

  // ---------------------------------------------------------------- the ledger (#1, #2)
  for (const [label, line] of [
    ['version nested 5,000 deep', `{"v":${nested('[', ']', 5000)},"event":"accepted","trial":"x","time":"2026-01-01T00:00:00Z"}`],
    ['mixture nested 5,000 deep', `{"v":1,"event":"accepted","trial":"t-x","mixture":${nested('[', ']', 5000)},"model":"10M","steps":1000,"time":"2026-01-01T00:00:00Z","actor":"a"}`],
    ['event nested 100,000 deep', `{"v":1,"event":${nested('{"a":', '}', 100000).replace(/\{"a":\}+$/, '1' + '}'.repeat(100000))},"trial":"t"}`],
    ['binary garbage', Buffer.from([0, 1, 2, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x7b]).toString('latin1')],
    ['a __proto__ weight', '{"v":1,"event":"accepted","trial":"t-proto","key":"t-proto","mixture":{"__proto__":0.5,"web":0.5},"model":"10M","steps":1000,"time":"2026-01-01T00:00:00Z","actor":"a"}'],
  ] as const) {
    hostile(`ledger: one line with ${label} costs that line only; status and mark still find every trial`, async () => {
      const { studyFile } = workspace();
      const ids = seedLedger(studyFile, 10);
      const ledgerPath = ledgerPathFor(studyFile);
      writeFileSync(ledgerPath, `${readFileSync(ledgerPath, 'utf8')}${line}\n`, { flag: 'w' });
      seedLedger(studyFile, 2);
      const status = await cli('status', studyFile, '--json');
      notInternal(status, label);
      const out = JSON.parse(status.stdout) as { trials: { id: string; status: string }[]; diagnostics: { file: string; line: number; message: string }[] };
      for (const id of ids) assert.equal(out.trials.find((t) => t.id === id)?.status, 'pending', `${label}: ${id} still pending`);
      assert.ok(out.trials.filter((t) => t.status === 'pending').length >= 12);
      if (!label.includes('__proto__')) assert.ok(out.diagnostics.some((d) => d.file === ledgerPath && d.line === 11), `${label}: names ${ledgerPath}:11 (${JSON.stringify(out.diagnostics)})`);
      const mark = await cli('mark', studyFile, '--trial', ids[3]!, '--status', 'failed');
      assert.equal(mark.code, 0, mark.stderr);
    });
  }

  // ---------------------------------------------------------------- the study (#1, #3, #8)
  hostile('study: a value nested 5,000 deep is an error at its line', async () => {
    const { studyFile } = workspace({ study: STUDY.replace('metrics: [val_loss]', `metrics: ${nested('[', ']', 5000)}`) });
    for (const command of ['status', 'suggest', 'accept']) {
      const r = await cli(command, studyFile);
      notInternal(r, command);
      assert.equal(r.code, 1);
      assert.ok(r.stderr.includes(`${studyFile}:4:`) || r.stderr.includes(`${studyFile}:4 `), `${command}: ${r.stderr}`);
      assert.match(r.stderr, /nested more than 64 levels/);
    }
  });

  hostile('study: block mappings nested 3,000 deep are an error with a line', () => {
    const deep = Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n');
    const r = parseStudy(`${STUDY}extra:\n${deep} 1\n`, 's.mixopt.yaml');
    assert.equal(r.study, undefined);
    assert.ok(r.diagnostics.some((d) => d.severity === 'error' && d.line >= 1), JSON.stringify(r.diagnostics.slice(0, 2)));
  });

  hostile('study: an alias bomb is an error with a line', () => {
    const text = readFileSync(join(process.cwd(), 'test', 'fixtures', 'runs', 'broken', 'alias-bomb.yaml'), 'utf8');
    const r = parseStudy(text, 'bomb.mixopt.yaml');
    assert.equal(r.study, undefined);
    assert.ok(r.diagnostics.some((d) => d.severity === 'error' && d.line >= 1), JSON.stringify(r.diagnostics.slice(0, 2)));
  });

  hostile('study: 6 MB of text is refused at line 1', () => {
    const r = parseStudy(`${STUDY}# ${'x'.repeat(6_000_000)}\n`, 'big.mixopt.yaml');
    assert.equal(r.study, undefined);
    assert.ok(r.diagnostics.some((d) => d.line === 1 && /characters long/.test(d.message)));
  });

  hostile('study: 300 domains are refused at the domains line', () => {
    const domains = Array.from({ length: 300 }, (_, i) => `d${i}`);
    const r = parseStudy(STUDY.replace('domains: [web, code, books]', `domains: [${domains.join(', ')}]`), 'wide.mixopt.yaml');
    assert.ok(r.diagnostics.some((d) => d.severity === 'error' && d.line === 2 && /300 domains/.test(d.message)));
  });

  hostile('domains __proto__, constructor, toString: parsed, vectors and weights by own keys, suggest works', async () => {
    const names = ['__proto__', 'constructor', 'toString'];
    const study = STUDY.replace('domains: [web, code, books]', `domains: [${names.map((n) => `"${n}"`).join(', ')}]`).replace(
      '  direction: minimize',
      '  direction: minimize\n  aggregate: {weighted: {"__proto__": 1, constructor: 2, toString: 3}}',
    );
    const parsed = parseStudy(study, 'proto.mixopt.yaml');
    assert.ok(parsed.study, JSON.stringify(parsed.diagnostics));
    assert.deepEqual(parsed.study.domains, names);
    const mixture = JSON.parse('{"__proto__": 0.2, "constructor": 0.3, "toString": 0.5}') as Record<string, number>;
    assert.deepEqual(Array.from(mixtureVector(parsed.study, mixture)), [0.2, 0.3, 0.5]);
    assert.deepEqual(Array.from(mixtureVector(parsed.study, {})), [0, 0, 0], 'inherited members are not weights');
    const agg = parsed.study.objective.aggregate;
    assert.equal(agg.kind, 'weighted');
    // metrics named after the domains: the weighted aggregate finds each by its own key
    assert.equal(aggregateObjective({ ...parsed.study, objective: { ...parsed.study.objective, metrics: ['loss/__proto__', 'loss/toString'] } }, ['loss/__proto__', 'loss/toString'], { 'loss/__proto__': 1, 'loss/toString': 3 }), (1 * 1 + 3 * 3) / 4);
    // the whole path, with runs whose mixtures name constructor and toString (the JSONL reader keeps those)
    const { studyFile } = workspace({ study: study.replace('"__proto__", ', '"web", ').replace('{weighted: {"__proto__": 1, ', '{weighted: {web: 1, '), runs: runLines(['web', 'constructor', 'toString']) });
    const r = await cli('suggest', studyFile, '--json');
    notInternal(r, 'suggest');
    assert.equal(r.code, 0, r.stderr);
    const s = (JSON.parse(r.stdout) as { suggestions: { mixture: Record<string, number> }[] }).suggestions[0]!;
    const sum = ['web', 'constructor', 'toString'].reduce((a, d) => a + (Object.hasOwn(s.mixture, d) ? s.mixture[d]! : Number.NaN), 0);
    assert.ok(Math.abs(sum - 1) < 1e-6, `weights sum to 1: ${JSON.stringify(s.mixture)}`);
  });

  hostile('metric patterns: one escaped matcher (pile.cc is not pileXcc; c++ does not throw)', () => {
    const parsed = parseStudy(STUDY.replace('domains: [web, code, books]', 'domains: [pile.cc, "c++", books]').replace('metrics: [val_loss]', 'metrics: ["val_loss/{domain}"]\n  aggregate: {weighted: {pile.cc: 1, "c++": 1, books: 1}}'), 'm.mixopt.yaml');
    assert.ok(parsed.study, JSON.stringify(parsed.diagnostics));
    assert.equal(metricDomain(parsed.study, 'val_loss/pile.cc'), 'pile.cc');
    assert.equal(metricDomain(parsed.study, 'val_loss/pileXcc'), undefined);
    assert.equal(metricDomain(parsed.study, 'val_loss/c++'), 'c++');
    assert.equal(wordMatcher('a(b').test('x_a(b'), true);
    const v = aggregateObjective(parsed.study, ['val_loss/pile.cc', 'val_loss/c++', 'val_loss/books'], { 'val_loss/pile.cc': 1, 'val_loss/c++': 2, 'val_loss/books': 3 });
    assert.equal(v, 2);
  });

  // ---------------------------------------------------------------- extreme values (#9)
  hostile('one run at 1e308 and one at -1e308: left out with a warning naming each run; predictions stay sane', async () => {
    const lines = runLines();
    lines.push(JSON.stringify({ run: 'huge', step: 1000, model: '100M', mixture: { web: 0.2, code: 0.4, books: 0.4 }, metrics: { val_loss: 1e308 } }));
    lines.push(JSON.stringify({ run: 'negative', step: 1000, model: '100M', mixture: { web: 0.3, code: 0.3, books: 0.4 }, metrics: { val_loss: -1e308 } }));
    const { studyFile, dir } = workspace({ runs: lines });
    const status = await cli('status', studyFile, '--json');
    const diags = (JSON.parse(status.stdout) as { diagnostics: { file: string; line: number; message: string }[] }).diagnostics;
    for (const run of ['huge', 'negative']) assert.ok(diags.some((d) => d.file === join(dir, 'runs', 'runs.jsonl') && d.message.includes(`run ${run} `) && /left out of the model/.test(d.message)), `${run}: ${JSON.stringify(diags)}`);
    const r = await cli('recommend', studyFile, '--json');
    notInternal(r, 'recommend');
    assert.equal(r.code, 0, r.stderr);
    const p = (JSON.parse(r.stdout) as { predicted: { mean: number; lower: number; upper: number } }).predicted;
    assert.ok(p.mean > 2 && p.mean < 5 && p.lower > 1 && p.upper < 10, JSON.stringify(p));
    assert.deepEqual(extremeValues([3.1, 3.0, 2.9, 3.4, 4.2, 3.05]), [], 'ordinary spread is not flagged');
  });

  // ---------------------------------------------------------------- size limits (#8)
  hostile('13,000 observations: refused before fitting, with the fix, in seconds', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 13000; i++) {
      const a = (i % 97) / 97;
      lines.push(JSON.stringify({ run: `r${i}`, step: 1000, model: i % 2 ? '10M' : '100M', mixture: { web: a, code: (1 - a) / 2, books: (1 - a) / 2 }, metrics: { val_loss: 3 + a / 10 + (i % 7) / 100 } }));
    }
    const { studyFile } = workspace({ runs: lines });
    const r = await cli('suggest', studyFile);
    notInternal(r, 'suggest');
    assert.equal(r.code, 1);
    assert.ok(r.stderr.includes(`${studyFile}:15: error [runs]`), r.stderr);
    assert.match(r.stderr, /13000 observations, more than the 12000/);
    assert.match(r.stderr, /runs\.exclude/);
  });

  // ---------------------------------------------------------------- paths (#6)
  hostile('config.output absolute, climbing with .., or through a link out of the workspace: refused; nothing written', async () => {
    for (const output of ['/tmp/mixopt-escape-{trial}.yaml', '../../escape/{trial}.yaml', 'out-link/{trial}.yaml']) {
      const { dir, studyFile } = workspace({ study: STUDY.replace('output: configs/generated/{trial}.yaml', `output: ${output}`) });
      symlinkSync('/tmp', join(dir, 'out-link'));
      const r = await cli('accept', studyFile);
      notInternal(r, output);
      assert.equal(r.code, 1, `${output}: ${r.stdout}`);
      assert.match(r.stderr, /config\.output resolves to .* outside the workspace folder/);
      assert.match(r.stderr, /allow_outside_workspace/);
      assert.ok(!existsSync(join(dir, '.mixopt', 'ledger.jsonl')) || !readFileSync(join(dir, '.mixopt', 'ledger.jsonl'), 'utf8').includes('"accepted"'));
    }
    assert.deepEqual(readdirSync('/tmp').filter((f) => f.startsWith('mixopt-escape-')), []);
  });

  hostile('config.template outside the workspace (..) is not read; allowed by the study key in a trusted workspace only', async () => {
    const { dir, studyFile } = workspace({ study: STUDY.replace('template: configs/base.yaml', 'template: ../outside-template.yaml') });
    writeFileSync(join(dir, '..', 'outside-template.yaml'), 'secret: 1\ndata:\n  mixture: {web: 1, code: 0, books: 0}\n');
    dirs.push(join(dir, '..', 'outside-template.yaml'));
    const r = await cli('accept', studyFile);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /config\.template resolves to .*outside-template\.yaml, outside the workspace folder/);
    const allowed = STUDY.replace('template: configs/base.yaml', 'template: ../outside-template.yaml').replace('  mixture_key: data.mixture', '  mixture_key: data.mixture\n  allow_outside_workspace: true');
    writeFileSync(studyFile, allowed);
    await assert.rejects(
      runEngine({ method: 'accept', params: { studyFile, fresh: { batch: 1, index: 0 }, actor: 'test', trusted: false } }),
      (e: unknown) => e instanceof EngineError && e.code === 'outside-workspace' && /not trusted/.test(e.value.hint ?? ''),
    );
    const ok = await cli('accept', studyFile, '--json');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(readFileSync((JSON.parse(ok.stdout) as { config: string }).config, 'utf8'), /secret: 1/);
  });

  hostile('a model named .. in a ledger line does not climb through {model}', async () => {
    const study = STUDY.replace('output: configs/generated/{trial}.yaml', 'output: configs/generated/{model}/{trial}.yaml').replace('table: {10M: 0.1, 100M: 1}', 'table: {10M: 0.1, 100M: 1, "..": 0.05}').replace('    - {name: 100M, params: 1e8}', '    - {name: 100M, params: 1e8}\n    - {name: "..", params: 5e6}');
    const { dir, studyFile } = workspace({ study });
    const trial = createTrialId();
    appendEvent(ledgerPathFor(studyFile), { v: 1, event: 'suggested', trial, mixture: { web: 0.3, code: 0.3, books: 0.4 }, model: '..', steps: 1000, time: new Date().toISOString(), actor: 'x' });
    const r = await cli('accept', studyFile, '--trial', trial, '--json');
    notInternal(r, 'accept');
    assert.equal(r.code, 0, r.stderr);
    const path = (JSON.parse(r.stdout) as { config: string }).config;
    assert.equal(path, join(dir, 'configs', 'generated', '__', `${trial}.yaml`));
  });

  // ---------------------------------------------------------------- write errors (#10)
  hostile('an unwritable config folder or ledger: exit 1 with the path and the fix, not an internal error', async () => {
    const { dir, studyFile } = workspace();
    writeFileSync(join(dir, 'configs', 'generated'), 'a file where a folder should be');
    const r = await cli('accept', studyFile);
    notInternal(r, 'accept');
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`cannot write ${join(dir, 'configs', 'generated').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    assert.match(r.stderr, /fix: /);
    const other = workspace();
    writeFileSync(join(other.dir, '.mixopt'), 'a file where the .mixopt folder should be');
    const m = await cli('suggest', other.studyFile, '--record');
    notInternal(m, 'suggest --record');
    assert.equal(m.code, 1);
    assert.match(m.stderr, /cannot write .*\.mixopt/);
    // EACCES, ENOSPC, EROFS as the file system reports them (root ignores chmod, so they are built here)
    for (const code of ['EACCES', 'ENOSPC', 'EROFS']) {
      const e = toEngineError(Object.assign(new Error(`${code}: refused`), { code, syscall: 'open', path: '/w/.mixopt/ledger.jsonl' }));
      assert.equal(e.code, 'write-failed');
      assert.equal(e.value.path, '/w/.mixopt/ledger.jsonl');
      assert.ok((e.value.hint ?? '').length > 10);
    }
    if (process.getuid?.() !== 0) {
      const ro = workspace();
      mkdirSync(join(ro.dir, '.mixopt'));
      chmodSync(join(ro.dir, '.mixopt'), 0o500);
      const denied = await cli('accept', ro.studyFile);
      chmodSync(join(ro.dir, '.mixopt'), 0o700);
      assert.equal(denied.code, 1, denied.stderr);
      assert.match(denied.stderr, /EACCES/);
    }
  });

  // ---------------------------------------------------------------- terminals, spreadsheets, tooltips (#11)
  hostile('a run id with terminal escapes is printed without control characters', async () => {
    const evil = 'r\u001b]0;pwned\u0007\u001b[2J\u009b31m';
    const lines = [...runLines(), JSON.stringify({ run: evil, step: 1000, model: '7B', mixture: { web: 0.2, code: 0.4, books: 0.4 }, metrics: { val_loss: 3 } })];
    const { studyFile } = workspace({ runs: lines });
    const r = await cli('status', studyFile);
    notInternal(r, 'status');
    assert.match(r.stderr, /model 7B is not one of the study's models/);
    // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
    assert.doesNotMatch(r.stdout + r.stderr, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  hostile('the trials CSV neutralises formulas; tooltips escape Markdown', () => {
    const snap = minimalSnapshot(['=HYPERLINK("http://x","y")', '@SUM(A1)', '+cmd|\' /C calc\'!A0', '-2+3', 'plain']);
    const csv = trialsCsv(snap);
    const cells = csv.split('\n').slice(1, 6).map((row) => row.split(',')[0]);
    for (const c of cells.slice(0, 4)) assert.match(c!, /^"?'/, `neutralised: ${c}`);
    assert.equal(cells[4], 'plain');
    assert.equal(csvCell(-2.5), '-2.5', 'numbers stay numbers');
    const md = escapeMarkdown('[click](command:workbench.action.terminal.new) **x** <img src=x>');
    assert.doesNotMatch(md, /(^|[^\\])[[\]()*<>]/);
  });

  // ---------------------------------------------------------------- the template
  hostile('a template nested 5,000 deep: accept exits 1 naming the template line; an alias bomb is copied, not expanded', async () => {
    const deep = workspace({ template: `data:\n  mixture: {web: 1, code: 0, books: 0}\nx: ${nested('[', ']', 5000)}\n` });
    const r = await cli('accept', deep.studyFile);
    notInternal(r, 'accept');
    assert.equal(r.code, 1, r.stdout);
    assert.ok(r.stderr.includes(`${join(deep.dir, 'configs', 'base.yaml')}:3`), r.stderr);
    assert.match(r.stderr, /nested more than 256 levels/);
    assert.ok(!existsSync(join(deep.dir, 'configs', 'generated')) || readdirSync(join(deep.dir, 'configs', 'generated')).length === 0, 'no config written');
    const bomb = readFileSync(join(process.cwd(), 'test', 'fixtures', 'runs', 'broken', 'alias-bomb.yaml'), 'utf8');
    const aliased = workspace({ template: `data:\n  mixture: {web: 1, code: 0, books: 0}\n${bomb}` });
    const a = await cli('accept', aliased.studyFile, '--json');
    notInternal(a, 'accept');
    assert.equal(a.code, 0, a.stderr);
    const written = readFileSync((JSON.parse(a.stdout) as { config: string }).config, 'utf8');
    assert.ok(written.length < 4 * bomb.length + 2000, `the aliases stay aliases (${written.length} characters)`);
  });
});
