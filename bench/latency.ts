// Latency of fitting the GP on the real RegMix data and of fit + suggest (acquisition 'auto', batch 1),
// side by side with scikit-learn fitting the same kernel on the same data.
//
//   npm run bench:latency                 (all sizes: n = 50, 200, 1088)
//   npm run bench:latency -- --sizes 50,200 --no-sklearn
//   npm run bench:latency -- --sweep-only --sweep-runs 50,500 --exact-max 2000   (learning-curve scale sweep, scale.ts)
//
// Data: /work/shared/data/regmix (or $MIXOPT_REGMIX_DIR). Mixture and loss files are joined by `index` within each
// pair; objective = mean of the 13 validation losses; s = normalised log parameter count (1M = 1e6 -> 0,
// 60M = 6e7, 1B = 1e9 -> 1); z = 1 (all runs at their final step).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fitGp } from '../src/core/gp/fit';
import { runDenseKernelComparison, runRegmixComparison, runScaleSweep } from './scale';
import { installWasmLinalg } from '../src/engine/wasm';
import { ALWAYS_OPTIMISE_BELOW } from '../src/engine/fitCache';
import type { GpConfig } from '../src/core/gp/config';
import type { GaussianProcess } from '../src/core/gp/model';
import { pointsFromRows } from '../src/core/points';
import { Rng } from '../src/core/random';
import { suggest } from '../src/core/suggest';
import type { Fidelity, MixtureSpace, Observation, PointSet } from '../src/core/types';

const dataDirectory = process.env['MIXOPT_REGMIX_DIR'] ?? '/work/shared/data/regmix';
const args = process.argv.slice(2);
const sizesArgument = args.includes('--sizes') ? args[args.indexOf('--sizes') + 1] : undefined;
const sizes = sizesArgument ? sizesArgument.split(',').map(Number) : [50, 200, 1088];
const runSklearn = !args.includes('--no-sklearn');
// Scale sweep (bench/scale.ts): --sweep-only skips the table above it, --no-sweep skips the sweep.
const sweepOnly = args.includes('--sweep-only');
const runSweep = !args.includes('--no-sweep');
const sweepRunsArgument = args.includes('--sweep-runs') ? args[args.indexOf('--sweep-runs') + 1] : undefined;
const sweepRuns = sweepRunsArgument ? sweepRunsArgument.split(',').map(Number) : [50, 100, 250, 500];
const exactMaxArgument = args.includes('--exact-max') ? args[args.indexOf('--exact-max') + 1] : undefined;
const exactMax = exactMaxArgument ? Number(exactMaxArgument) : 1000;
const restarts = 2;
const python = '/usr/bin/python3';

interface Row {
  readonly w: number[];
  readonly s: number;
  readonly y: number;
  readonly model: string;
}

function readCsv(path: string): { header: string[]; rows: Map<number, number[]> } {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0]!.split(',');
  const rows = new Map<number, number[]>();
  for (const line of lines.slice(1)) {
    const values = line.split(',').map(Number);
    rows.set(values[0]!, values.slice(1));
  }
  return { header, rows };
}

const PARAMS: Record<string, number> = { '1m': 1e6, '60m': 6e7, '1B': 1e9 };
function normalisedScale(params: number): number {
  return (Math.log(params) - Math.log(1e6)) / (Math.log(1e9) - Math.log(1e6));
}

function loadRegmix(): Row[] {
  const pairs: Array<[string, string, string]> = [
    ['train_mixture_1m.csv', 'train_pile_loss_1m.csv', '1m'],
    ['test_mixture_1m.csv', 'test_pile_loss_1m.csv', '1m'],
    ['test_mixture_60m.csv', 'test_pile_loss_60m.csv', '60m'],
    ['test_mixture_1B.csv', 'test_pile_loss_1B.csv', '1B'],
  ];
  const rows: Row[] = [];
  for (const [mixtureFile, lossFile, model] of pairs) {
    const mixture = readCsv(join(dataDirectory, mixtureFile));
    const loss = readCsv(join(dataDirectory, lossFile));
    for (const [index, weights] of mixture.rows) {
      const losses = loss.rows.get(index);
      if (!losses) continue;
      const y = losses.reduce((sum, value) => sum + value, 0) / losses.length;
      rows.push({ w: weights, s: normalisedScale(PARAMS[model]!), y, model });
    }
  }
  return rows;
}

/** A seeded subset of n rows keeping the three model sizes (at least 10% of the rows from 1B). */
function subset(rows: readonly Row[], n: number, seed: number): Row[] {
  if (n >= rows.length) return [...rows];
  const rng = new Rng(seed);
  const groups = new Map<string, Row[]>();
  for (const row of rows) groups.set(row.model, [...(groups.get(row.model) ?? []), row]);
  const big = groups.get('1B') ?? [];
  const takeBig = Math.min(big.length, Math.max(Math.round((n * big.length) / rows.length), Math.ceil(n / 10)));
  const rest = n - takeBig;
  const small = [...(groups.get('1m') ?? []), ...(groups.get('60m') ?? [])];
  const pick = (pool: Row[], count: number): Row[] => {
    const copy = [...pool];
    for (let i = 0; i < count; i++) {
      const j = i + rng.int(copy.length - i);
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, count);
  };
  return [...pick(small, rest), ...pick(big, takeBig)];
}

function toPointSet(rows: readonly Row[]): { points: PointSet; y: Float64Array } {
  const points = pointsFromRows(rows[0]!.w.length, rows.map((row) => ({ w: row.w, s: row.s, z: 1 })));
  return { points, y: Float64Array.from(rows, (row) => row.y) };
}

// Same kernel in scikit-learn: amplitude * RBF(mixture) * RBF(s) * RBF(z) + White, normalize_y, same bounds.
const SKLEARN_SCRIPT = String.raw`
import json, sys, time
import numpy as np
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Hyperparameter, Kernel, WhiteKernel
class OnColumns(Kernel):
    def __init__(self, base, columns):
        self.base = base; self.columns = columns
    def get_params(self, deep=True):
        p = dict(base=self.base, columns=self.columns)
        if deep: p.update(("base__" + k, v) for k, v in self.base.get_params().items())
        return p
    @property
    def hyperparameters(self):
        return [Hyperparameter("base__" + h.name, h.value_type, h.bounds, h.n_elements) for h in self.base.hyperparameters]
    @property
    def theta(self): return self.base.theta
    @theta.setter
    def theta(self, theta): self.base.theta = theta
    @property
    def bounds(self): return self.base.bounds
    def __call__(self, X, Y=None, eval_gradient=False):
        return self.base(np.asarray(X)[:, self.columns], None if Y is None else np.asarray(Y)[:, self.columns], eval_gradient=eval_gradient)
    def diag(self, X): return self.base.diag(np.asarray(X)[:, self.columns])
    def is_stationary(self): return True
job = json.load(sys.stdin)
d = job["d"]; x = np.asarray(job["points"]).reshape(-1, d + 2); y = np.asarray(job["y"])
kernel = (ConstantKernel(1.0, (0.01, 100.0)) * OnColumns(RBF(0.5, (0.005, 20.0)), list(range(d)))
          * OnColumns(RBF(0.5, (0.01, 20.0)), [d]) * OnColumns(RBF(0.5, (0.01, 20.0)), [d + 1])
          + WhiteKernel(0.05, (1e-6, 2.0)))
start = time.perf_counter()
gp = GaussianProcessRegressor(kernel=kernel, alpha=0.0, normalize_y=True, n_restarts_optimizer=job["restarts"], random_state=0).fit(x, y)
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "lml": float(gp.log_marginal_likelihood_value_)}))
`;

function sklearnFit(points: PointSet, y: Float64Array): { seconds: number; lml: number } | string {
  if (!existsSync(python)) return `${python} not found`;
  const job = JSON.stringify({ d: points.d, points: Array.from(points.data), y: Array.from(y), restarts });
  const result = spawnSync(python, ['-c', SKLEARN_SCRIPT], { input: job, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
  if (result.status !== 0) return `python failed: ${(result.stderr ?? '').trim().split('\n').slice(-1)[0]}`;
  return JSON.parse(result.stdout.trim().split('\n').slice(-1)[0]!) as { seconds: number; lml: number };
}

/** Fit + suggest the way the engine does: suggest(gp, SuggestInput) with the RegMix example's three model sizes. */
function timeSuggest(gp: GaussianProcess, rows: readonly Row[], d: number): number | string {
  const space: MixtureSpace = { d, lower: new Float64Array(d), upper: new Float64Array(d).fill(1) };
  const fidelities: Fidelity[] = [
    { label: '1M', s: 0, z: 1, cost: 1e6 / 1e9 },
    { label: '60M', s: normalisedScale(6e7), z: 1, cost: 6e7 / 1e9 },
    { label: '1B', s: 1, z: 1, cost: 1 },
  ];
  const target = fidelities[2]!;
  const observations: Observation[] = rows.map((row) => ({ w: Float64Array.from(row.w), s: row.s, z: 1, y: row.y }));
  const started = performance.now();
  try {
    suggest(gp, { space, fidelities, target, observations, acquisition: 'auto', batch: 1, seed: 0 });
  } catch (error) {
    return `suggest threw: ${error instanceof Error ? error.message : String(error)}`;
  }
  return performance.now() - started;
}

function ms(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;
}

function main(): void {
  const all = loadRegmix();
  console.log(`RegMix rows: ${all.length} (d = ${all[0]!.w.length}); restarts = ${restarts}; node ${process.version}`);
  if (!sweepOnly) regmixTable(all);
  if (runSweep) {
    runDenseKernelComparison();
    installWasmLinalg();
    runRegmixComparison(all);
    runScaleSweep({ mixtures: all.map((row) => row.w), runCounts: sweepRuns, exactMax });
  }
}

function regmixTable(all: readonly Row[]): void {
  const configs: Array<{ name: string; config: GpConfig; sklearn: boolean; logY?: boolean }> = [
    { name: 'rbf/rbf const, no priors', config: { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'constant', priors: false }, sklearn: true },
    // what the engine fits by default: log of the loss, quadratic mean (src/engine/engine.ts gpConfig, scale.ts)
    { name: 'engine default (log y, quad)', config: { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'quadratic', priors: true }, sklearn: false, logY: true },
    { name: 'matern ARD/ds linear, priors', config: { mixtureKernel: 'matern52', ard: true, fidelityKernel: 'downsampling', mean: 'linear', priors: true }, sklearn: false },
  ];
  const table: string[][] = [['kernel', 'n', 'cold fit', 'evals', 'warm fit (+1 pt)', 'evals', 'fit+suggest', 'kept hp+suggest', 'sklearn fit', 'ours/sklearn', 'LML ours', 'LML sklearn']];
  for (const { name, config, sklearn, logY } of configs) {
    for (const n of sizes) {
      const rows = subset(all, n, 7);
      const { points, y: raw } = toPointSet(rows);
      const y = logY ? raw.map(Math.log) : raw;
      // Warm start: fit on n-1 points, then refit after one run is added (the engine's usual case).
      const without: PointSet = { n: points.n - 1, d: points.d, data: points.data.slice(0, (points.n - 1) * (points.d + 2)) };
      let started = performance.now();
      const previous = fitGp(without, y.slice(0, points.n - 1), config, { restarts, seed: 0 });
      const coldMs = performance.now() - started;
      started = performance.now();
      const warm = fitGp(points, y, config, { warmStart: previous.hyperparameters() });
      const warmMs = performance.now() - started;
      const suggestMs = timeSuggest(warm, rows, points.d);
      const suggestCell = typeof suggestMs === 'string' ? suggestMs.slice(0, 40) : `${ms(warmMs + suggestMs)} (suggest ${ms(suggestMs)})`;
      // What the engine does when one run arrives and the data grew by at most 5% since the hyperparameters were
      // optimised (src/engine/fitCache.ts; below 400 observations it always re-optimises, as in the column before).
      started = performance.now();
      const kept = fitGp(points, y, config, { warmStart: previous.hyperparameters(), fixed: true });
      const keptMs = performance.now() - started;
      const keptSuggestMs = timeSuggest(kept, rows, points.d);
      const engineCell =
        n < ALWAYS_OPTIMISE_BELOW ? 'as fit+suggest' : typeof keptSuggestMs === 'string' ? keptSuggestMs.slice(0, 40) : `${ms(keptMs + keptSuggestMs)} (fit ${ms(keptMs)})`;
      let sklearnCells = ['-', '-', '-'];
      if (sklearn && runSklearn) {
        const reference = sklearnFit(points, y);
        // Compare like with like: our cold fit of all n points with the same restarts.
        started = performance.now();
        const cold = fitGp(points, y, config, { restarts, seed: 0 });
        const coldAllMs = performance.now() - started;
        sklearnCells =
          typeof reference === 'string'
            ? [reference, '-', '-']
            : [ms(reference.seconds * 1000), `${(coldAllMs / (reference.seconds * 1000)).toFixed(2)}x (cold ${ms(coldAllMs)})`, reference.lml.toFixed(2)];
        table.push([name, String(n), ms(coldMs), String(previous.fitEvaluations), ms(warmMs), String(warm.fitEvaluations), suggestCell, engineCell, sklearnCells[0]!, sklearnCells[1]!, cold.logMarginalLikelihood.toFixed(2), sklearnCells[2]!]);
      } else {
        table.push([name, String(n), ms(coldMs), String(previous.fitEvaluations), ms(warmMs), String(warm.fitEvaluations), suggestCell, engineCell, ...sklearnCells.slice(0, 2), warm.logMarginalLikelihood.toFixed(2), '-']);
      }
      console.log(table[table.length - 1]!.join(' | '));
    }
  }
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  console.log('');
  for (const row of table) console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join('  '));
  console.log('\nTargets (2 cores): n = 200 fit + suggest <= 300 ms; n = 1,088 <= 3 s; not slower than scikit-learn.');
  console.log('cold fit = fit of n-1 points from scratch; warm fit = refit after one run is added, warm-started.');
  console.log(`kept hp = the engine's update when at most 5% of the data is new (n >= ${ALWAYS_OPTIMISE_BELOW}): hyperparameters kept, one factorisation.`);
}

void main();
