// Runs the in-extension-host integration suite. On a desktop that can download VS Code, through
// @vscode/test-electron (--extensionTestsPath); where it cannot (this CI has no internet), through code-server,
// which is what the E2E tier does (test/e2e/integration.e2e.test.ts).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname ?? '.', '..');
let viaElectron = false;
if (process.env.MIXOPT_INTEGRATION_VIA !== 'code-server') {
  try {
    const { runTests } = await import('@vscode/test-electron');
    // the suite accepts trials and writes configs: work on a copy of the example, never on the repository's
    const workspace = join(mkdtempSync(join(tmpdir(), 'mixopt-int-')), 'pile-regmix');
    cpSync(resolve(root, 'examples', 'pile-regmix'), workspace, { recursive: true });
    await runTests({
      extensionDevelopmentPath: root,
      extensionTestsPath: resolve(root, 'dist-test', 'integration-index.js'),
      launchArgs: [workspace, '--disable-extensions'],
    });
    viaElectron = true;
  } catch (e) {
    console.error(`[integration] @vscode/test-electron could not run (${e instanceof Error ? e.message : String(e)}); using code-server`);
  }
}
if (!viaElectron) {
  const r = spawnSync(process.execPath, ['scripts/run-node-tests.mjs', 'e2e', 'integration'], { stdio: 'inherit', cwd: root });
  process.exit(r.status ?? 1);
}
