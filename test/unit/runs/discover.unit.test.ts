import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { detectRunFile } from '../../../src/runs/detect';
import { detectRunFolder } from '../../../src/runs/formats';
import { DiscoverCache, discoverRuns } from '../../../src/runs/discover';
import { makeStudy, regmixStudy } from './study-fixture';

const WS = 'test/fixtures/runs/ws';
const listing = (name: string, files: string[], dirs: string[] = []) => ({ name, files: new Set(files), dirs: new Set(dirs) });

describe('detectRunFolder / detectRunFile', () => {
  test('marker files pick the format', () => {
    assert.equal(detectRunFolder(listing('out', ['trainer_state.json', 'config.json'])), 'hf-trainer');
    assert.equal(detectRunFolder(listing('out', ['run.yaml'], ['checkpoint-500', 'checkpoint-1000'])), 'hf-trainer');
    assert.equal(detectRunFolder(listing('version_3', ['metrics.csv'])), 'lightning-csv');
    assert.equal(detectRunFolder(listing('custom', ['metrics.csv', 'hparams.yaml'])), 'lightning-csv');
    assert.equal(detectRunFolder(listing('custom', ['metrics.csv'])), undefined);
    assert.equal(detectRunFolder(listing('9f2c', ['meta.yaml'], ['metrics', 'params', 'tags', 'artifacts'])), 'mlflow');
    assert.equal(detectRunFolder(listing('1', ['meta.yaml'], ['9f2c'])), undefined, 'an experiment folder is walked into');
    assert.equal(detectRunFolder(listing('run-20261101_120000-abc123', ['run-abc123.wandb'], ['files', 'logs'])), 'wandb');
    assert.equal(detectRunFolder(listing('offline-run-20261101_120000-abc123', [], ['files'])), 'wandb');
    assert.equal(detectRunFolder(listing('runs', ['a.jsonl'], ['x'])), undefined);
  });
  test('loose JSONL files are MixOpt logs only when they look like one', () => {
    assert.equal(detectRunFile('sweep.jsonl', '{"run":"a","step":1}\n'), 'mixopt-jsonl');
    assert.equal(detectRunFile('sweep.jsonl', ''), 'mixopt-jsonl');
    assert.equal(detectRunFile('eval.jsonl', '{"prompt":"hi"}\n{"prompt":"x"}\n'), undefined);
    assert.equal(detectRunFile('wandb-history.jsonl', '{"run":"a"}\n'), undefined);
    assert.equal(detectRunFile('notes.txt', '{"run":"a"}\n'), undefined);
  });
});

describe('discoverRuns', () => {
  const study = makeStudy({
    runs: {
      include: ['runs/**'],
      exclude: ['**/tmp/**'],
      csv: [{ files: ['tables/*.csv'], mixtureFile: 'mixture_*.csv', metricsFile: 'loss_*.csv', weightColumn: 'train_the_pile_{domain}', metricColumns: { 'val_loss/{domain}': 'metric/the_pile_{domain}_val_loss' }, runIdColumn: 'run_name' }],
    },
  });
  test('finds every format in the fixture workspace, honours exclude globs', () => {
    const r = discoverRuns(study, WS);
    const formats = new Map<string, number>();
    for (const run of r.runs) formats.set(run.format, (formats.get(run.format) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries([...formats].sort()), { 'csv-table': 3, 'hf-trainer': 2, 'lightning-csv': 2, mlflow: 1, 'mixopt-jsonl': 3, wandb: 2 });
    assert.ok(!r.runs.some((x) => x.id === 'should-be-excluded'));
    assert.ok(r.diagnostics.every((d) => d.severity !== 'error'), JSON.stringify(r.diagnostics));
    assert.ok(r.runs.every((x) => !x.source.startsWith('/')), 'sources are relative to the study folder');
    assert.equal(r.runs.find((x) => x.id === 'say "hi"')?.model, '60M');
  });

  test('symlink loops are not followed twice; broken links, unreadable and corrupt files become diagnostics', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mixopt-discover-'));
    const outsideDirs: string[] = [];
    try {
      cpSync(WS, dir, { recursive: true });
      symlinkSync('..', join(dir, 'runs', 'jsonl', 'loop'));
      symlinkSync(join(dir, 'runs'), join(dir, 'runs', 'hf', 'up'));
      symlinkSync(join(dir, 'missing'), join(dir, 'runs', 'dangling'));
      // W&B keeps a latest-run link to the newest run folder: the run is read once, under its real name
      symlinkSync('run-20261101_120000-abc123', join(dir, 'runs', 'wandb', 'latest-run'));
      // a link leading out of the study folder is not followed (issue 12: runs/a/root -> / walked the disk)
      const outside = mkdtempSync(join(tmpdir(), 'mixopt-outside-'));
      outsideDirs.push(outside);
      writeFileSync(join(outside, 'extra.jsonl'), '{"run":"outside","step":1,"model":"1M","mixture":{"github":1},"metrics":{"val_loss/github":2}}\n');
      symlinkSync(outside, join(dir, 'runs', 'linked'));
      writeFileSync(join(dir, 'runs', 'hf', 'run-a', 'trainer_state.json'), '{"log_history": [ {"step": 5, "eval_github_loss"');
      writeFileSync(join(dir, 'runs', 'mlruns', '1', '9f2c4e6a1b3d4f5e8a7b6c5d4e3f2a1b', 'meta.yaml'), 'status: [unclosed\n');
      mkdirSync(join(dir, 'runs', 'locked'));
      writeFileSync(join(dir, 'runs', 'locked', 'secret.jsonl'), '{"run":"s","step":1}\n');
      chmodSync(join(dir, 'runs', 'locked', 'secret.jsonl'), 0o000);
      const r = discoverRuns(study, dir);
      const ids = r.runs.map((x) => x.id);
      assert.equal(new Set(ids).size, ids.length, 'no run read twice');
      assert.equal(r.runs.filter((x) => x.format === 'hf-trainer').length, 2);
      assert.equal(r.runs.find((x) => x.id === 'runs/hf/run-a')?.status, 'running');
      assert.ok(r.diagnostics.some((d) => d.file.endsWith('meta.yaml') && d.severity === 'error' && d.line > 0));
      // root reads a mode-000 file anyway; anyone else gets a diagnostic for it
      const rootUser = process.getuid?.() === 0;
      assert.equal(r.runs.filter((x) => x.format === 'mixopt-jsonl').length, rootUser ? 4 : 3);
      assert.ok(!r.runs.some((x) => x.id === 'outside'));
      assert.ok(r.diagnostics.some((d) => d.file === 'runs/linked' && /outside the study folder; not followed/.test(d.message) && /runs\.include/.test(d.hint ?? '')));
      assert.deepEqual(r.runs.filter((x) => x.format === 'wandb').map((x) => x.id).sort(), ['runs/wandb/offline-run-20261102_080000-def456', 'runs/wandb/run-20261101_120000-abc123']);
      if (!rootUser) assert.ok(r.diagnostics.some((d) => d.file === 'runs/locked/secret.jsonl'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
      for (const o of outsideDirs) rmSync(o, { recursive: true, force: true });
    }
  });

  test('a cache reuses unchanged sources and re-reads exactly the changed ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mixopt-cache-'));
    try {
      cpSync(WS, dir, { recursive: true });
      const cache = new DiscoverCache();
      const first = discoverRuns(study, dir, { cache });
      assert.equal(cache.hits, 0);
      const second = discoverRuns(study, dir, { cache });
      assert.equal(cache.misses, 0);
      assert.equal(cache.hits, first.sources);
      assert.deepEqual(second.runs, first.runs);
      assert.deepEqual(second.diagnostics, first.diagnostics);
      // a JSONL log grows, an MLflow metric gets a new point, an HF run gets a new checkpoint folder
      appendFileSync(join(dir, 'runs/jsonl/sweep.jsonl'), '{"run":"mix-a","step":3000,"metrics":{"val_loss/github":1.7}}\n');
      appendFileSync(join(dir, 'runs/mlruns/1/9f2c4e6a1b3d4f5e8a7b6c5d4e3f2a1b/metrics/val_loss_github'), '1762002000000 1.8 4000\n');
      mkdirSync(join(dir, 'runs/hf/run-b/checkpoint-1500'));
      writeFileSync(join(dir, 'runs/hf/run-b/checkpoint-1500/trainer_state.json'), JSON.stringify({ global_step: 1500, max_steps: 4000, log_history: [{ eval_github_loss: 2.5, step: 1500 }] }));
      const third = discoverRuns(study, dir, { cache });
      assert.equal(cache.misses, 3);
      assert.equal(third.runs.find((x) => x.id === 'mix-a')?.steps, 3000);
      assert.equal(third.runs.find((x) => x.id.endsWith('9f2c4e6a1b3d4f5e8a7b6c5d4e3f2a1b'))?.steps, 4000);
      assert.equal(third.runs.find((x) => x.id === 'runs/hf/run-b')?.steps, 1500);
      // same size, new mtime: re-read; a changed study: everything re-read
      utimesSync(join(dir, 'runs/jsonl/live.jsonl'), new Date(), new Date(Date.now() + 5000));
      discoverRuns(study, dir, { cache });
      assert.equal(cache.misses, 1);
      discoverRuns({ ...study, domains: [...study.domains, 'books'] }, dir, { cache });
      assert.equal(cache.hits, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('odd globs (empty, unbalanced) never throw', () => {
    const odd = makeStudy({ runs: { include: ['', '[', 'runs/**'], exclude: ['', '{a,'], csv: [{ files: [''], mixtureFile: '', metricsFile: '[', weightColumn: '{domain}', metricColumns: {} }] } });
    const r = discoverRuns(odd, WS);
    assert.ok(r.runs.length > 0);
  });

  test('duplicate run ids across files are renamed with a warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mixopt-dup-'));
    try {
      mkdirSync(join(dir, 'runs'));
      const line = '{"run":"same","step":1,"model":"1M","mixture":{"github":1},"metrics":{"val_loss/github":2}}\n';
      writeFileSync(join(dir, 'runs', 'a.jsonl'), line);
      writeFileSync(join(dir, 'runs', 'b.jsonl'), line);
      const r = discoverRuns(study, dir);
      assert.deepEqual(r.runs.map((x) => x.id).sort(), ['same', 'same@runs/b.jsonl']);
      assert.ok(r.diagnostics.some((d) => d.severity === 'warning' && /also used by/.test(d.message)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const kind of ['absolute', 'relative'] as const) {
  test(`RegMix CSV tables outside the study folder through a ${kind} glob: 1,088 runs in 4 pairs`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'mixopt-regmix-'));
    try {
      const base = regmixStudy();
      const csv = base.runs.csv?.[0];
      assert.ok(csv);
      // the RegMix release's CSV files, committed with the tests (test/fixtures/regmix/PROVENANCE.md)
      const regmix = resolve('test', 'fixtures', 'regmix');
      const glob = kind === 'absolute' ? `${regmix}/*.csv` : `${relative(dir, regmix)}/*.csv`;
      const s = { ...base, runs: { include: [], exclude: [], csv: [{ ...csv, files: [glob] }] } };
      const r = discoverRuns(s, dir);
      assert.equal(r.runs.length, 512 + 256 + 256 + 64);
      const byModel = new Map<string, number>();
      for (const run of r.runs) byModel.set(run.model ?? '?', (byModel.get(run.model ?? '?') ?? 0) + 1);
      assert.deepEqual(Object.fromEntries([...byModel].sort()), { '1B': 64, '1M': 768, '60M': 256 });
      assert.equal(r.sources, 4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  }
});

describe('the example workspace (real RegMix runs as MixOpt JSONL)', () => {
  test('1,028 runs with mixtures at 1M / 60M / 1B; the holdout folder is excluded', () => {
    const base = regmixStudy();
    const study = { ...base, runs: { include: ['runs/**'], exclude: ['holdout/**', '**/tmp/**'] } };
    const r = discoverRuns(study, 'examples/pile-regmix');
    assert.equal(r.runs.length, 768 + 256 + 4);
    assert.ok(r.runs.every((x) => x.mixture !== undefined && x.checkpoints.length > 0));
    const byModel = new Map<string, number>();
    for (const run of r.runs) byModel.set(run.model ?? '?', (byModel.get(run.model ?? '?') ?? 0) + 1);
    assert.deepEqual(Object.fromEntries([...byModel].sort()), { '1B': 4, '1M': 768, '60M': 256 });
    assert.ok(r.diagnostics.every((d) => d.severity !== 'error'));
  });
});
