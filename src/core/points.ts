// Point sets (types.ts PointSet: n points row-major, d + 2 columns w_0..w_{d-1}, s, z): packing them from
// mixtures and fidelities, taking rows, and validating them at the model's boundary. Every packer and validator
// of point sets in src/ and bench/ goes through here, so the layout is written once.
import { CoreInputError } from './types';
import type { PointSet } from './types';

/** One point: mixture weights (length d; missing entries read as 0) and its fidelity coordinates. */
export interface PointRow {
  readonly w: ArrayLike<number>;
  readonly s: number;
  readonly z: number;
}

/** n x (d + 2) from rows with their own fidelity coordinates. */
export function pointsFromRows(d: number, rows: readonly PointRow[]): PointSet {
  const dim = d + 2;
  const data = new Float64Array(rows.length * dim);
  rows.forEach((r, i) => {
    for (let j = 0; j < d; j++) data[i * dim + j] = r.w[j] ?? 0;
    data[i * dim + d] = r.s;
    data[i * dim + d + 1] = r.z;
  });
  return { n: rows.length, d, data };
}

/** `count` mixtures packed row-major in `ws` (count x d), all at the fidelity (s, z). */
export function mixturesAt(d: number, ws: Float64Array, count: number, s: number, z: number): PointSet {
  const dim = d + 2;
  const data = new Float64Array(count * dim);
  for (let i = 0; i < count; i++) {
    data.set(ws.subarray(i * d, i * d + d), i * dim);
    data[i * dim + d] = s;
    data[i * dim + d + 1] = z;
  }
  return { n: count, d, data };
}

/** Mixtures given one per row (each length d), all at the fidelity (s, z). */
export function rowsAt(d: number, rows: readonly { readonly w: ArrayLike<number> }[], s: number, z: number): PointSet {
  return pointsFromRows(d, rows.map((r) => ({ w: r.w, s, z })));
}

/** The rows `indices` of a point set, in that order (a copy). */
export function selectRows(points: PointSet, indices: readonly number[]): PointSet {
  const dim = points.d + 2;
  const data = new Float64Array(indices.length * dim);
  indices.forEach((source, target) => data.set(points.data.subarray(source * dim, source * dim + dim), target * dim));
  return { n: indices.length, d: points.d, data };
}

/** Number of distinct values (to 1e-9) in column `column` of the points, counted up to `cap`. */
export function distinctValues(points: PointSet, column: number, cap: number): number {
  const dim = points.d + 2;
  const levels = new Set<number>();
  for (let i = 0; i < points.n && levels.size < cap; i++) levels.add(Math.round(points.data[i * dim + column]! * 1e9));
  return levels.size;
}

/** Throws CoreInputError naming the first bad row and column. */
export function validatePointSet(points: PointSet, label: string, d?: number): void {
  const dim = points.d + 2;
  if (!Number.isInteger(points.n) || points.n < 0 || !Number.isInteger(points.d) || points.d < 1) {
    throw new CoreInputError(`${label}: invalid shape n=${points.n}, d=${points.d}`);
  }
  if (d !== undefined && points.d !== d) throw new CoreInputError(`${label}: expected ${d} domains, got ${points.d}`);
  if (points.data.length !== points.n * dim) {
    throw new CoreInputError(`${label}: data has length ${points.data.length}, expected n*(d+2) = ${points.n * dim}`);
  }
  for (let i = 0; i < points.n; i++) {
    for (let c = 0; c < dim; c++) {
      const value = points.data[i * dim + c]!;
      if (!Number.isFinite(value)) {
        const column = c < points.d ? `w[${c}]` : c === points.d ? 's' : 'z';
        throw new CoreInputError(`${label}: row ${i}, column ${column} is ${value}`);
      }
    }
  }
}

/** Throws CoreInputError unless `values` holds n finite numbers (naming the first bad row). */
export function validateValues(values: Float64Array, n: number, label: string): void {
  if (values.length !== n) throw new CoreInputError(`${label}: ${values.length} values for ${n} points`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(values[i]!)) throw new CoreInputError(`${label}: row ${i}, column y is ${values[i]}`);
  }
}
