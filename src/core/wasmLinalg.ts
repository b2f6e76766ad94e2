// The dense kernels of assembly/linalg.ts (WebAssembly SIMD) behind linalg.ts's DenseBackend. Pure: the host (src/engine/
// wasm.ts) compiles dist/linalg.wasm and hands its exports in; src/core has no WebAssembly or Node types, so the
// exports are described structurally here. Arrays are copied into linear memory and back (O(n^2) per call, against
// O(n^3) work).
import type { DenseBackend } from './linalg';

/** What assembly/linalg.ts exports (byte offsets into `memory`). */
export interface WasmLinalgExports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  cholesky(a: number, l: number, n: number, jitter: number): number;
  invertLowerTransposed(l: number, u: number, n: number): void;
  inverseFromUpper(u: number, out: number, n: number): void;
  multiplyRowsByLowerTransposed(rows: number, m: number, lower: number, n: number, out: number): void;
  projectOut(basis: number, j: number, n: number, p: number, column: number): void;
  multiplyLowerRows(a: number, b: number, n: number, c: number, first: number, end: number): void;
  weightedGramPrepare(x: number, m: number, n: number, weights: number, scaled: number, pairs: number, g: number): void;
  weightedGramRows(x: number, m: number, n: number, scaled: number, pairs: number, g: number, first: number, end: number): void;
}

/** Start of the scratch area: past the module's own data (the first 64 KiB page). */
const BASE = 65536;
const PAGE = 65536;
/** Rows per call of the kernels called once per model (V8 optimises wasm code between calls, not within one). */
const GRAM_ROWS = 16;

export function wasmDenseBackend(exports: WasmLinalgExports): DenseBackend {
  const { memory } = exports;
  /** Room for `matrices` n x n f64 matrices after BASE; returns their byte offsets. */
  /** Byte offsets of consecutive f64 arrays of the given lengths after BASE, growing the memory when needed. */
  const place = (lengths: readonly number[]): number[] => {
    const offsets: number[] = [];
    let end = BASE;
    for (const length of lengths) {
      offsets.push(end);
      end += length * 8;
    }
    const have = memory.buffer.byteLength;
    if (end > have) memory.grow(Math.ceil((end - have) / PAGE));
    return offsets;
  };
  const reserve = (n: number, matrices: number): number[] => place(Array.from({ length: matrices }, () => n * n));
  const view = (offset: number, length: number): Float64Array => new Float64Array(memory.buffer, offset, length);
  return {
    name: 'wasm-simd',
    tryCholesky(a, n, jitter, factor) {
      const [pa, pl] = reserve(n, 2) as [number, number];
      view(pa, n * n).set(a.subarray(0, n * n));
      const ok = exports.cholesky(pa, pl, n, jitter) === 1;
      if (ok) factor.set(view(pl, n * n));
      return ok;
    },
    invertLowerTransposed(factor, n) {
      const [pl, pu] = reserve(n, 2) as [number, number];
      view(pl, n * n).set(factor.subarray(0, n * n));
      exports.invertLowerTransposed(pl, pu, n);
      return Float64Array.from(view(pu, n * n));
    },
    multiplyRowsByLowerTransposed(rows, m, lower, n) {
      const [pb, pm, po] = place([m * n, n * n, m * n]) as [number, number, number];
      view(pb, m * n).set(rows.subarray(0, m * n));
      view(pm, n * n).set(lower.subarray(0, n * n));
      exports.multiplyRowsByLowerTransposed(pb, m, pm, n, po);
      return Float64Array.from(view(po, m * n));
    },
    // a linalg.wasm built before weightedGram / multiplyLower / projectOut existed: the JavaScript loops
    ...(typeof (exports as Partial<WasmLinalgExports>).weightedGramRows === 'function'
      ? {
          weightedGramLower(x: Float64Array, m: number, n: number, weights: Float64Array) {
            const [px, pw, ps, pp, pg] = place([m * n, n, m * n, m * n, m * m]) as [number, number, number, number, number];
            view(px, m * n).set(x.subarray(0, m * n));
            view(pw, n).set(weights.subarray(0, n));
            exports.weightedGramPrepare(px, m, n, pw, ps, pp, pg);
            // a few rows a call: the first calls run V8's baseline code while the optimised one is compiled
            for (let first = 0; first < m; first += GRAM_ROWS) exports.weightedGramRows(px, m, n, ps, pp, pg, first, Math.min(m, first + GRAM_ROWS));
            return Float64Array.from(view(pg, m * m));
          },
        }
      : {}),
    ...(typeof (exports as Partial<WasmLinalgExports>).multiplyLowerRows === 'function'
      ? {
          multiplyLower(a: Float64Array, b: Float64Array, n: number) {
            const [pa, pb, pc] = reserve(n, 3) as [number, number, number];
            view(pa, n * n).set(a.subarray(0, n * n));
            view(pb, n * n).set(b.subarray(0, n * n));
            view(pc, n * n).fill(0);
            for (let first = 0; first < n; first += GRAM_ROWS) exports.multiplyLowerRows(pa, pb, n, pc, first, Math.min(n, first + GRAM_ROWS));
            return Float64Array.from(view(pc, n * n));
          },
        }
      : {}),
    ...(typeof (exports as Partial<WasmLinalgExports>).projectOut === 'function'
      ? {
          basisWorkspace(rows: number, n: number) {
            const [pb, pc] = place([rows * n, n]) as [number, number];
            return {
              column: () => view(pc, n),
              projectOut: (j: number, p: number) => exports.projectOut(pb, j, n, p, pc),
              keep: (j: number) => view(pb + j * n * 8, n).set(view(pc, n)),
              rows: (count: number) => Float64Array.from(view(pb, count * n)),
            };
          },
        }
      : {}),
    inverseLowerFromUpper(upper, n) {
      const [pu, po] = reserve(n, 2) as [number, number];
      view(pu, n * n).set(upper.subarray(0, n * n));
      exports.inverseFromUpper(pu, po, n);
      return Float64Array.from(view(po, n * n));
    },
  };
}
