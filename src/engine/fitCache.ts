// The last optimised hyperparameters of a study, kept in `.mixopt/cache/` next to the ledger so that a new window
// or a CLI call warm-starts instead of running a cold multi-start search (n = 1,088 on this 2-core machine: about
// 7 s cold, about 3 s warm), and the rule for when a fit re-optimises them at all.
//
// The cache is only a speed-up: a missing, unreadable or mismatched file means a cold fit, never an error.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { removeStaleTemps, writeFileAtomic } from '../configgen/write';
import { processAlive } from '../ledger/lock';
import type { GpConfig, GpHyperparameters } from '../core/gp/config';
import type { Observation } from '../core/types';

/** Below this many observations every fit re-optimises: a warm re-optimisation costs well under half a second. */
export const ALWAYS_OPTIMISE_BELOW = 400;
/** Above it, hyperparameters are re-optimised once the observations changed by more than this fraction. */
export const REOPTIMISE_GROWTH = 0.05;

export interface OptimisedFit {
  readonly hyperparameters: GpHyperparameters;
  /** keys (observationKey) of the observations the hyperparameters were optimised on */
  readonly optimisedOn: ReadonlySet<string>;
}

/** A short stable key of one observation (mixture to 1e-9, fidelity and value). */
export function observationKey(o: Observation): string {
  const parts = [...Array.from(o.w, (x) => x.toFixed(9)), o.s.toFixed(9), o.z.toFixed(9), String(o.y)];
  return createHash('sha1').update(parts.join(',')).digest('hex').slice(0, 16);
}

/**
 * Whether a fit on `current` observations should re-optimise the hyperparameters of `previous` rather than keep
 * them fixed: always for small data, when any observation they were optimised on is gone or changed, or when more
 * than REOPTIMISE_GROWTH of new observations arrived. One new run among a thousand moves the maximum-likelihood
 * hyperparameters by far less than their own uncertainty, and a re-optimisation at that size costs seconds.
 */
export function needsOptimisation(previous: OptimisedFit | undefined, current: readonly string[]): boolean {
  if (!previous || previous.optimisedOn.size === 0) return true;
  if (current.length < ALWAYS_OPTIMISE_BELOW) return true;
  const present = new Set(current);
  for (const key of previous.optimisedOn) if (!present.has(key)) return true;
  let added = 0;
  for (const key of present) if (!previous.optimisedOn.has(key)) added++;
  return added > REOPTIMISE_GROWTH * previous.optimisedOn.size;
}

export function fitCachePath(studyFile: string): string {
  return join(dirname(studyFile), '.mixopt', 'cache', `${basename(studyFile).replace(/\.mixopt\.ya?ml$/i, '')}.fit.json`);
}

interface StoredFit {
  readonly version: 1;
  readonly domains: readonly string[];
  readonly hyperparameters: GpHyperparameters;
  readonly optimisedOn: readonly string[];
}

const isNumberArray = (x: unknown): x is number[] => Array.isArray(x) && x.every((v) => typeof v === 'number' && Number.isFinite(v));

export function sameConfig(a: GpConfig, b: GpConfig): boolean {
  return (
    a.mixtureKernel === b.mixtureKernel &&
    a.ard === b.ard &&
    a.fidelityKernel === b.fidelityKernel &&
    a.mean === b.mean &&
    (a.linear ?? false) === (b.linear ?? false) &&
    (a.entropy ?? false) === (b.entropy ?? false) &&
    (a.sizeLevels ?? false) === (b.sizeLevels ?? false)
  );
}

/** The stored fit when it is well formed and belongs to this study's domains and model configuration. */
export function loadFit(path: string, domains: readonly string[], config: GpConfig): OptimisedFit | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
  const stored = parsed as Partial<StoredFit> | null;
  if (!stored || stored.version !== 1 || !Array.isArray(stored.domains) || !Array.isArray(stored.optimisedOn)) return undefined;
  if (stored.domains.length !== domains.length || stored.domains.some((d, i) => d !== domains[i])) return undefined;
  const hp = stored.hyperparameters;
  if (!hp || typeof hp !== 'object' || hp.d !== domains.length || !hp.config || !sameConfig(hp.config, config)) return undefined;
  if (!Array.isArray(hp.names) || !isNumberArray(hp.theta) || hp.names.length !== hp.theta.length) return undefined;
  if (!isNumberArray(hp.meanCoefficients) || !Number.isFinite(hp.yMean) || !Number.isFinite(hp.yStd) || !Number.isFinite(hp.noiseVariance)) return undefined;
  if (!stored.optimisedOn.every((k) => typeof k === 'string')) return undefined;
  return { hyperparameters: hp, optimisedOn: new Set(stored.optimisedOn) };
}

/**
 * Writes the fit atomically (writeFileAtomic: temp file, fsync, rename, so a reader never sees half a file), after
 * removing the temp files a killed process left in the cache folder. Returns an error message instead of throwing:
 * a read-only workspace only loses the speed-up.
 */
export function saveFit(path: string, domains: readonly string[], fit: OptimisedFit): string | undefined {
  const stored: StoredFit = { version: 1, domains, hyperparameters: fit.hyperparameters, optimisedOn: [...fit.optimisedOn] };
  return writeCacheFile(path, JSON.stringify(stored));
}

/** Writes a file of the cache folder atomically, creating the folder and its .gitignore; an error message, never a throw. */
function writeCacheFile(path: string, text: string): string | undefined {
  try {
    mkdirSync(dirname(path), { recursive: true });
    // a cache has no place in version control, whatever the user does with the ledger beside it
    const ignore = join(dirname(path), '.gitignore');
    if (!existsSync(ignore)) writeFileSync(ignore, '# MixOpt cache: safe to delete, rebuilt by the next fit\n*\n');
    removeStaleTemps(dirname(path), processAlive);
    writeFileAtomic(path, text, { overwrite: true });
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Where a study's last recommended mixture is kept (core/recommend.ts `previous`), beside its fit. */
export function recommendedPath(studyFile: string): string {
  return fitCachePath(studyFile).replace(/\.fit\.json$/, '.recommended.json');
}

interface StoredRecommendation {
  readonly version: 1;
  readonly domains: readonly string[];
  readonly mixture: readonly number[];
}

/** The last recommended mixture when the file is well formed and of these domains; else undefined (never an error). */
export function loadRecommended(path: string, domains: readonly string[]): Float64Array | undefined {
  let stored: Partial<StoredRecommendation> | null;
  try {
    stored = JSON.parse(readFileSync(path, 'utf8')) as Partial<StoredRecommendation> | null;
  } catch {
    return undefined;
  }
  if (!stored || stored.version !== 1 || !Array.isArray(stored.domains) || !isNumberArray(stored.mixture)) return undefined;
  if (stored.domains.length !== domains.length || stored.domains.some((d, i) => d !== domains[i]) || stored.mixture.length !== domains.length) return undefined;
  return Float64Array.from(stored.mixture);
}

/** Writes the recommended mixture atomically; returns an error message instead of throwing (as saveFit). */
export function saveRecommended(path: string, domains: readonly string[], mixture: ArrayLike<number>): string | undefined {
  const stored: StoredRecommendation = { version: 1, domains, mixture: Array.from(mixture) };
  return writeCacheFile(path, JSON.stringify(stored));
}
