// Integration tests that run INSIDE a real extension host (VS Code desktop via @vscode/test-electron, or
// code-server in CI). No mocha: a small runner that records each test and writes a JSON report.
import type * as vscodeApi from 'vscode';
import type { StudySnapshot } from '../../src/protocol/snapshot';

/** What the extension's activate() returns (its public API). */
export interface MixOptApi {
  readonly activationMs: number;
  analyze(studyFile: string, suggest?: number): Promise<StudySnapshot>;
}

export interface TestResult {
  readonly name: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly error?: string;
  readonly info?: string;
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export async function runSuite(vscode: typeof vscodeApi): Promise<TestResult[]> {
  const results: TestResult[] = [];
  const run = async (name: string, body: () => Promise<string | void>): Promise<void> => {
    const t0 = Date.now();
    try {
      const info = await body();
      results.push({ name, ok: true, ms: Date.now() - t0, ...(info ? { info } : {}) });
    } catch (e) {
      results.push({ name, ok: false, ms: Date.now() - t0, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  };
  const ext = vscode.extensions.getExtension<MixOptApi>('mixopt.mixopt');

  await run('the extension is installed and activates', async () => {
    check(ext, 'extension mixopt.mixopt not found');
    const api = await ext.activate();
    check(ext.isActive, 'not active after activate()');
    check(typeof api.activationMs === 'number' && api.activationMs >= 0, 'activate() returns activationMs');
    return `activation took ${api.activationMs.toFixed(1)} ms in the extension host (evaluating the bundle + activate())`;
  });

  await run('every contributed command is registered', async () => {
    check(ext, 'no extension');
    const contributed = ((ext.packageJSON as { contributes?: { commands?: { command: string }[] } }).contributes?.commands ?? []).map((c) => c.command);
    check(contributed.length >= 11, `expected the MixOpt commands, found ${contributed.length}`);
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = contributed.filter((c) => !registered.has(c));
    check(missing.length === 0, `not registered: ${missing.join(', ')}`);
    return `${contributed.length} commands`;
  });

  await run('the engine analyses the workspace study in its worker and suggests a valid mixture', async () => {
    check(ext, 'no extension');
    const api = await ext.activate();
    const studies = await vscode.workspace.findFiles('**/*.mixopt.yaml', '**/node_modules/**');
    check(studies.length > 0, 'no study in the workspace');
    const t0 = Date.now();
    const snapshot = await api.analyze(studies[0]!.fsPath, 1);
    const s = snapshot.suggestions?.[0];
    check(s, `no suggestion; diagnostics: ${snapshot.diagnostics.slice(0, 3).map((d) => d.message).join('; ')}`);
    const total = Object.values(s.mixture).reduce((a, b) => a + b, 0);
    check(Math.abs(total - 1) < 1e-6, `mixture sums to ${total}`);
    check(Object.keys(s.mixture).length === snapshot.domains.length, 'one weight per domain');
    check(Number.isFinite(s.predictedAtTarget?.mean ?? NaN), 'prediction is finite');
    check(snapshot.recommendation !== undefined, 'a recommendation');
    return `analyze + suggest took ${Date.now() - t0} ms on ${snapshot.posterior?.observations ?? '?'} observations`;
  });

  await run('the study schema is contributed for *.mixopt.yaml', async () => {
    check(ext, 'no extension');
    const yamlValidation = (ext.packageJSON as { contributes?: { yamlValidation?: { fileMatch: string | string[]; url: string }[] } }).contributes?.yamlValidation ?? [];
    const entry = yamlValidation.find((v) => String(v.fileMatch).includes('mixopt.yaml'));
    check(entry, 'no yamlValidation entry');
    const schema = vscode.Uri.joinPath(ext.extensionUri, entry.url);
    const bytes = await vscode.workspace.fs.readFile(schema);
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as { properties?: Record<string, unknown> };
    check(parsed.properties && 'domains' in parsed.properties, 'schema describes domains');
  });
  await run('CodeLens on the config template fills the recommended mixture as one undoable edit', async () => {
    check(ext, 'no extension');
    const api = await ext.activate();
    const studies = await vscode.workspace.findFiles('**/pile.mixopt.yaml', '**/node_modules/**');
    check(studies.length > 0, 'no study');
    const snapshot = await api.analyze(studies[0]!.fsPath, 0);
    check(snapshot.recommendation, 'a recommendation');
    const template = vscode.Uri.joinPath(studies[0]!, '..', 'configs', 'base.yaml');
    const document = await vscode.workspace.openTextDocument(template);
    await vscode.window.showTextDocument(document);
    const original = document.getText();
    const lenses = (await vscode.commands.executeCommand<vscodeApi.CodeLens[]>('vscode.executeCodeLensProvider', template)) ?? [];
    const titles = lenses.map((l) => l.command?.title ?? '');
    check(titles.some((t) => t.includes('Fill with suggested mixture')) && titles.some((t) => t.includes('Fill with recommended mixture')), `lenses: ${titles.join(' | ')}`);
    const mixtureLine = original.split('\n').findIndex((l) => /^\s*mixture:/.test(l));
    check(lenses.every((l) => l.range.start.line === mixtureLine), `lenses sit on the mixture key (line ${mixtureLine})`);
    await vscode.commands.executeCommand('mixopt.fillMixture', template, 'recommended');
    const filled = document.getText();
    check(filled !== original, 'the document changed');
    for (const [domain, weight] of Object.entries(snapshot.recommendation.mixture)) {
      const m = new RegExp(`^\\s+${domain}:\\s*([0-9.eE-]+)`, 'm').exec(filled);
      check(m && Math.abs(Number(m[1]) - weight) < 1e-4, `weight of ${domain}: ${m?.[1]} vs ${weight}`);
    }
    const outside = (t: string): string[] => t.split('\n').filter((l) => !/^\s{4}\w+:\s*[0-9.]/.test(l));
    check(JSON.stringify(outside(filled)) === JSON.stringify(outside(original)), 'only mixture weight lines changed');
    await vscode.commands.executeCommand('undo');
    check(document.getText() === original, 'one undo restores the file');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    return `${lenses.length} lenses; fill + undo ok`;
  });
  await run('accept, launch, mark failed and export a report through the commands', async () => {
    check(ext, 'no extension');
    const api = await ext.activate();
    const [study] = await vscode.workspace.findFiles('**/pile.mixopt.yaml', '**/node_modules/**');
    check(study, 'no study');
    const ledger = vscode.Uri.joinPath(study, '..', '.mixopt', 'ledger.jsonl');
    const events = async (): Promise<{ event: string; trial: string; note?: string }[]> => {
      try {
        const text = Buffer.from(await vscode.workspace.fs.readFile(ledger)).toString('utf8');
        return text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; trial: string });
      } catch {
        return [];
      }
    };
    const before = (await events()).length;
    const snapshot = await api.analyze(study.fsPath, 1);
    const suggestion = snapshot.suggestions?.[0];
    check(suggestion, 'a suggestion to accept');
    await vscode.commands.executeCommand('mixopt.accept');
    const accepted = (await events()).slice(before).find((e) => e.event === 'accepted');
    check(accepted && accepted.trial === suggestion.id, `accepted event for ${suggestion.id}`);
    const fresh = await api.analyze(study.fsPath, 0);
    const trial = fresh.trials.find((t) => t.id === accepted.trial);
    check(trial?.status === 'pending' && trial.configPath, `trial pending with a config: ${JSON.stringify(trial)}`);
    const node = { kind: 'trial', studyFile: study.fsPath, trial };
    await vscode.commands.executeCommand('mixopt.launch', node);
    check(vscode.window.terminals.some((t) => t.name.includes(trial.id)), 'a terminal runs the launch command');
    check((await events()).some((e) => e.event === 'launched' && e.trial === trial.id), 'launched event');
    await vscode.commands.executeCommand('mixopt.markFailed', node, 'OOM on node 3');
    const failed = (await events()).find((e) => e.event === 'failed' && e.trial === trial.id);
    check(failed?.note === 'OOM on node 3', 'failed event with the note');
    const report = vscode.Uri.joinPath(study, '..', 'report-test.html');
    await vscode.commands.executeCommand('mixopt.exportReport', study, report);
    const html = Buffer.from(await vscode.workspace.fs.readFile(report)).toString('utf8');
    check(html.includes('pile-regmix') && html.includes('<svg'), 'HTML report with charts');
    const csv = Buffer.from(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(study, '..', 'report-test-trials.csv'))).toString('utf8');
    check(csv.split('\n')[0]!.startsWith('id,status,model') && csv.includes(`${trial.id},failed`), 'CSV of trials with the failed trial');
    return `trial ${trial.id}: accepted, launched, failed; report ${html.length} bytes, CSV ${csv.split('\n').length - 2} rows`;
  });
  return results;
}
