// Installs the WebAssembly SIMD dense kernels (dist/linalg.wasm, built from assembly/linalg.ts by scripts/build.mjs)
// into src/core/linalg.ts. Without the file, or where WebAssembly SIMD is missing, the JavaScript kernels stay in use:
// same results, slower. MIXOPT_WASM=0 turns it off (benchmarks compare both in one run).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { activeDenseBackend, setDenseBackend } from '../core/linalg';
import { wasmDenseBackend } from '../core/wasmLinalg';
import type { WasmLinalgExports } from '../core/wasmLinalg';

/** Next to the bundle (dist/cli.js, dist/worker.js), or the repository's dist/ when running from source. */
export function wasmCandidates(): string[] {
  return [join(__dirname, 'linalg.wasm'), join(__dirname, '..', '..', 'dist', 'linalg.wasm')];
}

/** The part of the WebAssembly JS API used here (the project's lib settings carry no WebAssembly types). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { readonly exports: unknown };
}

let attempted = false;
let failure: string | undefined;

/** Installs the WebAssembly backend once; returns the backend in use ('wasm-simd' or 'js'). */
export function installWasmLinalg(options: { readonly path?: string; readonly force?: boolean } = {}): string {
  if (attempted && !options.force) return activeDenseBackend();
  attempted = true;
  if (process.env['MIXOPT_WASM'] === '0' && !options.force) return activeDenseBackend();
  const path = options.path ?? wasmCandidates().find((p) => existsSync(p));
  if (path === undefined) {
    failure = 'dist/linalg.wasm not found (run npm run build)';
    return activeDenseBackend();
  }
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
  if (api === undefined) {
    failure = 'this runtime has no WebAssembly';
    return activeDenseBackend();
  }
  try {
    const module = new api.Module(readFileSync(path));
    const instance = new api.Instance(module, { env: { abort: () => undefined } });
    setDenseBackend(wasmDenseBackend(instance.exports as WasmLinalgExports));
    failure = undefined;
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  return activeDenseBackend();
}

/** Why the WebAssembly backend is not in use, when it is not. */
export function wasmLinalgProblem(): string | undefined {
  return failure;
}
