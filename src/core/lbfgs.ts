// Projected L-BFGS for smooth objectives with box bounds (used on log-hyperparameters).
//
// Each iteration: variables sitting on a bound with the gradient pushing outwards are frozen; the L-BFGS
// two-loop recursion (Nocedal & Wright, Algorithm 7.4) gives a direction on the free variables; a projected
// backtracking line search (Armijo condition on the projected step, quadratic interpolation) picks the step.
// Curvature pairs with s.y <= eps |y|^2 are skipped so the inverse-Hessian approximation stays positive definite.

export interface ObjectiveValue {
  readonly value: number;
  /** Gradient, same length as x. */
  readonly gradient: Float64Array;
}

export type Objective = (x: Float64Array) => ObjectiveValue;

export interface MinimizeOptions {
  /** Lower bounds (length of x); -Infinity where unbounded. */
  readonly lower?: Float64Array;
  /** Upper bounds (length of x); +Infinity where unbounded. */
  readonly upper?: Float64Array;
  /** Default 200. */
  readonly maxIterations?: number;
  /** Objective evaluations cap, line searches included. Default 20 * maxIterations. */
  readonly maxEvaluations?: number;
  /** Number of curvature pairs kept. Default 10. */
  readonly memory?: number;
  /** Stop when the projected gradient's largest component is below this. Default 1e-5. */
  readonly gradientTolerance?: number;
  /** Stop when (f_k - f_{k+1}) <= tol * max(|f_k|, |f_{k+1}|, 1), as scipy's factr * eps. Default 2.2e-9. */
  readonly relativeTolerance?: number;
}

export type StopReason = 'gradient' | 'relative-reduction' | 'max-iterations' | 'max-evaluations' | 'line-search' | 'non-finite-start';

export interface MinimizeResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly gradient: Float64Array;
  readonly iterations: number;
  readonly evaluations: number;
  readonly reason: StopReason;
  /** True for 'gradient' and 'relative-reduction'. */
  readonly converged: boolean;
}

const ARMIJO = 1e-4;

export function minimize(objective: Objective, x0: Float64Array, options: MinimizeOptions = {}): MinimizeResult {
  const size = x0.length;
  const lower = options.lower ?? new Float64Array(size).fill(-Infinity);
  const upper = options.upper ?? new Float64Array(size).fill(Infinity);
  const maxIterations = options.maxIterations ?? 200;
  const maxEvaluations = options.maxEvaluations ?? 20 * Math.max(1, maxIterations);
  const memory = Math.max(1, options.memory ?? 10);
  const gradientTolerance = options.gradientTolerance ?? 1e-5;
  const relativeTolerance = options.relativeTolerance ?? 2.2e-9;

  const project = (x: Float64Array): Float64Array => {
    for (let i = 0; i < size; i++) x[i] = Math.min(upper[i]!, Math.max(lower[i]!, x[i]!));
    return x;
  };

  let evaluations = 0;
  const evaluate = (x: Float64Array): ObjectiveValue => {
    evaluations++;
    const result = objective(x);
    let finite = Number.isFinite(result.value);
    for (let i = 0; finite && i < size; i++) finite = Number.isFinite(result.gradient[i]!);
    return finite ? result : { value: Infinity, gradient: result.gradient };
  };

  let x = project(Float64Array.from(x0));
  let current = evaluate(x);
  const finish = (reason: StopReason, iterations: number): MinimizeResult => ({
    x,
    value: current.value,
    gradient: Float64Array.from(current.gradient),
    iterations,
    evaluations,
    reason,
    converged: reason === 'gradient' || reason === 'relative-reduction',
  });
  if (!Number.isFinite(current.value)) return finish('non-finite-start', 0);

  const pairsS: Float64Array[] = [];
  const pairsY: Float64Array[] = [];
  const pairsRho: number[] = [];
  const frozen = new Uint8Array(size);

  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const g = current.gradient;
    let projectedNorm = 0;
    for (let i = 0; i < size; i++) {
      const atLower = x[i]! <= lower[i]! && g[i]! > 0;
      const atUpper = x[i]! >= upper[i]! && g[i]! < 0;
      frozen[i] = atLower || atUpper ? 1 : 0;
      if (!frozen[i]) projectedNorm = Math.max(projectedNorm, Math.abs(g[i]!));
    }
    if (projectedNorm < gradientTolerance) return finish('gradient', iteration);

    let direction = twoLoopDirection(g, frozen, pairsS, pairsY, pairsRho);
    let slope = 0;
    for (let i = 0; i < size; i++) slope += direction[i]! * g[i]!;
    if (!(slope < 0)) {
      pairsS.length = pairsY.length = pairsRho.length = 0;
      direction = twoLoopDirection(g, frozen, pairsS, pairsY, pairsRho);
    }
    // Without curvature information, scale the first step to unit length (as scipy's L-BFGS-B does).
    let step = 1;
    if (pairsS.length === 0) {
      let norm = 0;
      for (let i = 0; i < size; i++) norm += direction[i]! * direction[i]!;
      step = Math.min(1, 1 / Math.sqrt(norm));
    }

    const searched = lineSearch(x, current, direction, step);
    if (searched === undefined) {
      if (pairsS.length > 0) {
        pairsS.length = pairsY.length = pairsRho.length = 0;
        continue;
      }
      return finish('line-search', iteration);
    }
    if (evaluations >= maxEvaluations) {
      acceptPair(searched.x, searched.result);
      return finish('max-evaluations', iteration + 1);
    }
    const previousValue = current.value;
    acceptPair(searched.x, searched.result);
    const reduction = previousValue - current.value;
    if (reduction <= relativeTolerance * Math.max(Math.abs(previousValue), Math.abs(current.value), 1)) {
      return finish('relative-reduction', iteration + 1);
    }
  }
  return finish('max-iterations', maxIterations);

  function acceptPair(nextX: Float64Array, next: ObjectiveValue): void {
    const s = new Float64Array(size);
    const y = new Float64Array(size);
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < size; i++) {
      s[i] = nextX[i]! - x[i]!;
      y[i] = next.gradient[i]! - current.gradient[i]!;
      sy += s[i]! * y[i]!;
      yy += y[i]! * y[i]!;
    }
    if (sy > 1e-10 * yy && sy > 0) {
      pairsS.push(s);
      pairsY.push(y);
      pairsRho.push(1 / sy);
      if (pairsS.length > memory) {
        pairsS.shift();
        pairsY.shift();
        pairsRho.shift();
      }
    }
    x = nextX;
    current = next;
  }

  function lineSearch(
    start: Float64Array,
    at: ObjectiveValue,
    direction: Float64Array,
    initialStep: number,
  ): { x: Float64Array; result: ObjectiveValue } | undefined {
    let step = initialStep;
    for (let trial = 0; trial < 40 && evaluations < maxEvaluations; trial++) {
      const candidate = new Float64Array(size);
      for (let i = 0; i < size; i++) candidate[i] = start[i]! + step * direction[i]!;
      project(candidate);
      let decrease = 0;
      let moved = false;
      for (let i = 0; i < size; i++) {
        const delta = candidate[i]! - start[i]!;
        if (delta !== 0) moved = true;
        decrease += at.gradient[i]! * delta;
      }
      if (!moved) return undefined;
      const result = evaluate(candidate);
      if (result.value <= at.value + ARMIJO * decrease && decrease < 0) return { x: candidate, result };
      // Minimiser of the quadratic through f(0), f'(0) and f(step), kept within [0.1, 0.5] * step.
      let next = 0.5 * step;
      if (Number.isFinite(result.value) && decrease < 0) {
        const curvature = result.value - at.value - decrease;
        if (curvature > 0) next = Math.min(0.5 * step, Math.max(0.1 * step, (-decrease * step) / (2 * curvature)));
      }
      step = next;
    }
    return undefined;
  }
}

/** L-BFGS two-loop recursion on the free variables; returns the descent direction -H g (0 on frozen ones). */
function twoLoopDirection(
  gradient: Float64Array,
  frozen: Uint8Array,
  pairsS: readonly Float64Array[],
  pairsY: readonly Float64Array[],
  pairsRho: readonly number[],
): Float64Array {
  const size = gradient.length;
  const q = new Float64Array(size);
  for (let i = 0; i < size; i++) q[i] = frozen[i] ? 0 : gradient[i]!;
  const count = pairsS.length;
  const alpha = new Float64Array(count);
  for (let p = count - 1; p >= 0; p--) {
    const s = pairsS[p]!;
    const y = pairsY[p]!;
    let sq = 0;
    for (let i = 0; i < size; i++) if (!frozen[i]) sq += s[i]! * q[i]!;
    const a = pairsRho[p]! * sq;
    alpha[p] = a;
    for (let i = 0; i < size; i++) if (!frozen[i]) q[i] = q[i]! - a * y[i]!;
  }
  if (count > 0) {
    const s = pairsS[count - 1]!;
    const y = pairsY[count - 1]!;
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < size; i++) {
      sy += s[i]! * y[i]!;
      yy += y[i]! * y[i]!;
    }
    const gamma = yy > 0 ? sy / yy : 1;
    for (let i = 0; i < size; i++) q[i] = q[i]! * gamma;
  }
  for (let p = 0; p < count; p++) {
    const s = pairsS[p]!;
    const y = pairsY[p]!;
    let yr = 0;
    for (let i = 0; i < size; i++) if (!frozen[i]) yr += y[i]! * q[i]!;
    const b = pairsRho[p]! * yr;
    for (let i = 0; i < size; i++) if (!frozen[i]) q[i] = q[i]! + (alpha[p]! - b) * s[i]!;
  }
  for (let i = 0; i < size; i++) q[i] = frozen[i] ? 0 : -q[i]!;
  return q;
}
