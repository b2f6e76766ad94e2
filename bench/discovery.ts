// Discovery speed: writes 2,000 run folders of mixed formats (MixOpt JSONL, HF Trainer, Lightning CSV, W&B,
// MLflow) into a temp folder, then times discoverRuns (walk + detect + read + parse). Target: <= 2 s.
// Usage: node --import tsx bench/discovery.ts [runs=2000] [repeats=3]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiscoverCache, discoverRuns } from '../src/runs/discover';
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

function writeRun(root: string, i: number): void {
  const model = MODELS[i % 3] as string;
  const mix = mixture();
  const dir = join(root, 'runs', `group-${Math.floor(i / 100)}`);
  switch (i % 5) {
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
  }
}

function main(): void {
  const count = Number(process.argv[2] ?? 2000);
  const repeats = Number(process.argv[3] ?? 3);
  const root = mkdtempSync(join(tmpdir(), 'mixopt-bench-discovery-'));
  try {
    const t0 = performance.now();
    for (let i = 0; i < count; i++) writeRun(root, i);
    console.log(`wrote ${count} runs of 5 formats in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    const times: number[] = [];
    let last: ReturnType<typeof discoverRuns> | undefined;
    for (let r = 0; r < repeats; r++) {
      const t = performance.now();
      last = discoverRuns(study, root);
      times.push((performance.now() - t) / 1000);
    }
    if (!last) return;
    const withMixture = last.runs.filter((x) => x.mixture !== undefined).length;
    const checkpoints = last.runs.reduce((a, x) => a + x.checkpoints.length, 0);
    console.log(`discovered ${last.runs.length} runs (${withMixture} with a mixture, ${checkpoints} checkpoints) from ${last.sources} sources, ${last.diagnostics.length} diagnostics`);
    console.log(`discover + parse: ${times.map((t) => `${t.toFixed(2)} s`).join(', ')} (first is cold; target <= 2 s)`);
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

main();
