// A simulator of pre-training runs for the closed-loop benchmark (src/bench/closedLoop.ts): what a run of a model
// of N parameters trained for S steps on mixture w measures, as a data-mixing law times a scaling law.
//
//   loss_k(w, N, S) = [c_k(N) + a_k(N) exp(t_k(N) . w)] * R(N, S),      k = 4 validation groups
//   objective = mean_k loss_k;  measured = truth + run noise (one draw per run) + checkpoint noise
//
// - The mixing laws (Ye et al., 2024, eq. 1) are fitted to the RegMix runs (bench/regmix-table.csv) with the 17
//   Pile domains pooled into 5 training groups and 12 of the 13 validation losses into 4 of them, separately at
//   1M, 60M and 1B; at other sizes their parameters are interpolated linearly in log N (clamped at the ends). So
//   how well a small model ranks mixtures for the 1B target is what RegMix measured, not an assumption.
// - R(N, S) = (E + A N^-alpha + B D^-beta) / (E + A N^-alpha + B D_ref^-beta), D = S x tokens per step, the
//   Chinchilla law (Hoffmann et al., 2022, eq. 10, their fitted alpha = 0.34, beta = 0.28, E = 1.69, A = 406.4,
//   B = 410.7): how the loss falls with training length; D_ref = the target's full run (RegMix's own setting).
// - The "noise" training group (ubuntu_irc, europarl, enron_emails) has no validation group of its own (ubuntu_irc's
//   loss is left out of the objective), so every fitted law penalises its weight: the optimum lies on the face
//   w_noise = 0 of the simplex (checked by a test).
import { fitMixingLaw } from './baselines';
import type { MixingLaw } from './baselines';
import { Rng } from '../core/random';

export const SIM_GROUPS = ['web', 'code', 'science', 'reference', 'noise'] as const;

/** which Pile training domains each group pools */
export const SIM_TRAIN_GROUPS: Readonly<Record<(typeof SIM_GROUPS)[number], readonly string[]>> = {
  web: ['pile_cc', 'hackernews', 'gutenberg_pg_19'],
  code: ['github', 'stackexchange', 'dm_mathematics'],
  science: ['arxiv', 'pubmed_central', 'pubmed_abstracts', 'nih_exporter', 'philpapers'],
  reference: ['wikipedia_en', 'freelaw', 'uspto_backgrounds'],
  noise: ['ubuntu_irc', 'europarl', 'enron_emails'],
};

/** which RegMix validation losses each validation group averages (the objective is the mean of these 5) */
export const SIM_VALIDATION_GROUPS: Readonly<Record<string, readonly string[]>> = {
  web: ['pile_cc', 'hackernews', 'gutenberg_pg_19'],
  code: ['github', 'stackexchange', 'dm_mathematics'],
  science: ['arxiv', 'pubmed_central', 'pubmed_abstracts'],
  reference: ['wikipedia_en', 'freelaw', 'uspto_backgrounds'],
};

export const SIM_MODELS = [
  { name: '20M', params: 2e7 },
  { name: '60M', params: 6e7 },
  { name: '150M', params: 1.5e8 },
  { name: '400M', params: 4e8 },
  { name: '1B', params: 1e9 },
] as const;
export const SIM_STEPS = [2000, 5000, 10000, 25000] as const;
export const SIM_TOKENS_PER_STEP = 1_048_576;
const CHINCHILLA = { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 };

export interface SimulatorLaws {
  /** log10 of the sizes the laws were fitted at, ascending */
  readonly logSizes: readonly number[];
  /** laws[size][validation group] */
  readonly laws: readonly (readonly MixingLaw[])[];
}

export interface RegmixRow {
  readonly fidelity: string;
  readonly w: Float64Array;
  /** validation loss by RegMix domain name */
  readonly losses: Readonly<Record<string, number>>;
}

/** Pools a 17-domain RegMix mixture into the 5 training groups. */
export function poolMixture(domains: readonly string[], w: ArrayLike<number>): Float64Array {
  const out = new Float64Array(SIM_GROUPS.length);
  SIM_GROUPS.forEach((g, k) => {
    for (const name of SIM_TRAIN_GROUPS[g]) {
      const at = domains.indexOf(name);
      if (at >= 0) out[k] = out[k]! + w[at]!;
    }
  });
  return out;
}

/** Fits the mixing laws at each RegMix size (1M: 768 runs, 60M: 256, 1B: 64). */
export function fitSimulatorLaws(domains: readonly string[], rows: readonly RegmixRow[], sizes: readonly { label: string; params: number }[]): SimulatorLaws {
  const laws = sizes.map((size) => {
    const at = rows.filter((r) => r.fidelity === size.label);
    const ws = new Float64Array(at.length * SIM_GROUPS.length);
    at.forEach((r, i) => ws.set(poolMixture(domains, r.w), i * SIM_GROUPS.length));
    return Object.values(SIM_VALIDATION_GROUPS).map((members) => {
      const y = Float64Array.from(at, (r) => members.reduce((a, m) => a + r.losses[m]!, 0) / members.length);
      return fitMixingLaw(ws, y, SIM_GROUPS.length, 1e-3);
    });
  });
  return { logSizes: sizes.map((s) => Math.log10(s.params)), laws };
}

export class PretrainingSimulator {
  private readonly rng: Rng;
  readonly d = SIM_GROUPS.length;

  constructor(
    private readonly fitted: SimulatorLaws,
    seed: number,
    /** sd of the per-run offset and of each checkpoint's own noise, in loss units */
    readonly noise = { run: 0.01, checkpoint: 0.003 },
  ) {
    this.rng = new Rng(seed * 7919 + 3);
  }

  private lawsAt(params: number): MixingLaw[] {
    const x = Math.log10(params);
    const sizes = this.fitted.logSizes;
    let hi = sizes.findIndex((s) => s >= x);
    if (hi < 0) hi = sizes.length - 1;
    const lo = Math.max(0, hi - 1);
    const span = sizes[hi]! - sizes[lo]!;
    const f = span > 0 ? Math.min(1, Math.max(0, (x - sizes[lo]!) / span)) : 0;
    const a = this.fitted.laws[lo]!;
    const b = this.fitted.laws[hi]!;
    return a.map((la, k) => {
      const lb = b[k]!;
      return { c: la.c + f * (lb.c - la.c), k: la.k + f * (lb.k - la.k), t: la.t.map((v, j) => v + f * (lb.t[j]! - v)) };
    });
  }

  /** The noise-free objective (mean of the validation groups' losses). */
  truth(w: ArrayLike<number>, params: number, steps: number): number {
    const laws = this.lawsAt(params);
    let total = 0;
    for (const law of laws) {
      let tw = 0;
      for (let j = 0; j < this.d; j++) tw += law.t[j]! * w[j]!;
      total += law.c + law.k * Math.exp(tw);
    }
    const { E, A, B, alpha, beta } = CHINCHILLA;
    const dRef = SIM_STEPS[SIM_STEPS.length - 1]! * SIM_TOKENS_PER_STEP;
    const ratio = (E + A * params ** -alpha + B * (steps * SIM_TOKENS_PER_STEP) ** -beta) / (E + A * params ** -alpha + B * dRef ** -beta);
    return (total / laws.length) * ratio;
  }

  /** Per-group losses too, as a run log would report them. */
  groupTruth(w: ArrayLike<number>, params: number, steps: number): number[] {
    const laws = this.lawsAt(params);
    const mean = this.truth(w, params, steps);
    const raw = laws.map((law) => {
      let tw = 0;
      for (let j = 0; j < this.d; j++) tw += law.t[j]! * w[j]!;
      return law.c + law.k * Math.exp(tw);
    });
    const rawMean = raw.reduce((a, b) => a + b, 0) / raw.length;
    return raw.map((v) => (v * mean) / rawMean);
  }

  /** A run to `steps`: the measured objective and group losses at every checkpoint up to it. */
  train(w: ArrayLike<number>, params: number, steps: number): { step: number; losses: number[] }[] {
    const runOffset = this.noise.run * this.rng.normal();
    return SIM_STEPS.filter((s) => s <= steps).map((step) => {
      const jitter = runOffset + this.noise.checkpoint * this.rng.normal();
      return { step, losses: this.groupTruth(w, params, step).map((v) => v + jitter) };
    });
  }
}

/**
 * The minimum of the noise-free target objective over the simplex: the best of many quasi-random mixtures, then
 * pairwise weight moves (a mass transfer between two domains) that shrink until nothing improves.
 */
export function simulatorOptimum(sim: PretrainingSimulator, params: number, steps: number, seed = 1): { w: Float64Array; value: number } {
  const d = sim.d;
  const rng = new Rng(seed);
  let best = new Float64Array(d).fill(1 / d);
  let bestValue = sim.truth(best, params, steps);
  const w = new Float64Array(d);
  for (let k = 0; k < 20_000; k++) {
    let total = 0;
    // sparse and dense Dirichlet draws: optima often sit on faces
    const support = 1 + rng.int(d);
    w.fill(0);
    for (let s = 0; s < support; s++) {
      const e = -Math.log(Math.max(1e-300, 1 - rng.next()));
      {
        const j = rng.int(d);
        w[j] = w[j]! + e;
      }
      total += e;
    }
    for (let j = 0; j < d; j++) w[j] = w[j]! / total;
    const v = sim.truth(w, params, steps);
    if (v < bestValue) {
      bestValue = v;
      best = w.slice();
    }
  }
  for (let step = 0.1; step > 1e-7; step /= 2) {
    let improved = true;
    while (improved) {
      improved = false;
      for (let a = 0; a < d; a++) {
        for (let b = 0; b < d; b++) {
          if (a === b || best[b]! <= 0) continue;
          const move = Math.min(step, best[b]!);
          const trial = best.slice();
          trial[a] = trial[a]! + move;
          trial[b] = trial[b]! - move;
          const v = sim.truth(trial, params, steps);
          if (v < bestValue - 1e-15) {
            bestValue = v;
            best = trial;
            improved = true;
          }
        }
      }
    }
  }
  return { w: best, value: bestValue };
}
