// The search space of mixtures: the probability simplex cut by per-domain bounds, fixed weights and data
// availability limits. Quasi-random points on it, exact projection onto it, and a derivative-free local search
// that never leaves it.
import { Rng } from './random';
import { Sobol } from './sobol';
import type { Fidelity, MixtureSpace } from './types';
import { CoreInputError } from './types';

/** Lower/upper bounds of one fidelity: the space's bounds, tightened by the fidelity's availability caps. */
export interface Box {
  readonly d: number;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** indices whose weight is fixed (lower = upper) */
  readonly fixed: Uint8Array;
}

/**
 * Throws a CoreInputError naming the first row whose mixture, fidelity or value is not a finite number, or whose
 * mixture has the wrong length. `label` names the rows ("observation", "pending trial", "candidate").
 */
export function validateRows(
  rows: readonly { readonly w: ArrayLike<number>; readonly s?: number; readonly z?: number; readonly y?: number }[],
  d: number,
  label: string,
  where: string,
): void {
  rows.forEach((row, k) => {
    if (row.w.length !== d) throw new CoreInputError(`${where}: ${label} ${k} has ${row.w.length} mixture weights, expected ${d}`);
    for (let i = 0; i < d; i++) {
      if (!Number.isFinite(row.w[i])) throw new CoreInputError(`${where}: ${label} ${k} has w[${i}] = ${row.w[i]}`);
    }
    for (const key of ['s', 'z', 'y'] as const) {
      const value = row[key];
      if (value !== undefined && !Number.isFinite(value)) throw new CoreInputError(`${where}: ${label} ${k} has ${key} = ${value}`);
    }
  });
}

function validateSpace(space: MixtureSpace, fidelity: Fidelity | undefined, names: readonly string[] | undefined): void {
  const d = space.d;
  if (!Number.isInteger(d) || d < 1 || space.lower.length !== d || space.upper.length !== d) {
    throw new CoreInputError(`mixture space: ${d} domains but ${space.lower.length} lower and ${space.upper.length} upper bounds`);
  }
  const name = (i: number): string => names?.[i] ?? `domain ${i}`;
  for (let i = 0; i < d; i++) {
    if (!Number.isFinite(space.lower[i]) || !Number.isFinite(space.upper[i])) {
      throw new CoreInputError(`mixture space: the bounds of ${name(i)} are [${space.lower[i]}, ${space.upper[i]}]; both must be numbers`);
    }
    if (fidelity?.maxWeight && Number.isNaN(fidelity.maxWeight[i])) throw new CoreInputError(`fidelity ${fidelity.label}: the availability limit of ${name(i)} is NaN`);
  }
  for (const [i, w] of space.fixed ?? []) {
    if (!Number.isInteger(i) || i < 0 || i >= d || !Number.isFinite(w)) throw new CoreInputError(`mixture space: fixed weight ${w} for domain index ${i}`);
  }
}

export function boxFor(space: MixtureSpace, fidelity?: Fidelity, names?: readonly string[]): Box {
  validateSpace(space, fidelity, names);
  const d = space.d;
  const lower = Float64Array.from(space.lower);
  const upper = Float64Array.from(space.upper);
  const fixed = new Uint8Array(d);
  for (let i = 0; i < d; i++) {
    const cap = fidelity?.maxWeight?.[i];
    if (cap !== undefined && cap < upper[i]!) upper[i] = Math.max(0, cap);
    const f = space.fixed?.get(i);
    if (f !== undefined) {
      lower[i] = f;
      upper[i] = f;
      fixed[i] = 1;
    }
  }
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < d; i++) {
    if (lower[i]! > upper[i]! + 1e-12) {
      const name = names?.[i] ?? `domain ${i}`;
      throw new CoreInputError(`no feasible mixture: ${name} must be at least ${lower[i]} but at most ${upper[i]}${cap(fidelity, i)}`);
    }
    lo += lower[i]!;
    hi += upper[i]!;
  }
  if (lo > 1 + 1e-9) throw new CoreInputError(`no feasible mixture: the lower bounds and fixed weights sum to ${lo.toFixed(4)} > 1${fidelity ? ` (at ${fidelity.label})` : ''}`);
  if (hi < 1 - 1e-9) {
    const capped = names ? names.filter((_, i) => (fidelity?.maxWeight?.[i] ?? Infinity) < 1) : [];
    throw new CoreInputError(`no feasible mixture: the upper bounds sum to ${hi.toFixed(4)} < 1${fidelity ? ` at ${fidelity.label}` : ''}${capped.length ? ` (data availability caps ${capped.join(', ')})` : ''}`);
  }
  return { d, lower, upper, fixed };
}

function cap(fidelity: Fidelity | undefined, i: number): string {
  const c = fidelity?.maxWeight?.[i];
  return c !== undefined && Number.isFinite(c) ? ` (data availability at ${fidelity?.label})` : '';
}

/**
 * Euclidean projection of v onto {sum w = 1, lower <= w <= upper}: w_i = clip(v_i - tau, lower_i, upper_i) with
 * tau found by bisection (the sum is monotone in tau). Writes into `out`.
 */
export function projectToBox(v: ArrayLike<number>, box: Box, out: Float64Array = new Float64Array(box.d)): Float64Array {
  const d = box.d;
  // A feasible point is its own projection; bisection would smear ~1e-17 of weight onto its exact zeros.
  let feasibleSum = 0;
  let feasible = true;
  for (let i = 0; i < d && feasible; i++) {
    const x = v[i] ?? 0;
    feasible = x >= box.lower[i]! && x <= box.upper[i]! && (!box.fixed[i] || x === box.lower[i]);
    feasibleSum += x;
  }
  if (feasible && Math.abs(feasibleSum - 1) <= 1e-12) {
    for (let i = 0; i < d; i++) out[i] = v[i] ?? 0;
    return fixRounding(out, box);
  }
  const sumAt = (tau: number): number => {
    let s = 0;
    for (let i = 0; i < d; i++) s += Math.min(box.upper[i]!, Math.max(box.lower[i]!, (v[i] ?? 0) - tau));
    return s;
  };
  let a = -2;
  let b = 2;
  for (let i = 0; i < d; i++) {
    a = Math.min(a, (v[i] ?? 0) - box.upper[i]! - 1);
    b = Math.max(b, (v[i] ?? 0) - box.lower[i]! + 1);
  }
  for (let k = 0; k < 100; k++) {
    const m = 0.5 * (a + b);
    if (sumAt(m) > 1) a = m;
    else b = m;
  }
  const tau = 0.5 * (a + b);
  for (let i = 0; i < d; i++) {
    let x = Math.min(box.upper[i]!, Math.max(box.lower[i]!, (v[i] ?? 0) - tau));
    // tau is only known to ~1e-16: a coordinate that rounding lifts off its bound belongs on it.
    if (x - box.lower[i]! < 1e-15) x = box.lower[i]!;
    if (box.upper[i]! - x < 1e-15) x = box.upper[i]!;
    out[i] = x;
  }
  return fixRounding(out, box);
}

/** Puts the rounding error of the sum on the free coordinate with the most room, so sum(w) = 1 to the last bit. */
function fixRounding(out: Float64Array, box: Box): Float64Array {
  let total = 0;
  for (let i = 0; i < box.d; i++) total += out[i]!;
  const gap = 1 - total;
  if (gap === 0) return out;
  let arg = -1;
  let room = 0;
  for (let i = 0; i < box.d; i++) {
    if (box.fixed[i]) continue;
    const r = gap > 0 ? box.upper[i]! - out[i]! : out[i]! - box.lower[i]!;
    if (r > room) {
      room = r;
      arg = i;
    }
  }
  if (arg >= 0 && room >= Math.abs(gap)) out[arg] = out[arg]! + gap;
  return out;
}

/**
 * n quasi-random mixtures in the box, row-major n x d: Sobol points mapped to a uniform simplex (normalised
 * -log u, i.e. flat Dirichlet) for the mass left above the lower bounds, then projected onto the upper bounds.
 * Half of the points are drawn on sparse faces (a random subset of domains), since good mixtures often leave
 * some domains out entirely.
 */
export function sampleMixtures(box: Box, n: number, seed: number): Float64Array {
  const d = box.d;
  const out = new Float64Array(n * d);
  if (n === 0) return out;
  const sobol = new Sobol(Math.min(d, 128), seed + 1);
  const rng = new Rng(seed * 7919 + 17);
  let lowerSum = 0;
  for (let i = 0; i < d; i++) lowerSum += box.lower[i]!;
  const free = Math.max(0, 1 - lowerSum);
  const u = new Float64Array(sobol.dimensions);
  const raw = new Float64Array(d);
  const row = new Float64Array(d);
  for (let k = 0; k < n; k++) {
    sobol.next(u);
    const sparse = k % 2 === 1;
    const keep = sparse ? Math.max(2, 1 + rng.int(Math.max(1, Math.ceil(d / 2)))) : d;
    let sum = 0;
    for (let i = 0; i < d; i++) {
      const ui = i < u.length ? u[i]! : rng.next();
      raw[i] = box.fixed[i] ? 0 : -Math.log(Math.min(1 - 1e-12, Math.max(1e-12, ui)));
    }
    if (sparse && keep < d) {
      // keep the `keep` largest draws, zero the rest
      const order = Array.from(raw, (x, i) => [x, i] as const).sort((a, b) => b[0] - a[0]);
      for (let j = keep; j < d; j++) raw[order[j]![1]] = 0;
    }
    for (let i = 0; i < d; i++) sum += raw[i]!;
    for (let i = 0; i < d; i++) row[i] = box.lower[i]! + (sum > 0 ? (raw[i]! / sum) * free : free / d);
    projectToBox(row, box, row);
    out.set(row, k * d);
  }
  return out;
}

/**
 * Derivative-free local search on the constrained simplex: moves t of weight from domain j to domain i (both
 * free), keeping the sum; each round scores a batch of such moves with `score` (higher is better, rows
 * row-major) and takes the best improving one, halving t when none improves.
 */
export function refineOnSimplex(
  start: Float64Array,
  startScore: number,
  box: Box,
  score: (rows: Float64Array, count: number) => Float64Array,
  options: { rounds?: number; movesPerRound?: number; step?: number; seed?: number } = {},
): { w: Float64Array; score: number } {
  const d = box.d;
  const rounds = options.rounds ?? 8;
  const moves = options.movesPerRound ?? Math.min(48, 4 * d);
  const rng = new Rng(options.seed ?? 1);
  let best = Float64Array.from(start);
  let bestScore = startScore;
  let step = options.step ?? 0.1;
  const freeIdx: number[] = [];
  for (let i = 0; i < d; i++) if (!box.fixed[i]) freeIdx.push(i);
  if (freeIdx.length < 2) return { w: best, score: bestScore };
  const batch = new Float64Array(moves * d);
  for (let r = 0; r < rounds && step > 1e-4; r++) {
    let count = 0;
    for (let m = 0; m < moves; m++) {
      const i = freeIdx[rng.int(freeIdx.length)]!;
      let j = freeIdx[rng.int(freeIdx.length)]!;
      if (j === i) j = freeIdx[(freeIdx.indexOf(i) + 1) % freeIdx.length]!;
      const t = Math.min(step * (0.5 + rng.next()), best[j]! - box.lower[j]!, box.upper[i]! - best[i]!);
      if (!(t > 1e-9)) continue;
      const off = count * d;
      batch.set(best, off);
      batch[off + i] = best[i]! + t;
      batch[off + j] = best[j]! - t;
      count++;
    }
    if (count === 0) {
      step /= 2;
      continue;
    }
    const scores = score(batch, count);
    let arg = -1;
    let top = bestScore;
    for (let k = 0; k < count; k++) {
      if (scores[k]! > top) {
        top = scores[k]!;
        arg = k;
      }
    }
    if (arg >= 0) {
      best = batch.slice(arg * d, arg * d + d);
      bestScore = top;
    } else step /= 2;
  }
  return { w: best, score: bestScore };
}
