import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHfTrainer } from '../../../src/runs/hf';
import { parseMixoptJsonl } from '../../../src/runs/jsonl';
import { parseLightningCsv } from '../../../src/runs/lightning';
import { parseMlflowRun } from '../../../src/runs/mlflow';
import type { RunRecord } from '../../../src/runs/types';
import { parseWandbRun, unwrapWandbConfig } from '../../../src/runs/wandb';
import { makeStudy } from './study-fixture';

const WS = 'test/fixtures/runs/ws/runs';
const BROKEN = 'test/fixtures/runs/broken';
const read = (p: string): string => readFileSync(p, 'utf8');
const file = (p: string): { file: string; text: string } => ({ file: p, text: read(p) });
const study = makeStudy();

function metricAt(run: RunRecord | undefined, step: number, name: string): number | undefined {
  return run?.checkpoints.find((c) => c.step === step)?.metrics[name];
}

describe('MixOpt JSONL', () => {
  test('learning curves of several runs in one file', () => {
    const r = parseMixoptJsonl(read(`${WS}/jsonl/sweep.jsonl`), 'sweep.jsonl', study);
    assert.equal(r.diagnostics.length, 0);
    assert.equal(r.runs.length, 2);
    const a = r.runs.find((x) => x.id === 'mix-a');
    assert.deepEqual(a?.checkpoints.map((c) => c.step), [1000, 2000]);
    assert.equal(metricAt(a, 2000, 'val_loss/github'), 1.9);
    assert.equal(a?.model, '60M');
    assert.equal(a?.gpuHours, 2.5);
    assert.equal(a?.status, 'completed');
    assert.equal(r.runs.find((x) => x.id === 'mix-b')?.status, 'failed');
    assert.equal(r.runs.find((x) => x.id === 'mix-b')?.model, '1M');
  });
  test('a torn last line: read up to the last whole line, run marked running, info diagnostic', () => {
    const r = parseMixoptJsonl(read(`${WS}/jsonl/live.jsonl`), 'live.jsonl', study);
    assert.equal(r.runs.length, 1);
    assert.equal(r.runs[0]?.status, 'running');
    assert.equal(r.runs[0]?.steps, 200);
    assert.equal(r.runs[0]?.trialId, 't-20261101-120000-abc123');
    assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.line]), [['info', 3]]);
  });
  test('broken lines and bad mixtures become diagnostics; the rest is read', () => {
    const r = parseMixoptJsonl(read(`${BROKEN}/mixtures.jsonl`), 'mixtures.jsonl', study);
    const byId = new Map(r.runs.map((x) => [x.id, x]));
    assert.ok(byId.get('ok-after-normalise')?.mixture, 'sum 1.01 is normalised');
    assert.equal(byId.get('sum-too-far')?.mixture, undefined);
    assert.equal(byId.get('negative')?.mixture, undefined);
    assert.ok(byId.get('unknown-domain')?.mixture);
    assert.ok(r.diagnostics.some((d) => d.line === 1 && d.severity === 'warning' && /normalised/.test(d.message)));
    assert.ok(r.diagnostics.some((d) => d.line === 2 && d.severity === 'error' && /5%/.test(d.message)));
    assert.ok(r.diagnostics.some((d) => d.line === 3 && d.severity === 'error'));
    assert.ok(r.diagnostics.some((d) => d.line === 4 && d.severity === 'warning' && /youtube/.test(d.message) && !/books3/.test(d.message)));
    assert.ok(r.diagnostics.some((d) => d.line === 4 && d.severity === 'info' && /books3/.test(d.message)));
    assert.ok(r.diagnostics.some((d) => d.line === 5 && /not a JSON object/.test(d.message)));
    assert.ok(r.diagnostics.some((d) => d.line === 6 && d.key === 'step'));
    assert.equal(metricAt(byId.get('huge'), 1e308, 'val_loss/github'), undefined, '1e400 parses to Infinity and is left out');
    for (const d of r.diagnostics) assert.equal(d.file, 'mixtures.jsonl');
  });
});

describe('Hugging Face Trainer', () => {
  const dir = `${WS}/hf/run-a`;
  test('eval rows of log_history become checkpoints under the study names; flops, steps, config mixture', () => {
    const r = parseHfTrainer(
      { dir, trainerState: file(`${dir}/trainer_state.json`), allResults: file(`${dir}/all_results.json`), configs: [file(`${dir}/run_config.yaml`)] },
      study,
    );
    assert.deepEqual(r.diagnostics, []);
    const run = r.runs[0];
    assert.equal(run?.format, 'hf-trainer');
    assert.deepEqual(run?.checkpoints.map((c) => c.step), [500, 1000]);
    assert.equal(metricAt(run, 500, 'val_loss/github'), 2.61);
    assert.equal(metricAt(run, 1000, 'val_loss/pile_cc'), 3.8);
    assert.equal(metricAt(run, 1000, 'eval_runtime'), undefined, 'runtime is bookkeeping');
    assert.equal(run?.flops, 3.6e17);
    assert.equal(run?.steps, 1000);
    assert.equal(run?.status, 'completed');
    assert.equal(run?.model, '60M');
    assert.equal(run?.trialId, 't-20261101-100000-hfa001');
    assert.ok(Math.abs((run?.mixture?.['github'] ?? 0) - 0.3) < 1e-9);
  });
  test('global_step < max_steps without all_results: running', () => {
    const state = JSON.parse(read(`${dir}/trainer_state.json`)) as Record<string, unknown>;
    state['max_steps'] = 5000;
    const r = parseHfTrainer({ dir, trainerState: { file: 't.json', text: JSON.stringify(state) }, configs: [] }, study);
    assert.equal(r.runs[0]?.status, 'running');
  });
  test('a bad mixture in the run config is reported in that file, at the line of the mixture key', () => {
    const config = { file: 'runs/x/train.yaml', text: 'model:\n  name: 1M\n# weights\ndata:\n  mixture:\n    github: 0.9\n    arxiv: 0.3\n' };
    const r = parseHfTrainer({ dir, trainerState: file(`${dir}/trainer_state.json`), configs: [config] }, study);
    assert.equal(r.runs[0]?.mixture, undefined);
    const error = r.diagnostics.find((d) => d.severity === 'error');
    assert.equal(error?.file, 'runs/x/train.yaml');
    assert.equal(error?.line, 6);
    assert.equal(error?.key, 'data.mixture');
  });
  test('state read from the latest checkpoint-N: running below max_steps, completed at it', () => {
    const state = (step: number) => ({ file: 'checkpoint/trainer_state.json', text: JSON.stringify({ global_step: step, max_steps: 4000, log_history: [{ eval_github_loss: 2, step }] }) });
    assert.equal(parseHfTrainer({ dir, trainerState: state(1000), configs: [], fromCheckpoint: true }, study).runs[0]?.status, 'running');
    assert.equal(parseHfTrainer({ dir, trainerState: state(4000), configs: [], fromCheckpoint: true }, study).runs[0]?.status, 'completed');
  });
  test('a torn trainer_state.json: info, run kept as running', () => {
    const r = parseHfTrainer({ dir, trainerState: file(`${BROKEN}/trainer_state_torn.json`), configs: [] }, study);
    assert.equal(r.runs[0]?.status, 'running');
    assert.ok(r.diagnostics.some((d) => d.severity === 'info'));
  });
});

describe('Lightning CSVLogger', () => {
  test('sparse rows merge per step; flat Megatron data_path gives the mixture', () => {
    const d = `${WS}/lightning/mix/version_0`;
    const r = parseLightningCsv({ dir: d, metricsCsv: file(`${d}/metrics.csv`), hparams: file(`${d}/hparams.yaml`) }, study);
    assert.deepEqual(r.diagnostics, []);
    const run = r.runs[0];
    // CSVLogger's 0-based step 99 is the 100th optimizer step
    assert.equal(metricAt(run, 100, 'train_loss'), 4.5);
    assert.equal(metricAt(run, 100, 'val_loss/github'), 2.9);
    assert.equal(metricAt(run, 150, 'val_loss/github'), undefined);
    assert.equal(metricAt(run, 99, 'val_loss/github'), undefined);
    assert.deepEqual(run?.mixture, { pile_cc: 0.5, github: 0.25, arxiv: 0.15, wikipedia_en: 0.1 });
    assert.equal(run?.model, '1M');
    assert.equal(run?.status, 'completed');
  });
  test('CRLF and an unterminated last row: read up to the row before, running', () => {
    const d = `${WS}/lightning/mix/version_1`;
    const r = parseLightningCsv({ dir: d, metricsCsv: file(`${d}/metrics.csv`), hparams: file(`${d}/hparams.yaml`) }, study);
    const run = r.runs[0];
    assert.equal(run?.status, 'running');
    assert.equal(run?.steps, 100);
    assert.equal(metricAt(run, 100, 'val_loss/arxiv'), 3.7);
    assert.deepEqual(run?.mixture, { pile_cc: 0.4, github: 0.4, arxiv: 0.2, wikipedia_en: 0 });
    assert.deepEqual(r.diagnostics.map((x) => x.severity), ['info']);
  });
  test('0-based steps: max_steps 500 ending at step 499 is a finished run of 500 steps', () => {
    const rows = ['epoch,step,val_loss/github', ...[99, 199, 299, 399, 499].map((s) => `0,${s},2.5`)].join('\n') + '\n';
    const hparams = { file: 'hparams.yaml', text: 'model_name: 60M\nmax_steps: 500\nmixture: {github: 1.0}\n' };
    const done = parseLightningCsv({ dir: 'd', metricsCsv: { file: 'metrics.csv', text: rows }, hparams }, study).runs[0];
    assert.equal(done?.steps, 500);
    assert.equal(done?.status, 'completed');
    assert.deepEqual(done?.checkpoints.map((c) => c.step), [100, 200, 300, 400, 500]);
    const partial = parseLightningCsv({ dir: 'd', metricsCsv: { file: 'metrics.csv', text: rows.split('\n').slice(0, 4).join('\n') + '\n' }, hparams }, study).runs[0];
    assert.equal(partial?.steps, 300);
    assert.equal(partial?.status, 'running');
  });
  test('hparams.yaml with Python tags (argparse Namespace, tuple) is still read', () => {
    const hparams = {
      file: 'hparams.yaml',
      text: 'args: !!python/object:argparse.Namespace\n  model_name: 60M\n  mixture: {github: 0.5, arxiv: 0.5}\nshape: !!python/tuple\n- 1\n- 2\n',
    };
    const r = parseLightningCsv({ dir: 'd', metricsCsv: { file: 'metrics.csv', text: 'epoch,step,val_loss/github\n0,9,2.5\n' }, hparams }, study);
    assert.deepEqual(r.diagnostics, []);
    assert.deepEqual(r.runs[0]?.mixture, { pile_cc: 0, github: 0.5, arxiv: 0.5, wikipedia_en: 0 });
    assert.equal(r.runs[0]?.model, '60M');
  });
  test('rows with the wrong number of fields or a bad step are reported with their line', () => {
    const r = parseLightningCsv({ dir: 'x', metricsCsv: file(`${BROKEN}/metrics_bad.csv`) }, study);
    assert.deepEqual(r.runs[0]?.checkpoints.map((c) => c.step), [11]);
    assert.deepEqual(r.diagnostics.map((d) => d.line).sort(), [3, 4, 5]);
  });
});

describe('Weights & Biases', () => {
  const d = `${WS}/wandb/run-20261101_120000-abc123/files`;
  test('config values under value:, history rows at the logged global step, summary', () => {
    const r = parseWandbRun(
      { dir: 'run', config: file(`${d}/config.yaml`), summary: file(`${d}/wandb-summary.json`), history: file(`${d}/wandb-history.jsonl`), metadata: file(`${d}/wandb-metadata.json`) },
      study,
    );
    assert.deepEqual(r.diagnostics, []);
    const run = r.runs[0];
    assert.deepEqual(run?.checkpoints.map((c) => c.step), [10000, 25000]);
    assert.equal(metricAt(run, 10000, 'val_loss/github'), 1.6);
    assert.equal(metricAt(run, 25000, 'val_loss/pile_cc'), 2.95);
    assert.equal(run?.model, '1B');
    assert.equal(run?.status, 'completed');
    assert.ok(Math.abs((run?.mixture?.['arxiv'] ?? 0) - 0.3) < 1e-9);
  });
  test('a mixture problem in config.yaml points at its line under value:', () => {
    const text = 'wandb_version: 1\ndata:\n  desc: null\n  value:\n    mixture:\n      github: 0.5\n      arxiv: 0.47\n';
    const r = parseWandbRun({ dir: 'run', config: { file: 'files/config.yaml', text } }, study);
    assert.ok(r.runs[0]?.mixture);
    assert.deepEqual(r.diagnostics.map((d) => [d.severity, d.file, d.line]), [['warning', 'files/config.yaml', 6]]);
  });
  test('unwrapWandbConfig drops _wandb and wandb_version', () => {
    assert.deepEqual({ ...unwrapWandbConfig({ wandb_version: 1, _wandb: { value: {} }, lr: { desc: null, value: 0.1 }, plain: 3 }) }, { lr: 0.1, plain: 3 });
  });
  test('no summary yet: running, trial id from config', () => {
    const c = `${WS}/wandb/offline-run-20261102_080000-def456/files/config.yaml`;
    const r = parseWandbRun({ dir: 'run', config: file(c) }, study);
    assert.equal(r.runs[0]?.status, 'running');
    assert.equal(r.runs[0]?.trialId, 't-20261102-075900-w0w0w0');
  });
});

describe('MLflow file store', () => {
  const d = `${WS}/mlruns/1/9f2c4e6a1b3d4f5e8a7b6c5d4e3f2a1b`;
  const keyed = (sub: string) => readdirSync(join(d, sub)).map((k) => ({ key: k, file: `${d}/${sub}/${k}`, text: read(join(d, sub, k)) }));
  test('flattened params give the mixture; metric files give the curve; status 3 = finished', () => {
    const r = parseMlflowRun({ dir: d, meta: file(`${d}/meta.yaml`), params: keyed('params'), metrics: keyed('metrics'), tags: keyed('tags') }, study);
    assert.deepEqual(r.diagnostics, []);
    const run = r.runs[0];
    assert.deepEqual(run?.mixture, { pile_cc: 0.6, github: 0.2, arxiv: 0.1, wikipedia_en: 0.1 });
    assert.equal(run?.model, '60M');
    assert.equal(run?.status, 'completed');
    assert.deepEqual(run?.checkpoints.map((c) => c.step), [1000, 2000, 3000]);
    assert.equal(metricAt(run, 3000, 'val_loss/arxiv'), 2.7);
  });
  test('status 4 (failed), a deleted run, a dict-valued param, a torn metric line', () => {
    const meta = (status: number, stage = 'active') => ({ file: 'meta.yaml', text: `run_id: x\nstatus: ${status}\nlifecycle_stage: ${stage}\n` });
    const params = [{ key: 'data.mixture', file: 'p', text: "{'github': 0.5, 'arxiv': 0.5}" }];
    const metrics = [{ key: 'eval_github_loss', file: 'm', text: '1 2.5 10\n2 2.4 20\n3 2.' }];
    const failed = parseMlflowRun({ dir: 'r', meta: meta(4), params, metrics, tags: [] }, study);
    assert.equal(failed.runs[0]?.status, 'failed');
    assert.deepEqual(failed.runs[0]?.mixture, { pile_cc: 0, github: 0.5, arxiv: 0.5, wikipedia_en: 0 });
    assert.deepEqual(failed.runs[0]?.checkpoints.map((c) => [c.step, c.metrics['val_loss/github']]), [[10, 2.5], [20, 2.4]]);
    assert.ok(failed.diagnostics.some((x) => x.severity === 'info' && x.line === 3));
    assert.equal(parseMlflowRun({ dir: 'r', meta: meta(3, 'deleted'), params, metrics, tags: [] }, study).runs.length, 0);
  });
});
