// Baseline mixture-selection methods behind one interface, for replay benchmarks on a table of measured runs
// (discrete mode: every method picks one unobserved row of the table and recommends one target-fidelity row).
//
// - random / Sobol: space-filling designs on the simplex.
// - RegMix (Liu et al., 2024): linear regression of the objective on the mixture weights, ridge-regularised.
// - Data Mixing Law (Ye et al., 2024, used as a baseline by ADMIRE-BayesOpt): L(w) = c + k exp(sum_j t_j w_j).
// - GP BO: the MixOpt GP with `suggest` over the candidate rows, at every fidelity or at the target only.
import { cholesky, choleskySolve } from '../core/linalg';
import { MODEL_DEFAULTS } from '../core/gp/config';
import { fitGp } from '../core/gp/fit';
import type { GpConfig, GpHyperparameters } from '../core/gp/config';
import { minimize } from '../core/lbfgs';
import { pointsFromRows } from '../core/points';
import { cheaperRunsAllowed } from '../core/proxies';
import type { SpendSplit } from '../core/proxies';
import { Rng } from '../core/random';
import { recommend } from '../core/recommend';
import { boxFor, projectToBox, sampleMixtures } from '../core/simplex';
import { suggest } from '../core/suggest';
import { transferGate } from '../core/transfer';
import type { AcquisitionName, Fidelity, MixtureSpace, Observation, PointSet } from '../core/types';
import { CoreInputError } from '../core/types';

/** One row of the world a method may run: a mixture at a fidelity. */
export interface CandidateRow {
  readonly w: Float64Array;
  readonly fidelity: Fidelity;
  /** what running this row costs (its fidelity's cost unless the table gives rows their own costs) */
  readonly cost?: number;
}

/** A row already run, with its value (to minimise). */
export interface ObservedRow extends CandidateRow {
  readonly y: number;
}

export interface ChooseInput {
  /** unobserved rows the method may pick from (never empty) */
  readonly candidates: readonly CandidateRow[];
  readonly observations: readonly ObservedRow[];
  readonly target: Fidelity;
  readonly fidelities: readonly Fidelity[];
  /** total cost paid so far */
  readonly spent: number;
  /** budget of the run, same unit as costs */
  readonly budget: number;
}

export interface RecommendInput {
  /** every target-fidelity mixture of the world (observed or not) */
  readonly targetRows: readonly Float64Array[];
  readonly observations: readonly ObservedRow[];
  readonly target: Fidelity;
}

/** One run of a method (one seed): it may keep state between calls. */
export interface MethodRun {
  /** index into input.candidates, or -1 when no candidate is one this method would run (the run then stops) */
  choose(input: ChooseInput): number;
  /** index into input.targetRows */
  recommend(input: RecommendInput): number;
}

export interface SelectionMethod {
  readonly name: string;
  start(seed: number, d: number): MethodRun;
}

const sameFidelity = (a: Fidelity, b: Fidelity): boolean => a.s === b.s && a.z === b.z;
const atTarget = (rows: readonly ObservedRow[], target: Fidelity): ObservedRow[] => rows.filter((r) => sameFidelity(r.fidelity, target));

function targetIndices(candidates: readonly CandidateRow[], target: Fidelity): number[] {
  const out: number[] = [];
  candidates.forEach((c, i) => {
    if (sameFidelity(c.fidelity, target)) out.push(i);
  });
  return out;
}

/** The best observed target row's index in targetRows (by value), or a random row when none is observed. */
function bestObservedTargetRow(input: RecommendInput, rng: Rng): number {
  const seen = atTarget(input.observations, input.target);
  if (seen.length === 0) return rng.int(input.targetRows.length);
  let best = seen[0]!;
  for (const o of seen) if (o.y < best.y) best = o;
  const index = input.targetRows.findIndex((w) => w === best.w || sameMixture(w, best.w));
  return index >= 0 ? index : rng.int(input.targetRows.length);
}

/**
 * The recommendation rule shared by the model-based methods: every target row is scored by its measured value
 * when it has been run at the target and by the model's prediction otherwise; the lowest score wins. A model
 * with fitted noise does not interpolate its data, so a pure argmin of the prediction can pass over a measured
 * best row; the table's measured value is what the regret is computed from.
 */
export function recommendByValueOrPrediction(input: RecommendInput, predicted: ArrayLike<number>, toModel: (y: number) => number = (y) => y): number {
  const scores = Float64Array.from(predicted);
  for (const o of atTarget(input.observations, input.target)) {
    const index = input.targetRows.findIndex((w) => w === o.w || sameMixture(w, o.w));
    if (index >= 0) scores[index] = toModel(o.y);
  }
  return argmin(scores);
}

function sameMixture(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function argmin(values: ArrayLike<number>, indices?: readonly number[]): number {
  const idx = indices ?? Array.from({ length: values.length }, (_, i) => i);
  let best = idx[0] ?? 0;
  for (const i of idx) if (values[i]! < values[best]!) best = i;
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// Space-filling designs

/** n random mixtures in the space, row-major n x d: flat Dirichlet above the lower bounds, projected onto the upper. */
export function randomMixtures(space: MixtureSpace, n: number, seed: number): Float64Array {
  const box = boxFor(space);
  const rng = new Rng(seed);
  const d = space.d;
  const out = new Float64Array(n * d);
  const row = new Float64Array(d);
  let lowerSum = 0;
  for (let i = 0; i < d; i++) lowerSum += box.lower[i]!;
  const free = Math.max(0, 1 - lowerSum);
  for (let k = 0; k < n; k++) {
    let sum = 0;
    for (let i = 0; i < d; i++) {
      row[i] = box.fixed[i] ? 0 : -Math.log(Math.max(1e-300, 1 - rng.next()));
      sum += row[i]!;
    }
    for (let i = 0; i < d; i++) row[i] = box.lower[i]! + (sum > 0 ? (row[i]! / sum) * free : free / d);
    // exact projection onto the upper bounds (feasible rows come back unchanged)
    out.set(projectToBox(row, box), k * d);
  }
  return out;
}

/** n Sobol mixtures on the simplex (the core's quasi-random design, half of them on sparse faces). */
export function sobolMixtures(space: MixtureSpace, n: number, seed: number): Float64Array {
  return sampleMixtures(boxFor(space), n, seed);
}

/** Random target rows. */
export const randomAtTarget: SelectionMethod = {
  name: 'random',
  start(seed) {
    const rng = new Rng(seed);
    return {
      choose(input) {
        const idx = targetIndices(input.candidates, input.target);
        return idx.length === 0 ? -1 : idx[rng.int(idx.length)]!;
      },
      recommend: (input) => bestObservedTargetRow(input, rng),
    };
  },
};

/** Sobol design at the target: each step takes the unobserved target row nearest to the next Sobol mixture. */
export const sobolAtTarget: SelectionMethod = {
  name: 'sobol',
  start(seed, d) {
    const rng = new Rng(seed);
    const space: MixtureSpace = { d, lower: new Float64Array(d), upper: new Float64Array(d).fill(1) };
    let design = sobolMixtures(space, 64, seed);
    let step = 0;
    return {
      choose(input) {
        const pool = targetIndices(input.candidates, input.target);
        if (pool.length === 0) return -1;
        if (step >= design.length / d) design = sobolMixtures(space, 2 * step, seed);
        const point = design.subarray(step * d, step * d + d);
        step++;
        let best = pool[0]!;
        let bestDistance = Infinity;
        for (const i of pool) {
          const w = input.candidates[i]!.w;
          let distance = 0;
          for (let j = 0; j < d; j++) distance += (w[j]! - point[j]!) ** 2;
          if (distance < bestDistance) {
            bestDistance = distance;
            best = i;
          }
        }
        return best;
      },
      recommend: (input) => bestObservedTargetRow(input, rng),
    };
  },
};

// ---------------------------------------------------------------------------------------------------------------
// RegMix: y ~ b0 + sum_j beta_j w_j

export interface LinearModel {
  readonly intercept: number;
  readonly coefficients: Float64Array;
}

/**
 * Ridge regression of y on the rows of w (row-major n x d): minimises sum (y - b0 - beta.w)^2 + lambda |beta|^2
 * with an unpenalised intercept (inputs centred). Weights summing to 1 make the plain least-squares problem
 * singular in the intercept direction; the ridge term picks the minimum-norm solution's neighbour.
 */
export function fitLinear(ws: Float64Array, y: ArrayLike<number>, d: number, lambda = 1e-3): LinearModel {
  const n = y.length;
  if (n === 0) throw new CoreInputError('fitLinear: no observations');
  if (ws.length !== n * d) throw new CoreInputError(`fitLinear: ${ws.length} weights for ${n} rows of ${d} domains`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(y[i])) throw new CoreInputError(`fitLinear: observation ${i} has y = ${y[i]}`);
  const meanW = new Float64Array(d);
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanY += y[i]! / n;
    for (let j = 0; j < d; j++) meanW[j] = meanW[j]! + ws[i * d + j]! / n;
  }
  const gram = new Float64Array(d * d);
  const rhs = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const dy = y[i]! - meanY;
    for (let a = 0; a < d; a++) {
      const xa = ws[i * d + a]! - meanW[a]!;
      rhs[a] = rhs[a]! + xa * dy;
      for (let b = 0; b <= a; b++) gram[a * d + b] = gram[a * d + b]! + xa * (ws[i * d + b]! - meanW[b]!);
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < a; b++) gram[b * d + a] = gram[a * d + b]!;
    gram[a * d + a] = gram[a * d + a]! + lambda;
  }
  const { factor } = cholesky(gram, d);
  const coefficients = choleskySolve(factor, d, rhs);
  let intercept = meanY;
  for (let j = 0; j < d; j++) intercept -= coefficients[j]! * meanW[j]!;
  return { intercept, coefficients };
}

export function predictLinear(model: LinearModel, ws: Float64Array, d: number): Float64Array {
  const n = ws.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = model.intercept;
    for (let j = 0; j < d; j++) v += model.coefficients[j]! * ws[i * d + j]!;
    out[i] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Data Mixing Law: L(w) = c + k exp(t.w)

export interface MixingLaw {
  readonly c: number;
  readonly k: number;
  readonly t: Float64Array;
}

/**
 * Least-squares fit of L(w) = c + k exp(sum_j t_j w_j) (Ye et al., 2024, eq. 1), parameters (c, log k, t) by
 * L-BFGS on sum of squared residuals + lambda |t|^2. k > 0 (losses fall towards c as a domain's useful weight
 * grows through negative t_j). Since sum_j w_j = 1, shifting every t_j by a and k by e^-a gives the same law; the
 * ridge term fixes that direction. Several starts: the law is not convex in its parameters.
 */
export function fitMixingLaw(ws: Float64Array, y: ArrayLike<number>, d: number, lambda = 1e-4): MixingLaw {
  const n = y.length;
  if (n === 0) throw new CoreInputError('fitMixingLaw: no observations');
  if (ws.length !== n * d) throw new CoreInputError(`fitMixingLaw: ${ws.length} weights for ${n} rows of ${d} domains`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(y[i])) throw new CoreInputError(`fitMixingLaw: observation ${i} has y = ${y[i]}`);
  let min = Infinity;
  let max = -Infinity;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    min = Math.min(min, y[i]!);
    max = Math.max(max, y[i]!);
    mean += y[i]! / n;
  }
  const spread = Math.max(max - min, 1e-6 * Math.max(1, Math.abs(mean)));
  // Residuals on a standardised scale so the tolerances do not depend on the loss's units.
  const scale = spread;
  const objective = (x: Float64Array): { value: number; gradient: Float64Array } => {
    const c = x[0]!;
    const logK = x[1]!;
    const gradient = new Float64Array(d + 2);
    let value = 0;
    for (let i = 0; i < n; i++) {
      let tw = 0;
      for (let j = 0; j < d; j++) tw += x[2 + j]! * ws[i * d + j]!;
      const e = Math.exp(Math.min(50, logK + tw));
      const r = (c + e - y[i]!) / scale;
      value += r * r;
      const g = (2 * r) / scale;
      gradient[0] = gradient[0]! + g;
      gradient[1] = gradient[1]! + g * e;
      for (let j = 0; j < d; j++) gradient[2 + j] = gradient[2 + j]! + g * e * ws[i * d + j]!;
    }
    for (let j = 0; j < d; j++) {
      value += lambda * x[2 + j]! ** 2;
      gradient[2 + j] = gradient[2 + j]! + 2 * lambda * x[2 + j]!;
    }
    return { value, gradient };
  };
  let best: { x: Float64Array; value: number } | undefined;
  for (const offset of [0.5, 2, 0.1]) {
    const c0 = min - offset * spread;
    const x0 = new Float64Array(d + 2);
    x0[0] = c0;
    x0[1] = Math.log(Math.max(1e-12, mean - c0));
    const result = minimize(objective, x0, { maxIterations: 300, relativeTolerance: 1e-12, gradientTolerance: 1e-9 });
    if (Number.isFinite(result.value) && (!best || result.value < best.value)) best = { x: result.x, value: result.value };
  }
  if (!best) throw new CoreInputError('fitMixingLaw: the fit did not produce a finite loss');
  return { c: best.x[0]!, k: Math.exp(best.x[1]!), t: best.x.slice(2) };
}

export function predictMixingLaw(law: MixingLaw, ws: Float64Array, d: number): Float64Array {
  const n = ws.length / d;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let tw = 0;
    for (let j = 0; j < d; j++) tw += law.t[j]! * ws[i * d + j]!;
    out[i] = law.c + law.k * Math.exp(tw);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Regression methods at the target: a few random rows first, then greedily the row the fitted law predicts best.

function packWeights(rows: readonly { readonly w: Float64Array }[], d: number): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((r, i) => out.set(r.w, i * d));
  return out;
}

/** 'prediction': argmin of the model's prediction only; 'value-or-prediction' (default): measured values win */
export type RecommendRule = 'prediction' | 'value-or-prediction';

function regressionMethod(name: string, initial: number, options: { recommendRule?: RecommendRule }, predict: (train: Float64Array, y: Float64Array, d: number, at: Float64Array) => Float64Array): SelectionMethod {
  return {
    name,
    start(seed, d) {
      const rng = new Rng(seed);
      const predictFor = (observations: readonly ObservedRow[], target: Fidelity, at: Float64Array): Float64Array | undefined => {
        const seen = atTarget(observations, target);
        if (seen.length < initial) return undefined;
        return predict(packWeights(seen, d), Float64Array.from(seen, (o) => o.y), d, at);
      };
      return {
        choose(input) {
          const pool = targetIndices(input.candidates, input.target);
          if (pool.length === 0) return -1;
          const rows = pool.map((i) => input.candidates[i]!);
          const predicted = predictFor(input.observations, input.target, packWeights(rows, d));
          if (!predicted) return pool[rng.int(pool.length)]!;
          return pool[argmin(predicted)]!;
        },
        recommend(input) {
          const ws = packWeights(input.targetRows.map((w) => ({ w })), d);
          const predicted = predictFor(input.observations, input.target, ws);
          if (!predicted) return bestObservedTargetRow(input, rng);
          return options.recommendRule === 'prediction' ? argmin(predicted) : recommendByValueOrPrediction(input, predicted);
        },
      };
    },
  };
}

/** RegMix at the target: ridge linear regression; `initial` random target rows before the first fit. */
export function regmixMethod(options: { initial?: number; lambda?: number; recommendRule?: RecommendRule } = {}): SelectionMethod {
  const lambda = options.lambda ?? 1e-3;
  return regressionMethod('regmix', options.initial ?? 3, options, (train, y, d, at) => predictLinear(fitLinear(train, y, d, lambda), at, d));
}

/** Data Mixing Law at the target; `initial` random target rows before the first fit. */
export function mixingLawMethod(options: { initial?: number; lambda?: number; recommendRule?: RecommendRule } = {}): SelectionMethod {
  const lambda = options.lambda ?? 1e-4;
  return regressionMethod('dml', options.initial ?? 3, options, (train, y, d, at) => predictMixingLaw(fitMixingLaw(train, y, d, lambda), at, d));
}

// ---------------------------------------------------------------------------------------------------------------
// GP Bayesian optimisation over the rows

export interface GpMethodOptions {
  readonly name?: string;
  /** 'all': multi-fidelity (any row); 'target': single-fidelity BO at the target only */
  readonly fidelities: 'all' | 'target';
  readonly acquisition?: AcquisitionName | 'auto';
  /** UCB's beta */
  readonly beta?: number;
  readonly incumbent?: 'observed' | 'posterior-mean';
  readonly noiselessMes?: boolean;
  readonly plainMes?: boolean;
  /** GP config; the mean defaults to quadratic (see gp.ts) when more than one fidelity is observed (as the engine) */
  readonly config?: Partial<GpConfig>;
  /** re-optimise hyperparameters every this many steps (warm-started); in between they are kept fixed */
  readonly refitEvery?: number;
  /** at most this many observations of each non-target fidelity enter the fit (most recent kept) */
  readonly maxPerFidelity?: number;
  /** L-BFGS iterations of a warm refit */
  readonly refitIterations?: number;
  readonly recommendRule?: RecommendRule;
  /**
   * Model log(y) when every observed y is positive (losses), as the engine does (src/engine/scale.ts). Default true.
   * Rankings and the row chosen by value are unchanged by it; the fit and the acquisition are not.
   */
  readonly logObjective?: boolean;
  /**
   * Multi-fidelity only: once the target has TRANSFER_CHECK_MIN_TARGET_RUNS runs, choose and recommend with a model
   * of the target runs alone wherever it predicts them at least as well as the model of all fidelities
   * (core/transfer.ts), as the engine does. Default true (false: an ablation, bench/RESULTS.md).
   */
  readonly transferCheck?: boolean;
  /**
   * Multi-fidelity only: suggest below the target only while their spend is under PROXY_SPEND_RATIO of the
   * target's (core/proxies.ts), as the engine does. Default true (false: an ablation).
   */
  readonly proxyCap?: boolean;
  /**
   * When the acquisition picks a target row and the recommendation rule would pick a target row not yet run, run
   * that row instead, as the engine does (engine.ts recommendationFirst). Default true (false: an ablation).
   */
  readonly verify?: boolean;
}

/** The unmeasured target row the recommendation rule would pick (its prediction below every measured value), if any. */
function verifiedRow(model: { posterior(p: PointSet): { mean: Float64Array } }, candidates: readonly CandidateRow[], idx: readonly number[], measured: readonly ObservedRow[], target: Fidelity, d: number): number | undefined {
  const post = model.posterior(pointsFromRows(d, idx.map((i) => ({ w: candidates[i]!.w, s: target.s, z: target.z }))));
  let best = 0;
  for (let k = 1; k < idx.length; k++) if (post.mean[k]! < post.mean[best]!) best = k;
  const measuredBest = measured.reduce((m, r) => Math.min(m, r.y), Infinity);
  return post.mean[best]! < measuredBest ? idx[best] : undefined;
}

/** The observed rows at their own fidelities. */
const pointsOf = (rows: readonly ObservedRow[], d: number): PointSet => pointsFromRows(d, rows.map((r) => ({ w: r.w, s: r.fidelity.s, z: r.fidelity.z })));

/** Replay rows as the core's observations (on the model's scale, as the rows are). */
function observationsOf(rows: readonly ObservedRow[]): Observation[] {
  return rows.map((r) => ({ w: r.w, s: r.fidelity.s, z: r.fidelity.z, y: r.y }));
}

/** What the replay has spent at the target and below it (rows' own costs where the table gives them). */
function spendSplit(observations: readonly ObservedRow[], target: Fidelity): SpendSplit {
  let atTargetSpend = 0;
  let cheaper = 0;
  for (const o of observations) {
    if (sameFidelity(o.fidelity, target)) atTargetSpend += o.cost ?? target.cost;
    else cheaper += o.cost ?? o.fidelity.cost;
  }
  return { target: atTargetSpend, cheaper };
}

export function gpMethod(options: GpMethodOptions): SelectionMethod {
  const refitEvery = Math.max(1, options.refitEvery ?? 3);
  return {
    name: options.name ?? (options.fidelities === 'all' ? 'mixopt-mf' : 'mixopt-sf'),
    start(seed, d) {
      let hyperparameters: GpHyperparameters | undefined;
      let fittedInLog = false;
      let fits = 0;
      const rng = new Rng(seed);
      const space: MixtureSpace = { d, lower: new Float64Array(d), upper: new Float64Array(d).fill(1) };
      const train = (observations: readonly ObservedRow[], target: Fidelity): { rows: ObservedRow[]; config: GpConfig; toModel: (y: number) => number } => {
        let rows = options.fidelities === 'target' ? atTarget(observations, target) : [...observations];
        if (options.maxPerFidelity !== undefined) {
          const limit = options.maxPerFidelity;
          const counts = new Map<string, number>();
          const kept: ObservedRow[] = [];
          for (let i = rows.length - 1; i >= 0; i--) {
            const r = rows[i]!;
            const key = `${r.fidelity.s}:${r.fidelity.z}`;
            const c = counts.get(key) ?? 0;
            if (sameFidelity(r.fidelity, target) || c < limit) {
              kept.push(r);
              counts.set(key, c + 1);
            }
          }
          rows = kept.reverse();
        }
        const fidelitiesSeen = new Set(rows.map((r) => `${r.fidelity.s}:${r.fidelity.z}`)).size;
        const config: GpConfig = {
          mixtureKernel: 'rbf',
          ard: false,
          fidelityKernel: 'rbf',
          mean: fidelitiesSeen > 1 ? 'quadratic' : 'constant',
          ...MODEL_DEFAULTS,
          ...options.config,
        };
        const log = (options.logObjective ?? true) && rows.length > 0 && rows.every((r) => r.y > 0);
        const toModel = log ? Math.log : (y: number): number => y;
        // the warm start belongs to one output scale
        if (log !== fittedInLog) hyperparameters = undefined;
        fittedInLog = log;
        return { rows: log ? rows.map((r) => ({ ...r, y: Math.log(r.y) })) : rows, config, toModel };
      };
      const fit = (rows: readonly ObservedRow[], config: GpConfig) => {
        const warm = hyperparameters && hyperparameters.config.mean === config.mean ? hyperparameters : undefined;
        const refit = !warm || fits % refitEvery === 0;
        fits++;
        const model = fitGp(pointsOf(rows, d), Float64Array.from(rows, (r) => r.y), config, {
          seed,
          ...(warm ? { warmStart: warm, fixed: !refit, maxIterations: options.refitIterations ?? 30 } : { restarts: 1 }),
        });
        if (refit || !warm) hyperparameters = model.hyperparameters();
        return model;
      };
      const targetModel = (rows: readonly ObservedRow[], target: Fidelity, all: ReturnType<typeof fitGp>, config: GpConfig): ReturnType<typeof fitGp> | undefined =>
        options.fidelities === 'all' && options.transferCheck !== false ? transferGate(all, observationsOf(rows), target, config, seed).targetModel : undefined;
      return {
        choose(input) {
          const idx = targetIndices(input.candidates, input.target);
          if (options.fidelities === 'target' && idx.length === 0) return -1;
          const { rows: allRows, config } = train(input.observations, input.target);
          if (allRows.length === 0) return idx.length > 0 ? idx[rng.int(idx.length)]! : rng.int(input.candidates.length);
          const fittedAll = fit(allRows, config);
          const own = targetModel(allRows, input.target, fittedAll, config);
          const targetOnly = options.fidelities === 'target' || own !== undefined;
          if (targetOnly && idx.length === 0) return -1;
          const model = own ?? fittedAll;
          const rows = own ? allRows.filter((r) => sameFidelity(r.fidelity, input.target)) : allRows;
          const capped = !targetOnly && idx.length > 0 && options.proxyCap !== false && !cheaperRunsAllowed(spendSplit(input.observations, input.target), input.target.cost);
          const fidelities = targetOnly || capped ? [input.target] : input.fidelities;
          const candidates = targetOnly || capped ? input.candidates.filter((c) => sameFidelity(c.fidelity, input.target)) : input.candidates;
          const observations = observationsOf(rows);
          const picked = suggest(model, {
            space,
            fidelities,
            target: input.target,
            observations,
            acquisition: options.acquisition ?? 'auto',
            ...(options.beta !== undefined ? { beta: options.beta } : {}),
            ...(options.incumbent !== undefined ? { incumbent: options.incumbent } : {}),
            ...(options.noiselessMes ? { noiselessMes: true } : {}),
            ...(options.plainMes ? { plainMes: true } : {}),
            ...(input.budget > 0 ? { maxCost: Math.max(0, input.budget - input.spent) } : {}),
            batch: 1,
            budgetUsedFraction: input.budget > 0 ? Math.min(1, input.spent / input.budget) : 0,
            seed: seed + input.observations.length,
            candidates,
          })[0];
          if (!picked) return -1;
          // discrete mode returns the candidate's own weight array
          const byValue = input.candidates.findIndex((c) => c.w === picked.w && sameFidelity(c.fidelity, picked.fidelity));
          if (options.verify !== false && sameFidelity(picked.fidelity, input.target) && idx.length > 0) {
            const unmeasured = verifiedRow(model, input.candidates, idx, atTarget(rows, input.target), input.target, d);
            if (unmeasured !== undefined) return unmeasured;
          }
          return byValue;
        },
        recommend(input) {
          const { rows: allRows, config, toModel } = train(input.observations, input.target);
          if (allRows.length === 0) return bestObservedTargetRow(input, rng);
          const warm = hyperparameters && hyperparameters.config.mean === config.mean ? hyperparameters : undefined;
          const fittedAll = fitGp(pointsOf(allRows, d), Float64Array.from(allRows, (r) => r.y), config, warm ? { warmStart: warm, fixed: true } : { seed, restarts: 1 });
          const own = targetModel(allRows, input.target, fittedAll, config);
          const model = own ?? fittedAll;
          const rows = own ? allRows.filter((r) => sameFidelity(r.fidelity, input.target)) : allRows;
          const observations = observationsOf(rows);
          if (options.recommendRule === 'prediction') return recommend(model, { space, target: input.target, observations, candidates: input.targetRows }).index ?? 0;
          const d2 = d + 2;
          const data = new Float64Array(input.targetRows.length * d2);
          input.targetRows.forEach((w, i) => {
            data.set(w, i * d2);
            data[i * d2 + d] = input.target.s;
            data[i * d2 + d + 1] = input.target.z;
          });
          return recommendByValueOrPrediction(input, model.posterior({ n: input.targetRows.length, d, data }).mean, toModel);
        },
      };
    },
  };
}
