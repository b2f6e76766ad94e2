// Choosing the next trial(s): score candidate mixtures at every fidelity with the acquisition, refine the best on
// the simplex, and for a batch condition on each pick as a fantasy so the next pick goes elsewhere.
import {
  costExponent,
  logEiPerCost,
  logExpectedImprovement,
  lowerConfidenceBound,
  maxValueEntropyGain,
  sampleMinValues,
} from './acquisition';
import { boxFor, projectToBox, refineOnSimplex, sampleMixtures, validateRows } from './simplex';
import type { Box } from './simplex';
import type { AcquisitionName, Candidate, Fidelity, MarginalPosterior, MixtureSpace, Observation, PointSet, PosteriorModel } from './types';
import { CoreInputError } from './types';

export interface SuggestInput {
  readonly space: MixtureSpace;
  readonly fidelities: readonly Fidelity[];
  readonly target: Fidelity;
  readonly observations: readonly Observation[];
  /** accepted but unfinished trials: conditioned on as fantasies */
  readonly pending?: readonly { readonly w: Float64Array; readonly fidelity: Fidelity }[];
  readonly acquisition: AcquisitionName | 'auto';
  readonly batch: number;
  readonly budgetUsedFraction?: number;
  readonly seed?: number;
  /** discrete mode: choose among these rows only */
  readonly candidates?: readonly { readonly w: Float64Array; readonly fidelity: Fidelity; /** this row's own cost (default: its fidelity's) */ readonly cost?: number }[];
  /** candidate mixtures scored per step in continuous mode (default scales with the model's size) */
  readonly samples?: number;
  /** domain names, for error messages */
  readonly names?: readonly string[];
  /**
   * Only fidelities (and discrete candidates) costing at most this are proposed: the budget left after spent and
   * pending runs, in the fidelities' cost unit. None fits: no suggestion. Default: no limit.
   */
  readonly maxCost?: number;
  /**
   * `auto` with cheaper sizes: the target candidate is the UCB winner at the target, valued by its MES per cost,
   * while cheap sizes compete with their best MES per cost (exploration where it is cheap, target runs where the
   * model puts the optimum). Set to use plain MES at the target too (ablation).
   */
  readonly plainMes?: boolean;
  /** MES as if observations were noise-free (ablation of the noise-aware gain) */
  readonly noiselessMes?: boolean;
  /** EI's incumbent: the best observed value (default) or the best posterior mean at the observed mixtures */
  readonly incumbent?: 'observed' | 'posterior-mean';
  /** UCB's beta (default 2) */
  readonly beta?: number;
}

/**
 * `auto`: multi-fidelity MES per unit cost when some fidelity is cheaper than the target (it values what a cheap
 * run says about the target optimum through the model's cross-fidelity correlation, ADMIRE-BayesOpt); LogEI when
 * only the target can be run (plain single-fidelity BO).
 */
export function resolveAcquisition(name: AcquisitionName | 'auto', fidelities: readonly Fidelity[], target: Fidelity): AcquisitionName {
  if (name !== 'auto') return name;
  return fidelities.some((f) => f.cost < target.cost * 0.999) ? 'mes' : 'ucb';
}

/**
 * UCB's beta when none is given: mean - beta sd. EI and MES at the target explore far from the data in 17-64
 * dimensions, where each run costs a lot and the objective is noisy against its spread; a small beta spends the
 * target runs where the model believes the optimum is (on the RegMix and Olmix tables LogEI took 1.5-2.5x the
 * runs of beta = 0.5-1 to find the best row; bench/RESULTS.md). Exploration is left to cheap sizes, in `auto`.
 * At the target alone, against beta = 1, beta = 0.5 took fewer runs on 5 of 10 single-fidelity tables
 * (synthetic-d64 86 -> 74, synthetic-bias1 15.6 -> 11.6, RegMix mean 20.5 -> 19, freelaw 11 -> 10, Olmix
 * 14 -> 13), the same on 4 and more on synthetic-noise (13.6 -> 15.1), 10 seeds each. With cheaper fidelities,
 * where UCB only locates the target candidate that MES per cost then values, beta = 0.5 reached the optimum of
 * the continuous d = 17 problem (test/unit/core/synthetic.unit.test.ts) before random search in 17 of 20 seeds
 * against 18 or more with beta = 1, so it stays 1 there.
 */
export const DEFAULT_UCB_BETA = 0.5;
export const MULTI_FIDELITY_UCB_BETA = 1;

function packRows(d: number, ws: Float64Array, count: number, s: number, z: number): PointSet {
  const dim = d + 2;
  const data = new Float64Array(count * dim);
  for (let i = 0; i < count; i++) {
    data.set(ws.subarray(i * d, i * d + d), i * dim);
    data[i * dim + d] = s;
    data[i * dim + d + 1] = z;
  }
  return { n: count, d, data };
}

const sameFidelity = (a: Fidelity, b: Fidelity): boolean => a.s === b.s && a.z === b.z;

interface Scorer {
  /**
   * acquisition values (higher is better) of `count` mixtures (row-major) at `fidelity`; `targetPosterior`, when
   * given, is the posterior of the same mixtures at the target (saves MES one posterior per fidelity)
   */
  score(ws: Float64Array, count: number, fidelity: Fidelity, targetPosterior?: MarginalPosterior): Float64Array;
}

function makeScorer(model: PosteriorModel, input: SuggestInput, acquisition: AcquisitionName, minValues: readonly number[], bestByFidelity: (f: Fidelity) => number): Scorer {
  const d = input.space.d;
  const alpha = costExponent(input.budgetUsedFraction ?? 0);
  const beta = input.beta ?? (input.fidelities.some((f) => !sameFidelity(f, input.target)) ? MULTI_FIDELITY_UCB_BETA : DEFAULT_UCB_BETA);
  return {
    score(ws, count, fidelity, targetPosterior) {
      const out = new Float64Array(count);
      const at = packRows(d, ws, count, fidelity.s, fidelity.z);
      // MES at a cheap fidelity also needs the target copies and their covariance with `at`: one joint call
      // whitens each set once (posterior + crossCovarianceDiag would whiten `at` twice).
      const isTarget = sameFidelity(fidelity, input.target);
      const joint =
        acquisition === 'mes' && !isTarget && model.jointPosterior !== undefined
          ? model.jointPosterior(at, packRows(d, ws, count, input.target.s, input.target.z))
          : undefined;
      const post = joint ? joint.first : isTarget && targetPosterior && acquisition === 'mes' ? targetPosterior : model.posterior(at);
      if (acquisition === 'logei' || acquisition === 'ucb') {
        const best = bestByFidelity(fidelity);
        for (let i = 0; i < count; i++) {
          const sd = Math.sqrt(post.variance[i]!);
          out[i] = acquisition === 'logei' ? logExpectedImprovement(post.mean[i]!, sd, best) : lowerConfidenceBound(post.mean[i]!, sd, beta);
        }
        return out;
      }
      if (acquisition === 'ei-per-cost') {
        const best = bestByFidelity(fidelity);
        for (let i = 0; i < count; i++) out[i] = logEiPerCost(post.mean[i]!, Math.sqrt(post.variance[i]!), best, fidelity.cost, alpha);
        return out;
      }
      // MES per unit cost: information about the target minimum f* from a NOISY observation y = f_m(x) + eps
      // (Takeno et al. 2020, MF-MES eq. 6): rho = cov(y, f_target) / (sd_T sd_y) with sd_y^2 = var_m + noise.
      // Leaving the noise out overstates what one run tells where the objective is noisy against its spread.
      const targetPost = isTarget ? post : (targetPosterior ?? joint?.second ?? model.posterior(packRows(d, ws, count, input.target.s, input.target.z)));
      const cross = isTarget ? post.variance : (joint?.crossCovariance ?? model.crossCovarianceDiag(at, packRows(d, ws, count, input.target.s, input.target.z)));
      const noise = input.noiselessMes ? 0 : Math.max(0, model.noiseVariance);
      const gammas = new Array<number>(minValues.length);
      for (let i = 0; i < count; i++) {
        const sdT = Math.sqrt(targetPost.variance[i]!);
        const sdM = Math.sqrt(post.variance[i]!);
        if (!(sdT > 1e-12) || !(sdM > 1e-12)) {
          out[i] = 0;
          continue;
        }
        const rho = Math.min(1, Math.max(-1, cross[i]! / (sdT * Math.sqrt(post.variance[i]! + noise))));
        for (let k = 0; k < minValues.length; k++) gammas[k] = (minValues[k]! - targetPost.mean[i]!) / sdT;
        out[i] = maxValueEntropyGain(gammas, rho) / fidelity.cost;
      }
      return out;
    },
  };
}

const targetGainCache = new WeakMap<MarginalPosterior, Float64Array>();

/** MES of observing the target itself (rho = 1) at each pool point, from the pool's target posterior. */
function targetGains(atTarget: MarginalPosterior, minValues: readonly number[]): Float64Array {
  const cached = targetGainCache.get(atTarget);
  if (cached) return cached;
  const gains = new Float64Array(atTarget.mean.length);
  const gammas = new Array<number>(minValues.length);
  for (let i = 0; i < gains.length; i++) {
    const sd = Math.sqrt(atTarget.variance[i]!);
    if (!(sd > 1e-12)) continue;
    for (let k = 0; k < minValues.length; k++) gammas[k] = (minValues[k]! - atTarget.mean[i]!) / sd;
    gains[i] = maxValueEntropyGain(gammas, 1);
  }
  targetGainCache.set(atTarget, gains);
  return gains;
}

const PRUNE_CHUNK = 64;

/**
 * The pool point with the highest MES per cost at `fidelity`, without scoring every point there. The gain of a
 * correlated observation never exceeds that of observing the target itself (it is non-decreasing in rho; see
 * the acquisition tests), so gain_target(x) / cost bounds the score at any fidelity: points are scored in order
 * of that bound and the scan stops when the bound falls to the best score found. Exact, and at a cheap fidelity
 * it usually scores a small fraction of the pool (each score there costs two posterior evaluations).
 */
function bestMesInPool(
  scorer: Scorer,
  ws: Float64Array,
  count: number,
  d: number,
  fidelity: Fidelity,
  target: Fidelity,
  atTarget: MarginalPosterior,
  minValues: readonly number[],
): { index: number; value: number } {
  if (sameFidelity(fidelity, target)) {
    const values = scorer.score(ws, count, fidelity, atTarget);
    let index = 0;
    for (let i = 1; i < count; i++) if (values[i]! > values[index]!) index = i;
    return { index, value: values[index]! };
  }
  // Observing f_target without noise (rho = 1) bounds the gain of any observation.
  const gains = targetGains(atTarget, minValues);
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => gains[b]! - gains[a]! || a - b);
  let index = order[0] ?? 0;
  let value = -Infinity;
  for (let start = 0; start < count; start += PRUNE_CHUNK) {
    // 1e-4 nats of slack for the quadrature's error where rho is within ~1e-9 of 1
    if ((gains[order[start]!]! + 1e-4) / fidelity.cost <= value) break;
    const chunk = order.slice(start, start + PRUNE_CHUNK);
    const rows = new Float64Array(chunk.length * d);
    chunk.forEach((p, k) => rows.set(ws.subarray(p * d, p * d + d), k * d));
    const chunkAtTarget: MarginalPosterior = {
      mean: Float64Array.from(chunk, (p) => atTarget.mean[p]!),
      variance: Float64Array.from(chunk, (p) => atTarget.variance[p]!),
    };
    const values = scorer.score(rows, chunk.length, fidelity, chunkAtTarget);
    values.forEach((v, k) => {
      if (v > value) {
        value = v;
        index = chunk[k]!;
      }
    });
  }
  return { index, value };
}

function defaultSamples(n: number, d: number): number {
  // Posterior cost grows with n (one n-vector solve per point), so the pool shrinks as n grows; it never goes below
  // 256 (the pool the 17-domain synthetic benchmark test passes with) unless d is small. The refinement on the
  // simplex then polishes the pool's winners.
  const byN = Math.round(100_000 / Math.max(n, 60));
  return Math.max(Math.min(256, 64 * d), Math.min(1024, byN, 64 * d));
}

export function suggest(model: PosteriorModel, input: SuggestInput): Candidate[] {
  const d = input.space.d;
  if (input.fidelities.length === 0) throw new CoreInputError('suggest: no fidelities to choose from');
  if (!Number.isInteger(input.batch) || input.batch < 1) throw new CoreInputError(`suggest: batch must be a positive whole number, got ${input.batch}`);
  const acquisition = resolveAcquisition(input.acquisition, input.fidelities, input.target);
  // Which fidelities an acquisition may pick: cost-aware ones all, the others only the target.
  const costAware = acquisition === 'mes' || acquisition === 'ei-per-cost';
  const allowed = costAware ? input.fidelities : input.fidelities.filter((f) => sameFidelity(f, input.target));
  if (allowed.length === 0) throw new CoreInputError('suggest: the target fidelity is not among the fidelities');
  // What the batch may still spend; each pick takes its cost off (the budget left after spent and pending runs).
  let remaining = input.maxCost ?? Infinity;
  const fits = (cost: number): boolean => cost <= remaining * (1 + 1e-9);
  if (!allowed.some((f) => fits(f.cost))) return [];
  validateRows(input.observations, d, 'observation', 'suggest');
  validateRows(input.pending ?? [], d, 'pending trial', 'suggest');
  validateRows(input.candidates ?? [], d, 'candidate', 'suggest');
  const seed = input.seed ?? 0;

  // Reported means and stds come from the real posterior, not one biased by fantasy values.
  const real: PosteriorModel = model;
  let current: PosteriorModel = model;
  // What a pending trial is assumed to return. Plain MES: the posterior mean (kriging believer; its value
  // falls with the variance that the fantasy removes). EI and UCB: a pessimistic constant liar (CL-max, Ginsbourger et al.
  // 2010), the worst value seen at that fidelity (else mean + 2 std). Under a believer a pending point predicted
  // below the incumbent keeps EI >= best - mean > 0 and is picked again; the lie raises the mean around it instead.
  // UCB (and the UCB target choice of `auto`) with a small beta would pick a believed point again: it lies too.
  const targetByUcb = acquisition === 'mes' && input.acquisition === 'auto' && !input.plainMes;
  const eiFamily = acquisition === 'logei' || acquisition === 'ei-per-cost' || acquisition === 'ucb' || targetByUcb;
  const worstSeen = (s: number, z: number): number => {
    let worst = -Infinity;
    for (const o of input.observations) if (o.s === s && o.z === z) worst = Math.max(worst, o.y);
    return worst;
  };
  const fantasize = (rows: readonly { w: Float64Array; fidelity: Fidelity }[]): void => {
    if (rows.length === 0) return;
    const data = new Float64Array(rows.length * (d + 2));
    rows.forEach((r, i) => {
      data.set(r.w, i * (d + 2));
      data[i * (d + 2) + d] = r.fidelity.s;
      data[i * (d + 2) + d + 1] = r.fidelity.z;
    });
    const points: PointSet = { n: rows.length, d, data };
    const post = current.posterior(points);
    const values = eiFamily
      ? Float64Array.from(rows, (r, i) => {
          const worst = worstSeen(r.fidelity.s, r.fidelity.z);
          return worst > -Infinity ? Math.max(post.mean[i]!, worst) : post.mean[i]! + 2 * Math.sqrt(post.variance[i]!);
        })
      : post.mean;
    current = current.conditionOn(points, values);
  };
  fantasize(input.pending ?? []);

  const boxes = new Map<string, Box>();
  const boxOf = (f: Fidelity): Box => {
    let b = boxes.get(f.label);
    if (!b) {
      b = boxFor(input.space, f, input.names);
      boxes.set(f.label, b);
    }
    return b;
  };

  const chosen: Candidate[] = [];
  const usedDiscrete = new Set<number>();
  for (let step = 0; step < input.batch; step++) {
    const model = current;
    const fidelities = allowed.filter((f) => fits(f.cost));
    if (fidelities.length === 0) break;
    const bestByFidelity = (f: Fidelity): number => {
      let best = Infinity;
      if (input.incumbent === 'posterior-mean') {
        // Plug-in incumbent (Picheny et al. 2013): the best posterior mean at the mixtures measured at f. The
        // smallest NOISY value is an optimistic minimum, and EI against it keeps exploring where the noise is
        // large against the objective's spread.
        const here = input.observations.filter((o) => o.s === f.s && o.z === f.z);
        if (here.length > 0) {
          const ws = new Float64Array(here.length * d);
          here.forEach((o, i) => ws.set(o.w, i * d));
          best = Math.min(...model.posterior(packRows(d, ws, here.length, f.s, f.z)).mean);
        }
      } else {
        for (const o of input.observations) if (o.s === f.s && o.z === f.z) best = Math.min(best, o.y);
      }
      if (best === Infinity) {
        // Nothing observed there yet: improve on the best posterior mean at the observed mixtures.
        const obs = input.observations;
        if (obs.length > 0) {
          const ws = new Float64Array(obs.length * d);
          obs.forEach((o, i) => ws.set(o.w, i * d));
          const post = model.posterior(packRows(d, ws, obs.length, f.s, f.z));
          best = Math.min(...post.mean);
        }
      }
      return best === Infinity ? 0 : best;
    };

    // Candidate mixtures and min-value samples.
    let pool: { ws: Float64Array; count: number } | undefined;
    const discrete = input.candidates;
    if (!discrete) {
      const targetBox = boxOf(input.target);
      const count = input.samples ?? defaultSamples(model.n, d);
      pool = { ws: sampleMixtures(targetBox, count, seed * 1009 + step * 31 + 7), count };
    }
    let minValues: number[] = [];
    let poolAtTarget: MarginalPosterior | undefined;
    if (acquisition === 'mes') {
      const ws = pool ? pool.ws : new Float64Array((discrete?.length ?? 0) * d);
      const count = pool ? pool.count : (discrete?.length ?? 0);
      if (!pool && discrete) discrete.forEach((c, i) => ws.set(c.w, i * d));
      const extra = input.observations.filter((o) => o.s === input.target.s && o.z === input.target.z);
      const all = new Float64Array((count + extra.length) * d);
      all.set(ws.subarray(0, count * d));
      extra.forEach((o, i) => all.set(o.w, (count + i) * d));
      const tp = model.posterior(packRows(d, all, count + extra.length, input.target.s, input.target.z));
      if (pool) poolAtTarget = { mean: tp.mean.subarray(0, count), variance: tp.variance.subarray(0, count) };
      const incumbent = extra.length > 0 ? Math.min(...extra.map((o) => o.y)) : Infinity;
      const K = 10;
      minValues = sampleMinValues(tp.mean, Array.from(tp.variance, Math.sqrt), incumbent, Array.from({ length: K }, (_, k) => (k + 0.5) / K));
    }
    const scorer = makeScorer(model, input, acquisition, minValues, bestByFidelity);
    const ucb = targetByUcb ? makeScorer(model, input, 'ucb', [], bestByFidelity) : undefined;

    // A row with a cost of its own (measured run times differ): the cost-aware values are re-divided by it.
    const perRowCost = (value: number, fidelity: Fidelity, cost: number | undefined): number => {
      if (cost === undefined || cost === fidelity.cost || !(cost > 0)) return value;
      if (acquisition === 'mes') return (value * fidelity.cost) / cost;
      if (acquisition === 'ei-per-cost') return value + costExponent(input.budgetUsedFraction ?? 0) * (Math.log(fidelity.cost) - Math.log(cost));
      return value;
    };
    let best: { w: Float64Array; fidelity: Fidelity; value: number; index?: number; cost?: number } | undefined;
    if (discrete) {
      // Group rows by fidelity for batched posteriors.
      const groups = new Map<string, number[]>();
      discrete.forEach((c, i) => {
        if (usedDiscrete.has(i)) return;
        if (!fits(c.cost ?? c.fidelity.cost) || !fidelities.some((f) => sameFidelity(f, c.fidelity))) return;
        const key = c.fidelity.label;
        groups.set(key, [...(groups.get(key) ?? []), i]);
      });
      for (const idx of groups.values()) {
        const fidelity = discrete[idx[0]!]!.fidelity;
        const ws = new Float64Array(idx.length * d);
        idx.forEach((ri, k) => ws.set(discrete[ri]!.w, k * d));
        if (ucb && sameFidelity(fidelity, input.target)) {
          const optimism = ucb.score(ws, idx.length, fidelity);
          let arg = 0;
          for (let k = 1; k < idx.length; k++) if (optimism[k]! > optimism[arg]!) arg = k;
          const row = discrete[idx[arg]!]!;
          const value = perRowCost(scorer.score(ws.slice(arg * d, arg * d + d), 1, fidelity)[0]!, fidelity, row.cost);
          if (!best || value > best.value) best = { w: row.w, fidelity, value, index: idx[arg]!, ...(row.cost !== undefined ? { cost: row.cost } : {}) };
          continue;
        }
        const values = scorer.score(ws, idx.length, fidelity);
        values.forEach((raw, k) => {
          const row = discrete[idx[k]!]!;
          const v = perRowCost(raw, fidelity, row.cost);
          if (!best || v > best.value) best = { w: row.w, fidelity, value: v, index: idx[k]!, ...(row.cost !== undefined ? { cost: row.cost } : {}) };
        });
      }
    } else if (pool) {
      const top: { w: Float64Array; fidelity: Fidelity; value: number; refined?: boolean }[] = [];
      for (const fidelity of fidelities) {
        const box = boxOf(fidelity);
        const ws = new Float64Array(pool.count * d);
        const row = new Float64Array(d);
        for (let i = 0; i < pool.count; i++) {
          projectToBox(pool.ws.subarray(i * d, i * d + d), box, row);
          ws.set(row, i * d);
        }
        if (ucb && sameFidelity(fidelity, input.target)) {
          const optimism = ucb.score(ws, pool.count, fidelity);
          let arg = 0;
          for (let i = 1; i < pool.count; i++) if (optimism[i]! > optimism[arg]!) arg = i;
          const refined = refineOnSimplex(ws.slice(arg * d, arg * d + d), optimism[arg]!, box, (rows, count) => ucb.score(rows, count, fidelity), {
            rounds: model.n > 600 ? 4 : 8,
            movesPerRound: model.n > 600 ? 24 : 40,
            seed: seed + step,
          });
          top.push({ w: refined.w, fidelity, value: scorer.score(refined.w, 1, fidelity)[0]!, refined: true });
          continue;
        }
        // Projection returns feasible rows unchanged, so without availability caps these are the pool itself.
        const unchanged = ws.every((x, i) => x === pool.ws[i]);
        if (acquisition === 'mes' && unchanged && poolAtTarget) {
          const { index, value } = bestMesInPool(scorer, ws, pool.count, d, fidelity, input.target, poolAtTarget, minValues);
          top.push({ w: ws.slice(index * d, index * d + d), fidelity, value });
          continue;
        }
        const values = scorer.score(ws, pool.count, fidelity, unchanged ? poolAtTarget : undefined);
        let arg = 0;
        for (let i = 1; i < pool.count; i++) if (values[i]! > values[arg]!) arg = i;
        top.push({ w: ws.slice(arg * d, arg * d + d), fidelity, value: values[arg]! });
      }
      top.sort((a, b) => b.value - a.value);
      // Refine the two best fidelities' winners on the simplex; keep the best after refinement.
      for (const t of top.slice(0, 2)) {
        if (t.refined) {
          if (!best || t.value > best.value) best = { w: t.w, fidelity: t.fidelity, value: t.value };
          continue;
        }
        const refined = refineOnSimplex(t.w, t.value, boxOf(t.fidelity), (rows, count) => scorer.score(rows, count, t.fidelity), {
          rounds: model.n > 600 ? 4 : 8,
          movesPerRound: model.n > 600 ? 24 : 40,
          seed: seed + step,
        });
        if (!best || refined.score > best.value) best = { w: refined.w, fidelity: t.fidelity, value: refined.score };
      }
    }
    if (!best) break;
    const b: { w: Float64Array; fidelity: Fidelity; value: number; index?: number; cost?: number } = best;
    if (b.index !== undefined) usedDiscrete.add(b.index);
    const here = real.posterior(packRows(d, b.w, 1, b.fidelity.s, b.fidelity.z));
    const atTarget = real.posterior(packRows(d, b.w, 1, input.target.s, input.target.z));
    chosen.push({
      w: b.w,
      fidelity: b.fidelity,
      mean: here.mean[0]!,
      std: Math.sqrt(here.variance[0]!),
      targetMean: atTarget.mean[0]!,
      targetStd: Math.sqrt(atTarget.variance[0]!),
      acquisitionValue: b.value,
      acquisition,
    });
    remaining -= b.cost ?? b.fidelity.cost;
    if (step + 1 < input.batch) fantasize([{ w: b.w, fidelity: b.fidelity }]);
  }
  return chosen;
}

/** Index of a discrete candidate equal to `w` at `fidelity` (for replay benchmarks). */
export function indexOfCandidate(candidates: readonly { w: Float64Array; fidelity: Fidelity }[], c: { w: Float64Array; fidelity: Fidelity }): number {
  return candidates.findIndex((x) => x.fidelity.label === c.fidelity.label && x.w.every((v, i) => v === c.w[i]));
}
