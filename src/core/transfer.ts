// Whether the runs at cheaper fidelities help predict the target, judged on the target's own runs.
//
// A multi-fidelity model pays off only where the cheap sizes tell something about the target. Once the target has
// a few runs, the model of every size and a model of the target runs alone each predict every target run left out
// (leave-one-out, Rasmussen & Williams 2006, eq. 5.10-5.12, at fixed hyperparameters), and their mean log
// predictive densities are compared; a tie counts against the cheap sizes. Where the cheap sizes lose, the engine
// and the benchmark's default suggest at the target only, from the model of the target runs alone (and say so);
// the Posterior panel shows the figures. Without it, a proxy that ranks the target's mixtures badly kept its
// trust: on the synthetic table with a bias of 4 sd the replay bought all 256 proxy rows (bench/RESULTS.md,
// "Stop 10"), since the size kernel alone did not learn the low correlation from the target's few runs.
import type { GpConfig } from './gp/config';
import { fitGp } from './gp/fit';
import type { GaussianProcess } from './gp/model';
import { pointsFromRows } from './points';
import type { Observation } from './types';

/** Leave-one-out predictions of a fitted model at its own observations (in the model's units). */
export interface LeaveOneOutModel {
  leaveOneOut(): { mean: Float64Array; variance: Float64Array };
  /** The same at some observations only (in their order), where the model can do it for less. */
  leaveOneOutAt?(indices: readonly number[]): { mean: Float64Array; variance: Float64Array };
}

/** Target runs needed before the check is made: with fewer, a left-out mean over 2-3 runs says little. */
export const TRANSFER_CHECK_MIN_TARGET_RUNS = 5;

export interface TransferCheck {
  /** target observations the comparison is made on */
  readonly targetRuns: number;
  /** mean log predictive density of the left-out target runs: model of all fidelities, model of the target only */
  readonly withCheap: number;
  readonly targetOnly: number;
  /** the cheap runs help predict the target: the model of every size scores higher */
  readonly useCheap: boolean;
}

function meanLogDensity(y: readonly number[], mean: ArrayLike<number>, variance: ArrayLike<number>, indices: readonly number[]): number {
  let total = 0;
  indices.forEach((index, k) => {
    const v = Math.max(variance[index]!, 1e-300);
    const r = y[k]! - mean[index]!;
    total += -0.5 * (Math.log(2 * Math.PI * v) + (r * r) / v);
  });
  return total / indices.length;
}

/**
 * Compares the model of every fidelity (`all`, fitted to `observations`) with the model of the target runs alone
 * (`targetOnly`, fitted to exactly the observations at the target, in their order). Both must be fitted on the
 * same scale of y.
 */
export function checkTransfer(all: LeaveOneOutModel, targetOnly: LeaveOneOutModel, observations: readonly Observation[], target: { readonly s: number; readonly z: number }): TransferCheck {
  const atTarget: number[] = [];
  observations.forEach((o, i) => {
    if (o.s === target.s && o.z === target.z) atTarget.push(i);
  });
  const y = atTarget.map((i) => observations[i]!.y);
  const cheapLoo = all.leaveOneOutAt ? all.leaveOneOutAt(atTarget) : undefined;
  const fullLoo = cheapLoo ? undefined : all.leaveOneOut();
  const ownLoo = targetOnly.leaveOneOut();
  if (ownLoo.mean.length !== atTarget.length) {
    throw new Error(`checkTransfer: the target-only model has ${ownLoo.mean.length} observations, the data ${atTarget.length} at the target`);
  }
  const withCheap = cheapLoo
    ? meanLogDensity(y, cheapLoo.mean, cheapLoo.variance, atTarget.map((_, k) => k))
    : meanLogDensity(y, fullLoo!.mean, fullLoo!.variance, atTarget);
  const own = meanLogDensity(
    y,
    ownLoo.mean,
    ownLoo.variance,
    atTarget.map((_, k) => k),
  );
  return { targetRuns: atTarget.length, withCheap, targetOnly: own, useCheap: withCheap > own };
}

/** What the engine and the benchmark decide from: the check, and the target-only model where it went against the cheap sizes. */
export interface TransferGate {
  readonly check?: TransferCheck;
  /** the model of the target runs alone, where the smaller sizes do not help predict them */
  readonly targetModel?: GaussianProcess;
}

/**
 * The check on the model of every fidelity (`all`, fitted to `observations` with `config`), once the target has
 * TRANSFER_CHECK_MIN_TARGET_RUNS runs and cheaper ones exist: a model of the target runs alone (constant mean, fitted
 * cold with one restart: they are few) is compared with it.
 */
export function transferGate(all: LeaveOneOutModel, observations: readonly Observation[], target: { readonly s: number; readonly z: number }, config: GpConfig, seed: number): TransferGate {
  const own = observations.filter((o) => o.s === target.s && o.z === target.z);
  if (own.length < TRANSFER_CHECK_MIN_TARGET_RUNS || own.length === observations.length) return {};
  const d = own[0]!.w.length;
  const targetModel = fitGp(pointsFromRows(d, own), Float64Array.from(own, (o) => o.y), { ...config, mean: 'constant' }, { seed, restarts: 1 });
  const check = checkTransfer(all, targetModel, observations, target);
  return check.useCheap ? { check } : { check, targetModel };
}
