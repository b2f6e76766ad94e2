// What users need to trust a fit (SPEC.md "Diagnostics users need"): slices through the recommendation,
// rank agreement between model sizes, domain importance. Pure functions over the posterior.
import type { ObjectiveScale } from './scale';
import { pointsFromRows } from '../core/points';
import type { MixtureSpace, PosteriorModel } from '../core/types';
import type { PosteriorView } from '../protocol/snapshot';

/** Ranks with ties averaged (1-based). */
export function ranks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(xs.length).fill(0);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[order[k]![1]] = rank;
    i = j + 1;
  }
  return out;
}

/** Spearman rank correlation: Pearson correlation of the ranks. NaN for fewer than 3 pairs or no spread. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  if (n < 3) return NaN;
  const ra = ranks(a.slice(0, n));
  const rb = ranks(b.slice(0, n));
  const ma = ra.reduce((x, y) => x + y, 0) / n;
  const mb = rb.reduce((x, y) => x + y, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = ra[i]! - ma;
    const db = rb[i]! - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/**
 * Moves domain i to weight t and rescales the others in proportion so the mixture still sums to 1
 * (fixed domains keep their weight). Returns undefined when t is infeasible.
 */
export function sliceMixture(base: ArrayLike<number>, i: number, t: number, space: MixtureSpace): Float64Array | undefined {
  const d = space.d;
  const w = Float64Array.from({ length: d }, (_, j) => base[j] ?? 0);
  const fixedSum = space.fixed ? [...space.fixed].filter(([j]) => j !== i).reduce((a, [, v]) => a + v, 0) : 0;
  let freeSum = 0;
  for (let j = 0; j < d; j++) if (j !== i && !space.fixed?.has(j)) freeSum += w[j]!;
  const remaining = 1 - t - fixedSum;
  if (remaining < -1e-12) return undefined;
  for (let j = 0; j < d; j++) {
    if (j === i || space.fixed?.has(j)) continue;
    w[j] = freeSum > 0 ? (w[j]! / freeSum) * remaining : remaining / Math.max(1, d - 1 - (space.fixed?.size ?? 0));
  }
  w[i] = t;
  return w;
}

/**
 * Per-domain slices through `center` at the target fidelity: domain i swept over its bounds, others rescaled.
 * Values are returned in the objective's units (the scale undoes the model's log or negation), with +-2 sd bands.
 */
export function posteriorSlices(
  model: PosteriorModel,
  space: MixtureSpace,
  center: ArrayLike<number>,
  domains: readonly string[],
  scale: Pick<ObjectiveScale, 'interval'>,
  pointsPerSlice = 21,
): PosteriorView['slices'] {
  const rows: { w: Float64Array; s: number; z: number }[] = [];
  const meta: { domain: number; t: number }[] = [];
  for (let i = 0; i < space.d; i++) {
    if (space.fixed?.has(i)) continue;
    const lo = space.lower[i] ?? 0;
    const hi = Math.min(space.upper[i] ?? 1, 1);
    for (let k = 0; k < pointsPerSlice; k++) {
      const t = lo + ((hi - lo) * k) / (pointsPerSlice - 1);
      const w = sliceMixture(center, i, t, space);
      if (!w) continue;
      rows.push({ w, s: 1, z: 1 });
      meta.push({ domain: i, t });
    }
  }
  if (rows.length === 0) return [];
  const post = model.posterior(pointsFromRows(space.d, rows));
  const byDomain = new Map<number, { weights: number[]; mean: number[]; lower: number[]; upper: number[] }>();
  meta.forEach((m, k) => {
    let entry = byDomain.get(m.domain);
    if (!entry) {
      entry = { weights: [], mean: [], lower: [], upper: [] };
      byDomain.set(m.domain, entry);
    }
    const band = scale.interval(post.mean[k]!, Math.sqrt(Math.max(0, post.variance[k]!)), 2);
    entry.weights.push(m.t);
    entry.mean.push(band.mean);
    entry.lower.push(band.lower);
    entry.upper.push(band.upper);
  });
  return [...byDomain].map(([i, e]) => ({ domain: domains[i] ?? `domain ${i}`, ...e, current: center[i] ?? 0 }));
}

/**
 * Domain importance: 1 / lengthscale normalised to sum 1 when the mixture kernel is ARD; otherwise the range of
 * each slice's posterior mean (how much moving that domain alone changes the prediction), normalised.
 */
export function domainImportance(
  domains: readonly string[],
  slices: PosteriorView['slices'],
  ardLengthscales?: ArrayLike<number>,
): PosteriorView['domainImportance'] {
  let raw: { domain: string; value: number }[];
  if (ardLengthscales && ardLengthscales.length === domains.length) {
    raw = domains.map((domain, i) => ({ domain, value: 1 / Math.max(ardLengthscales[i] ?? Infinity, 1e-12) }));
  } else {
    raw = slices.map((s) => ({ domain: s.domain, value: Math.max(...s.mean) - Math.min(...s.mean) }));
  }
  const total = raw.reduce((a, r) => a + (Number.isFinite(r.value) ? r.value : 0), 0);
  return raw
    .map((r) => ({ domain: r.domain, importance: total > 0 && Number.isFinite(r.value) ? r.value / total : 0 }))
    .sort((a, b) => b.importance - a.importance);
}
