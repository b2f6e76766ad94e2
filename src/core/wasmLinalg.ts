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
}

/** Start of the scratch area: past the module's own data (the first 64 KiB page). */
const BASE = 65536;
const PAGE = 65536;

export function wasmDenseBackend(exports: WasmLinalgExports): DenseBackend {
  const { memory } = exports;
  /** Room for `matrices` n x n f64 matrices after BASE; returns their byte offsets. */
  const reserve = (n: number, matrices: number): number[] => {
    const bytes = n * n * 8;
    const needed = BASE + matrices * bytes;
    const have = memory.buffer.byteLength;
    if (needed > have) memory.grow(Math.ceil((needed - have) / PAGE));
    return Array.from({ length: matrices }, (_, i) => BASE + i * bytes);
  };
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
    inverseLowerFromUpper(upper, n) {
      const [pu, po] = reserve(n, 2) as [number, number];
      view(pu, n * n).set(upper.subarray(0, n * n));
      exports.inverseFromUpper(pu, po, n);
      return Float64Array.from(view(po, n * n));
    },
  };
}
