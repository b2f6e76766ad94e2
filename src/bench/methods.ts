// The methods a replay compares, by name. MixOpt's two use the engine's GP configuration (src/engine/engine.ts:
// RBF mixture kernel, no ARD, RBF fidelity kernel, a mean over (s, z) when several fidelities are seen:
// linear, with curvature once the target level is among three or more observed levels) and
// `suggest` in discrete mode over the unobserved rows, with the objective in log space when it is positive.
import { gpMethod, mixingLawMethod, randomAtTarget, regmixMethod, sobolAtTarget } from './baselines';
import type { ObservedRow, SelectionMethod } from './baselines';
import { fitGp } from '../core/gp/fit';
import type { GpConfig, GpHyperparameters } from '../core/gp/config';
import { rowsAt } from '../core/points';
import { Rng } from '../core/random';
import { suggest } from '../core/suggest';
import type { Fidelity } from '../core/types';

export interface MethodTuning {
  /** hyperparameters re-optimised every this many steps (warm-started), fixed in between */
  readonly refitEvery: number;
  /** cap on observations per non-target fidelity in the GP fit */
  readonly maxPerFidelity?: number;
}

export const DEFAULT_TUNING: MethodTuning = { refitEvery: 3 };

const sameFidelity = (a: Fidelity, b: Fidelity): boolean => a.s === b.s && a.z === b.z;

/** cheap runs of the zero-shot method (RegMix fitted its regression on 512 1M runs) */
export const ZERO_SHOT_PICKS = 256;

/**
 * Zero-shot transfer: BO (LogEI) at the cheapest fidelity only, and the recommended target row is the one whose
 * mixture the cheap model predicts best. It never runs the target.
 */
export function zeroShotMethod(tuning: MethodTuning = DEFAULT_TUNING, maxPicks = ZERO_SHOT_PICKS): SelectionMethod {
  return {
    name: 'zero-shot',
    start(seed, d) {
      const rng = new Rng(seed);
      let hyperparameters: GpHyperparameters | undefined;
      let fits = 0;
      const config: GpConfig = { mixtureKernel: 'rbf', ard: false, fidelityKernel: 'rbf', mean: 'constant' };
      const cheapestOf = (rows: readonly { fidelity: Fidelity }[]): Fidelity => rows.reduce((a, r) => (r.fidelity.cost < a.fidelity.cost ? r : a)).fidelity;
      const fit = (observations: readonly ObservedRow[], cheap: Fidelity, optimise: boolean) => {
        const rows = observations.filter((o) => sameFidelity(o.fidelity, cheap));
        const refit = optimise && (!hyperparameters || fits++ % tuning.refitEvery === 0);
        const model = fitGp(rowsAt(d, rows, cheap.s, cheap.z), Float64Array.from(rows, (r) => r.y), config, hyperparameters ? { warmStart: hyperparameters, fixed: !refit, maxIterations: 30 } : { seed, restarts: 1 });
        if (refit || !hyperparameters) hyperparameters = model.hyperparameters();
        return { model, rows };
      };
      let cheap: Fidelity | undefined;
      return {
        choose(input) {
          cheap ??= cheapestOf(input.observations.length > 0 ? input.observations : input.candidates);
          const c = cheap;
          if (input.observations.length > maxPicks) return -1;
          const open = input.candidates.map((_, i) => i).filter((i) => sameFidelity(input.candidates[i]!.fidelity, c));
          if (open.length === 0) return -1;
          const { model, rows } = fit(input.observations, c, true);
          const picked = suggest(model, {
            space: { d, lower: new Float64Array(d), upper: new Float64Array(d).fill(1) },
            fidelities: [c],
            target: c,
            observations: rows.map((r) => ({ w: r.w, s: c.s, z: c.z, y: r.y })),
            acquisition: 'logei',
            batch: 1,
            seed: seed + input.observations.length,
            candidates: open.map((i) => input.candidates[i]!),
          })[0];
          const index = picked ? open.find((i) => input.candidates[i]!.w === picked.w) : undefined;
          return index ?? open[rng.int(open.length)]!;
        },
        recommend(input) {
          cheap ??= cheapestOf(input.observations);
          const { model } = fit(input.observations, cheap, false);
          const post = model.posterior(rowsAt(d, input.targetRows.map((w) => ({ w })), cheap.s, cheap.z));
          let best = 0;
          for (let i = 1; i < post.mean.length; i++) if (post.mean[i]! < post.mean[best]!) best = i;
          return best;
        },
      };
    },
  };
}

export const METHOD_NAMES = [
  'mixopt-mf',
  'mixopt-sf',
  'zero-shot',
  'random',
  'regmix',
  'dml',
  'sobol',
  // variants of the multi-fidelity default, for ablations
  'mixopt-mf-eipc',
  'mixopt-mf-prediction',
  'mixopt-mf-matern',
  'mixopt-mf-ard',
  'mixopt-mf-linear',
  'mixopt-mf-raw',
  'mixopt-mf-nolinear',
  'mixopt-mf-nolevels',
  'mixopt-sf-prediction',
  'mixopt-sf-mes',
  'mixopt-sf-ucb',
  'mixopt-sf-greedy',
  'mixopt-sf-greedy-nolinear',
  'mixopt-sf-ucb05',
  'mixopt-sf-ucb1',
  'mixopt-sf-plugin',
  'mixopt-mf-noiselessmes',
  'mixopt-mf-previous',
  'mixopt-mf-plainmes',
  'mixopt-sf-logei',
  'mixopt-sf-nolinear',
  'mixopt-mf-nogate',
  'mixopt-mf-nocap',
  'mixopt-mf-nogate-nocap',
  'mixopt-sf-ard',
  'mixopt-sf-ucb025',
  'mixopt-sf-ucb01',
  'mixopt-mf-notrend',
  'mixopt-mf-noverify',
  'mixopt-sf-noverify',
  'mixopt-mf-noentropy',
  'mixopt-sf-noentropy',
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];
export const DEFAULT_METHODS: readonly MethodName[] = ['mixopt-mf', 'mixopt-sf', 'zero-shot', 'random', 'sobol', 'regmix', 'dml'];

/** Random rows every seed starts with, before the method chooses (the replay's own first row counts for 'cheapest'). */
export const INITIAL_DESIGN = 3;

/**
 * Fair seeds: a method whose choices are otherwise deterministic given its data starts from `count` random rows
 * drawn with its seed, so that every seed changes its initial design (at the target for single-fidelity methods,
 * at the cheapest fidelity for multi-fidelity ones, whose replay also starts there). RegMix and DML draw the same
 * number of random target rows themselves; random and Sobol depend on the seed throughout.
 */
export function withInitialDesign(method: SelectionMethod, count: number, where: 'target' | 'cheapest'): SelectionMethod {
  return {
    name: method.name,
    start(seed, d) {
      const run = method.start(seed, d);
      const rng = new Rng(seed * 9_973 + 17);
      return {
        choose(input) {
          const pool = input.candidates.map((_, i) => i).filter((i) => {
            const f = input.candidates[i]!.fidelity;
            if (where === 'target') return sameFidelity(f, input.target);
            const cheapest = Math.min(...input.fidelities.map((x) => x.cost));
            return f.cost === cheapest;
          });
          const own = input.observations.filter((o) => (where === 'target' ? sameFidelity(o.fidelity, input.target) : true)).length;
          if (own < count && pool.length > 0) return pool[rng.int(pool.length)]!;
          return run.choose(input);
        },
        recommend: (input) => run.recommend(input),
      };
    },
  };
}

export function methodByName(name: MethodName, tuning: MethodTuning = DEFAULT_TUNING): SelectionMethod {
  const method = bareMethodByName(name, tuning);
  if (name.startsWith('mixopt-sf')) return withInitialDesign(method, INITIAL_DESIGN, 'target');
  if (name.startsWith('mixopt-mf') || name === 'zero-shot') return withInitialDesign(method, INITIAL_DESIGN, 'cheapest');
  return method;
}

function bareMethodByName(name: MethodName, tuning: MethodTuning): SelectionMethod {
  switch (name) {
    case 'mixopt-mf':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, ...(tuning.maxPerFidelity !== undefined ? { maxPerFidelity: tuning.maxPerFidelity } : {}) });
    case 'mixopt-sf':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery });
    case 'mixopt-mf-noverify':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, verify: false, ...(tuning.maxPerFidelity !== undefined ? { maxPerFidelity: tuning.maxPerFidelity } : {}) });
    case 'mixopt-sf-noverify':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery, verify: false });
    case 'mixopt-mf-noentropy':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, config: { entropy: false }, ...(tuning.maxPerFidelity !== undefined ? { maxPerFidelity: tuning.maxPerFidelity } : {}) });
    case 'mixopt-sf-noentropy':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery, config: { entropy: false } });
    case 'zero-shot':
      return zeroShotMethod(tuning);
    case 'random':
      return randomAtTarget;
    case 'regmix':
      return regmixMethod();
    case 'dml':
      return mixingLawMethod();
    case 'sobol':
      return sobolAtTarget;
    case 'mixopt-mf-eipc':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, acquisition: 'ei-per-cost' });
    case 'mixopt-mf-prediction':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, recommendRule: 'prediction' });
    case 'mixopt-mf-matern':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, config: { mixtureKernel: 'matern52' } });
    case 'mixopt-mf-ard':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, config: { ard: true } });
    case 'mixopt-mf-linear':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, config: { mean: 'linear' }, logObjective: false });
    case 'mixopt-mf-nolinear':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, config: { linear: false } });
    case 'mixopt-mf-nolevels':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, config: { sizeLevels: false } });
    case 'mixopt-mf-raw':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, logObjective: false });
    case 'mixopt-sf-mes':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery, acquisition: 'mes' });
    case 'mixopt-sf-ucb':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery, acquisition: 'ucb' });
    case 'mixopt-sf-greedy':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery, acquisition: 'ucb', beta: 0 });
    case 'mixopt-sf-greedy-nolinear':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery, acquisition: 'ucb', beta: 0, config: { linear: false } });
    case 'mixopt-sf-ucb05':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery, acquisition: 'ucb', beta: 0.5 });
    case 'mixopt-sf-ucb1':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery, acquisition: 'ucb', beta: 1 });
    case 'mixopt-sf-plugin':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery, incumbent: 'posterior-mean' });
    case 'mixopt-mf-noiselessmes':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, noiselessMes: true });
    case 'mixopt-mf-previous':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, noiselessMes: true, plainMes: true, config: { linear: false, sizeLevels: false } });
    case 'mixopt-mf-plainmes':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, plainMes: true });
    case 'mixopt-sf-ucb025':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery, acquisition: 'ucb', beta: 0.25 });
    case 'mixopt-sf-ucb01':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery, acquisition: 'ucb', beta: 0.1 });
    case 'mixopt-sf-ard':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery, config: { ard: true } });
    case 'mixopt-mf-nogate':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, transferCheck: false });
    case 'mixopt-mf-nocap':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, proxyCap: false });
    case 'mixopt-mf-nogate-nocap':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, transferCheck: false, proxyCap: false });
    case 'mixopt-mf-notrend':
      return gpMethod({ name, fidelities: 'all', refitEvery: tuning.refitEvery, config: { trend: false } });
    case 'mixopt-sf-nolinear':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery, config: { linear: false } });
    case 'mixopt-sf-logei':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery, acquisition: 'logei' });
    case 'mixopt-sf-prediction':
      return gpMethod({ name, fidelities: 'target', refitEvery: tuning.refitEvery, recommendRule: 'prediction' });
  }
}
