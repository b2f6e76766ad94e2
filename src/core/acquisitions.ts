// Acquisition objects over the PosteriorModel contract (BoTorch's Model.posterior -> Acquisition split): each one
// scores mixtures at a fidelity by reading only the model's posterior (mean, variance, cross-covariance with the
// target), so it is tested against a hand-made posterior without fitting anything. The closed forms they use
// (LogEI, UCB, MES gain, min-value samples) are in acquisition.ts; the driver that proposes candidates, fantasises
// pending trials and picks is suggest.ts.
//
// Conventions: the core minimises; every score is "higher is better". `ws` holds `count` mixtures row-major
// (count x d); a score has length count.
import {
  costExponent,
  logEiPerCost,
  logExpectedImprovement,
  lowerConfidenceBound,
  maxValueEntropyGain,
  sampleMinValues,
} from './acquisition';
import { mixturesAt, rowsAt } from './points';
import type { AcquisitionName, Fidelity, MarginalPosterior, Observation, PosteriorModel } from './types';

export const sameFidelity = (a: Fidelity, b: Fidelity): boolean => a.s === b.s && a.z === b.z;

export interface Acquisition {
  readonly name: AcquisitionName;
  /**
   * Values (higher is better) of `count` mixtures (row-major in ws) at `fidelity`. `atTarget`, when given, is the
   * posterior of the same mixtures at the target (saves MES one posterior per call; the others ignore it).
   */
  score(ws: Float64Array, count: number, fidelity: Fidelity, atTarget?: MarginalPosterior): Float64Array;
  /** The best of `count` mixtures at `fidelity`: its index and value (ties: the first). */
  best(ws: Float64Array, count: number, fidelity: Fidelity, atTarget?: MarginalPosterior): { index: number; value: number };
  /** A value of a row at `fidelity` re-expressed for the row's own cost (measured run times differ). */
  perRowCost(value: number, fidelity: Fidelity, cost: number | undefined): number;
}

/** The value EI improves on at a fidelity (minimisation). */
export type Incumbent = (fidelity: Fidelity) => number;

/** Index and value of the largest entry (ties: the first). */
function argmax(values: Float64Array): { index: number; value: number } {
  let index = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[index]!) index = i;
  return { index, value: values[index]! };
}

/**
 * EI's incumbent at fidelity f: the best observed value there (default), or with `posterior-mean` the best posterior
 * mean at the mixtures measured there (plug-in incumbent, Picheny et al. 2013: the smallest NOISY value is an
 * optimistic minimum, and EI against it keeps exploring where the noise is large against the objective's spread).
 * Nothing observed at f: the best posterior mean at f over all observed mixtures (0 with no observations).
 */
export function observedIncumbent(model: PosteriorModel, d: number, observations: readonly Observation[], mode: 'observed' | 'posterior-mean' = 'observed'): Incumbent {
  return (f) => {
    let best = Infinity;
    if (mode === 'posterior-mean') {
      const here = observations.filter((o) => o.s === f.s && o.z === f.z);
      if (here.length > 0) best = Math.min(...model.posterior(rowsAt(d, here, f.s, f.z)).mean);
    } else {
      for (const o of observations) if (o.s === f.s && o.z === f.z) best = Math.min(best, o.y);
    }
    if (best === Infinity && observations.length > 0) best = Math.min(...model.posterior(rowsAt(d, observations, f.s, f.z)).mean);
    return best === Infinity ? 0 : best;
  };
}

/** What every acquisition over a posterior shares: the model, the number of domains, the incumbent. */
abstract class PosteriorAcquisition implements Acquisition {
  abstract readonly name: AcquisitionName;

  constructor(
    protected readonly model: PosteriorModel,
    protected readonly d: number,
    protected readonly incumbent: Incumbent,
  ) {}

  /** Posterior at the mixtures and the incumbent at the fidelity, in that order (see UpperConfidenceBound). */
  protected posteriorAndIncumbent(ws: Float64Array, count: number, fidelity: Fidelity): { post: MarginalPosterior; best: number } {
    const post = this.model.posterior(mixturesAt(this.d, ws, count, fidelity.s, fidelity.z));
    return { post, best: this.incumbent(fidelity) };
  }

  abstract score(ws: Float64Array, count: number, fidelity: Fidelity, atTarget?: MarginalPosterior): Float64Array;

  best(ws: Float64Array, count: number, fidelity: Fidelity, atTarget?: MarginalPosterior): { index: number; value: number } {
    return argmax(this.score(ws, count, fidelity, atTarget));
  }

  perRowCost(value: number, _fidelity: Fidelity, _cost: number | undefined): number {
    return value;
  }
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
 * against 18 or more with beta = 1, so it stays 1 there (MULTI_FIDELITY_UCB_BETA).
 */
export const DEFAULT_UCB_BETA = 0.5;
export const MULTI_FIDELITY_UCB_BETA = 1;

/** Lower confidence bound for minimisation, negated: -(mean - beta sd). Ignores cost. */
export class UpperConfidenceBound extends PosteriorAcquisition {
  readonly name = 'ucb' as const;

  constructor(model: PosteriorModel, d: number, incumbent: Incumbent, private readonly beta: number) {
    super(model, d, incumbent);
  }

  score(ws: Float64Array, count: number, fidelity: Fidelity): Float64Array {
    // UCB does not use the incumbent. It is still evaluated (as before acquisitions were objects) because it may
    // query the posterior, and the exact GP switches from forward substitution to its cached L^-1 after enough
    // queried points, which moves the last bits of later posteriors: dropping it would change replays bit for bit.
    const { post } = this.posteriorAndIncumbent(ws, count, fidelity);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = lowerConfidenceBound(post.mean[i]!, Math.sqrt(post.variance[i]!), this.beta);
    return out;
  }
}

/** log EI below the incumbent (single fidelity; Jones et al. 1998 in BoTorch's stable log form). Ignores cost. */
export class LogExpectedImprovement extends PosteriorAcquisition {
  readonly name = 'logei' as const;

  score(ws: Float64Array, count: number, fidelity: Fidelity): Float64Array {
    const { post, best } = this.posteriorAndIncumbent(ws, count, fidelity);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = logExpectedImprovement(post.mean[i]!, Math.sqrt(post.variance[i]!), best);
    return out;
  }
}

/** log(EI / c^alpha) with alpha decaying as the budget is spent (MFMS-GP; acquisition.ts costExponent). */
export class LogExpectedImprovementPerCost extends PosteriorAcquisition {
  readonly name = 'ei-per-cost' as const;
  private readonly alpha: number;

  constructor(model: PosteriorModel, d: number, incumbent: Incumbent, budgetUsedFraction: number) {
    super(model, d, incumbent);
    this.alpha = costExponent(budgetUsedFraction);
  }

  score(ws: Float64Array, count: number, fidelity: Fidelity): Float64Array {
    const { post, best } = this.posteriorAndIncumbent(ws, count, fidelity);
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = logEiPerCost(post.mean[i]!, Math.sqrt(post.variance[i]!), best, fidelity.cost, this.alpha);
    return out;
  }

  override perRowCost(value: number, fidelity: Fidelity, cost: number | undefined): number {
    if (cost === undefined || cost === fidelity.cost || !(cost > 0)) return value;
    return value + this.alpha * (Math.log(fidelity.cost) - Math.log(cost));
  }
}

/** Min-value samples for MES and the target posterior they came from (of the candidates, then of target runs). */
export interface MinValueSamples {
  readonly minValues: number[];
  /** posterior at the target of the `count` candidate mixtures */
  readonly atTarget: MarginalPosterior;
}

const PRUNE_CHUNK = 64;
const MIN_VALUE_SAMPLES = 10;

/**
 * Multi-fidelity max-value entropy search per unit cost (ADMIRE-BayesOpt eq. 7-9): information about the target
 * minimum f* from a NOISY observation y = f_m(x) + eps (Takeno et al. 2020, MF-MES eq. 6), divided by the
 * fidelity's cost: rho = cov(y, f_target) / (sd_T sd_y) with sd_y^2 = var_m + noise. Leaving the noise out
 * overstates what one run tells where the objective is noisy against its spread.
 */
export class MaxValueEntropySearch implements Acquisition {
  readonly name = 'mes' as const;
  private readonly noise: number;
  private readonly targetGainCache = new WeakMap<MarginalPosterior, Float64Array>();

  constructor(
    private readonly model: PosteriorModel,
    private readonly d: number,
    private readonly target: Fidelity,
    private readonly minValues: readonly number[],
    options: { readonly noiseless?: boolean } = {},
  ) {
    this.noise = options.noiseless ? 0 : Math.max(0, model.noiseVariance);
  }

  /**
   * Samples of the target minimum (Wang & Jegelka's Gumbel approximation, acquisition.ts) over the candidates'
   * target copies and the mixtures already run at the target; never above the best target observation.
   */
  static minValueSamples(model: PosteriorModel, d: number, target: Fidelity, ws: Float64Array, count: number, observations: readonly Observation[]): MinValueSamples {
    const extra = observations.filter((o) => o.s === target.s && o.z === target.z);
    const all = new Float64Array((count + extra.length) * d);
    all.set(ws.subarray(0, count * d));
    extra.forEach((o, i) => all.set(o.w, (count + i) * d));
    const tp = model.posterior(mixturesAt(d, all, count + extra.length, target.s, target.z));
    const incumbent = extra.length > 0 ? Math.min(...extra.map((o) => o.y)) : Infinity;
    const u = Array.from({ length: MIN_VALUE_SAMPLES }, (_, k) => (k + 0.5) / MIN_VALUE_SAMPLES);
    return {
      minValues: sampleMinValues(tp.mean, Array.from(tp.variance, Math.sqrt), incumbent, u),
      atTarget: { mean: tp.mean.subarray(0, count), variance: tp.variance.subarray(0, count) },
    };
  }

  score(ws: Float64Array, count: number, fidelity: Fidelity, atTarget?: MarginalPosterior): Float64Array {
    const { model, d, target, minValues } = this;
    const out = new Float64Array(count);
    const at = mixturesAt(d, ws, count, fidelity.s, fidelity.z);
    const targetRows = (): ReturnType<typeof mixturesAt> => mixturesAt(d, ws, count, target.s, target.z);
    // At a cheap fidelity MES also needs the target copies and their covariance with `at`: one joint call
    // whitens each set once (posterior + crossCovarianceDiag would whiten `at` twice).
    const isTarget = sameFidelity(fidelity, target);
    const joint = !isTarget && model.jointPosterior !== undefined ? model.jointPosterior(at, targetRows()) : undefined;
    const post = joint ? joint.first : isTarget && atTarget ? atTarget : model.posterior(at);
    const targetPost = isTarget ? post : (atTarget ?? joint?.second ?? model.posterior(targetRows()));
    const cross = isTarget ? post.variance : (joint?.crossCovariance ?? model.crossCovarianceDiag(at, targetRows()));
    const gammas = new Array<number>(minValues.length);
    for (let i = 0; i < count; i++) {
      const sdT = Math.sqrt(targetPost.variance[i]!);
      const sdM = Math.sqrt(post.variance[i]!);
      if (!(sdT > 1e-12) || !(sdM > 1e-12)) {
        out[i] = 0;
        continue;
      }
      const rho = Math.min(1, Math.max(-1, cross[i]! / (sdT * Math.sqrt(post.variance[i]! + this.noise))));
      for (let k = 0; k < minValues.length; k++) gammas[k] = (minValues[k]! - targetPost.mean[i]!) / sdT;
      out[i] = maxValueEntropyGain(gammas, rho) / fidelity.cost;
    }
    return out;
  }

  /**
   * With the candidates' target posterior: the best at a cheap fidelity without scoring every candidate. The gain
   * of a correlated observation never exceeds that of observing the target itself (it is non-decreasing in rho; see
   * the acquisition tests), so gain_target(x) / cost bounds the score at any fidelity: candidates are scored in
   * order of that bound and the scan stops when the bound falls to the best score found. Exact, and at a cheap
   * fidelity it usually scores a small fraction of them (each score there costs two posterior evaluations).
   */
  best(ws: Float64Array, count: number, fidelity: Fidelity, atTarget?: MarginalPosterior): { index: number; value: number } {
    if (atTarget === undefined || sameFidelity(fidelity, this.target)) return argmax(this.score(ws, count, fidelity, atTarget));
    const d = this.d;
    const gains = this.targetGains(atTarget);
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
      const values = this.score(rows, chunk.length, fidelity, chunkAtTarget);
      values.forEach((v, k) => {
        if (v > value) {
          value = v;
          index = chunk[k]!;
        }
      });
    }
    return { index, value };
  }

  perRowCost(value: number, fidelity: Fidelity, cost: number | undefined): number {
    if (cost === undefined || cost === fidelity.cost || !(cost > 0)) return value;
    return (value * fidelity.cost) / cost;
  }

  /** MES of observing the target itself (rho = 1) at each candidate, from the candidates' target posterior. */
  private targetGains(atTarget: MarginalPosterior): Float64Array {
    const cached = this.targetGainCache.get(atTarget);
    if (cached) return cached;
    const gains = new Float64Array(atTarget.mean.length);
    const gammas = new Array<number>(this.minValues.length);
    for (let i = 0; i < gains.length; i++) {
      const sd = Math.sqrt(atTarget.variance[i]!);
      if (!(sd > 1e-12)) continue;
      for (let k = 0; k < this.minValues.length; k++) gammas[k] = (this.minValues[k]! - atTarget.mean[i]!) / sd;
      gains[i] = maxValueEntropyGain(gammas, 1);
    }
    this.targetGainCache.set(atTarget, gains);
    return gains;
  }
}

/**
 * How a candidate is chosen at each fidelity: `value` scores and compares candidates across fidelities; where
 * `locatorAt(f)` gives an acquisition, that one finds the mixture at f (its argmax, refined) and `value` then
 * values only the mixture it found.
 */
export interface Selector {
  readonly value: Acquisition;
  locatorAt(fidelity: Fidelity): Acquisition | undefined;
}

/** One acquisition does both. */
export function plainSelector(acquisition: Acquisition): Selector {
  return { value: acquisition, locatorAt: () => undefined };
}

/**
 * The multi-fidelity default (`auto` with cheaper sizes): the target candidate is the UCB winner at the target,
 * valued by its MES per cost, while cheap sizes compete with their best MES per cost (exploration where it is
 * cheap, target runs where the model puts the optimum).
 */
export function targetByUcbThenMes(mes: MaxValueEntropySearch, ucb: UpperConfidenceBound, target: Fidelity): Selector {
  return { value: mes, locatorAt: (f) => (sameFidelity(f, target) ? ucb : undefined) };
}
