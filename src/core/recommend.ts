// Recommendation: the mixture with the lowest posterior mean of the target objective, searched over the
// constrained simplex and over every observed mixture, with its 95% credible interval.
import { boxFor, projectToBox, refineOnSimplex, sampleMixtures, validateRows } from './simplex';
import type { Fidelity, MixtureSpace, Observation, PointSet, PosteriorModel } from './types';

export interface RecommendInput {
  readonly space: MixtureSpace;
  readonly target: Fidelity;
  readonly observations: readonly Observation[];
  /** discrete mode: choose among these target-fidelity mixtures only */
  readonly candidates?: readonly Float64Array[];
  readonly seed?: number;
  readonly samples?: number;
  readonly names?: readonly string[];
}

export interface Recommendation {
  readonly w: Float64Array;
  readonly mean: number;
  readonly std: number;
  readonly lower: number;
  readonly upper: number;
  /** 'observed' when a mixture already run (at any fidelity) has the best predicted target value */
  readonly source: 'search' | 'observed';
  /** index into candidates in discrete mode */
  readonly index?: number;
}

function atTarget(d: number, ws: Float64Array, count: number, target: Fidelity): PointSet {
  const dim = d + 2;
  const data = new Float64Array(count * dim);
  for (let i = 0; i < count; i++) {
    data.set(ws.subarray(i * d, i * d + d), i * dim);
    data[i * dim + d] = target.s;
    data[i * dim + d + 1] = target.z;
  }
  return { n: count, d, data };
}

export function recommend(model: PosteriorModel, input: RecommendInput): Recommendation {
  const d = input.space.d;
  validateRows(input.observations, d, 'observation', 'recommend');
  validateRows((input.candidates ?? []).map((w) => ({ w })), d, 'candidate', 'recommend');
  const finish = (w: Float64Array, source: 'search' | 'observed', index?: number): Recommendation => {
    const post = model.posterior(atTarget(d, w, 1, input.target));
    const mean = post.mean[0]!;
    const std = Math.sqrt(post.variance[0]!);
    return { w, mean, std, lower: mean - 1.96 * std, upper: mean + 1.96 * std, source, ...(index !== undefined ? { index } : {}) };
  };
  if (input.candidates) {
    const n = input.candidates.length;
    const ws = new Float64Array(n * d);
    input.candidates.forEach((w, i) => ws.set(w, i * d));
    const post = model.posterior(atTarget(d, ws, n, input.target));
    let arg = 0;
    for (let i = 1; i < n; i++) if (post.mean[i]! < post.mean[arg]!) arg = i;
    return finish(Float64Array.from(input.candidates[arg]!), 'observed', arg);
  }
  const box = boxFor(input.space, input.target, input.names);
  // Observed mixtures (projected onto the target's constraints, which they may predate).
  const observed: Float64Array[] = [];
  const seen = new Set<string>();
  for (const o of input.observations) {
    const key = Array.from(o.w, (x) => x.toFixed(6)).join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    observed.push(projectToBox(o.w, box));
  }
  let bestObserved: { w: Float64Array; mean: number } | undefined;
  if (observed.length > 0) {
    const ws = new Float64Array(observed.length * d);
    observed.forEach((w, i) => ws.set(w, i * d));
    const post = model.posterior(atTarget(d, ws, observed.length, input.target));
    let arg = 0;
    for (let i = 1; i < observed.length; i++) if (post.mean[i]! < post.mean[arg]!) arg = i;
    bestObserved = { w: observed[arg]!, mean: post.mean[arg]! };
  }
  const count = input.samples ?? Math.max(128, Math.min(1024, Math.round(200_000 / Math.max(model.n, 60))));
  const ws = sampleMixtures(box, count, (input.seed ?? 0) + 4242);
  const post = model.posterior(atTarget(d, ws, count, input.target));
  let arg = 0;
  for (let i = 1; i < count; i++) if (post.mean[i]! < post.mean[arg]!) arg = i;
  const score = (rows: Float64Array, n: number): Float64Array => Float64Array.from(model.posterior(atTarget(d, rows, n, input.target)).mean, (m) => -m);
  const starts = [{ w: ws.slice(arg * d, arg * d + d), mean: post.mean[arg]! }, ...(bestObserved ? [bestObserved] : [])];
  let best: { w: Float64Array; mean: number; source: 'search' | 'observed' } | undefined;
  for (const [k, s] of starts.entries()) {
    const refined = refineOnSimplex(s.w, -s.mean, box, score, { rounds: model.n > 600 ? 15 : 60, movesPerRound: model.n > 600 ? 24 : 48, seed: (input.seed ?? 0) + k });
    const source = k === 1 && refined.score === -s.mean ? 'observed' : 'search';
    if (!best || -refined.score < best.mean) best = { w: refined.w, mean: -refined.score, source };
  }
  return finish(best!.w, best!.source);
}
