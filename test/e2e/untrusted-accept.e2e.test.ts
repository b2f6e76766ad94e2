// Issue 12 #6 in the real UI: in an untrusted workspace (Restricted Mode) accept never writes outside the workspace,
// even when the study asks for it with config.allow_outside_workspace; the user is told why.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exampleWorkspace, openVsCode } from '../helpers/codeServer';
import type { VsCodeSession } from '../helpers/codeServer';

function escapingWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mixopt-untrusted-'));
  cpSync(exampleWorkspace(), dir, { recursive: true, filter: (source) => !/[\\/]\.mixopt([\\/]|$)/.test(source) });
  const studyPath = join(dir, 'pile.mixopt.yaml');
  const study = readFileSync(studyPath, 'utf8')
    .replace('output: configs/generated/{trial}.yaml', 'output: ../escaped-{trial}.yaml')
    .replace('  mixture_key: data.mixture', '  mixture_key: data.mixture\n  allow_outside_workspace: true');
  writeFileSync(studyPath, study);
  return dir;
}

describe('accept in an untrusted workspace', { timeout: 10 * 60_000 }, () => {
  let vs: VsCodeSession;
  let source: string;
  before(async () => {
    source = escapingWorkspace();
    vs = await openVsCode(source, { untrusted: true });
  });
  after(async () => {
    await vs?.close();
    rmSync(source, { recursive: true, force: true });
  });

  test('an output outside the workspace is refused with the reason; nothing is written there', async (t) => {
    try {
      // the trust prompt: stay in Restricted Mode
      const noTrust = vs.page.locator('.monaco-dialog-box button, .dialog-buttons a, .monaco-button', { hasText: /don.t trust/i });
      if (await noTrust.first().waitFor({ state: 'visible', timeout: 20_000 }).then(() => true, () => false)) await noTrust.first().click();
      await vs.runCommand('MixOpt: Suggest next mixture');
      await vs.waitForWebview('#suggested-mixture [data-domain]', 300_000);
      await vs.runCommand('MixOpt: Accept suggestion (write training config)');
      const toasts = vs.page.locator('.notifications-toasts');
      const deadline = Date.now() + 120_000;
      let text = '';
      while (Date.now() < deadline) {
        text = (await toasts.textContent().catch(() => '')) ?? '';
        if (/outside the workspace/i.test(text)) break;
        await vs.page.waitForTimeout(1000);
      }
      t.diagnostic(`screenshot ${await vs.screenshot('untrusted-accept')}`);
      assert.match(text, /could not accept the suggestion: .*config\.output resolves to .*outside the workspace folder/i);
      const parent = join(vs.workspace, '..');
      assert.ok(!existsSync(parent) || !readdirSync(parent).some((f) => f.startsWith('escaped-')), 'nothing written outside the workspace');
    } catch (e) {
      t.diagnostic(vs.logs());
      throw e;
    }
  });
});
