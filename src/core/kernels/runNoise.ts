// The part of the observation noise that a run's checkpoints share (theta = [log v]). A run's seed, data order and
// initialisation move every checkpoint of it together: two evaluations of one run, a few thousand steps apart, are
// off from the noise-free loss by nearly the same amount. With independent noise only, a run logged at four step
// counts reads as four independent measurements of its mixture, and the model becomes four times as sure of it as
// it should be (the closed loop's hairline misses of its 95% interval, bench/LOOP.md).
//
// As scikit-learn's WhiteKernel, this term is noise: it is added to the covariance of the observations among
// themselves (matrix(a) with no second set, and prepare(a)) and to nothing else, since a prediction is of the
// noise-free objective: K(a, b) = 0, diag = 0. Unlike WhiteKernel, it correlates the observations of one run: a
// run is identified by its mixture weights and model size (all of a run's checkpoints carry both); two runs of the
// same mixture and size are read as one, which only makes the model less sure of that configuration.
import { checkCompatible, checkPaired, checkThetaLength } from './types';
import type { Feature, Kernel, KernelGradient, PreparedKernel } from './types';
import type { PointSet } from '../types';

/** Group index of each point: points with equal mixture weights and equal size coordinate share one. */
export function runGroups(points: PointSet): Int32Array {
  const dim = points.d + 2;
  const groups = new Int32Array(points.n);
  const seen = new Map<string, number>();
  for (let i = 0; i < points.n; i++) {
    const key = Array.from(points.data.subarray(i * dim, i * dim + points.d + 1)).join(',');
    let group = seen.get(key);
    if (group === undefined) {
      group = seen.size;
      seen.set(key, group);
    }
    groups[i] = group;
  }
  return groups;
}

/** Whether some run has observations at two or more step counts (so a run-level noise can be told from the rest). */
export function hasRunsWithCheckpoints(points: PointSet): boolean {
  const dim = points.d + 2;
  const groups = runGroups(points);
  const firstStep = new Map<number, number>();
  for (let i = 0; i < points.n; i++) {
    const z = points.data[i * dim + points.d + 1]!;
    const first = firstStep.get(groups[i]!);
    if (first === undefined) firstStep.set(groups[i]!, z);
    else if (Math.abs(first - z) > 1e-9) return true;
  }
  return false;
}

export interface RunNoiseKernelOptions {
  /** Initial variance (standardised units). Default 0.01. */
  readonly variance?: number;
  readonly bounds?: readonly [number, number];
}

/** v [same run] on the observations' own covariance; zero between different point sets and for predictions. */
export class RunNoiseKernel implements Kernel {
  readonly names: readonly string[] = ['run.noise'];
  readonly bounds: ReadonlyArray<readonly [number, number]>;
  readonly features: readonly Feature[] = ['mixture', 's'];
  private readonly logVariance: number;

  constructor(
    private readonly options: RunNoiseKernelOptions = {},
    theta?: ArrayLike<number>,
  ) {
    if (theta !== undefined) checkThetaLength(theta, 1, 'RunNoiseKernel');
    this.logVariance = theta !== undefined ? theta[0]! : Math.log(options.variance ?? 0.01);
    const [low, high] = options.bounds ?? [1e-8, 2];
    this.bounds = [[Math.log(low), Math.log(high)]];
  }

  get theta(): Float64Array {
    return Float64Array.from([this.logVariance]);
  }

  /** The variance v (standardised units). */
  get variance(): number {
    return Math.exp(this.logVariance);
  }

  withTheta(theta: ArrayLike<number>): RunNoiseKernel {
    return new RunNoiseKernel(this.options, theta);
  }

  lengthscales(): undefined {
    return undefined;
  }

  /** With `b`: zeros (no noise between two sets of points). Without: v [same run] among the observations a. */
  matrix(a: PointSet, b?: PointSet): Float64Array {
    if (b !== undefined) {
      checkCompatible(a, b);
      return new Float64Array(a.n * b.n);
    }
    return sameRun(a, this.variance);
  }

  /** Zeros: the prior variance of a prediction is of the noise-free objective. */
  diag(a: PointSet): Float64Array {
    return new Float64Array(a.n);
  }

  pairwise(a: PointSet, b: PointSet): Float64Array {
    checkPaired(a, b);
    return new Float64Array(a.n);
  }

  gradient(a: PointSet): KernelGradient {
    const k = sameRun(a, this.variance);
    return { k, dk: [Float64Array.from(k)] };
  }

  prepare(a: PointSet): PreparedKernel {
    const n = a.n;
    const groups = runGroups(a);
    const k = new Float64Array(n * n);
    let logVariance = this.logVariance;
    return {
      matrix(theta: ArrayLike<number>): Float64Array {
        checkThetaLength(theta, 1, 'RunNoiseKernel');
        logVariance = theta[0]!;
        const v = Math.exp(logVariance);
        for (let i = 0; i < n; i++) {
          const row = i * n;
          for (let j = 0; j < n; j++) k[row + j] = groups[i] === groups[j] ? v : 0;
        }
        return k;
      },
      contract(weights: Float64Array): Float64Array {
        let total = 0;
        for (let i = 0; i < n; i++) {
          const row = i * n;
          for (let j = 0; j < i; j++) if (groups[i] === groups[j]) total += 2 * weights[row + j]!;
          total += weights[row + i]!;
        }
        return Float64Array.from([Math.exp(logVariance) * total]);
      },
    };
  }
}

function sameRun(a: PointSet, v: number): Float64Array {
  const groups = runGroups(a);
  const out = new Float64Array(a.n * a.n);
  for (let i = 0; i < a.n; i++) for (let j = 0; j < a.n; j++) if (groups[i] === groups[j]) out[i * a.n + j] = v;
  return out;
}
