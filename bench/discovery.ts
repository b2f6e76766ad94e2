// Discovery speed: writes 2,000 run folders of mixed formats (MixOpt JSONL, HF Trainer, Lightning CSV, W&B
// online, MLflow file store, TensorBoard event files, W&B offline run files) into a temp folder, then times
// discoverRuns (walk + detect + read + parse). Target: <= 2 s cold.
// Usage: node --import tsx bench/discovery.ts [runs=2000] [repeats=3]
// The binary logs are written here with the readers' own protobuf shapes (src/runs/proto.ts) and their framing
// (TFRecord: length + masked CRC-32C; W&B: 32 KiB blocks of CRC-32 chunks), like the library-written fixtures.
import { crc32 } from '@aws-crypto/crc32';
import { crc32c } from '@aws-crypto/crc32c';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiscoverCache, discoverRuns } from '../src/runs/discover';
import { TB_EVENT, TB_HPARAMS, WANDB_RECORD } from '../src/runs/proto';
import type { Study } from '../src/study/types';

const DOMAINS = ['pile_cc', 'github', 'arxiv', 'wikipedia_en', 'stackexchange', 'freelaw', 'pubmed_central', 'dm_mathematics'];
const MODELS = ['1M', '60M', '1B'];

const study: Study = {
  file: 'bench.mixopt.yaml',
  name: 'bench',
  domains: DOMAINS,
  objective: { metrics: ['val_loss/{domain}'], aggregate: { kind: 'mean' }, direction: 'minimize' },
  fidelities: {
    models: [
      { name: '1M', params: 1e6 },
      { name: '60M', params: 6e7 },
      { name: '1B', params: 1e9 },
    ],
    steps: [1000, 2000, 4000],
    target: { model: '1B', steps: 4000 },
  },
  cost: { kind: 'flops', tokensPerStep: 1 << 20 },
  budget: { total: 40, unit: 'target_runs' },
  constraints: { bounds: {}, fixed: {}, availableTokens: {}, maxEpochs: 4 },
  runs: { include: ['runs/**'], exclude: ['**/tmp/**'] },
  config: { template: 'c.yaml', output: 'g/{trial}.yaml', mixtureKey: 'data.mixture', modelKey: 'model.name', mixtureShape: 'auto' },
  optimizer: { acquisition: 'auto', batch: 1, seed: 0, kernel: 'matern52', ard: true, fidelityKernel: 'rbf' },
};

let seed = 12345;
function random(): number {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
}

function mixture(): Record<string, number> {
  const raw = DOMAINS.map(() => -Math.log(random() + 1e-12));
  const sum = raw.reduce((a, b) => a + b, 0);
  return Object.fromEntries(DOMAINS.map((d, i) => [d, Number(((raw[i] ?? 0) / sum).toFixed(6))]));
}

function losses(step: number): Record<string, number> {
  return Object.fromEntries(DOMAINS.map((d) => [d, 2 + 3 / Math.sqrt(step / 1000) + random() * 0.1]));
}

const STEPS = [1000, 2000, 3000, 4000];
const FORMATS = 7;

const maskedCrc32c = (b: Uint8Array): number => ((((crc32c(b) >>> 15) | (crc32c(b) << 17)) >>> 0) + 0xa282ead8) >>> 0;

function tfRecord(data: Uint8Array): Buffer {
  const head = Buffer.alloc(12);
  head.writeBigUInt64LE(BigInt(data.length), 0);
  head.writeUInt32LE(maskedCrc32c(head.subarray(0, 8)), 8);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([head, data, tail]);
}

function tfEvents(model: string, mix: Record<string, number>): Buffer {
  const event = (e: object): Buffer => tfRecord(TB_EVENT.encode(TB_EVENT.fromObject(e)).finish());
  const hparams = TB_HPARAMS.encode(
    TB_HPARAMS.fromObject({
      session_start_info: { hparams: { 'model.name': { string_value: model }, ...Object.fromEntries(DOMAINS.map((d) => [`data.mixture.${d}`, { number_value: mix[d] }])) } },
    }),
  ).finish();
  return Buffer.concat([
    event({ wall_time: 1, file_version: 'brain.Event:2' }),
    event({ wall_time: 1, step: 0, summary: { value: [{ tag: '_hparams_/session_start_info', metadata: { plugin_data: { plugin_name: 'hparams', content: hparams } } }] } }),
    ...STEPS.map((step) => event({ wall_time: 2, step, summary: { value: Object.entries(losses(step)).map(([d, v]) => ({ tag: `val_loss/${d}`, simple_value: v })) } })),
  ]);
}

function wandbFile(name: string, model: string, mix: Record<string, number>): Buffer {
  const records = [
    { run: { run_id: name, display_name: name, config: { update: [{ key: 'model', value_json: JSON.stringify({ name: model }) }, { key: 'data', value_json: JSON.stringify({ mixture: mix }) }] } } },
    ...STEPS.map((step) => ({
      history: { item: [...Object.entries(losses(step)).map(([d, v]) => ({ key: `val_loss/${d}`, value_json: String(v) })), { key: '_step', value_json: String(step) }], step: { num: step } },
    })),
    { exit: { exit_code: 0 } },
  ];
  const out: Buffer[] = [Buffer.from([0x3a, 0x57, 0x26, 0x42, 0xe1, 0xbe, 0])];
  let pos = 7;
  for (const r of records) {
    const data = WANDB_RECORD.encode(WANDB_RECORD.fromObject(r)).finish();
    let at = 0;
    do {
      const left = 32768 - (pos % 32768);
      if (left < 7) {
        out.push(Buffer.alloc(left));
        pos += left;
        continue;
      }
      const n = Math.min(data.length - at, left - 7);
      const type = at === 0 ? (n === data.length ? 1 : 2) : at + n === data.length ? 4 : 3;
      const part = data.subarray(at, at + n);
      const head = Buffer.alloc(7);
      head.writeUInt32LE(crc32(Buffer.concat([Buffer.from([type]), part])) >>> 0, 0);
      head.writeUInt16LE(n, 4);
      head[6] = type;
      out.push(head, Buffer.from(part));
      pos += 7 + n;
      at += n;
    } while (at < data.length);
  }
  return Buffer.concat(out);
}

function writeRun(root: string, i: number): void {
  const model = MODELS[i % 3] as string;
  const mix = mixture();
  const dir = join(root, 'runs', `group-${Math.floor(i / 100)}`);
  switch (i % FORMATS) {
    case 0: {
      mkdirSync(dir, { recursive: true });
      const lines = STEPS.map((step) =>
        JSON.stringify({ run: `r${i}`, step, model, mixture: mix, metrics: Object.fromEntries(Object.entries(losses(step)).map(([d, v]) => [`val_loss/${d}`, v])) }),
      );
      writeFileSync(join(dir, `r${i}.jsonl`), `${lines.join('\n')}\n`);
      break;
    }
    case 1: {
      const d = join(dir, `hf-${i}`);
      mkdirSync(d, { recursive: true });
      const history = STEPS.flatMap((step) => [
        { epoch: step / 4000, learning_rate: 3e-4, loss: 3.1, step },
        { epoch: step / 4000, ...Object.fromEntries(Object.entries(losses(step)).map(([k, v]) => [`eval_${k}_loss`, v])), eval_runtime: 10.2, step },
      ]);
      writeFileSync(join(d, 'trainer_state.json'), JSON.stringify({ global_step: 4000, max_steps: 4000, total_flos: 1e17, log_history: history }, null, 2));
      writeFileSync(join(d, 'run_config.yaml'), `model:\n  name: ${model}\ndata:\n  mixture:\n${DOMAINS.map((dn) => `    ${dn}: ${mix[dn]}`).join('\n')}\n`);
      break;
    }
    case 2: {
      const d = join(dir, `lightning-${i}`, 'version_0');
      mkdirSync(d, { recursive: true });
      const header = ['epoch', 'step', 'train_loss', ...DOMAINS.map((dn) => `val_loss/${dn}`)];
      const rows = STEPS.flatMap((step, e) => [
        [e, step - 1, 3.2, ...DOMAINS.map(() => '')].join(','),
        [e, step - 1, '', ...Object.values(losses(step))].join(','),
      ]);
      writeFileSync(join(d, 'metrics.csv'), `${header.join(',')}\n${rows.join('\n')}\n`);
      writeFileSync(join(d, 'hparams.yaml'), `model_name: ${model}\nmixture:\n${DOMAINS.map((dn) => `  ${dn}: ${mix[dn]}`).join('\n')}\n`);
      break;
    }
    case 3: {
      const d = join(dir, 'wandb', `run-20261101_120000-${i.toString(36).padStart(8, '0')}`, 'files');
      mkdirSync(d, { recursive: true });
      writeFileSync(
        join(d, 'config.yaml'),
        `wandb_version: 1\n_wandb:\n  desc: null\n  value:\n    cli_version: 0.16.6\nmodel:\n  desc: null\n  value:\n    name: ${model}\ndata:\n  desc: null\n  value:\n    mixture:\n${DOMAINS.map((dn) => `      ${dn}: ${mix[dn]}`).join('\n')}\n`,
      );
      writeFileSync(join(d, 'wandb-summary.json'), JSON.stringify({ ...Object.fromEntries(Object.entries(losses(4000)).map(([k, v]) => [`eval/${k}_loss`, v])), 'train/global_step': 4000, _step: 80, _runtime: 3600 }));
      break;
    }
    case 4: {
      const d = join(dir, 'mlruns', '1', `run${i}`);
      for (const sub of ['params', 'metrics', 'tags']) mkdirSync(join(d, sub), { recursive: true });
      writeFileSync(join(d, 'meta.yaml'), `run_id: run${i}\nrun_name: r${i}\nstatus: 3\nlifecycle_stage: active\nexperiment_id: '1'\n`);
      for (const dn of DOMAINS) {
        writeFileSync(join(d, 'params', `data.mixture.${dn}`), String(mix[dn]));
        writeFileSync(join(d, 'metrics', `val_loss_${dn}`), STEPS.map((step) => `1762000000000 ${losses(step)[dn]} ${step}`).join('\n') + '\n');
      }
      writeFileSync(join(d, 'params', 'model.name'), model);
      break;
    }
    case 5: {
      const d = join(dir, 'tb', `run-tb-${i}`);
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, `events.out.tfevents.1762000000.host.${i}.0`), tfEvents(model, mix));
      break;
    }
    case 6: {
      const id = i.toString(36).padStart(8, '0');
      const d = join(dir, 'wandb', `offline-run-20261101_120000-${id}`);
      mkdirSync(join(d, 'files'), { recursive: true });
      writeFileSync(join(d, 'files', 'requirements.txt'), 'torch==2.5.0\n');
      writeFileSync(join(d, `run-${id}.wandb`), wandbFile(`offline-${i}`, model, mix));
      break;
    }
  }
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 2000);
  const repeats = Number(process.argv[3] ?? 3);
  const root = mkdtempSync(join(tmpdir(), 'mixopt-bench-discovery-'));
  try {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) writeRun(root, i);
    console.log(`wrote ${count} runs of ${FORMATS} formats in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    const times: number[] = [];
    const cpu: number[] = [];
    let last: ReturnType<typeof discoverRuns> | undefined;
    for (let r = 0; r < repeats; r++) {
      const t = performance.now();
      const c = process.cpuUsage();
      last = discoverRuns(study, root);
      times.push((performance.now() - t) / 1000);
      const used = process.cpuUsage(c);
      cpu.push((used.user + used.system) / 1e6);
    }
    if (!last) return;
    const withMixture = last.runs.filter((x) => x.mixture !== undefined).length;
    const checkpoints = last.runs.reduce((a, x) => a + x.checkpoints.length, 0);
    console.log(`discovered ${last.runs.length} runs (${withMixture} with a mixture, ${checkpoints} checkpoints) from ${last.sources} sources, ${last.diagnostics.length} diagnostics`);
    console.log(`discover + parse: ${times.map((t) => `${t.toFixed(2)} s`).join(', ')} (first is cold; target <= 2 s)`);
    // on a shared machine the wall time includes waiting for a core: the CPU time is this process's own work
    console.log(`  CPU time of the same: ${cpu.map((t) => `${t.toFixed(2)} s`).join(', ')}; load average ${(await import('node:os')).loadavg()[0]?.toFixed(1)}`);
    // refresh with a cache (what the extension does on file changes): nothing changed, then one run changed
    const cache = new DiscoverCache();
    discoverRuns(study, root, { cache });
    let t = performance.now();
    discoverRuns(study, root, { cache });
    const unchanged = (performance.now() - t) / 1000;
    writeRun(root, 0);
    t = performance.now();
    discoverRuns(study, root, { cache });
    const oneChanged = (performance.now() - t) / 1000;
    console.log(`cached refresh: ${unchanged.toFixed(2)} s unchanged, ${oneChanged.toFixed(2)} s with one run rewritten (${cache.misses} re-read)`);
    if (last.runs.length !== count || withMixture !== count) {
      console.error('not every run was read with its mixture');
      process.exitCode = 1;
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
