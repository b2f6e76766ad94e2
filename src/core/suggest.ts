// Choosing the next trial(s), the driver over the acquisition objects (acquisitions.ts): propose candidate mixtures
// at every fidelity (a quasi-random pool on the simplex, or the given rows), let the selector find and value the
// best one per fidelity, refine the best on the simplex, and for a batch condition on each pick as a fantasy so the
// next pick goes elsewhere. Pending trials are fantasies from the start.
import {
  DEFAULT_UCB_BETA,
  LogExpectedImprovement,
  MULTI_FIDELITY_UCB_BETA,
  LogExpectedImprovementPerCost,
  MaxValueEntropySearch,
  UpperConfidenceBound,
  observedIncumbent,
  plainSelector,
  sameFidelity,
  targetByUcbThenMes,
} from './acquisitions';
import type { Incumbent, Selector } from './acquisitions';
import { mixturesAt, pointsFromRows } from './points';
import { boxFor, projectToBox, refineOnSimplex, sampleMixtures, validateRows } from './simplex';
import type { Box } from './simplex';
import type { AcquisitionName, Candidate, Fidelity, MarginalPosterior, MixtureSpace, Observation, PosteriorModel } from './types';
import { CoreInputError } from './types';

export { DEFAULT_UCB_BETA, MULTI_FIDELITY_UCB_BETA } from './acquisitions';

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
 * run says about the target optimum through the model's cross-fidelity correlation, ADMIRE-BayesOpt); UCB when
 * only the target can be run (plain single-fidelity BO).
 */
export function resolveAcquisition(name: AcquisitionName | 'auto', fidelities: readonly Fidelity[], target: Fidelity): AcquisitionName {
  if (name !== 'auto') return name;
  return fidelities.some((f) => f.cost < target.cost * 0.999) ? 'mes' : 'ucb';
}

function defaultSamples(n: number, d: number): number {
  // Posterior cost grows with n (one n-vector solve per point), so the pool shrinks as n grows; it never goes below
  // 256 (the pool the 17-domain synthetic benchmark test passes with) unless d is small. The refinement on the
  // simplex then polishes the pool's winners.
  const byN = Math.round(100_000 / Math.max(n, 60));
  return Math.max(Math.min(256, 64 * d), Math.min(1024, byN, 64 * d));
}

/** One step's winner: the mixture, its fidelity and value, and for a given row its index and own cost. */
interface Pick {
  readonly w: Float64Array;
  readonly fidelity: Fidelity;
  readonly value: number;
  readonly index?: number;
  readonly cost?: number;
}

/** What one batch step reads. */
interface Step {
  readonly model: PosteriorModel;
  readonly d: number;
  readonly selector: Selector;
  /** fidelities allowed and within the budget left */
  readonly fidelities: readonly Fidelity[];
  readonly fits: (cost: number) => boolean;
  readonly boxOf: (f: Fidelity) => Box;
  readonly refineSeed: number;
}

/** The acquisition(s) of a step: `targetByUcb` is the multi-fidelity default (MES per cost, UCB at the target). */
function selectorFor(acquisition: AcquisitionName, targetByUcb: boolean, model: PosteriorModel, input: SuggestInput, incumbent: Incumbent, minValues: readonly number[]): Selector {
  const d = input.space.d;
  // beta: the study's, else 0.5 at the target alone and 1 where UCB only locates the target candidate (see DEFAULT_UCB_BETA)
  const beta = input.beta ?? (input.fidelities.some((f) => !sameFidelity(f, input.target)) ? MULTI_FIDELITY_UCB_BETA : DEFAULT_UCB_BETA);
  const ucb = (): UpperConfidenceBound => new UpperConfidenceBound(model, d, incumbent, beta);
  switch (acquisition) {
    case 'ucb':
      return plainSelector(ucb());
    case 'logei':
      return plainSelector(new LogExpectedImprovement(model, d, incumbent));
    case 'ei-per-cost':
      return plainSelector(new LogExpectedImprovementPerCost(model, d, incumbent, input.budgetUsedFraction ?? 0));
    case 'mes': {
      const mes = new MaxValueEntropySearch(model, d, input.target, minValues, { noiseless: input.noiselessMes ?? false });
      return targetByUcb ? targetByUcbThenMes(mes, ucb(), input.target) : plainSelector(mes);
    }
  }
}

/** Discrete mode: the best unused row that fits, scored per fidelity in one batch each. */
function selectAmongRows(step: Step, rows: NonNullable<SuggestInput['candidates']>, used: ReadonlySet<number>): Pick | undefined {
  const { d, selector } = step;
  const groups = new Map<string, number[]>();
  rows.forEach((c, i) => {
    if (used.has(i)) return;
    if (!step.fits(c.cost ?? c.fidelity.cost) || !step.fidelities.some((f) => sameFidelity(f, c.fidelity))) return;
    const group = groups.get(c.fidelity.label);
    if (group) group.push(i);
    else groups.set(c.fidelity.label, [i]);
  });
  let best: Pick | undefined;
  const consider = (index: number, fidelity: Fidelity, raw: number): void => {
    const row = rows[index]!;
    const value = selector.value.perRowCost(raw, fidelity, row.cost);
    if (!best || value > best.value) best = { w: row.w, fidelity, value, index, ...(row.cost !== undefined ? { cost: row.cost } : {}) };
  };
  for (const idx of groups.values()) {
    const fidelity = rows[idx[0]!]!.fidelity;
    const ws = new Float64Array(idx.length * d);
    idx.forEach((ri, k) => ws.set(rows[ri]!.w, k * d));
    const locator = selector.locatorAt(fidelity);
    if (locator) {
      const { index } = locator.best(ws, idx.length, fidelity);
      consider(idx[index]!, fidelity, selector.value.score(ws.slice(index * d, index * d + d), 1, fidelity)[0]!);
      continue;
    }
    selector.value.score(ws, idx.length, fidelity).forEach((raw, k) => consider(idx[k]!, fidelity, raw));
  }
  return best;
}

/**
 * Continuous mode: at each fidelity the pool (projected onto its box) gives the best mixture; the two best
 * fidelities' winners are refined on the simplex and the better kept. `poolAtTarget`: the pool's target posterior
 * (MES), usable where the projection left the pool unchanged.
 */
function selectOnSimplex(step: Step, pool: { ws: Float64Array; count: number }, poolAtTarget: MarginalPosterior | undefined): Pick | undefined {
  const { d, selector } = step;
  const refineOptions = { rounds: step.model.n > 600 ? 4 : 8, movesPerRound: step.model.n > 600 ? 24 : 40, seed: step.refineSeed };
  const top: { w: Float64Array; fidelity: Fidelity; value: number; refined?: boolean }[] = [];
  for (const fidelity of step.fidelities) {
    const box = step.boxOf(fidelity);
    const ws = new Float64Array(pool.count * d);
    const row = new Float64Array(d);
    for (let i = 0; i < pool.count; i++) {
      projectToBox(pool.ws.subarray(i * d, i * d + d), box, row);
      ws.set(row, i * d);
    }
    const locator = selector.locatorAt(fidelity);
    if (locator) {
      // Found and refined by the locator, valued by the selector's acquisition.
      const { index, value } = locator.best(ws, pool.count, fidelity);
      const refined = refineOnSimplex(ws.slice(index * d, index * d + d), value, box, (rows, count) => locator.score(rows, count, fidelity), refineOptions);
      top.push({ w: refined.w, fidelity, value: selector.value.score(refined.w, 1, fidelity)[0]!, refined: true });
      continue;
    }
    // Projection returns feasible rows unchanged, so without availability caps these are the pool itself.
    const unchanged = ws.every((x, i) => x === pool.ws[i]);
    const { index, value } = selector.value.best(ws, pool.count, fidelity, unchanged ? poolAtTarget : undefined);
    top.push({ w: ws.slice(index * d, index * d + d), fidelity, value });
  }
  top.sort((a, b) => b.value - a.value);
  let best: Pick | undefined;
  for (const t of top.slice(0, 2)) {
    if (t.refined) {
      if (!best || t.value > best.value) best = { w: t.w, fidelity: t.fidelity, value: t.value };
      continue;
    }
    const refined = refineOnSimplex(t.w, t.value, step.boxOf(t.fidelity), (rows, count) => selector.value.score(rows, count, t.fidelity), refineOptions);
    if (!best || refined.score > best.value) best = { w: refined.w, fidelity: t.fidelity, value: refined.score };
  }
  return best;
}

/**
 * What a pending trial is assumed to return. Plain MES: the posterior mean (kriging believer; its value falls with
 * the variance that the fantasy removes). EI and UCB: a pessimistic constant liar (CL-max, Ginsbourger et al.
 * 2010), the worst value seen at that fidelity (else mean + 2 std). Under a believer a pending point predicted
 * below the incumbent keeps EI >= best - mean > 0 and is picked again; the lie raises the mean around it instead.
 * UCB (and the UCB target choice of `auto`) with a small beta would pick a believed point again: it lies too.
 */
function fantasyValues(model: PosteriorModel, rows: readonly { w: Float64Array; fidelity: Fidelity }[], d: number, observations: readonly Observation[], lie: boolean): { points: ReturnType<typeof pointsFromRows>; values: Float64Array } {
  const points = pointsFromRows(d, rows.map((r) => ({ w: r.w, s: r.fidelity.s, z: r.fidelity.z })));
  const post = model.posterior(points);
  if (!lie) return { points, values: post.mean };
  const worstSeen = (s: number, z: number): number => {
    let worst = -Infinity;
    for (const o of observations) if (o.s === s && o.z === z) worst = Math.max(worst, o.y);
    return worst;
  };
  const values = Float64Array.from(rows, (r, i) => {
    const worst = worstSeen(r.fidelity.s, r.fidelity.z);
    return worst > -Infinity ? Math.max(post.mean[i]!, worst) : post.mean[i]! + 2 * Math.sqrt(post.variance[i]!);
  });
  return { points, values };
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
  const targetByUcb = acquisition === 'mes' && input.acquisition === 'auto' && !input.plainMes;
  const lie = acquisition === 'logei' || acquisition === 'ei-per-cost' || acquisition === 'ucb' || targetByUcb;
  const fantasize = (rows: readonly { w: Float64Array; fidelity: Fidelity }[]): void => {
    if (rows.length === 0) return;
    const { points, values } = fantasyValues(current, rows, d, input.observations, lie);
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
  const usedRows = new Set<number>();
  const discrete = input.candidates;
  for (let step = 0; step < input.batch; step++) {
    const stepModel = current;
    const fidelities = allowed.filter((f) => fits(f.cost));
    if (fidelities.length === 0) break;
    const incumbent = observedIncumbent(stepModel, d, input.observations, input.incumbent ?? 'observed');
    // Candidate mixtures and min-value samples.
    let pool: { ws: Float64Array; count: number } | undefined;
    if (!discrete) {
      const targetBox = boxOf(input.target);
      const count = input.samples ?? defaultSamples(stepModel.n, d);
      pool = { ws: sampleMixtures(targetBox, count, seed * 1009 + step * 31 + 7), count };
    }
    let minValues: number[] = [];
    let poolAtTarget: MarginalPosterior | undefined;
    if (acquisition === 'mes') {
      const ws = pool ? pool.ws : new Float64Array((discrete?.length ?? 0) * d);
      if (!pool && discrete) discrete.forEach((c, i) => ws.set(c.w, i * d));
      const samples = MaxValueEntropySearch.minValueSamples(stepModel, d, input.target, ws, pool ? pool.count : (discrete?.length ?? 0), input.observations);
      minValues = samples.minValues;
      if (pool) poolAtTarget = samples.atTarget;
    }
    const selector = selectorFor(acquisition, targetByUcb, stepModel, input, incumbent, minValues);
    const context: Step = { model: stepModel, d, selector, fidelities, fits, boxOf, refineSeed: seed + step };
    const best = discrete ? selectAmongRows(context, discrete, usedRows) : pool ? selectOnSimplex(context, pool, poolAtTarget) : undefined;
    if (!best) break;
    if (best.index !== undefined) usedRows.add(best.index);
    const here = real.posterior(mixturesAt(d, best.w, 1, best.fidelity.s, best.fidelity.z));
    const atTarget = real.posterior(mixturesAt(d, best.w, 1, input.target.s, input.target.z));
    chosen.push({
      w: best.w,
      fidelity: best.fidelity,
      mean: here.mean[0]!,
      std: Math.sqrt(here.variance[0]!),
      targetMean: atTarget.mean[0]!,
      targetStd: Math.sqrt(atTarget.variance[0]!),
      acquisitionValue: best.value,
      acquisition,
    });
    remaining -= best.cost ?? best.fidelity.cost;
    if (step + 1 < input.batch) fantasize([{ w: best.w, fidelity: best.fidelity }]);
  }
  return chosen;
}

/** Index of a discrete candidate equal to `w` at `fidelity` (for replay benchmarks). */
export function indexOfCandidate(candidates: readonly { w: Float64Array; fidelity: Fidelity }[], c: { w: Float64Array; fidelity: Fidelity }): number {
  return candidates.findIndex((x) => x.fidelity.label === c.fidelity.label && x.w.every((v, i) => v === c.w[i]));
}
