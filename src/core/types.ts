// Shared contracts of the numeric core. The model side (kernels, GP) and the decision side (acquisitions,
// search, recommendation, baselines) meet only here, as BoTorch's Model.posterior / Acquisition split.
//
// Conventions used across src/core:
// - A point is (w, s, z): mixture weights w on the simplex (length d), model scale s and training steps z,
//   each a normalised log in [0, 1] where 1 is the target fidelity.
// - Sets of points are packed row-major in a Float64Array with `dim = d + 2` columns: w_0..w_{d-1}, s, z.
// - The core always MINIMISES the objective (losses). Callers negate maximised metrics before and after.

/** n points packed row-major, `dim = d + 2` columns: d mixture weights, then s, then z. */
export interface PointSet {
  readonly n: number;
  /** number of mixture domains */
  readonly d: number;
  /** length n * (d + 2) */
  readonly data: Float64Array;
}

/** Marginal posterior of the latent objective f (noise-free) at n points, in the objective's own units. */
export interface MarginalPosterior {
  /** length n */
  readonly mean: Float64Array;
  /** length n, clipped at >= 0 */
  readonly variance: Float64Array;
}

/**
 * What every decision needs from a fitted surrogate. Implemented by the GP; acquisitions are tested against
 * hand-written mocks of it.
 */
export interface PosteriorModel {
  readonly d: number;
  /** Number of observations the model is conditioned on (fantasies included). */
  readonly n: number;
  /** Observation noise variance in the objective's units (not standardised). */
  readonly noiseVariance: number;
  /** Posterior of f at the points. */
  posterior(points: PointSet): MarginalPosterior;
  /** Posterior covariance cov(f(a_i), f(b_j)); returns a.n x b.n row-major. */
  covariance(a: PointSet, b: PointSet): Float64Array;
  /** Pairwise posterior covariance cov(f(a_i), f(b_i)) for a.n === b.n; returns length a.n. */
  crossCovarianceDiag(a: PointSet, b: PointSet): Float64Array;
  /**
   * Optional: posterior(a), posterior(b) and crossCovarianceDiag(a, b) in one call (a.n === b.n), sharing the
   * whitened cross-kernels so each set is solved against the training factor once.
   */
  jointPosterior?(a: PointSet, b: PointSet): { first: MarginalPosterior; second: MarginalPosterior; crossCovariance: Float64Array };
  /**
   * A model with the same hyperparameters conditioned additionally on `points` observed at `values`
   * (no refit). Used for fantasies of pending trials: with values = current posterior mean the mean is
   * unchanged and the variance shrinks around the pending points (kriging believer).
   */
  conditionOn(points: PointSet, values: Float64Array): PosteriorModel;
}

/** One fidelity a trial can be run at. */
export interface Fidelity {
  /** label shown to users, e.g. "60M" or "60M@10000" */
  readonly label: string;
  /** normalised log model size in [0, 1], target = 1 */
  readonly s: number;
  /** normalised log steps in [0, 1], target = 1 */
  readonly z: number;
  /** cost of one run at this fidelity, in the study's cost unit (> 0) */
  readonly cost: number;
  /**
   * Upper bound per domain that comes from data availability at this fidelity:
   * available_tokens_i * max_epochs / tokens_of_run. Length d; Infinity where unconstrained.
   */
  readonly maxWeight?: Float64Array;
}

/** Where mixtures may be searched. */
export interface MixtureSpace {
  readonly d: number;
  /** length d, each in [0, 1] */
  readonly lower: Float64Array;
  /** length d, each in [0, 1] */
  readonly upper: Float64Array;
  /** domain index -> fixed weight; those coordinates never move */
  readonly fixed?: ReadonlyMap<number, number>;
}

/** One observed run, ready for the model. */
export interface Observation {
  readonly w: Float64Array;
  readonly s: number;
  readonly z: number;
  /** objective value (to minimise) */
  readonly y: number;
}

/** A proposed trial with the reasons it was chosen. */
export interface Candidate {
  readonly w: Float64Array;
  readonly fidelity: Fidelity;
  /** posterior of f at (w, fidelity) */
  readonly mean: number;
  readonly std: number;
  /** posterior of f at (w, target fidelity) */
  readonly targetMean: number;
  readonly targetStd: number;
  /** acquisition value (already divided by cost when the acquisition is cost-aware) */
  readonly acquisitionValue: number;
  readonly acquisition: AcquisitionName;
}

export type AcquisitionName = 'logei' | 'ei-per-cost' | 'mes' | 'ucb';

/** Thrown for input the core refuses (NaN, wrong shapes); the message names the offending point. */
export class CoreInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CoreInputError';
  }
}
