// Entry point for @vscode/test-electron's --extensionTestsPath (desktop VS Code): runs the suite in the extension
// host and fails the run when a test fails.
import * as vscode from 'vscode';
import { runSuite } from './suite';

export async function run(): Promise<void> {
  const results = await runSuite(vscode);
  for (const r of results) console.log(`${r.ok ? 'ok' : 'not ok'} - ${r.name} (${r.ms} ms)${r.info ? ` # ${r.info}` : ''}${r.error ? `\n${r.error}` : ''}`);
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  if (failed > 0) throw new Error(`${failed} integration test(s) failed`);
}
