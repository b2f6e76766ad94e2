// "New study" from the welcome view of an empty MixOpt sidebar, in a real VS Code: MixOpt finds the mixture in
// the workspace's training config, asks for model sizes, metric and budget, and writes a study that parses
// cleanly and shows up in the trials tree.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseStudy } from '../../src/study/parse';
import { exampleWorkspace, openVsCode } from '../helpers/codeServer';
import type { VsCodeSession } from '../helpers/codeServer';

describe('New study in a workspace without one', { timeout: 10 * 60_000 }, () => {
  let vs: VsCodeSession;
  const source = join(mkdtempSync(join(tmpdir(), 'mixopt-newstudy-')), 'my-runs');
  before(async () => {
    cpSync(exampleWorkspace(), source, { recursive: true });
    rmSync(join(source, 'pile.mixopt.yaml'));
    rmSync(join(source, '.mixopt'), { recursive: true, force: true });
    vs = await openVsCode(source);
  });
  after(async () => vs?.close());

  test('the welcome view offers New study; the answers become a valid study file', async (t) => {
    const page = vs.page;
    try {
      await vs.runCommand('View: Show MixOpt');
      const welcome = page.locator('.welcome-view-content a, .welcome-view-content .monaco-button', { hasText: 'New study' }).first();
      await welcome.waitFor({ state: 'visible', timeout: 30_000 });
      console.log(`[e2e] screenshot ${await vs.screenshot('welcome-view')}`);
      await welcome.click();
      const input = page.locator('.quick-input-widget input');
      const answer = async (text: string | undefined): Promise<void> => {
        await input.waitFor({ state: 'visible', timeout: 30_000 });
        if (text !== undefined) await input.fill(text);
        await page.keyboard.press('Enter');
        await page.waitForTimeout(400);
      };
      await answer('1M=1e6, 60M=6e7, 1B=1e9');
      await answer('val_loss/{domain}');
      await answer(undefined); // default budget
      // named after the workspace folder
      const studyFile = join(vs.workspace, `${basename(vs.workspace)}.mixopt.yaml`);
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && !existsSync(studyFile)) await page.waitForTimeout(300);
      assert.ok(existsSync(studyFile), `${studyFile} written`);
      const text = readFileSync(studyFile, 'utf8');
      const parsed = parseStudy(text, studyFile);
      assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
      assert.equal(parsed.study?.domains.length, 17, 'the 17 domains of configs/base.yaml');
      assert.equal(parsed.study?.config?.mixtureKey, 'data.mixture');
      assert.equal(parsed.study?.config?.template, 'configs/base.yaml');
      assert.equal(parsed.study?.fidelities.target.model, '1B');
      // the tree now lists the study
      const row = page.locator('.monaco-list-row[role="treeitem"]', { hasText: basename(vs.workspace) }).first();
      await row.waitFor({ state: 'visible', timeout: 60_000 });
      console.log(`[e2e] screenshot ${await vs.screenshot('new-study')}`);
    } catch (e) {
      t.diagnostic(`screenshot of the failure: ${await vs.screenshot('new-study-failure')}`);
      t.diagnostic(vs.logs());
      throw e;
    }
  });
});
