// Every parser against hostile input: random bytes, truncation at every byte of a valid fixture, wrong types,
// NaN / Infinity / huge numbers, missing keys, BOM + CRLF, deep nesting, YAML alias bombs. Nothing may throw;
// every problem is a well-formed diagnostic; what is read is well-formed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseCsvTable, tokenizeCsv } from '../../../src/runs/csv';
import { parseHfTrainer } from '../../../src/runs/hf';
import { parseMixoptJsonl } from '../../../src/runs/jsonl';
import { parseLightningCsv } from '../../../src/runs/lightning';
import { parseMlflowRun } from '../../../src/runs/mlflow';
import type { ParseResult } from '../../../src/runs/types';
import { DiagnosticSink, parseYamlSafe } from '../../../src/runs/util';
import { parseWandbRun } from '../../../src/runs/wandb';
import { parseLedger } from '../../../src/ledger/ledger';
import type { Diagnostic } from '../../../src/study/diagnostics';
import { makeStudy } from './study-fixture';

const WS = 'test/fixtures/runs/ws/runs';
const read = (p: string): string => readFileSync(p, 'utf8');
const study = makeStudy();

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

function randomText(r: () => number, length: number): string {
  const alphabet = '{}[]",:0123456789.eE-+ \n\r\t\\abcdefghijklmnopqrstuvwxyz_/&*!|>#\u00e9\ufeff\u0000';
  let out = '';
  for (let i = 0; i < length; i++) out += r() < 0.1 ? String.fromCharCode(Math.floor(r() * 0xffff)) : alphabet[Math.floor(r() * alphabet.length)];
  return out;
}

function checkDiagnostic(d: Diagnostic): void {
  assert.ok(['error', 'warning', 'info'].includes(d.severity));
  assert.equal(typeof d.file, 'string');
  assert.ok(d.file.length > 0);
  assert.ok(Number.isInteger(d.line) && d.line >= 0, `line ${d.line}`);
  assert.ok(typeof d.message === 'string' && d.message.length > 0);
}

function checkResult(r: ParseResult): void {
  // assert.equal, not assert.ok(Array.isArray(…)): the type guard would narrow the arrays to any[]
  assert.equal(Array.isArray(r.runs) && Array.isArray(r.diagnostics), true);
  for (const d of r.diagnostics) checkDiagnostic(d);
  for (const run of r.runs) {
    assert.equal(typeof run.id, 'string');
    if (run.mixture) {
      const values: number[] = Object.values(run.mixture);
      assert.ok(values.every((w) => Number.isFinite(w) && w >= 0));
      assert.ok(Math.abs(values.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    }
    let previous = -Infinity;
    for (const c of run.checkpoints) {
      assert.ok(Number.isFinite(c.step) && c.step >= 0 && c.step > previous);
      previous = c.step;
      for (const v of Object.values(c.metrics)) assert.ok(Number.isFinite(v));
    }
    assert.ok(['running', 'completed', 'failed'].includes(run.status));
  }
}

/** Replaces one random node of a JSON value with a hostile one. */
function mutateJson(value: unknown, r: () => number): unknown {
  const hostile: unknown[] = [null, 'NaN', 'Infinity', 1e308, -1, -1e308, [], {}, true, '', 'x'.repeat(1000), [[[[]]]], { step: 'a' }];
  const pick = () => hostile[Math.floor(r() * hostile.length)];
  if (r() < 0.15 || value === null || typeof value !== 'object') return pick();
  if (Array.isArray(value)) {
    const copy: unknown[] = [...(value as unknown[])];
    if (copy.length > 0) {
      const i = Math.floor(r() * copy.length);
      copy[i] = mutateJson(copy[i], r);
    }
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  if (keys.length > 0) {
    const k = keys[Math.floor(r() * keys.length)] as string;
    if (r() < 0.2) delete copy[k];
    else copy[k] = mutateJson(copy[k], r);
  }
  return copy;
}

interface Target {
  readonly name: string;
  readonly valid: string;
  readonly parse: (text: string) => ParseResult;
  readonly json?: boolean;
}

const hfDir = `${WS}/hf/run-a`;
const lightningDir = `${WS}/lightning/mix/version_0`;
const wandbDir = `${WS}/wandb/run-20261101_120000-abc123/files`;
const mlflowDir = `${WS}/mlruns/1/9f2c4e6a1b3d4f5e8a7b6c5d4e3f2a1b`;
const csvMapping = { join: 'index', weightColumn: 'train_the_pile_{domain}', metricColumns: { 'val_loss/{domain}': 'metric/the_pile_{domain}_val_loss' }, model: '60M' };
const lossCsv = read('test/fixtures/runs/ws/tables/loss_60m.csv');
const mixCsv = read('test/fixtures/runs/ws/tables/mixture_60m.csv');

const targets: Target[] = [
  { name: 'MixOpt JSONL', valid: read(`${WS}/jsonl/sweep.jsonl`), parse: (t) => parseMixoptJsonl(t, 'f.jsonl', study) },
  {
    name: 'HF trainer_state.json',
    valid: read(`${hfDir}/trainer_state.json`),
    json: true,
    parse: (t) => parseHfTrainer({ dir: 'd', trainerState: { file: 'trainer_state.json', text: t }, allResults: { file: 'all_results.json', text: read(`${hfDir}/all_results.json`) }, configs: [] }, study),
  },
  {
    name: 'HF run config (YAML)',
    valid: read(`${hfDir}/run_config.yaml`),
    parse: (t) => parseHfTrainer({ dir: 'd', trainerState: { file: 'trainer_state.json', text: read(`${hfDir}/trainer_state.json`) }, configs: [{ file: 'c.yaml', text: t }] }, study),
  },
  { name: 'HF all_results.json', valid: read(`${hfDir}/all_results.json`), json: true, parse: (t) => parseHfTrainer({ dir: 'd', allResults: { file: 'all_results.json', text: t }, configs: [] }, study) },
  { name: 'Lightning metrics.csv', valid: read(`${lightningDir}/metrics.csv`), parse: (t) => parseLightningCsv({ dir: 'd', metricsCsv: { file: 'metrics.csv', text: t } }, study) },
  {
    name: 'Lightning hparams.yaml',
    valid: read(`${lightningDir}/hparams.yaml`),
    parse: (t) => parseLightningCsv({ dir: 'd', metricsCsv: { file: 'metrics.csv', text: read(`${lightningDir}/metrics.csv`) }, hparams: { file: 'hparams.yaml', text: t } }, study),
  },
  { name: 'W&B config.yaml', valid: read(`${wandbDir}/config.yaml`), parse: (t) => parseWandbRun({ dir: 'd', config: { file: 'config.yaml', text: t } }, study) },
  { name: 'W&B wandb-summary.json', valid: read(`${wandbDir}/wandb-summary.json`), json: true, parse: (t) => parseWandbRun({ dir: 'd', summary: { file: 's.json', text: t } }, study) },
  { name: 'W&B wandb-history.jsonl', valid: read(`${wandbDir}/wandb-history.jsonl`), parse: (t) => parseWandbRun({ dir: 'd', history: { file: 'h.jsonl', text: t } }, study) },
  { name: 'MLflow meta.yaml', valid: read(`${mlflowDir}/meta.yaml`), parse: (t) => parseMlflowRun({ dir: 'd', meta: { file: 'meta.yaml', text: t }, params: [], metrics: [], tags: [] }, study) },
  {
    name: 'MLflow metric file',
    valid: read(`${mlflowDir}/metrics/val_loss_github`),
    parse: (t) => parseMlflowRun({ dir: 'd', meta: { file: 'meta.yaml', text: 'status: 3\n' }, params: [], metrics: [{ key: 'val_loss/github', file: 'm', text: t }], tags: [] }, study),
  },
  {
    name: 'MLflow param',
    valid: "{'pile_cc': 0.5, 'github': 0.5}",
    parse: (t) => parseMlflowRun({ dir: 'd', meta: { file: 'meta.yaml', text: 'status: 3\n' }, params: [{ key: 'data.mixture', file: 'p', text: t }], metrics: [], tags: [] }, study),
  },
  { name: 'CSV mixture table', valid: mixCsv, parse: (t) => parseCsvTable({ file: 'm.csv', text: t }, { file: 'l.csv', text: lossCsv }, csvMapping, study) },
  { name: 'CSV metrics table', valid: lossCsv, parse: (t) => parseCsvTable({ file: 'm.csv', text: mixCsv }, { file: 'l.csv', text: t }, csvMapping, study) },
];

describe('fuzz: every run parser', () => {
  for (const target of targets) {
    test(`${target.name}: valid, truncated at every byte, random bytes, mutations, BOM + CRLF`, () => {
      const baseline = target.parse(target.valid);
      checkResult(baseline);
      assert.ok(baseline.runs.length > 0, 'the valid fixture yields a run');
      for (let cut = 0; cut < target.valid.length; cut++) checkResult(target.parse(target.valid.slice(0, cut)));
      const r = rng(target.name.length * 7919);
      for (let i = 0; i < 150; i++) checkResult(target.parse(randomText(r, Math.floor(r() * 400))));
      for (let i = 0; i < 150; i++) {
        const chars = [...target.valid];
        for (let k = 0; k < 3; k++) chars[Math.floor(r() * chars.length)] = randomText(r, 1);
        checkResult(target.parse(chars.join('')));
      }
      if (target.json) {
        const value = JSON.parse(target.valid) as unknown;
        for (let i = 0; i < 200; i++) checkResult(target.parse(JSON.stringify(mutateJson(value, r))));
      }
      const crlf = `\uFEFF${target.valid.replace(/\r?\n/g, '\r\n')}`;
      const again = target.parse(crlf);
      checkResult(again);
      assert.deepEqual(
        again.runs.map((x) => [x.mixture, x.checkpoints.length, x.status]),
        baseline.runs.map((x) => [x.mixture, x.checkpoints.length, x.status]),
        'BOM + CRLF read the same',
      );
    });
  }

  test('JSONL lines with wrong types, NaN / Infinity / huge numbers and missing keys', () => {
    const r = rng(99);
    const lines = read(`${WS}/jsonl/sweep.jsonl`).trim().split('\n').map((l) => JSON.parse(l) as unknown);
    for (let i = 0; i < 300; i++) {
      const text = lines.map((l) => JSON.stringify(r() < 0.5 ? mutateJson(l, r) : l)).join('\n') + '\n';
      checkResult(parseMixoptJsonl(text, 'f.jsonl', study));
    }
    const weird = '{"run":"a","step":NaN}\n{"run":"a","step":1e999,"metrics":{"x":1}}\n{"run":{"a":1}}\n{"run":"b","step":-5,"metrics":{"val_loss/github":1}}\n[1,2]\n"str"\nnull\n';
    const out = parseMixoptJsonl(weird, 'f.jsonl', study);
    checkResult(out);
    assert.ok(out.diagnostics.length >= 5);
  });

  test('run configs with wrong types anywhere (JSON written as YAML) and ledger events with wrong types', () => {
    const r = rng(2024);
    const config = {
      mixopt_trial: 't-1',
      model: { name: '60M', params: 6e7 },
      data: { mixture: [{ name: 'github', weight: 0.5 }, { name: 'arxiv', weight: 0.5 }], data_path: [0.5, '/d/github', 0.5, '/d/arxiv'] },
      trainer: { max_steps: 1000 },
    };
    const state = read(`${hfDir}/trainer_state.json`);
    for (let i = 0; i < 300; i++) {
      const text = JSON.stringify(mutateJson(config, r));
      checkResult(parseHfTrainer({ dir: 'd', trainerState: { file: 't.json', text: state }, configs: [{ file: 'c.yaml', text }] }, study));
      checkResult(parseWandbRun({ dir: 'd', config: { file: 'config.yaml', text: JSON.stringify({ data: { value: mutateJson(config.data, r) } }) } }, study));
    }
    const event = { v: 1, event: 'accepted', trial: 't', mixture: { github: 1 }, model: '1M', steps: 10, time: '2026-11-01T00:00:00Z', actor: 'a', predicted: { mean: 1, lower: 0, upper: 2 } };
    for (let i = 0; i < 300; i++) {
      const parsed = parseLedger(`${JSON.stringify(mutateJson(event, r))}\n`);
      for (const d of parsed.diagnostics) checkDiagnostic(d);
      for (const e of parsed.events) {
        assert.equal(typeof e.trial, 'string');
        if (e.mixture) assert.ok(Object.values(e.mixture).every((w) => Number.isFinite(w) && w >= 0));
      }
    }
  });

  test('a truncated JSONL file only ever reports its torn last line', () => {
    const valid = read(`${WS}/jsonl/sweep.jsonl`);
    for (let cut = 1; cut < valid.length; cut++) {
      const r = parseMixoptJsonl(valid.slice(0, cut), 'f.jsonl', study);
      assert.ok(r.diagnostics.every((d) => d.severity === 'info'), `cut ${cut}: ${JSON.stringify(r.diagnostics)}`);
    }
  });

  test('YAML alias bomb and deep nesting are refused as diagnostics, quickly', () => {
    const bomb = read('test/fixtures/runs/broken/alias-bomb.yaml');
    const t0 = performance.now();
    const sink = new DiagnosticSink('bomb.yaml');
    assert.deepEqual(parseYamlSafe(bomb, sink, 'bomb.yaml'), { ok: false });
    assert.ok(sink.list.length > 0);
    const wandb = parseWandbRun({ dir: 'd', config: { file: 'config.yaml', text: bomb } }, study);
    checkResult(wandb);
    assert.ok(wandb.diagnostics.some((d) => d.severity === 'error'));
    const deepFlow = `a: ${'['.repeat(20000)}${']'.repeat(20000)}\n`;
    checkResult(parseLightningCsv({ dir: 'd', hparams: { file: 'h.yaml', text: deepFlow } }, study));
    const deepBlock = Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    checkResult(parseLightningCsv({ dir: 'd', hparams: { file: 'h.yaml', text: deepBlock } }, study));
    const deepJson = `{"log_history": ${'['.repeat(50000)}${']'.repeat(50000)}, "global_step": 3}`;
    checkResult(parseHfTrainer({ dir: 'd', trainerState: { file: 't.json', text: deepJson }, configs: [] }, study));
    const deepObject = `${'{"a":'.repeat(50000)}1${'}'.repeat(50000)}`;
    checkResult(parseWandbRun({ dir: 'd', summary: { file: 's.json', text: deepObject }, config: { file: 'c.yaml', text: `x: ${deepObject}` } }, study));
    assert.ok(performance.now() - t0 < 10_000);
  });

  test('CSV tokenizer on random bytes never throws and accounts for every line', () => {
    const r = rng(5);
    for (let i = 0; i < 300; i++) {
      const text = randomText(r, Math.floor(r() * 300));
      const sink = new DiagnosticSink('f.csv');
      const t = tokenizeCsv(text, sink);
      for (const row of t.rows) assert.ok(row.line >= 1);
      for (const d of sink.list) checkDiagnostic(d);
    }
  });

  test('ledger: truncation at every byte keeps every whole line; random bytes never throw', () => {
    const events = [
      { v: 1, event: 'accepted', trial: 't-1', mixture: { github: 1 }, model: '1M', steps: 10, time: '2026-11-01T00:00:00.000Z', actor: 'w1', key: 's1' },
      { v: 1, event: 'launched', trial: 't-1', time: '2026-11-01T00:01:00.000Z', actor: 'w1' },
      { v: 1, event: 'completed', trial: 't-1', time: '2026-11-01T00:02:00.000Z', actor: 'w1', run: 'r' },
    ];
    const lines = events.map((e) => `${JSON.stringify(e)}\n`);
    const text = lines.join('');
    let offset = 0;
    const ends = lines.map((l) => (offset += l.length));
    for (let cut = 0; cut <= text.length; cut++) {
      const parsed = parseLedger(text.slice(0, cut));
      const whole = ends.filter((e) => e <= cut).length;
      // a cut just before a newline leaves a complete JSON line without its newline: it is read, not lost
      const complete = ends.filter((e) => e - 1 <= cut).length;
      assert.ok(parsed.events.length === whole || parsed.events.length === complete, `cut ${cut}`);
      assert.ok(parsed.diagnostics.every((d) => d.severity === 'info'));
    }
    const r = rng(11);
    for (let i = 0; i < 300; i++) {
      const parsed = parseLedger(randomText(r, Math.floor(r() * 300)));
      for (const d of parsed.diagnostics) checkDiagnostic(d);
    }
  });
});
