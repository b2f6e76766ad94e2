// Every log format in the real UI: a workspace with runs of each format (HF Trainer, Lightning CSV, MLflow file
// store and mlflow.db, W&B online and offline, TensorBoard event files, MixOpt JSONL) shows the readable ones in the
// trials tree, and the ones it cannot use in the Problems panel with their reason.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openVsCode, repoRoot } from '../helpers/codeServer';
import type { VsCodeSession } from '../helpers/codeServer';

const STUDY = `name: formats
domains: [pile_cc, github, arxiv, wikipedia_en]
objective:
  metrics: ["val_loss/{domain}"]
  direction: minimize
fidelities:
  models:
    - {name: 1M, params: 1e6}
    - {name: 60M, params: 6e7}
    - {name: 1B, params: 1e9}
  target: {model: 1B, steps: 500}
cost: {kind: table, table: {1M: 0.001, 60M: 0.06, 1B: 1}}
budget: {total: 10, unit: target_runs}
runs:
  include: ["runs/**"]
  exclude: ["**/tmp/**"]
`;

/** One or two runs of each format (few enough that the tree shows every row without scrolling). */
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mixopt-formats-e2e-'));
  const bin = join(repoRoot, 'test/fixtures/runs/formats');
  const text = join(repoRoot, 'test/fixtures/runs/ws/runs');
  const wandbByName = (name: string): string => {
    const d = readdirSync(join(bin, 'wandb')).find((x) => readFileSync(join(bin, 'wandb', x, `run-${x.slice(x.lastIndexOf('-') + 1)}.wandb`)).includes(name));
    assert.ok(d, `the offline W&B fixture of ${name}`);
    return d;
  };
  const copies: [string, string][] = [
    [join(bin, 'tb', 'tb-a-60M'), 'tb/tb-a-60M'],
    [join(bin, 'tb', 'tb-nomix'), 'tb/tb-nomix'],
    [join(bin, 'wandb', wandbByName('wb-a-60M')), `wandb/${wandbByName('wb-a-60M')}`],
    [join(bin, 'wandb', wandbByName('wb-odd-key')), `wandb/${wandbByName('wb-odd-key')}`],
    [join(bin, 'mlflow'), 'mlflow'],
    [join(text, 'hf', 'run-a'), 'hf/run-a'],
    [join(text, 'lightning', 'mix', 'version_0'), 'lightning/version_0'],
    [join(text, 'mlruns'), 'mlruns'],
    [join(text, 'wandb', 'run-20261101_120000-abc123'), 'wandb/run-20261101_120000-abc123'],
    [join(text, 'jsonl', 'live.jsonl'), 'jsonl/live.jsonl'],
  ];
  for (const [from, to] of copies) cpSync(from, join(dir, 'runs', to), { recursive: true });
  writeFileSync(join(dir, 'formats.mixopt.yaml'), STUDY);
  return dir;
}

describe('every log format in a real VS Code', { timeout: 10 * 60_000 }, () => {
  let vs: VsCodeSession;
  let source: string;
  before(async () => {
    source = workspace();
    vs = await openVsCode(source);
  });
  after(async () => {
    await vs?.close();
    rmSync(source, { recursive: true, force: true });
  });

  test('runs of each format are trials in the tree; unusable ones are in the Problems panel', async (t) => {
    const page = vs.page;
    try {
      // the MixOpt activity-bar item opens the trials view
      await page.locator('.activitybar .action-item a[aria-label*="MixOpt"], .activitybar .action-item[aria-label*="MixOpt"]').first().click({ timeout: 60_000 });
      // runs without a ledger trial are listed under "external" (collapsed)
      const group = page.locator('.monaco-list-row[role="treeitem"]', { hasText: /external/i }).first();
      await group.waitFor({ state: 'visible', timeout: 180_000 });
      if ((await group.getAttribute('aria-expanded')) !== 'true') await group.click();
      const expected = ['wb-a-60M', 'tb/tb-a-60M', 'ml-a-60M', 'ml-b-1M', 'hf/run-a', 'lightning/version_0', 'live'];
      const deadline = Date.now() + 120_000;
      let rows = '';
      while (Date.now() < deadline) {
        rows = (await page.locator('.monaco-list-row[role="treeitem"]').allTextContents()).join('\n');
        if (expected.every((e) => rows.includes(e))) break;
        await page.waitForTimeout(1000);
      }
      console.log(`[e2e] screenshot ${await vs.screenshot('formats-tree')}`);
      for (const e of expected) assert.ok(rows.includes(e), `${e} in the trials tree:\n${rows}`);

      await vs.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      const problems = page.locator('.markers-panel');
      let text = '';
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        text = (await problems.textContent().catch(() => '')) ?? '';
        if (/wb-odd-key/.test(text) && /tb-nomix/.test(text)) break;
        await page.waitForTimeout(1000);
      }
      console.log(`[e2e] screenshot ${await vs.screenshot('formats-problems')}`);
      assert.match(text, /wb-odd-key: no mixture found/, 'the W&B run without a findable mixture is reported');
      assert.match(text, /recipe\.blend/, 'with the mixture_key that would find it');
      assert.match(text, /tb-nomix: no mixture found/, 'the TensorBoard run without a config is reported');
    } catch (e) {
      t.diagnostic(`screenshot of the failure: ${await vs.screenshot('formats-failure')}`);
      t.diagnostic(vs.logs());
      throw e;
    }
  });
});
