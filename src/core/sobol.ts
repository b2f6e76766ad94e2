// Sobol low-discrepancy sequence (Bratley & Fox 1988, Algorithm 659 construction) in up to 128 dimensions,
// with an optional random digital shift (XOR scrambling) for independent replicates.
//
// Direction numbers: dimension 0 is the van der Corput sequence; dimension j >= 1 uses the j-th primitive
// polynomial over GF(2) (enumerated by degree, found here by checking the LFSR period) and initial odd integers
// m_k < 2^k drawn from a fixed-seed generator. Any odd m_k gives a valid (t, s)-sequence; Joe & Kuo's tables
// choose them to improve 2-D projections, which matters little for the few-thousand-point candidate sets here.
import { Rng } from './random';

const BITS = 32;
const MAX_DIMENSIONS = 128;

/** True when the degree-s polynomial with coefficient bits `poly` (bit s and bit 0 set) is primitive. */
function isPrimitive(poly: number, degree: number): boolean {
  const period = (1 << degree) - 1;
  let state = 1;
  for (let k = 1; k <= period; k++) {
    // Multiply by x modulo poly.
    state <<= 1;
    if (state & (1 << degree)) state ^= poly;
    if (state === 1) return k === period;
  }
  return false;
}

function primitivePolynomials(count: number): { poly: number; degree: number }[] {
  const out: { poly: number; degree: number }[] = [];
  for (let degree = 1; out.length < count; degree++) {
    for (let poly = (1 << degree) | 1; poly < 1 << (degree + 1) && out.length < count; poly += 2) {
      if (isPrimitive(poly, degree)) out.push({ poly, degree });
    }
  }
  return out;
}

let directionCache: Uint32Array[] | undefined;

function directionNumbers(): Uint32Array[] {
  if (directionCache) return directionCache;
  const polys = primitivePolynomials(MAX_DIMENSIONS - 1);
  const rng = new Rng(20240607);
  const dirs: Uint32Array[] = [];
  const first = new Uint32Array(BITS);
  for (let k = 0; k < BITS; k++) first[k] = (1 << (BITS - 1 - k)) >>> 0;
  dirs.push(first);
  for (const { poly, degree } of polys) {
    const v = new Uint32Array(BITS);
    const m: number[] = [];
    for (let k = 1; k <= degree; k++) {
      // m_k odd and < 2^k
      m.push(((rng.int(1 << (k - 1)) << 1) | 1) >>> 0);
    }
    for (let k = 0; k < Math.min(degree, BITS); k++) v[k] = (m[k]! << (BITS - 1 - k)) >>> 0;
    // a_1..a_{s-1}: the inner coefficients of the polynomial (bits s-1..1).
    for (let k = degree; k < BITS; k++) {
      let value = v[k - degree]! ^ (v[k - degree]! >>> degree);
      for (let i = 1; i < degree; i++) {
        if ((poly >>> (degree - i)) & 1) value ^= v[k - i]!;
      }
      v[k] = value >>> 0;
    }
    dirs.push(v);
  }
  directionCache = dirs;
  return dirs;
}

/** Generator of Sobol points in [0, 1)^dimensions (Gray-code order). */
export class Sobol {
  private readonly dirs: Uint32Array[];
  private readonly state: Uint32Array;
  private readonly shift: Uint32Array;
  private index = 0;

  constructor(
    readonly dimensions: number,
    scrambleSeed?: number,
  ) {
    if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > MAX_DIMENSIONS) {
      throw new RangeError(`Sobol: dimensions must be 1..${MAX_DIMENSIONS}, got ${dimensions}`);
    }
    this.dirs = directionNumbers().slice(0, dimensions);
    this.state = new Uint32Array(dimensions);
    this.shift = new Uint32Array(dimensions);
    if (scrambleSeed !== undefined) {
      const rng = new Rng(scrambleSeed);
      for (let j = 0; j < dimensions; j++) this.shift[j] = Math.floor(rng.next() * 2 ** 32) >>> 0;
    }
  }

  /** The next point; the first point of an unscrambled sequence is the origin. */
  next(out: Float64Array = new Float64Array(this.dimensions)): Float64Array {
    if (this.index > 0) {
      // Gray code: flip the direction number of the lowest zero bit of index - 1.
      let c = 0;
      let i = this.index - 1;
      while (i & 1) {
        i >>>= 1;
        c++;
      }
      for (let j = 0; j < this.dimensions; j++) this.state[j] = (this.state[j]! ^ this.dirs[j]![c]!) >>> 0;
    }
    this.index++;
    for (let j = 0; j < this.dimensions; j++) out[j] = ((this.state[j]! ^ this.shift[j]!) >>> 0) / 2 ** 32;
    return out;
  }

  /** n points, row-major n x dimensions. */
  take(n: number): Float64Array {
    const out = new Float64Array(n * this.dimensions);
    const row = new Float64Array(this.dimensions);
    for (let i = 0; i < n; i++) {
      this.next(row);
      out.set(row, i * this.dimensions);
    }
    return out;
  }
}
