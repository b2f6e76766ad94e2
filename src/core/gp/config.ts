// The model's configuration and the serialisable result of a fit: what callers (engine, benchmarks, the fit cache)
// pass in and read back. Nothing here computes; the files beside it do (see docs/architecture.md, "The model").
//
// Why src/core/gp/: the exact GP is one concept in several cohesive parts (priors, mean, likelihood, the multi-start
// fit, the fitted model, hyperparameter naming); each file holds one, and importers name the part they use.

export interface GpConfig {
  readonly mixtureKernel: 'rbf' | 'matern52';
  readonly ard: boolean;
  readonly fidelityKernel: 'rbf' | 'downsampling';
  readonly mean: 'constant' | 'linear' | 'quadratic';
  /** Lower bound of the noise variance on the STANDARDISED scale (y / std(y)). Default 1e-6. */
  readonly noiseFloor?: number;
  /** Add log-priors on the hyperparameters (see priors.ts). Default true. */
  readonly priors?: boolean;
  /** A linear trend in the mixture weights inside the mixture kernel (kernels LinearKernel). Default false. */
  readonly linear?: boolean;
  /**
   * A linear trend in the mixture's entropy inside the mixture kernel (kernels EntropyKernel), where every
   * observation is at one fidelity (one model size, one step count). Default false.
   */
  readonly entropy?: boolean;
  /**
   * A component per model size (kernels LevelKernel) when the data hold two or more sizes, so that the
   * correlation between sizes is learned apart from the smoothness in s. Default false.
   */
  readonly sizeLevels?: boolean;
  /**
   * Add the variance of the estimated mean coefficients to predictions (R&W eq. 2.41). Default true. The sparse
   * large-data path (sparseGp.ts) does not have the term; its tests compare against the exact GP without it.
   */
  readonly meanUncertainty?: boolean;
  /**
   * A size-and-steps trend shared by all mixtures, with Gaussian priors on its coefficients (kernels TrendKernel),
   * for the terms the mean leaves out: the slope where the data hold one size (or step count) and the target
   * another, the curvature where the target is beyond the observed levels, and the size x steps interaction.
   * Default false.
   */
  readonly trend?: boolean;
  /**
   * Noise shared by a run's checkpoints (kernels RunNoiseKernel) where some run is observed at two or more step
   * counts; without it, checkpoints of one run read as independent measurements. Default false.
   */
  readonly runNoise?: boolean;
}

/**
 * What the engine and the benchmark's MixOpt methods fit by default: a linear trend in the weights inside the
 * mixture kernel (the GP contains the RegMix / log-linear mixing laws), a trend in the mixture's entropy where the
 * data hold one fidelity (replayed, it helped every single-fidelity table but one; with the cheaper runs of the
 * RegMix tables or the learning curves of the closed loop in the model it did harm), a component per model size once
 * the data hold SIZES_FOR_LEVELS sizes (gp/hyperparameters.ts), and the size-and-steps trend where the data can fit
 * its curvature. See bench/RESULTS.md for the ablations.
 */
export const MODEL_DEFAULTS: Pick<GpConfig, 'linear' | 'entropy' | 'sizeLevels' | 'trend' | 'runNoise'> = { linear: true, entropy: true, sizeLevels: true, trend: true, runNoise: true };

export interface FitOptions {
  /** Random starts in addition to the first (default or warm) start. Default 2 cold, 0 when warm-started. */
  readonly restarts?: number;
  /** Seed of the random starts (and of the subset used for large n). Default 0. */
  readonly seed?: number;
  /** Hyperparameters of an earlier fit; used as the first start when their names match this model's. */
  readonly warmStart?: GpHyperparameters;
  /**
   * L-BFGS iterations per start. Default 100 when the optimisation runs on at most `subsetSize` points, else 10:
   * one likelihood + gradient evaluation costs about 0.4 s at n = 1,088, so warm refits of large data sets take a
   * few quasi-Newton steps from the previous optimum instead of running to convergence.
   */
  readonly maxIterations?: number;
  /** Use warmStart's theta (or the defaults) as is, no optimisation. */
  readonly fixed?: boolean;
  /**
   * Above this many observations, cold starts run on a seeded random subset of this size and only the best
   * is refined on all data (at most `refineIterations` iterations). Default 300. Not used when warm-started.
   */
  readonly subsetSize?: number;
  /** L-BFGS iterations on all data after a subset search. Default 10. */
  readonly refineIterations?: number;
  /**
   * Stop a start when the objective improves by less than this, relative (scipy's factr * eps). Default 2.2e-9 for
   * cold starts and 1e-6 when warm-started (one added run moves the optimum little; 1e-6 of |LML| is far below
   * what changes a decision).
   */
  readonly relativeTolerance?: number;
}

/** Serialisable hyperparameters of a fitted GP (JSON-safe). */
export interface GpHyperparameters {
  readonly d: number;
  readonly config: GpConfig;
  /** names of the log-hyperparameters: kernel names, then "noise" */
  readonly names: readonly string[];
  /** log-hyperparameters, same order as names */
  readonly theta: readonly number[];
  /** exp(theta) by name (noise on the standardised scale) */
  readonly values: Readonly<Record<string, number>>;
  /** noise variance in the objective's units */
  readonly noiseVariance: number;
  /** mean coefficients on the standardised scale: [intercept, s, z, s^2, z^2] (0 for columns not used) */
  readonly meanCoefficients: readonly number[];
  readonly yMean: number;
  readonly yStd: number;
}
