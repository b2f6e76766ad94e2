// The replay protocol (ADMIRE-BayesOpt, appendix A.1): a table of measured runs is the world. Each step a method
// picks one unobserved row, pays its cost and sees its value, then recommends one target-fidelity row. Regret =
// value of the recommended row minus the best target value (in minimisation units, so never negative).
//
// A seed stops when the method recommends the best target row after measuring it at the target (it knows it has
// it), when nothing it would run fits the budget, or after maxSteps picks. The headline cost is the cost from
// which the recommendation stayed at zero regret to the end; a recommendation that only passes over the best row
// while the model moves (likely among 64 rows over hundreds of cheap picks) is reported separately as first hit.
import type { CandidateRow, ObservedRow, SelectionMethod } from './baselines';
import { Rng } from '../core/random';
import type { Fidelity } from '../core/types';

export interface WorldRow {
  readonly w: Float64Array;
  readonly fidelity: Fidelity;
  /** value to minimise (the objective, negated when it is maximised) */
  readonly y: number;
  /** what running this row costs, when rows of one fidelity differ (default: its fidelity's cost) */
  readonly cost?: number;
}

/** The cost of one row: its own when the table gives one, else its fidelity's. */
export const rowCost = (row: WorldRow): number => row.cost ?? row.fidelity.cost;

export interface World {
  readonly d: number;
  readonly rows: readonly WorldRow[];
  readonly fidelities: readonly Fidelity[];
  readonly target: Fidelity;
}

export interface ReplayOptions {
  /** the seed stops before a pick that would take the spent cost above this */
  readonly budget: number;
  /** safety cap on the number of picks of one seed */
  readonly maxSteps?: number;
  /** a recommendation among the best `topK` target rows counts as "top-k" (default 3) */
  readonly topK?: number;
  /** a regret at most this counts as "small" (e.g. the target's measurement noise); default 0 */
  readonly smallRegret?: number;
  /** clock for latencies, in milliseconds (default Date.now; tests pass a fake) */
  readonly now?: () => number;
}

export interface StepRecord {
  /** 0 for the initial random cheapest row */
  readonly step: number;
  /** index of the picked row in world.rows */
  readonly row: number;
  readonly fidelity: string;
  /** cumulative cost after this pick */
  readonly cost: number;
  /** index (in world.rows) of the recommended target row */
  readonly recommended: number;
  readonly regret: number;
  /** rank of the recommended row among target rows, 1 = best */
  readonly rank: number;
  /** milliseconds the method took to choose this row (0 for the initial row) */
  readonly chooseMs: number;
  /** milliseconds the method took to recommend */
  readonly recommendMs: number;
}

export interface SeedResult {
  readonly method: string;
  readonly seed: number;
  readonly steps: readonly StepRecord[];
  /**
   * cost spent when the recommendation reached zero regret for good: from that pick to the end of the seed it
   * stayed zero (null if the last recommendation has regret)
   */
  readonly costToBest: number | null;
  /** the same for "among the top-k target rows" */
  readonly costToTopK: number | null;
  /** the same for "regret at most options.smallRegret" */
  readonly costToSmallRegret: number | null;
  /** cost spent when the recommendation first had zero regret, even if it moved away again (null if never) */
  readonly firstCostToBest: number | null;
  readonly firstCostToTopK: number | null;
  /** cost spent when the method recommended the best row having measured it at the target (null if never) */
  readonly costToVerified: number | null;
  readonly spent: number;
  /** 'budget': no unobserved row the method would run fits in the budget */
  /** 'found-best': it recommends the best target row and has measured that row at the target */
  readonly stopped: 'found-best' | 'budget' | 'max-steps' | 'no-rows';
}

const sameFidelity = (a: Fidelity, b: Fidelity): boolean => a.s === b.s && a.z === b.z;

/** Target rows of the world sorted by value: their indices and the rank (1-based) of every target row. */
export function targetRanking(world: World): { order: number[]; rankOf: Map<number, number>; best: number } {
  const order = world.rows.map((_, i) => i).filter((i) => sameFidelity(world.rows[i]!.fidelity, world.target));
  order.sort((a, b) => world.rows[a]!.y - world.rows[b]!.y || a - b);
  const rankOf = new Map<number, number>();
  // Ties share a rank: a row as good as the best has zero regret and rank 1.
  order.forEach((row, k) => {
    const previous = order[k - 1];
    rankOf.set(row, previous !== undefined && world.rows[previous]!.y === world.rows[row]!.y ? rankOf.get(previous)! : k + 1);
  });
  const first = order[0];
  return { order, rankOf, best: first === undefined ? NaN : world.rows[first]!.y };
}

export function runSeed(world: World, method: SelectionMethod, seed: number, options: ReplayOptions): SeedResult {
  const now = options.now ?? Date.now;
  const topK = options.topK ?? 3;
  const maxSteps = options.maxSteps ?? Infinity;
  const { order, rankOf, best } = targetRanking(world);
  if (order.length === 0) throw new Error(`replay: the world has no rows at the target fidelity ${world.target.label}`);
  const targetRowIndices = order.slice().sort((a, b) => a - b);
  const targetRows = targetRowIndices.map((i) => world.rows[i]!.w);
  const rng = new Rng(seed * 7_654_321 + 1);
  const run = method.start(seed, world.d);

  const observed = new Set<number>();
  const observations: ObservedRow[] = [];
  const steps: StepRecord[] = [];
  let spent = 0;
  let firstCostToBest: number | null = null;
  let firstCostToTopK: number | null = null;
  let verified = false;

  const cheapest = Math.min(...world.fidelities.map((f) => f.cost));
  const cheapRows = world.rows.map((_, i) => i).filter((i) => world.rows[i]!.fidelity.cost === cheapest);
  const observe = (row: number, chooseMs: number, step: number): void => {
    observed.add(row);
    const r = world.rows[row]!;
    observations.push({ w: r.w, fidelity: r.fidelity, y: r.y });
    spent += rowCost(r);
    const t0 = now();
    const pick = run.recommend({ targetRows, observations, target: world.target });
    const recommendMs = now() - t0;
    const recommended = targetRowIndices[pick];
    if (recommended === undefined) throw new Error(`replay: ${method.name} recommended row ${pick} of ${targetRows.length}`);
    const regret = world.rows[recommended]!.y - best;
    const rank = rankOf.get(recommended)!;
    if (regret <= 0 && firstCostToBest === null) firstCostToBest = spent;
    if (rank <= topK && firstCostToTopK === null) firstCostToTopK = spent;
    verified = regret <= 0 && observed.has(recommended);
    steps.push({ step, row, fidelity: r.fidelity.label, cost: spent, recommended, regret, rank, chooseMs, recommendMs });
  };

  observe(cheapRows[rng.int(cheapRows.length)]!, 0, 0);
  let stopped: SeedResult['stopped'] = 'found-best';
  for (let step = 1; ; step++) {
    if (verified) break;
    if (step > maxSteps) {
      stopped = 'max-steps';
      break;
    }
    const open: number[] = [];
    for (let i = 0; i < world.rows.length; i++) {
      if (!observed.has(i) && spent + rowCost(world.rows[i]!) <= options.budget * (1 + 1e-12)) open.push(i);
    }
    if (open.length === 0) {
      stopped = world.rows.some((_, i) => !observed.has(i)) ? 'budget' : 'no-rows';
      break;
    }
    const candidates: CandidateRow[] = open.map((i) => ({ w: world.rows[i]!.w, fidelity: world.rows[i]!.fidelity, cost: rowCost(world.rows[i]!) }));
    const t0 = now();
    const pick = run.choose({ candidates, observations, target: world.target, fidelities: world.fidelities, spent, budget: options.budget });
    const chooseMs = now() - t0;
    if (pick === -1) {
      stopped = 'budget';
      break;
    }
    const row = open[pick];
    if (row === undefined) throw new Error(`replay: ${method.name} picked candidate ${pick} of ${open.length}`);
    observe(row, chooseMs, step);
  }
  const sustained = (ok: (s: StepRecord) => boolean): number | null => {
    let k = steps.length;
    while (k > 0 && ok(steps[k - 1]!)) k--;
    return k < steps.length ? steps[k]!.cost : null;
  };
  return {
    method: method.name,
    seed,
    steps,
    costToBest: sustained((s) => s.regret <= 0),
    costToTopK: sustained((s) => s.rank <= topK),
    costToSmallRegret: sustained((s) => s.regret <= (options.smallRegret ?? 0)),
    firstCostToBest,
    firstCostToTopK,
    costToVerified: verified ? spent : null,
    spent,
    stopped,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Summaries

/** Quantile q of the values (linear interpolation); Infinity stands for "never reached". */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const position = q * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.ceil(position);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  if (lo === hi || a === b) return a;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return b;
  return a + (b - a) * (position - lo);
}

export interface CostSummary {
  readonly median: number;
  readonly q25: number;
  readonly q75: number;
  /** seeds that reached it within the budget */
  readonly reached: number;
  readonly seeds: number;
}

export function summariseCosts(costs: readonly (number | null)[]): CostSummary {
  const values = costs.map((c) => (c === null ? Infinity : c));
  return { median: quantile(values, 0.5), q25: quantile(values, 0.25), q75: quantile(values, 0.75), reached: costs.filter((c) => c !== null).length, seeds: costs.length };
}

/**
 * Regret of one seed as a step function of cost, sampled on a grid: the regret after the last pick whose
 * cumulative cost is at most the grid value (NaN before the first pick). After the seed stopped, its last regret
 * holds.
 */
export function regretOnGrid(steps: readonly StepRecord[], grid: readonly number[]): number[] {
  const out: number[] = [];
  let k = -1;
  for (const c of grid) {
    while (k + 1 < steps.length && steps[k + 1]!.cost <= c * (1 + 1e-12)) k++;
    out.push(k >= 0 ? steps[k]!.regret : NaN);
  }
  return out;
}

/** Log-spaced cost grid from `from` to `to`. */
export function costGrid(from: number, to: number, points = 60): number[] {
  const a = Math.log(from);
  const b = Math.log(to);
  return Array.from({ length: points }, (_, i) => Math.exp(a + ((b - a) * i) / (points - 1)));
}
