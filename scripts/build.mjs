// Bundles the four programs separately: extension host, engine worker thread, CLI, and each webview panel.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, copyFileSync, rmSync, statSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { precompiledSchemaPlugin } from './schema-validator.mjs';

const production = process.argv.includes('--production');
// A release build starts from an empty dist/ so no development source maps end up in the .vsix.
if (production) rmSync('dist', { recursive: true, force: true });
mkdirSync('dist-vsix', { recursive: true });
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', legalComments: 'none' };
const nodeTargets = [
  // banner and footer time the evaluation of the bundle, so the reported activation time includes loading it
  { entry: 'src/extension/extension.ts', out: 'dist/extension.js', external: ['vscode'], banner: '"use strict"; globalThis.__mixoptLoadStart = performance.now();', footer: 'globalThis.__mixoptLoadEnd = performance.now();' },
  { entry: 'src/engine/worker.ts', out: 'dist/worker.js', external: [] },
  // playwright-core only renders the bench report's PNG (a development task); bundled, it was 4 MB of the .vsix
  { entry: 'src/cli/main.ts', out: 'dist/cli.js', external: ['playwright-core'], banner: '#!/usr/bin/env node' },
];
const jobs = [];
for (const t of nodeTargets) {
  if (!existsSync(t.entry)) continue;
  jobs.push(build({
    ...common, entryPoints: [t.entry], outfile: t.out, platform: 'node', format: 'cjs', target: 'node20',
    external: t.external, plugins: [precompiledSchemaPlugin()], ...(t.banner ? { banner: { js: t.banner } } : {}), ...(t.footer ? { footer: { js: t.footer } } : {}),
  }));
}
// The in-extension-host integration suite (never shipped): loaded by the extension when MIXOPT_INTEGRATION_SUITE
// is set (code-server), or by @vscode/test-electron through --extensionTestsPath (desktop).
if (!production && existsSync('test/integration/suite.ts')) {
  jobs.push(build({
    ...common, entryPoints: { 'integration-suite': 'test/integration/suite.ts', 'integration-index': 'test/integration/index.ts' },
    outdir: 'dist-test', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'],
  }));
}
if (existsSync('webview')) {
  const panels = readdirSync('webview').filter((f) => f.endsWith('.panel.ts')).map((f) => join('webview', f));
  if (panels.length > 0) {
    jobs.push(build({
      ...common, entryPoints: panels, outdir: 'dist/webview', platform: 'browser', format: 'esm', target: 'es2022',
      entryNames: '[name]', loader: { '.ttf': 'file' },
    }));
  }
  mkdirSync('dist/webview', { recursive: true });
  copyFileSync('webview/panel.css', 'dist/webview/panel.css');
  for (const f of ['codicon.css', 'codicon.ttf']) {
    const src = join('node_modules/@vscode/codicons/dist', f);
    if (existsSync(src)) copyFileSync(src, join('dist/webview', f));
  }
}
// sql.js's SQLite (WASM) for MLflow's mlflow.db: src/runs/sqlite.ts loads it from next to the bundles
mkdirSync('dist', { recursive: true });
copyFileSync('node_modules/sql.js/dist/sql-wasm.wasm', 'dist/sql-wasm.wasm');
// The WebAssembly SIMD dense kernels (assembly/linalg.ts -> dist/linalg.wasm, loaded by src/engine/wasm.ts), rebuilt
// when the source is newer; AssemblyScript is a dev dependency, the .wasm ships in the .vsix.
if (existsSync('assembly/linalg.ts')) {
  const out = 'dist/linalg.wasm';
  mkdirSync('dist', { recursive: true });
  if (production || !existsSync(out) || statSync(out).mtimeMs < statSync('assembly/linalg.ts').mtimeMs) {
    jobs.push(new Promise((resolve, reject) => {
      const args = ['node_modules/assemblyscript/bin/asc.js', 'assembly/linalg.ts', '--outFile', out, '-O3', '--runtime', 'stub', '--enable', 'simd', '--noAssert', '--initialMemory', '2'];
      execFile(process.execPath, args, (error, stdout, stderr) => (error ? reject(new Error(`asc failed: ${stderr || error.message}`)) : resolve(stdout)));
    }));
  }
}
await Promise.all(jobs);
console.log(`[build] ${jobs.length} bundle job(s) done${production ? ' (production)' : ''}`);
