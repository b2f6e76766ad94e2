// Point sets (types.ts PointSet: n points row-major, d + 2 columns w_0..w_{d-1}, s, z): validating them at the
// model's boundary. Every packer and validator of point sets in src/ lives here.
import { CoreInputError } from './types';
import type { PointSet } from './types';

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
