// The SQLite reader for MLflow's mlflow.db: sql.js (SQLite compiled to WebAssembly). node:sqlite is not in
// Node 20 (the CLI's and CI's runtime), and a native module would need a build per platform; the WASM build runs
// in the CLI, the engine worker and any VS Code. It loads asynchronously, so the engine awaits loadSqlite()
// once before discovery; readers then use sqliteReader() synchronously. scripts/build.mjs copies sql-wasm.wasm
// next to the bundles in dist/.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';

let loaded: SqlJsStatic | undefined;
let loading: Promise<SqlJsStatic | undefined> | undefined;
let loadError: string | undefined;

function wasmPath(): string {
  const bundled = join(__dirname, 'sql-wasm.wasm');
  if (existsSync(bundled)) return bundled;
  return createRequire(__filename).resolve('sql.js/dist/sql-wasm.wasm');
}

/** Loads the SQLite reader once (later calls return at once). Never rejects: a failure is kept for the diagnostic. */
export async function loadSqlite(): Promise<void> {
  if (loaded) return;
  loading ??= (async () => {
    try {
      const bytes = readFileSync(wasmPath());
      const wasmBinary = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      loaded = await initSqlJs({ wasmBinary });
      return loaded;
    } catch (e) {
      loadError = e instanceof Error ? e.message : String(e);
      return undefined;
    }
  })();
  await loading;
}

/** The loaded reader, or the reason there is none (loadSqlite not awaited, or the WASM failed to load). */
export function sqliteReader(): { sql: SqlJsStatic } | { error: string } {
  if (loaded) return { sql: loaded };
  return { error: loadError ?? 'the SQLite reader is not loaded (loadSqlite() was not awaited before discovery)' };
}
