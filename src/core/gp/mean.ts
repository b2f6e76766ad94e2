// The output scale and the mean function of the GP (R&W section 2.7).
//
// - Outputs are standardised inside: y_std = (y - mean(y)) / std(y) (population std; std 0 -> 1, as scikit-learn).
// - Mean function on the standardised scale: 'constant' = 0 (i.e. the sample mean, scikit-learn's normalize_y),
//   or 'linear' in (s, z) (MFMS-GP): m(x) = b0 + b1 s + b2 z, or 'quadratic': linear plus b3 s^2 (b4 z^2) when s (z)
//   takes at least three levels in the data, the target level 1 among them. Losses fall faster than linearly in
//   log(params) between the sizes people train: on the RegMix example a linear trend put the 60 held-out 1B runs
//   0.24 too high (4.6 times the spread of the 1B losses) and the quadratic one 0.001, so a linear mean only
//   anchors the target where target runs were measured. The curvature is never used to extrapolate past the data.
//   b is estimated by generalised least squares for the current hyperparameters (R&W eq. 2.42 with a flat prior
//   on b), i.e. the likelihood is profiled over b. Predictions add the variance of that estimate (R&W eq. 2.41,
//   MeanUncertainty below) unless the configuration turns it off. Columns of s or z that do not vary in the data
//   are left out of the design.
import { cholesky, choleskySolve, choleskySolveMatrix, inverseFromCholesky, solveLowerRows } from '../linalg';
import type { PointSet } from '../types';
import type { GpConfig } from './config';

export type MeanColumn = 'intercept' | 's' | 'z' | 's2' | 'z2';
/** Position of each column in the full coefficient vector [intercept, s, z, s^2, z^2]. */
const MEAN_COLUMN_INDEX: Record<MeanColumn, number> = { intercept: 0, s: 1, z: 2, s2: 3, z2: 4 };

/** (y - mean) / std with the population std (1 when y is constant or empty). */
export function standardise(y: Float64Array): { mean: number; std: number; values: Float64Array } {
  const n = y.length;
  if (n === 0) return { mean: 0, std: 1, values: new Float64Array(0) };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (y[i]! - mean) * (y[i]! - mean);
  let std = Math.sqrt(variance / n);
  if (!(std > 1e-12 * Math.max(1, Math.abs(mean)))) std = 1;
  return { mean, std, values: y.map((value) => (value - mean) / std) };
}

/** The columns of the design for a configuration and the data it is fitted on. */
export function meanColumnsFor(config: GpConfig, points: PointSet): MeanColumn[] {
  if (config.mean === 'constant') return [];
  const columns: MeanColumn[] = ['intercept'];
  const dim = points.d + 2;
  for (const [name, offset] of [['s', points.d], ['z', points.d + 1]] as const) {
    let low = Infinity;
    let high = -Infinity;
    for (let i = 0; i < points.n; i++) {
      const value = points.data[i * dim + offset]!;
      low = Math.min(low, value);
      high = Math.max(high, value);
    }
    if (high - low > 1e-9) columns.push(name);
    if (config.mean === 'quadratic' && high >= 1 - 1e-9) {
      // Interpolation only: the curvature is used when the target (1) is among at least three observed levels.
      const levels = new Set<number>();
      for (let i = 0; i < points.n && levels.size < 3; i++) levels.add(Math.round(points.data[i * dim + offset]! * 1e9));
      if (levels.size >= 3) columns.push(name === 's' ? 's2' : 'z2');
    }
  }
  return columns;
}

/** Design matrix H of the mean function on the used columns: n x p row-major. */
export function designMatrix(points: PointSet, columns: readonly MeanColumn[]): Float64Array {
  const p = columns.length;
  const dim = points.d + 2;
  const h = new Float64Array(points.n * p);
  for (let i = 0; i < points.n; i++) {
    columns.forEach((column, c) => {
      const value = column === 'intercept' ? 1 : points.data[i * dim + (column === 's' || column === 's2' ? points.d : points.d + 1)]!;
      h[i * p + c] = column === 's2' || column === 'z2' ? value * value : value;
    });
  }
  return h;
}

/** The coefficients on the used columns spread into the full vector [intercept, s, z, s^2, z^2] (0 elsewhere). */
export function fullCoefficients(columns: readonly MeanColumn[], beta: Float64Array): Float64Array {
  const full = new Float64Array(5);
  columns.forEach((column, c) => {
    full[MEAN_COLUMN_INDEX[column]] = beta[c]!;
  });
  return full;
}

/** m(s, z) = b0 + b1 s + b2 z + b3 s^2 + b4 z^2 from the full coefficient vector (standardised scale). */
export function trendAt(beta: ArrayLike<number>, s: number, z: number): number {
  return beta[0]! + beta[1]! * s + beta[2]! * z + (beta[3] ?? 0) * s * s + (beta[4] ?? 0) * z * z;
}

/** m(x_i) at every point (standardised scale), from the full coefficient vector. */
export function trendAtPoints(beta: ArrayLike<number>, points: PointSet): Float64Array {
  const out = new Float64Array(points.n);
  const dim = points.d + 2;
  for (let i = 0; i < points.n; i++) out[i] = trendAt(beta, points.data[i * dim + points.d]!, points.data[i * dim + points.d + 1]!);
  return out;
}

/** The transpose of a rows x cols row-major matrix. */
function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
  return out;
}

/** Solves the small symmetric system A x = b (p x p) through Cholesky with jitter. */
function solveSmall(a: Float64Array, p: number, b: Float64Array): Float64Array {
  const { factor } = cholesky(a, p, { initialRelativeJitter: 1e-12 });
  return choleskySolve(factor, p, b);
}

/**
 * Generalised least squares for the mean coefficients: b = (H^T K^-1 H)^-1 H^T K^-1 y (R&W eq. 2.42), with
 * `factor` the Cholesky factor of K (n x n) and `design` H (n x p). Returns b (p) and the residual y - H b (n);
 * with p = 0, b is empty and the residual is y itself.
 */
export function generalisedLeastSquares(factor: Float64Array, n: number, design: Float64Array, p: number, y: Float64Array): { beta: Float64Array; residual: Float64Array } {
  if (p === 0) return { beta: new Float64Array(0), residual: y };
  const kinvH = choleskySolveMatrix(factor, n, design, p);
  const normal = new Float64Array(p * p);
  const rhs = new Float64Array(p);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < p; r++) {
      const value = kinvH[i * p + r]!;
      rhs[r] = rhs[r]! + value * y[i]!;
      for (let c = 0; c < p; c++) normal[r * p + c] = normal[r * p + c]! + value * design[i * p + c]!;
    }
  }
  const beta = solveSmall(normal, p, rhs);
  const residual = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let fitted = 0;
    for (let c = 0; c < p; c++) fitted += design[i * p + c]! * beta[c]!;
    residual[i] = y[i]! - fitted;
  }
  return { beta, residual };
}

/**
 * What estimating the mean coefficients adds to the posterior (R&W eq. 2.41, flat prior on b):
 * R^T (H^T K^-1 H)^-1 R with R = H_* - H^T K^-1 K_*, so that intervals where the trend extrapolates (a size
 * with few runs) widen with the uncertainty of the trend. Holds G = L^-1 H (stored p x n) and
 * (H^T K^-1 H)^-1 = (G^T G)^-1 (p x p) of the training data.
 */
export class MeanUncertainty {
  private constructor(
    private readonly columns: readonly MeanColumn[],
    private readonly n: number,
    private readonly g: Float64Array,
    private readonly inverse: Float64Array,
  ) {}

  /** From the training points and the Cholesky factor L of their K (n x n); undefined when H^T K^-1 H is singular. */
  static of(points: PointSet, columns: readonly MeanColumn[], factor: Float64Array): MeanUncertainty | undefined {
    const n = points.n;
    const p = columns.length;
    const h = designMatrix(points, columns);
    const g = solveLowerRows(factor, n, transpose(h, n, p), p); // p x n = (L^-1 H)^T
    const a = new Float64Array(p * p);
    for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += g[r * n + k]! * g[c * n + k]!;
      a[r * p + c] = sum;
    }
    try {
      const { factor: small } = cholesky(a, p, { initialRelativeJitter: 1e-12 });
      return new MeanUncertainty(columns, n, g, inverseFromCholesky(small, p));
    } catch {
      return undefined;
    }
  }

  /**
   * r_i = h(x_i) - G^T v_i for each point (m x p, standardised units), with v (m x n) the whitened cross-covariances
   * L^-1 k(train, x_i) of the points.
   */
  residuals(points: PointSet, v: Float64Array): Float64Array {
    const p = this.columns.length;
    const n = this.n;
    const g = this.g;
    const m = points.n;
    const hStar = designMatrix(points, this.columns); // m x p
    const r = new Float64Array(m * p);
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < p; c++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += g[c * n + k]! * v[i * n + k]!;
        r[i * p + c] = hStar[i * p + c]! - sum;
      }
    }
    return r;
  }

  /** r_a^T A^-1 r_b for rows i of ra and j of rb (standardised units). */
  term(ra: Float64Array, i: number, rb: Float64Array, j: number): number {
    const p = this.columns.length;
    const inverse = this.inverse;
    let total = 0;
    for (let x = 0; x < p; x++) {
      let inner = 0;
      for (let y = 0; y < p; y++) inner += inverse[x * p + y]! * rb[j * p + y]!;
      total += ra[i * p + x]! * inner;
    }
    return total;
  }
}
