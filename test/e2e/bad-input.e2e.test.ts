// Bad input in the real UI: a broken study shows problems instead of failing; a corrupt run log is reported and
// the other runs still count.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleWorkspace, openVsCode } from '../helpers/codeServer';
import type { VsCodeSession } from '../helpers/codeServer';

/** A copy of the example with a broken study key and one corrupt run log next to the good ones. */
function brokenWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mixopt-bad-'));
  cpSync(exampleWorkspace(), dir, { recursive: true });
  const studyPath = join(dir, 'pile.mixopt.yaml');
  const study = readFileSync(studyPath, 'utf8').replace('budget: {total: 40, unit: target_runs}', 'budget: {total: -5, unit: target_runs}');
  writeFileSync(join(dir, 'broken.mixopt.yaml'), study);
  writeFileSync(join(dir, 'runs', 'corrupt.jsonl'), '{"run": "c-1", "step": 1000, "model": "60M", "mixture": {"arxiv": "lots"}, "metrics": {\n\u0000\u0001garbage\n');
  return dir;
}

describe('bad input in a real VS Code', { timeout: 10 * 60_000 }, () => {
  let vs: VsCodeSession;
  let source: string;
  before(async () => {
    source = brokenWorkspace();
    vs = await openVsCode(source);
  });
  after(async () => {
    await vs?.close();
    rmSync(source, { recursive: true, force: true });
  });

  test('study errors and a corrupt run log appear in the Problems panel; the good runs still count', async (t) => {
    try {
      await vs.runCommand('MixOpt: Refresh runs');
      await vs.runCommand('View: Focus Problems (Errors, Warnings, Infos)');
      const problems = vs.page.locator('.markers-panel');
      const deadline = Date.now() + 180_000;
      let text = '';
      while (Date.now() < deadline) {
        text = (await problems.textContent().catch(() => '')) ?? '';
        if (/budget/i.test(text) && /corrupt\.jsonl/i.test(text)) break;
        await vs.page.waitForTimeout(1000);
      }
      console.log(`[e2e] screenshot ${await vs.screenshot('problems')}`);
      assert.match(text, /broken\.mixopt\.yaml/, 'the broken study is listed');
      assert.match(text, /budget/i, 'the budget error names its key');
      assert.match(text, /corrupt\.jsonl/, 'the corrupt log is listed');

      // The good study still suggests, on the runs that parsed.
      await vs.runCommand('MixOpt: Show budget');
      // With two studies in the workspace the extension may ask which one.
      const pick = vs.page.locator('.quick-input-list .monaco-list-row', { hasText: 'pile.mixopt.yaml' });
      if (await pick.first().waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false)) await pick.first().click();
      const frame = await vs.waitForWebview('#budget-chart', 240_000);
      const body = (await frame.textContent('body')) ?? '';
      assert.match(body, /pile-regmix/, 'the budget panel shows the good study');
    } catch (e) {
      t.diagnostic(vs.logs());
      throw e;
    }
  });
});
