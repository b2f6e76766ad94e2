// Synthetic multi-fidelity replay tables with a known, controlled transfer from the cheap fidelity to the target.
//
// Shape like the RegMix table (17 domains, 256 cheap rows at a 60M-like size and cost 0.05, 64 target rows at
// cost 1, the cheap and target mixtures disjoint). The target is a sum of data-mixing laws (Ye et al., 2024,
// eq. 1), one per validation set: f(w) = mean_k c_k + a_k exp(-T_k . w), each set helped a lot by two or three
// training domains and a little by the others. The cheap fidelity is
//     g(w) = f(w) + offset + lambda * sd(f) * b(w) + noise,
// with b the difference of two independent mixing laws of the same kind, standardised: a mixture-dependent bias whose size lambda
// sets how badly the cheap model ranks target mixtures. The last level is a cheap fidelity that is pure noise
// (no dependence on w at all): a multi-fidelity method must notice it and stop paying for it.
// Everything is drawn from one seeded generator, so the committed CSVs are reproducible (`mixopt bench
// make-tables`) and tests check them against this code.
import { Rng } from '../core/random';

export interface SyntheticSpec {
  readonly name: string;
  /** size of the mixture-dependent bias in units of sd(f) over the cheap rows; 'noise' = no signal at all */
  readonly bias: number | 'noise';
  /** when set, each row's cost is its level's cost times exp(N(0, costNoise^2)) (measured-like train time) */
  readonly costNoise?: number;
  readonly seed: number;
  /** domains (default SYNTHETIC_DOMAINS), cheap rows (default SYNTHETIC_CHEAP.rows; 0: one fidelity), target rows */
  readonly domains?: number;
  readonly cheapRows?: number;
  readonly targetRows?: number;
}

export const SYNTHETIC_DOMAINS = 17;
export const SYNTHETIC_CHEAP = { label: '60M', params: 6e7, cost: 0.05, rows: 256 } as const;
export const SYNTHETIC_TARGET = { label: '1B', params: 1e9, cost: 1, rows: 64 } as const;
/** target measurement noise, in units of sd(f) over the target rows (stated to the suite as the known noise) */
export const SYNTHETIC_TARGET_NOISE = 0.15;
/** cheap measurement noise, in units of sd(f) */
const CHEAP_NOISE = 0.1;
const VALIDATION_SETS = 5;

export const SYNTHETIC_SPECS: readonly SyntheticSpec[] = [
  { name: 'synthetic-bias0', bias: 0, seed: 11 },
  { name: 'synthetic-bias1', bias: 1, seed: 12 },
  { name: 'synthetic-bias4', bias: 4, seed: 13 },
  { name: 'synthetic-noise', bias: 'noise', seed: 14 },
  { name: 'synthetic-costs', bias: 0.5, costNoise: 0.3, seed: 15 },
  // one fidelity in high dimension, shaped like the 512-run, 64-domain tables of the literature
  { name: 'synthetic-d64', bias: 0, domains: 64, cheapRows: 0, targetRows: 512, seed: 16 },
];

interface Law {
  readonly c: number;
  readonly a: number;
  /** d coefficients, >= 0 */
  readonly t: Float64Array;
}

function drawLaws(rng: Rng, d: number): Law[] {
  return Array.from({ length: VALIDATION_SETS }, () => {
    const t = new Float64Array(d);
    for (let j = 0; j < d; j++) t[j] = rng.uniform(0, 0.5);
    const helpers = 2 + rng.int(2);
    for (let h = 0; h < helpers; h++) t[rng.int(d)] = rng.uniform(2, 6);
    return { c: 2 + rng.uniform(0, 1), a: rng.uniform(0.5, 1.5), t };
  });
}

function evaluate(laws: readonly Law[], w: Float64Array): number {
  let total = 0;
  for (const law of laws) {
    let tw = 0;
    for (let j = 0; j < w.length; j++) tw += law.t[j]! * w[j]!;
    total += law.c + law.a * Math.exp(-tw);
  }
  return total / laws.length;
}

/** A RegMix-like sparse mixture: a random support of 1 to 8 domains, flat Dirichlet weights on it. */
function drawMixture(rng: Rng, d: number): Float64Array {
  const w = new Float64Array(d);
  const support = 1 + rng.int(Math.min(8, d));
  let total = 0;
  for (let k = 0; k < support; k++) {
    const j = rng.int(d);
    const e = -Math.log(Math.max(1e-300, 1 - rng.next()));
    w[j] = w[j]! + e;
    total += e;
  }
  // 6 decimals as written, renormalised by the table parser
  for (let j = 0; j < d; j++) w[j] = Number((w[j]! / total).toFixed(6));
  return w;
}

function sd(values: readonly number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
}

/** Spearman rank correlation (average ranks for ties). */
export function spearman(a: readonly number[], b: readonly number[]): number {
  const ranks = (v: readonly number[]): number[] => {
    const order = v.map((_, i) => i).sort((i, j) => v[i]! - v[j]!);
    const r = new Array<number>(v.length);
    for (let k = 0; k < order.length; ) {
      let m = k;
      while (m + 1 < order.length && v[order[m + 1]!] === v[order[k]!]) m++;
      for (let q = k; q <= m; q++) r[order[q]!] = (k + m) / 2;
      k = m + 1;
    }
    return r;
  };
  const ra = ranks(a);
  const rb = ranks(b);
  const ma = ra.reduce((x, y) => x + y, 0) / ra.length;
  const mb = rb.reduce((x, y) => x + y, 0) / rb.length;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - ma) * (rb[i]! - mb);
    da += (ra[i]! - ma) ** 2;
    db += (rb[i]! - mb) ** 2;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : 0;
}

export interface SyntheticTable {
  readonly csv: string;
  /** the target's measurement noise sd, in the objective's units */
  readonly targetNoise: number;
  /** Spearman correlation of the cheap rows' values with the noise-free target at the same mixtures */
  readonly cheapRankCorrelation: number;
  /** Spearman correlation of the target rows' measured values with their noise-free values */
  readonly targetRankCorrelation: number;
}

export function makeSyntheticTable(spec: SyntheticSpec): SyntheticTable {
  const rng = new Rng(spec.seed);
  const d = spec.domains ?? SYNTHETIC_DOMAINS;
  const target = drawLaws(rng, d);
  const biasUp = drawLaws(rng, d);
  const biasDown = drawLaws(rng, d);
  const cheapW = Array.from({ length: spec.cheapRows ?? SYNTHETIC_CHEAP.rows }, () => drawMixture(rng, d));
  const targetW = Array.from({ length: spec.targetRows ?? SYNTHETIC_TARGET.rows }, () => drawMixture(rng, d));
  const fCheap = cheapW.map((w) => evaluate(target, w));
  const fTarget = targetW.map((w) => evaluate(target, w));
  const sdF = cheapW.length > 1 ? sd(fCheap) : sd(fTarget);
  // a difference of two laws: a bias with no systematic correlation with f (one law alone would share f's liking
  // for spread-out mixtures)
  const bRaw = cheapW.map((w) => evaluate(biasUp, w) - evaluate(biasDown, w));
  const bMean = bRaw.reduce((a, b) => a + b, 0) / Math.max(1, bRaw.length);
  const bSd = sd(bRaw);
  const meanF = fCheap.reduce((a, b) => a + b, 0) / Math.max(1, fCheap.length);
  const offset = 0.8;
  const cheapY = cheapW.map((_, i) => {
    if (spec.bias === 'noise') return meanF + offset + sdF * rng.normal();
    return fCheap[i]! + offset + spec.bias * sdF * ((bRaw[i]! - bMean) / bSd) + CHEAP_NOISE * sdF * rng.normal();
  });
  const targetNoise = SYNTHETIC_TARGET_NOISE * sd(fTarget);
  const targetY = fTarget.map((f) => f + targetNoise * rng.normal());
  const cost = (base: number): number => (spec.costNoise === undefined ? base : Number((base * Math.exp(spec.costNoise * rng.normal())).toPrecision(4)));
  const lines: string[] = [];
  const row = (level: { label: string; params: number; cost: number }, y: number, w: Float64Array): void => {
    lines.push([level.label, level.params, cost(level.cost), y.toPrecision(10), ...Array.from(w, (v) => String(v))].join(','));
  };
  cheapW.forEach((w, i) => row(SYNTHETIC_CHEAP, cheapY[i]!, w));
  targetW.forEach((w, i) => row(SYNTHETIC_TARGET, targetY[i]!, w));
  const header = ['fidelity', 'params', 'cost', 'objective', ...Array.from({ length: d }, (_, j) => `domain${String(j + 1).padStart(2, '0')}`)].join(',');
  return {
    csv: `${header}\n${lines.join('\n')}\n`,
    targetNoise,
    cheapRankCorrelation: cheapY.length > 1 ? spearman(cheapY, fCheap) : NaN,
    targetRankCorrelation: spearman(targetY, fTarget),
  };
}
