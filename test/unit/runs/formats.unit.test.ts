// The binary formats against files written by the real libraries (scripts/make-log-fixtures.py: tensorboardX,
// tensorboard's scalar_pb, wandb 0.30 offline; mlflow.db from MLflow's schema), then fuzzed: random bytes,
// truncation at every byte, flipped checksums. Nothing may throw; every problem names its file; a file cut short
// is read up to its last whole record.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverRuns } from '../../../src/runs/discover';
import { parseMlflowDb } from '../../../src/runs/mlflowDb';
import { loadSqlite, sqliteReader } from '../../../src/runs/sqlite';
import type { BinaryFile } from '../../../src/runs/tfevents';
import { parseTfEvents, scanTfRecords } from '../../../src/runs/tfevents';
import type { ParseResult, RunRecord } from '../../../src/runs/types';
import { DiagnosticSink } from '../../../src/runs/util';
import { parseWandbRun } from '../../../src/runs/wandb';
import { readWandbLog } from '../../../src/runs/wandbLog';
import { buildDataset } from '../../../src/engine/dataset';
import { makeStudy } from './study-fixture';

const DIR = 'test/fixtures/runs/formats';
const study = makeStudy({ runs: { include: ['**'], exclude: [] } });

function eventFile(run: string, sub = ''): BinaryFile {
  const dir = join(DIR, 'tb', run, sub);
  const name = readdirSync(dir).find((f) => f.startsWith('events.out.tfevents.'));
  assert.ok(name, `an event file in ${dir}`);
  return { file: join(dir, name), bytes: readFileSync(join(dir, name)) };
}

function wandbRuns(): { dir: string; log: BinaryFile }[] {
  return readdirSync(join(DIR, 'wandb'))
    .sort()
    .map((d) => {
      const name = readdirSync(join(DIR, 'wandb', d)).find((f) => /^run-.*\.wandb$/.test(f)) as string;
      return { dir: join(DIR, 'wandb', d), log: { file: join(DIR, 'wandb', d, name), bytes: readFileSync(join(DIR, 'wandb', d, name)) } };
    });
}

function lossAt(run: RunRecord | undefined, step: number, metric: string): number | undefined {
  return run?.checkpoints.find((c) => c.step === step)?.metrics[metric];
}

/** The reader's answer is well-formed and every diagnostic names a file. */
function wellFormed(r: ParseResult, file: string): void {
  for (const d of r.diagnostics) {
    assert.ok(d.file.length > 0 && d.message.length > 0);
    assert.ok(['error', 'warning', 'info'].includes(d.severity));
    assert.ok(d.file === file || d.file.startsWith(join(file, '..')), `${d.file} names the file`);
  }
  for (const run of r.runs) {
    let previous = -Infinity;
    for (const c of run.checkpoints) {
      assert.ok(c.step > previous);
      previous = c.step;
      for (const v of Object.values(c.metrics)) assert.ok(Number.isFinite(v));
    }
  }
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('TensorBoard event files (tensorboardX, tensorboard scalar_pb)', () => {
  test('simple_value scalars with their steps; the mixture, model and max_steps from the hparams plugin', () => {
    const r = parseTfEvents({ dir: 'tb/tb-a-60M', events: [eventFile('tb-a-60M'), eventFile('tb-a-60M', 'hparams')], configs: [] }, study);
    assert.deepEqual(r.diagnostics, []);
    const run = r.runs[0];
    assert.equal(run?.format, 'tensorboard');
    assert.deepEqual(run?.checkpoints.map((c) => c.step), [100, 200, 300, 400, 500]);
    // float32 on disk: (3.2 - 0.6 * 0.4) * (1 + 200 / 300)
    assert.ok(Math.abs((lossAt(run, 100, 'val_loss/pile_cc') ?? 0) - 4.9333) < 1e-4);
    assert.deepEqual({ ...run?.mixture }, { pile_cc: 0.4, github: 0.3, arxiv: 0.2, wikipedia_en: 0.1 });
    assert.equal(run?.model, '60M');
    assert.equal(run?.steps, 500);
    assert.equal(run?.status, 'completed');
  });

  test('scalar tensors (TF2 / torch new-style); the config from a YAML file beside the events', () => {
    const config = { file: join(DIR, 'tb/tb-b-1M/config.yaml'), text: readFileSync(join(DIR, 'tb/tb-b-1M/config.yaml'), 'utf8') };
    const r = parseTfEvents({ dir: 'tb/tb-b-1M', events: [eventFile('tb-b-1M')], configs: [config] }, study);
    assert.deepEqual(r.diagnostics, []);
    const run = r.runs[0];
    assert.deepEqual(run?.checkpoints.map((c) => c.step), [250, 500]);
    assert.ok(Math.abs((lossAt(run, 500, 'val_loss/github') ?? 0) - (3.2 - 0.15) * (1 + 200 / 700) / 0.8) < 1e-4);
    assert.equal(run?.model, '1M');
    assert.deepEqual({ ...run?.mixture }, { pile_cc: 0.25, github: 0.25, arxiv: 0.25, wikipedia_en: 0.25 });
  });

  test('a file cut inside its last record is read up to the record before, as running', () => {
    const f = eventFile('tb-a-60M');
    const whole = parseTfEvents({ dir: 'd', events: [f], configs: [] }, study).runs[0];
    const cut = parseTfEvents({ dir: 'd', events: [{ file: f.file, bytes: f.bytes.subarray(0, f.bytes.length - 3) }], configs: [] }, study);
    assert.equal(cut.runs[0]?.status, 'running');
    assert.ok(cut.diagnostics.some((d) => d.severity === 'info' && /still being written/.test(d.message)));
    // the last record holds the last scalar of step 500: every checkpoint before is intact
    assert.deepEqual(cut.runs[0]?.checkpoints.slice(0, 4), whole?.checkpoints.slice(0, 4));
  });

  test('fuzz: truncation at every byte, flipped bytes, random bytes: no throw, records only from intact data', () => {
    const f = eventFile('tb-a-60M');
    const fullScan = scanTfRecords(f.bytes, new DiagnosticSink(f.file));
    const full = fullScan.records.length;
    // record boundaries: 8 length + 4 CRC + data + 4 CRC each
    const boundaries = new Set([0]);
    let end = 0;
    for (const rec of fullScan.records) boundaries.add((end += 16 + rec.length));
    assert.equal(end, f.bytes.length);
    let lastCount = 0;
    for (let n = 0; n <= f.bytes.length; n++) {
      const bytes = f.bytes.subarray(0, n);
      const sink = new DiagnosticSink(f.file);
      const scan = scanTfRecords(bytes, sink);
      assert.ok(scan.records.length >= lastCount, 'a longer prefix never loses a record');
      lastCount = scan.records.length;
      assert.equal(scan.truncated, !boundaries.has(n), `prefix of ${n} bytes`);
      assert.deepEqual(sink.list, [], 'a clean cut is not an error');
      wellFormed(parseTfEvents({ dir: 'd', events: [{ file: f.file, bytes }], configs: [] }, study), f.file);
    }
    assert.equal(lastCount, full);
    const r = rng(11);
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from(f.bytes);
      const at = Math.floor(r() * bytes.length);
      bytes[at] = (bytes[at] as number) ^ (1 + Math.floor(r() * 255));
      const result = parseTfEvents({ dir: 'd', events: [{ file: f.file, bytes }], configs: [] }, study);
      wellFormed(result, f.file);
      // a flipped byte breaks one checksum: it is reported, never read as data
      assert.ok(result.diagnostics.some((d) => d.severity !== 'info'), `flip at ${at} is reported`);
    }
    for (let i = 0; i < 200; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(r() * 400) }, () => Math.floor(r() * 256));
      wellFormed(parseTfEvents({ dir: 'd', events: [{ file: 'x/events.out.tfevents.1', bytes }], configs: [] }, study), 'x/events.out.tfevents.1');
    }
  });
});

describe('W&B offline runs (wandb 0.30, WANDB_MODE=offline)', () => {
  test('config, history with _step and the run name from run-<id>.wandb alone', () => {
    const byName = new Map<string, RunRecord>();
    for (const { dir, log } of wandbRuns()) {
      const r = parseWandbRun({ dir, log }, study);
      assert.deepEqual(r.diagnostics.filter((d) => d.severity !== 'info'), []);
      const run = r.runs[0] as RunRecord;
      byName.set(run.id, run);
    }
    assert.deepEqual([...byName.keys()].sort(), ['wb-a-60M', 'wb-b-1M', 'wb-long-1B', 'wb-odd-key']);
    const a = byName.get('wb-a-60M');
    assert.equal(a?.model, '60M');
    assert.equal(a?.status, 'completed');
    assert.deepEqual(a?.checkpoints.map((c) => c.step), [100, 200, 300, 400, 500]);
    assert.equal(lossAt(a, 500, 'val_loss/arxiv'), Number(((3.2 - 0.6 * 0.2) * (1 + 200 / 700)).toFixed(4)));
    assert.ok(Math.abs((a?.mixture?.['github'] ?? 0) - 0.3) < 1e-9);
    const long = byName.get('wb-long-1B');
    assert.equal(long?.checkpoints.length, 500, 'records split across 32 KiB blocks are joined');
    assert.equal(long?.steps, 5000);
    // the mixture under an unusual key is not guessed, but the key that would find it is named
    const odd = byName.get('wb-odd-key');
    assert.equal(odd?.mixture, undefined);
    assert.equal(odd?.mixtureSearch?.suggestedKey, 'recipe.blend');
  });

  test('the dataset reports the unusable run with where it looked and the mixture_key to set', () => {
    const runs = wandbRuns().map(({ dir, log }) => parseWandbRun({ dir, log }, study).runs[0] as RunRecord);
    const ds = buildDataset(study, runs, () => 1);
    assert.equal(ds.unused.length, 1);
    assert.equal(ds.unused[0]?.reason, 'no-mixture');
    const d = ds.diagnostics.find((x) => /wb-odd-key/.test(x.message));
    assert.ok(d && /no mixture found/.test(d.message) && /run-.*\.wandb/.test(d.message), d?.message);
    assert.match(d.hint ?? '', /config\.mixture_key: recipe\.blend/);
    // with that key the run is used
    const fixed = makeStudy({ ...study, config: { ...study.config!, mixtureKey: 'recipe.blend' } });
    const again = wandbRuns().map(({ dir, log }) => parseWandbRun({ dir, log }, fixed).runs[0] as RunRecord);
    assert.equal(buildDataset(fixed, again, () => 1).unused.length, 0);
  });

  test('fuzz: truncation at every byte of a run file, flipped bytes, random bytes', () => {
    const { dir, log } = wandbRuns().find((w) => w.log.bytes.length < 10_000) as { dir: string; log: BinaryFile };
    let last = -1;
    for (let n = 0; n <= log.bytes.length; n++) {
      const sink = new DiagnosticSink(log.file);
      const read = readWandbLog(log.bytes.subarray(0, n), sink);
      if (n >= 7) assert.ok(read, `a prefix of ${n} bytes still has the header`);
      if (read) {
        assert.ok(read.records >= last, 'a longer prefix never loses a record');
        last = read.records;
      }
      if (n % 7 === 0 || n === log.bytes.length) wellFormed(parseWandbRun({ dir, log: { file: log.file, bytes: log.bytes.subarray(0, n) } }, study), log.file);
    }
    const whole = parseWandbRun({ dir, log }, study).runs[0];
    const cut = parseWandbRun({ dir, log: { file: log.file, bytes: log.bytes.subarray(0, log.bytes.length - 40) } }, study);
    assert.equal(cut.runs[0]?.status, 'running', 'no exit record yet: still running');
    assert.ok((cut.runs[0]?.checkpoints.length ?? 0) > 0 && (cut.runs[0]?.checkpoints.length ?? 0) <= (whole?.checkpoints.length ?? 0));
    const r = rng(5);
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from(log.bytes);
      const at = 7 + Math.floor(r() * (bytes.length - 7));
      bytes[at] = (bytes[at] as number) ^ (1 + Math.floor(r() * 255));
      const result = parseWandbRun({ dir, log: { file: log.file, bytes } }, study);
      wellFormed(result, log.file);
    }
    for (let i = 0; i < 200; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256));
      const result = parseWandbRun({ dir, log: { file: 'w/run-x.wandb', bytes } }, study);
      wellFormed(result, 'w/run-x.wandb');
      if (bytes.length >= 7) assert.ok(result.diagnostics.some((d) => d.file === 'w/run-x.wandb' && d.severity === 'error'));
    }
  });
});

describe('MLflow SQLite store (mlflow.db)', () => {
  before(async () => {
    await loadSqlite();
  });
  const db = (): BinaryFile => ({ file: 'mlflow/mlflow.db', bytes: readFileSync(join(DIR, 'mlflow/mlflow.db')) });

  test('runs by name with params (flattened mixture), metrics by step and status; deleted runs left out with a note', () => {
    const sql = sqliteReader();
    assert.ok('sql' in sql);
    const r = parseMlflowDb(db(), study, sql.sql);
    assert.deepEqual(r.runs.map((x) => [x.id, x.model, x.steps, x.status]), [['ml-a-60M', '60M', 500, 'completed'], ['ml-b-1M', '1M', 300, 'running']]);
    const mix = r.runs[0]?.mixture ?? {};
    for (const [d, w] of Object.entries({ pile_cc: 0.4, github: 0.3, arxiv: 0.2, wikipedia_en: 0.1 })) assert.ok(Math.abs((mix[d] ?? -1) - w) < 1e-12, d);
    assert.equal(lossAt(r.runs[0], 500, 'val_loss/github'), Number(((3.2 - 0.18) * (1 + 200 / 700)).toFixed(4)));
    assert.deepEqual(r.diagnostics.map((d) => d.severity), ['info']);
    assert.match(r.diagnostics[0]?.message ?? '', /1 run is deleted/);
  });

  test('fuzz: a truncated or damaged database is a diagnostic naming the file, never a throw', () => {
    const sql = sqliteReader();
    assert.ok('sql' in sql);
    const { bytes } = db();
    for (const n of [0, 1, 15, 16, 100, 1024, 4096, 8192, bytes.length - 1]) {
      const r = parseMlflowDb({ file: 'mlflow/mlflow.db', bytes: bytes.subarray(0, n) }, study, sql.sql);
      wellFormed(r, 'mlflow/mlflow.db');
    }
    const r = rng(3);
    for (let i = 0; i < 60; i++) {
      const b = Uint8Array.from(bytes);
      for (let k = 0; k < 20; k++) {
        const at = Math.floor(r() * b.length);
        b[at] = Math.floor(r() * 256);
      }
      wellFormed(parseMlflowDb({ file: 'mlflow/mlflow.db', bytes: b }, study, sql.sql), 'mlflow/mlflow.db');
    }
    const notMlflow = parseMlflowDb({ file: 'x.db', bytes: new Uint8Array(0) }, study, sql.sql);
    assert.ok(notMlflow.diagnostics.some((d) => d.file === 'x.db'));
  });
});

describe('discovery of every binary format in one workspace', () => {
  before(async () => {
    await loadSqlite();
  });
  test('tfevents runs, offline W&B runs and mlflow.db are found and read; the unusable ones are said so', () => {
    const r = discoverRuns(study, DIR);
    const byFormat = new Map<string, string[]>();
    for (const run of r.runs) byFormat.set(run.format, [...(byFormat.get(run.format) ?? []), run.id]);
    assert.deepEqual(Object.fromEntries([...byFormat].map(([k, v]) => [k, v.sort()]).sort()), {
      mlflow: ['ml-a-60M', 'ml-b-1M'],
      tensorboard: ['tb/tb-a-60M', 'tb/tb-b-1M', 'tb/tb-nomix'],
      wandb: ['wb-a-60M', 'wb-b-1M', 'wb-long-1B', 'wb-odd-key'],
    });
    assert.ok(r.diagnostics.every((d) => d.severity !== 'error'), JSON.stringify(r.diagnostics));
    const ds = buildDataset(study, r.runs, () => 1);
    assert.deepEqual(ds.unused.map((u) => [u.runId, u.reason]).sort(), [['tb/tb-nomix', 'no-mixture'], ['wb-odd-key', 'no-mixture']]);
    const tb = ds.diagnostics.find((d) => d.file === 'tb/tb-nomix');
    assert.match(tb?.hint ?? '', /add_hparams/);
  });
});

describe('unused runs are reported once', () => {
  test('a run naming an unknown trial is listed as unused without a second diagnostic (reconcile reports it)', () => {
    const run: RunRecord = { id: 'live', format: 'mixopt-jsonl', source: 'runs/live.jsonl', trialId: 't-1', checkpoints: [{ step: 1, metrics: { 'val_loss/github': 2 } }], status: 'running' };
    const ds = buildDataset(study, [run], () => 1);
    assert.deepEqual(ds.unused.map((u) => [u.runId, u.reason]), [['live', 'no-mixture']]);
    assert.match(ds.unused[0]?.message ?? '', /names trial t-1/);
    assert.deepEqual(ds.diagnostics, []);
  });
});
