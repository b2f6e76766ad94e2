// Study-level commands: a new study from the workspace's configs, and the exported report.
import * as vscode from 'vscode';
import { basename, dirname, join, relative } from 'node:path';
import type { MixOptContext } from '../context';
import { reportHtml, trialsCsv } from '../logic';
import { findMixtures, insideRunFolder, parseModels, studyYaml } from '../scaffold';
import { analyze } from './analysis';

export async function exportReport(ctx: MixOptContext, studyFile: string, givenTarget?: vscode.Uri): Promise<void> {
  const snap = ctx.studies.snapshot(studyFile)?.posterior ? ctx.studies.snapshot(studyFile) : await analyze(ctx, studyFile, { interactive: true });
  if (!snap) return;
  const stamp = new Date().toISOString().slice(0, 10);
  const target = givenTarget ?? await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(join(dirname(studyFile), `${snap.name}-report-${stamp}.html`)),
    filters: { HTML: ['html'] },
    saveLabel: 'Export report',
  });
  if (!target) return;
  const csvUri = target.with({ path: target.path.replace(/\.html?$/i, '') + '-trials.csv' });
  await vscode.workspace.fs.writeFile(target, Buffer.from(reportHtml(snap), 'utf8'));
  await vscode.workspace.fs.writeFile(csvUri, Buffer.from(trialsCsv(snap), 'utf8'));
  void vscode.window.showInformationMessage(`MixOpt: report written to ${vscode.workspace.asRelativePath(target)} and trials to ${basename(csvUri.fsPath)}.`, 'Open report').then((choice) => choice && vscode.env.openExternal(target));
}

/** Domains and the template: from a config of the workspace that holds a mixture, or typed by the user. */
async function pickMixtureSource(): Promise<{ domains: readonly string[]; chosen: ReturnType<typeof findMixtures>[number] | undefined } | undefined> {
  const configs = await vscode.workspace.findFiles('**/*.{yaml,yml}', '**/{node_modules,.git,.mixopt,wandb,mlruns}/**', 400);
  const files: { path: string; text: string }[] = [];
  for (const uri of configs) {
    // a config inside a run's output folder is what that run used, never the template
    if (/\.mixopt\.ya?ml$/.test(uri.fsPath) || insideRunFolder(vscode.workspace.asRelativePath(uri, false))) continue;
    const bytes = await vscode.workspace.fs.readFile(uri);
    if (bytes.byteLength < 200_000) files.push({ path: uri.fsPath, text: Buffer.from(bytes).toString('utf8') });
  }
  const mixtures = findMixtures(files);
  let chosen = mixtures[0];
  if (mixtures.length > 1) {
    const picked = await vscode.window.showQuickPick(
      mixtures.slice(0, 30).map((m) => ({ label: `${vscode.workspace.asRelativePath(m.file)}  ${m.key}`, description: `${m.domains.length} domains`, m })),
      { placeHolder: 'Which config holds the data mixture to optimise? (it becomes the template)' },
    );
    if (!picked) return undefined;
    chosen = picked.m;
  }
  let domains = chosen?.domains ?? [];
  if (domains.length === 0) {
    const typed = await vscode.window.showInputBox({ prompt: 'No config with a data mixture found. Domain names, comma separated', placeHolder: 'web, code, books, wiki' });
    if (!typed) return undefined;
    domains = typed.split(',').map((d) => d.trim()).filter(Boolean);
  }
  return { domains, chosen };
}

export async function newStudy(ctx: MixOptContext): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showWarningMessage('MixOpt: open a folder with your training configs and run logs first.');
    return;
  }
  const source = await pickMixtureSource();
  if (!source) return;
  const { domains, chosen } = source;
  const modelsText = await vscode.window.showInputBox({
    prompt: 'Model sizes you train (name=params), the target last',
    value: '60M=6e7, 1B=1e9',
    validateInput: (v) => (parseModels(v) ? undefined : 'e.g. 60M=6e7, 1B=1e9 (or just 60M, 1B)'),
  });
  const models = modelsText ? parseModels(modelsText) : undefined;
  if (!models) return;
  const metric = await vscode.window.showInputBox({ prompt: 'Metric to minimise as logged by your runs ({domain} becomes one metric per domain)', value: 'eval_loss' });
  if (!metric) return;
  const budget = await vscode.window.showInputBox({ prompt: 'Budget, in runs of the target model', value: '20', validateInput: (v) => (Number(v) > 0 ? undefined : 'a positive number') });
  if (!budget) return;
  const name = basename(folder.uri.fsPath).replace(/[^A-Za-z0-9_-]+/g, '-') || 'study';
  const text = studyYaml({
    name,
    domains,
    metrics: metric.includes('{domain}') ? domains.map((d) => metric.replaceAll('{domain}', d)) : [metric],
    models,
    targetModel: models[models.length - 1]!.name,
    budgetTargetRuns: Number(budget),
    runsInclude: ['**'],
    ...(chosen ? { template: relative(folder.uri.fsPath, chosen.file).split('\\').join('/'), mixtureKey: chosen.key } : {}),
    ...(chosen?.modelKey ? { modelKey: chosen.modelKey } : {}),
    ...(chosen?.stepsKey ? { stepsKey: chosen.stepsKey } : {}),
    ...(chosen?.steps ? { targetSteps: chosen.steps } : {}),
  });
  let target = vscode.Uri.joinPath(folder.uri, `${name}.mixopt.yaml`);
  for (let i = 2; await exists(target); i++) target = vscode.Uri.joinPath(folder.uri, `${name}-${i}.mixopt.yaml`);
  await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
  await vscode.window.showTextDocument(target);
  await ctx.studies.discover();
  await ctx.studies.refresh(target.fsPath, { fit: false }).catch(() => undefined);
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

