// What each panel's bundle pulls in: the Next trial panel draws no chart, so it must load without Chart.js (380 KB
// of JavaScript the first webview of a session would otherwise parse while the suggestion is being computed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { build } from 'esbuild';

const root = join(__dirname, '..', '..', '..');

async function inputsOf(panel: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(root, 'webview', panel)],
    bundle: true,
    write: false,
    metafile: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    loader: { '.ttf': 'file' },
    outdir: join(root, 'dist-test', 'bundle-check'),
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

test('the Next trial panel bundles no Chart.js; the panels with charts do', async () => {
  const next = await inputsOf('next.panel.ts');
  assert.ok(next.some((f) => f.includes('webview/shared.ts')), 'the Next trial panel uses the shared helpers');
  assert.deepEqual(next.filter((f) => f.includes('node_modules/chart.js')), []);
  for (const panel of ['posterior.panel.ts', 'budget.panel.ts']) {
    const inputs = await inputsOf(panel);
    assert.ok(inputs.some((f) => f.includes('node_modules/chart.js')), `${panel} draws charts with Chart.js`);
  }
});
