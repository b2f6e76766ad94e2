// Scale sweep of learning-curve studies (issue 10), printed by `npm run bench:latency` after the RegMix table.
//
// A study of 17 domains (the RegMix mixtures), 3 model sizes and runs that each log 20 checkpoints (every 1,000 of
// 20,000 steps) with the listed steps levels 2,000 / 5,000 / 10,000 / 20,000. Losses are synthetic but shaped like
// scaling laws: y = E(w) + 2 exp(-1.5 s) (0.6 + 0.4 w.v) + 1.2 ((step / 20000)^-0.3 - 1) + noise, E(w) smooth in w.
// For each size the engine's path runs in process: dataset (checkpoints collapsed above 1,000) -> fitSurrogate
// (exact GP up to 600 observations, FITC above) -> suggest (auto = MES per cost) -> recommend, cold (no warm start)
// and as an update after one more run (warm, hyperparameters kept as the engine's fit cache does, and the inducing
// basis of the model before reused, beside the same update rebuilding the basis). Today's exact
// path (every checkpoint an observation, fitGp, suggest, recommend) runs side by side where it finishes
// (--exact-max), and both are compared on 500 candidate mixtures at the target (Spearman of the posterior means).
import { fitGp } from '../src/core/gp/fit';
import type { GpConfig } from '../src/core/gp/config';
import { recommend } from '../src/core/recommend';
import { Rng } from '../src/core/random';
import { fitSurrogate, SparseGp } from '../src/core/sparseGp';
import type { SurrogateModel } from '../src/core/sparseGp';
import { suggest } from '../src/core/suggest';
import type { Observation, PointSet } from '../src/core/types';
import { buildDataset, logScale } from '../src/engine/dataset';
import type { Dataset } from '../src/engine/dataset';
import { needsOptimisation, observationKey } from '../src/engine/fitCache';
import { spearman } from '../src/engine/insights';
import { pointsFromRows } from '../src/core/points';
import type { RunRecord } from '../src/runs/types';
import type { Study } from '../src/study/types';
import { availableParallelism, loadavg } from 'node:os';
import { activeDenseBackend, cholesky, inverseFromCholesky, multiplyRowsByLowerTransposed, setDenseBackend } from '../src/core/linalg';
import { installWasmLinalg, wasmLinalgProblem } from '../src/engine/wasm';

const LEVELS = [2000, 5000, 10000, 20000];
const EVERY = 1000;
const TARGET_STEPS = 20000;
const MODELS = [
  { name: '1M', params: 1e6 },
  { name: '60M', params: 6e7 },
  { name: '1B', params: 1e9 },
];
const CONFIG: GpConfig = { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'quadratic' };

function sweepStudy(d: number): Study {
  return {
    file: 'sweep.mixopt.yaml',
    name: 'sweep',
    domains: Array.from({ length: d }, (_, i) => `d${i}`),
    objective: { metrics: ['val_loss'], aggregate: { kind: 'mean' }, direction: 'minimize' },
    fidelities: { models: MODELS, steps: LEVELS, target: { model: '1B', steps: TARGET_STEPS } },
    cost: { kind: 'flops', tokensPerStep: 1e6 },
    budget: { total: 40, unit: 'target_runs' },
    constraints: { bounds: {}, fixed: {}, availableTokens: {}, maxEpochs: 4 },
    runs: { include: ['runs/**'], exclude: [] },
    optimizer: { acquisition: 'auto', batch: 1, seed: 0, kernel: 'rbf', ard: false, fidelityKernel: 'rbf' },
  };
}

function makeRuns(mixtures: readonly number[][], count: number, seed: number): RunRecord[] {
  const d = mixtures[0]!.length;
  const rng = new Rng(seed);
  const c = Array.from({ length: d }, () => rng.next());
  const u = Array.from({ length: d }, () => rng.uniform(-1, 1));
  const v = Array.from({ length: d }, () => rng.next());
  const runs: RunRecord[] = [];
  for (let r = 0; r < count; r++) {
    const w = mixtures[r % mixtures.length]!;
    const model = MODELS[r % 3]!;
    const s = logScale(model.params, 1e6, 1e9);
    let wc = 0;
    let wu = 0;
    let wv = 0;
    w.forEach((x, i) => {
      wc += x * c[i]!;
      wu += x * u[i]!;
      wv += x * v[i]!;
    });
    const base = 1.8 + 0.5 * wc + 0.4 * wu * wu;
    const checkpoints = [];
    for (let step = EVERY; step <= TARGET_STEPS; step += EVERY) {
      const loss = base + 2 * Math.exp(-1.5 * s) * (0.6 + 0.4 * wv) + 1.2 * (Math.pow(step / TARGET_STEPS, -0.3) - 1) + 0.005 * rng.normal();
      checkpoints.push({ step, metrics: { val_loss: loss } });
    }
    const mixture: Record<string, number> = {};
    w.forEach((x, i) => (mixture[`d${i}`] = x));
    runs.push({ id: `run${r}`, format: 'mixopt-jsonl', source: `runs/run${r}.jsonl`, mixture, model: model.name, steps: TARGET_STEPS, checkpoints, status: 'completed' });
  }
  return runs;
}

const cost = (model: string, steps: number): number => ((MODELS.find((m) => m.name === model)?.params ?? 1e9) * steps) / (1e9 * TARGET_STEPS);

/** Every checkpoint from the smallest level on as an observation: the dataset before the collapse. */
function allCheckpoints(study: Study, runs: readonly RunRecord[], scaleOf: Dataset): Observation[] {
  const out: Observation[] = [];
  for (const run of runs) {
    const params = MODELS.find((m) => m.name === run.model)!.params;
    const w = Float64Array.from(study.domains, (name) => run.mixture![name] ?? 0);
    for (const c of run.checkpoints) {
      if (c.step < LEVELS[0]!) continue;
      out.push({ w, s: logScale(params, 1e6, 1e9), z: logScale(c.step, LEVELS[0]!, TARGET_STEPS), y: scaleOf.scale.toModel(c.metrics['val_loss']!) });
    }
  }
  return out;
}

function decide(model: SurrogateModel, dataset: Dataset, observations: readonly Observation[]): void {
  suggest(model, { space: dataset.space, fidelities: dataset.fidelities, target: dataset.target, observations, acquisition: 'auto', batch: 1, seed: 0 });
  recommend(model, { space: dataset.space, target: dataset.target, observations, seed: 0 });
}

/** Runs f with the JavaScript dense kernels (today's exact path), then restores the backend. */
function today<T>(f: () => T): T {
  const backend = setDenseBackend(undefined);
  try {
    return f();
  } finally {
    setDenseBackend(backend);
  }
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

function peakMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

function candidatePool(mixtures: readonly number[][], count: number, seed: number): number[][] {
  // Mixtures near the data (RegMix mixtures perturbed and renormalised): where the acquisition looks.
  const rng = new Rng(seed);
  return Array.from({ length: count }, () => {
    const base = mixtures[rng.int(mixtures.length)]!;
    const w = base.map((x) => Math.max(0, x * Math.exp(0.5 * rng.normal())));
    const total = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / total);
  });
}

function targetMeans(model: SurrogateModel, d: number, pool: readonly number[][]): number[] {
  const points: PointSet = pointsFromRows(d, pool.map((w) => ({ w: Float64Array.from(w), s: 1, z: 1 })));
  return Array.from(model.posterior(points).mean);
}

export interface SweepOptions {
  readonly mixtures: readonly number[][];
  readonly runCounts: readonly number[];
  /** run today's exact path up to this many observations */
  readonly exactMax: number;
}

export function runScaleSweep(options: SweepOptions): void {
  const d = options.mixtures[0]!.length;
  const study = sweepStudy(d);
  const pool = candidatePool(options.mixtures, 500, 3);
  console.log(`\nLearning-curve sweep: d = ${d}, 3 sizes, ${TARGET_STEPS / EVERY} checkpoints a run, levels ${LEVELS.join(', ')}; engine path vs today's exact path; load ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`);
  const header = ['runs', 'checkpoints', 'model n', 'inducing', 'cold (fit+suggest+rec)', 'update +1 run', 'update, basis rebuilt', "today's exact cold (JS)", 'exact/new', 'Spearman vs exact', 'peak RSS'];
  const table: string[][] = [header];
  const colds: { checkpoints: number; ms: number }[] = [];
  for (const count of options.runCounts) {
    const runs = makeRuns(options.mixtures, count + 1, 11);
    const before = runs.slice(0, count);
    // cold: nothing kept from an earlier fit
    let started = performance.now();
    const dataset = buildDataset(study, before, cost);
    const points = pointsFromRows(d, dataset.observations);
    const y = Float64Array.from(dataset.observations, (o) => o.y);
    const model = fitSurrogate(points, y, CONFIG, { restarts: 2, seed: 0 });
    decide(model, dataset, dataset.observations);
    const coldMs = performance.now() - started;
    const checkpoints = dataset.checkpoints?.usable ?? dataset.observations.length;
    colds.push({ checkpoints, ms: coldMs });
    // update: one more run arrives; the engine keeps the hyperparameters unless > 5% of the data is new, and with
    // them the inducing basis of the model before (reuse); the same update rebuilding the basis (before) beside it
    const update = (reuse: boolean): { ms: number; reoptimise: boolean } => {
      const updateStarted = performance.now();
      const after = buildDataset(study, runs, cost);
      const optimised = { hyperparameters: model.hyperparameters(), optimisedOn: new Set(dataset.observations.map(observationKey)) };
      const reoptimise = needsOptimisation(optimised, after.observations.map(observationKey));
      const updated = fitSurrogate(pointsFromRows(d, after.observations), Float64Array.from(after.observations, (o) => o.y), CONFIG, {
        seed: 0,
        warmStart: optimised.hyperparameters,
        ...(reoptimise ? {} : { fixed: true, ...(reuse ? { reuse: model } : {}) }),
      });
      decide(updated, after, after.observations);
      return { ms: performance.now() - updateStarted, reoptimise };
    };
    const rebuilt = update(false);
    const { ms: updateMs, reoptimise } = update(true);
    let exactCell = '-';
    let ratioCell = '-';
    let agreement = '-';
    if (checkpoints <= options.exactMax) {
      started = performance.now();
      const observations = allCheckpoints(study, before, dataset);
      const exact = today(() => fitGp(pointsFromRows(d, observations), Float64Array.from(observations, (o) => o.y), CONFIG, { restarts: 2, seed: 0 }));
      today(() => decide(exact, dataset, observations));
      const exactMs = performance.now() - started;
      exactCell = ms(exactMs);
      ratioCell = `${(exactMs / coldMs).toFixed(1)}x`;
      agreement = spearman(targetMeans(model, d, pool), targetMeans(exact, d, pool)).toFixed(3);
    }
    const inducing = model instanceof SparseGp ? String(model.inducingPoints) : 'exact';
    table.push([String(count), String(checkpoints), String(dataset.observations.length), inducing, ms(coldMs), `${ms(updateMs)}${reoptimise ? ' (re-opt)' : ''}`, ms(rebuilt.ms), exactCell, ratioCell, agreement, `${peakMb().toFixed(0)} MB`]);
    console.log(table[table.length - 1]!.join(' | '));
  }
  const widths = header.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  console.log('');
  for (const row of table) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  const first = colds[0];
  const last = colds[colds.length - 1];
  if (first && last && last !== first) {
    console.log(`cold time from ${first.checkpoints} to ${last.checkpoints} checkpoints (from the smallest listed level on): ${(last.ms / first.ms).toFixed(2)}x (target <= 15x for 1,000 -> 10,000)`);
  }
  console.log('Targets: 10,000 checkpoints cold <= 10 s, update <= 2 s, peak RSS <= 2 GB (peak RSS is the process high-water mark so far).');
}

/** JavaScript against WebAssembly SIMD dense kernels on the same matrices, alternating, in one run (ratios). */
export function runDenseKernelComparison(sizes: readonly number[] = [300, 600, 1088]): void {
  const wasm = installWasmLinalg({ force: true });
  if (wasm !== 'wasm-simd') {
    console.log(`\nDense kernels: WebAssembly not available (${wasmLinalgProblem() ?? 'unknown'}); the JavaScript kernels are used.`);
    return;
  }
  const backend = setDenseBackend(undefined);
  const rng = new Rng(1);
  console.log(`\nDense kernels (Cholesky + (L L^T)^-1 + whitening 256 rows), JavaScript vs WebAssembly SIMD, best of 3 alternating; load ${loadavg()[0]!.toFixed(1)}:`);
  for (const n of sizes) {
    const x = Float64Array.from({ length: n * 6 }, () => rng.normal());
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let c = 0; c < 6; c++) sum += (x[i * 6 + c]! - x[j * 6 + c]!) * (x[i * 6 + c]! - x[j * 6 + c]!);
        a[i * n + j] = Math.exp(-sum / 8) + (i === j ? 1e-2 : 0);
      }
    }
    const rows = Float64Array.from({ length: 256 * n }, (_, k) => Math.sin(k));
    const once = (): number => {
      const started = performance.now();
      const { factor } = cholesky(a, n);
      inverseFromCholesky(factor, n);
      multiplyRowsByLowerTransposed(rows, 256, factor, n);
      return performance.now() - started;
    };
    const times = { js: Infinity, wasm: Infinity };
    for (let round = 0; round < 3; round++) {
      setDenseBackend(undefined);
      times.js = Math.min(times.js, once());
      setDenseBackend(backend);
      times.wasm = Math.min(times.wasm, once());
    }
    console.log(`  n = ${n}: JavaScript ${ms(times.js)}, WebAssembly ${ms(times.wasm)}, ratio ${(times.js / times.wasm).toFixed(2)}x`);
  }
  setDenseBackend(backend);
}

/** The RegMix example's size (1,088 runs, no checkpoints): the engine path against the exact GP, side by side. */
export function runRegmixComparison(rows: readonly { w: number[]; s: number; y: number }[]): void {
  const d = rows[0]!.w.length;
  const observations: Observation[] = rows.map((r) => ({ w: Float64Array.from(r.w), s: r.s, z: 1, y: Math.log(r.y) }));
  const points = pointsFromRows(d, observations);
  const y = Float64Array.from(observations, (o) => o.y);
  const space = { d, lower: new Float64Array(d), upper: new Float64Array(d).fill(1) };
  const fidelities = [
    { label: '1M', s: 0, z: 1, cost: 1e-3 },
    { label: '60M', s: logScale(6e7, 1e6, 1e9), z: 1, cost: 0.06 },
    { label: '1B', s: 1, z: 1, cost: 1 },
  ];
  const target = fidelities[2]!;
  const run = (fit: () => SurrogateModel): { model: SurrogateModel; ms: number } => {
    const started = performance.now();
    const model = fit();
    suggest(model, { space, fidelities, target, observations, acquisition: 'auto', batch: 1, seed: 0 });
    recommend(model, { space, target, observations, seed: 0 });
    return { model, ms: performance.now() - started };
  };
  const fast = run(() => fitSurrogate(points, y, CONFIG, { restarts: 2, seed: 0 }));
  const exact = today(() => run(() => fitGp(points, y, CONFIG, { restarts: 2, seed: 0 })));
  const sameHp = fitGp(points, y, CONFIG, { warmStart: fast.model.hyperparameters(), fixed: true });
  const pool = candidatePool(rows.map((r) => r.w), 500, 5);
  const a = targetMeans(fast.model, d, pool);
  const inducing = fast.model instanceof SparseGp ? `${fast.model.inducingPoints} inducing` : 'exact';
  console.log(`\nRegMix size, n = ${rows.length} (log mean loss, quadratic mean), cold fit + suggest + recommend:`);
  console.log(`  engine path (${inducing}, ${activeDenseBackend()} kernels): ${ms(fast.ms)}; today's exact GP (JavaScript kernels): ${ms(exact.ms)}; exact/new ${(exact.ms / fast.ms).toFixed(1)}x; load ${loadavg()[0]!.toFixed(1)}`);
  console.log(`  Spearman of 500 target predictions vs the exact GP fitted on all data: ${spearman(a, targetMeans(exact.model, d, pool)).toFixed(3)}; vs the exact GP with the same hyperparameters: ${spearman(a, targetMeans(sameHp, d, pool)).toFixed(3)}`);
  // Where the data are: the 64 measured 1B mixtures, predicted at the target.
  const measured = rows.filter((r) => r.s === 1).map((r) => r.w);
  console.log(`  Spearman over the ${measured.length} measured 1B mixtures: ${spearman(targetMeans(fast.model, d, measured), targetMeans(exact.model, d, measured)).toFixed(3)}`);
}
