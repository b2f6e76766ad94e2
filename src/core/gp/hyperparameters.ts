// Hyperparameter naming, bounds and theta <-> GpHyperparameters conversion, and the kernel a configuration builds.
// theta is the vector of log-hyperparameters: the kernel's (in its `names` order), then log noise (standardised).
import { SumKernel } from '../kernels/composite';
import { buildDefaultKernel } from '../kernels/default';
import { TrendKernel } from '../kernels/gram';
import { hasRunsWithCheckpoints, RunNoiseKernel } from '../kernels/runNoise';
import type { TrendFeature } from '../kernels/gram';
import type { PairKernel } from '../kernels/types';
import { distinctValues } from '../points';
import { CoreInputError } from '../types';
import type { PointSet } from '../types';
import type { GpConfig, GpHyperparameters } from './config';
import { meanColumnsFor } from './mean';
import type { MeanColumn } from './mean';

export const DEFAULT_NOISE_FLOOR = 1e-6;
const NOISE_UPPER = 2;
/** The noise variance (standardised) a cold fit starts from. */
export const INITIAL_NOISE = 0.05;

/**
 * Model sizes the data must hold before the per-size component (config.sizeLevels) is fitted. With one size it only
 * duplicates the amplitude; with two or three (RegMix's 1M / 60M / 1B, a cheap proxy and its target) a deviation of
 * each size is hard to tell from the smooth size kernel, and fitting one cost the RegMix replay 4x (best 1B row
 * held from 2.34 units over 10 seeds, 0.57 without), while the closed loop's five sizes need it (final median
 * regret 0.0034 with it over 10 seeds, 0.013 without over 6; bench/RESULTS.md).
 */
export const SIZES_FOR_LEVELS = 4;

/** What the data a kernel is built for hold, as far as they decide its parts. */
export interface KernelParts {
  /** model sizes in the data, counted up to SIZES_FOR_LEVELS: the per-size component needs SIZES_FOR_LEVELS */
  readonly sizes: number;
  /** every observation at one fidelity (one size, one step count): the entropy trend (config.entropy) needs it */
  readonly oneFidelity?: boolean;
  /** the size-and-steps trend terms (TrendKernel) */
  readonly trend?: readonly TrendFeature[];
  /** the noise a run's checkpoints share (RunNoiseKernel) */
  readonly runNoise?: boolean;
}

/** The kernel of a configuration for data that hold `parts`. */
export function kernelFor(d: number, config: GpConfig, parts: KernelParts): PairKernel {
  const product = buildDefaultKernel({
    d,
    mixtureKernel: config.mixtureKernel,
    ard: config.ard,
    fidelityKernel: config.fidelityKernel,
    linear: config.linear ?? false,
    entropy: (config.entropy ?? false) && (parts.oneFidelity ?? false),
    sizeLevels: (config.sizeLevels ?? false) && parts.sizes >= SIZES_FOR_LEVELS,
  });
  const extra = [...(parts.trend ?? []).map((feature) => new TrendKernel({ feature, d })), ...(parts.runNoise ? [new RunNoiseKernel()] : [])];
  return extra.length === 0 ? product : new SumKernel([product, ...extra]);
}

/**
 * The trend terms (TrendKernel) a configuration adds for its data: those the mean (meanColumnsFor) leaves out and
 * the data can fit. Curvature (1 - s)^2 where the data hold three or more sizes and the mean has no s^2 column
 * (the target beyond them); the same for z; and (1 - s)(1 - z) where both vary. Not with one or two levels, where
 * the curvature would be its prior alone: that uncertainty is common to every mixture at the target, and the
 * acquisition (MES) then overvalues target runs for pinning a level that does not change which mixture is best
 * (RegMix-mean replay: the best 1B row held from a median 2.1 units with it, 0.9 without). With every point at the
 * target none is added, and the kernel is the product kernel alone.
 */
function trendFeaturesFor(config: GpConfig, points: PointSet, meanColumns: readonly MeanColumn[]): TrendFeature[] {
  if (!config.trend || config.mean === 'constant' || points.n === 0) return [];
  const s = distinctValues(points, points.d, 3);
  const z = distinctValues(points, points.d + 1, 3);
  const features: TrendFeature[] = [];
  if (s >= 3 && !meanColumns.includes('s2')) features.push('s2');
  if (z >= 3 && !meanColumns.includes('z2')) features.push('z2');
  if (s >= 2 && z >= 2) features.push('sz');
  return features;
}

/**
 * The kernel of a configuration for the data it is fitted on (whether they hold two or more sizes, and the trend
 * terms its mean leaves out; `meanColumns` defaults to the configuration's for these data).
 */
export function kernelForData(points: PointSet, config: GpConfig, meanColumns: readonly MeanColumn[] = meanColumnsFor(config, points)): PairKernel {
  const runNoise = (config.runNoise ?? false) && hasRunsWithCheckpoints(points);
  const sizes = distinctValues(points, points.d, SIZES_FOR_LEVELS);
  const oneFidelity = sizes === 1 && distinctValues(points, points.d + 1, 2) === 1;
  return kernelFor(points.d, config, { sizes, oneFidelity, trend: trendFeaturesFor(config, points, meanColumns), runNoise });
}

/** The kernel a fitted model's hyperparameters belong to, set to their theta (names and structure match). */
export function kernelOf(hp: GpHyperparameters): PairKernel {
  const trend = hp.names.flatMap((name) => {
    const match = /^trend\.(s|z|s2|z2|sz)\.variance$/.exec(name);
    return match ? [match[1] as TrendFeature] : [];
  });
  const kernel = kernelFor(hp.d, hp.config, {
    sizes: hp.names.some((name) => name.endsWith('.level.variance')) ? SIZES_FOR_LEVELS : 1,
    oneFidelity: hp.names.includes('mixture.entropy.variance'),
    trend,
    runNoise: hp.names.includes('run.noise'),
  });
  if (kernel.names.length !== hp.names.length - 1 || kernel.names.some((name, i) => name !== hp.names[i])) {
    throw new CoreInputError(`kernelOf: hyperparameters ${hp.names.join(', ')} do not match the kernel ${kernel.names.join(', ')}`);
  }
  return kernel.withTheta(hp.theta.slice(0, hp.theta.length - 1));
}

/** [lower, upper] of the log noise variance (standardised scale) for a configuration's floor. */
export function noiseBounds(config: GpConfig): [number, number] {
  const floor = Math.max(config.noiseFloor ?? DEFAULT_NOISE_FLOOR, 1e-12);
  return [Math.log(floor), Math.log(Math.max(NOISE_UPPER, floor * 10))];
}

/**
 * Names of the log-hyperparameters fitGp uses for a configuration on data of SIZES_FOR_LEVELS or more sizes (kernel
 * names, then "noise"): the per-size component in, the one-fidelity entropy trend out.
 */
export function hyperparameterNames(d: number, config: GpConfig): string[] {
  const kernel = kernelFor(d, config, { sizes: SIZES_FOR_LEVELS });
  return [...kernel.names, 'noise'];
}

/** [lower, upper] (log space) per hyperparameter, same order as hyperparameterNames (the same data). */
export function hyperparameterBounds(d: number, config: GpConfig): Array<[number, number]> {
  const kernel = kernelFor(d, config, { sizes: SIZES_FOR_LEVELS });
  return [...kernel.bounds.map((b): [number, number] => [b[0], b[1]]), noiseBounds(config)];
}

/** exp(theta) by name. */
export function valuesByName(names: readonly string[], theta: ArrayLike<number>): Record<string, number> {
  const values: Record<string, number> = {};
  names.forEach((name, i) => {
    values[name] = Math.exp(theta[i]!);
  });
  return values;
}

/**
 * Hyperparameters from a log-theta vector (kernel names then "noise"), e.g. to evaluate a model at fixed values
 * with `fitGp(..., { fixed: true, warmStart })`. Fields that depend on data (yMean, yStd, mean coefficients)
 * are neutral: they are recomputed by fitGp.
 */
export function hyperparametersFromTheta(d: number, config: GpConfig, theta: ArrayLike<number>): GpHyperparameters {
  const names = hyperparameterNames(d, config);
  if (theta.length !== names.length) throw new CoreInputError(`hyperparametersFromTheta: theta has ${theta.length} entries, expected ${names.length}`);
  return {
    d,
    config: { ...config },
    names,
    theta: Array.from(theta),
    values: valuesByName(names, theta),
    noiseVariance: Math.exp(theta[names.length - 1]!),
    meanCoefficients: [0, 0, 0, 0, 0],
    yMean: 0,
    yStd: 1,
  };
}
