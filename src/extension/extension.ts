// Extension entry: wires the engine worker, the studies, the trials tree, the panels, CodeLens, the status bar
// and the commands. Activation does no fitting: it reads the studies once (in the worker) for the tree and the
// Problems panel; models are fitted when the user asks for something that needs one.
import * as vscode from 'vscode';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { PanelKind, WebviewCommand } from '../protocol/messages';
import type { StudySnapshot, SuggestionView, TrialView } from '../protocol/snapshot';
import { MixtureCodeLens } from './codeLens';
import { EngineCancelledError, EngineClient, EngineError } from './engineClient';
import { reportHtml, statusBarText, trialsCsv } from './logic';
import { MixOptPanel } from './panels';
import type { PanelHost } from './panels';
import { findMixtures, insideRunFolder, parseParams, studyYaml } from './scaffold';
import { Studies } from './studies';
import { TrialsTree } from './tree';
import type { TreeNode } from './tree';

export interface MixOptApi {
  readonly activationMs: number;
  analyze(studyFile: string, suggest?: number): Promise<StudySnapshot>;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
type TrialNode = Extract<TreeNode, { kind: 'trial' }>;
const isTrialNode = (x: unknown): x is TrialNode => typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'trial';

export function activate(context: vscode.ExtensionContext): MixOptApi {
  const started = performance.now();
  // set by the bundle's first and last lines (scripts/build.mjs): the time spent evaluating the bundle
  const marks = globalThis as { __mixoptLoadStart?: number; __mixoptLoadEnd?: number };
  const loadMs = typeof marks.__mixoptLoadStart === 'number' && typeof marks.__mixoptLoadEnd === 'number' ? marks.__mixoptLoadEnd - marks.__mixoptLoadStart : 0;
  const log = vscode.window.createOutputChannel('MixOpt', { log: true });
  const diagnostics = vscode.languages.createDiagnosticCollection('mixopt');
  const engine = new EngineClient(join(context.extensionPath, 'dist', 'worker.js'));
  const studies = new Studies(engine, log, diagnostics);
  const tree = new TrialsTree(studies);
  const treeView = vscode.window.createTreeView('mixopt.trials', { treeDataProvider: tree, showCollapseAll: true });
  const codeLens = new MixtureCodeLens(studies);
  const statusBar = vscode.window.createStatusBarItem('mixopt.budget', vscode.StatusBarAlignment.Left, 50);
  statusBar.name = 'MixOpt budget';
  statusBar.command = 'mixopt.showBudget';
  const actor = `vscode:${vscode.env.sessionId.slice(0, 8)}`;

  const panelHost: PanelHost = {
    extensionUri: context.extensionUri,
    snapshotFor: (studyFile) => (studyFile ?? studies.current ? studies.snapshot((studyFile ?? studies.current)!) : undefined),
    onCommand: (panel, command) => onPanelCommand(panel, command),
  };

  const updateStatusBar = (): void => {
    const snap = studies.current ? studies.snapshot(studies.current) : undefined;
    if (!snap) {
      statusBar.hide();
      return;
    }
    const { text, tooltip } = statusBarText(snap);
    statusBar.text = text;
    statusBar.tooltip = tooltip;
    statusBar.show();
  };

  context.subscriptions.push(
    log,
    diagnostics,
    studies,
    treeView,
    statusBar,
    { dispose: () => engine.dispose() },
    vscode.languages.registerCodeLensProvider([{ language: 'yaml' }, { pattern: '**/*.{yaml,yml}' }], codeLens),
    ...MixOptPanel.registerSerializers(panelHost),
    studies.onDidChange((snap) => {
      tree.refresh();
      codeLens.refresh();
      updateStatusBar();
      for (const panel of MixOptPanel.all()) {
        if ((panel.studyFile ?? studies.current) === snap.studyFile) {
          panel.studyFile = snap.studyFile;
          panel.post({ method: 'snapshot', snapshot: snap, busy: false });
        }
      }
    }),
  );

  /** Runs an analysis and reports failures to the user (and the log); undefined when cancelled or failed. */
  async function analyze(studyFile: string, options: Parameters<Studies['refresh']>[1]): Promise<StudySnapshot | undefined> {
    const panels = MixOptPanel.all().filter((p) => (p.studyFile ?? studyFile) === studyFile);
    for (const p of panels) p.post({ method: 'busy', message: options?.suggest ? 'Fitting the model and choosing the next trial…' : 'Fitting the model…' });
    try {
      return await studies.refresh(studyFile, options);
    } catch (e) {
      const message = errorText(e);
      for (const p of panels) p.post({ method: 'error', message });
      void vscode.window.showErrorMessage(`MixOpt: ${firstLine(message)}`, 'Show log').then((c) => c && log.show());
      return undefined;
    } finally {
      const snap = studies.snapshot(studyFile);
      if (snap) for (const p of panels) p.post({ method: 'snapshot', snapshot: snap, busy: false });
    }
  }

  async function showPanel(kind: PanelKind, studyFile: string, needsFit: boolean): Promise<void> {
    const panel = MixOptPanel.createOrShow(kind, panelHost, studyFile);
    panel.studyFile = studyFile;
    const snap = studies.snapshot(studyFile);
    if (snap) panel.post({ method: 'snapshot', snapshot: snap, busy: needsFit && !snap.posterior });
    if (needsFit && !snap?.posterior) await analyze(studyFile, { interactive: true });
  }

  async function suggest(studyFile: string, batch: number): Promise<void> {
    const panel = MixOptPanel.createOrShow('next', panelHost, studyFile);
    panel.studyFile = studyFile;
    const snap = await analyze(studyFile, { suggest: batch, record: true, interactive: true });
    if (snap && (snap.suggestions?.length ?? 0) === 0) {
      void vscode.window.showWarningMessage(`MixOpt: no suggestion for ${snap.name}. ${snap.diagnostics.find((d) => d.severity === 'error')?.message ?? 'See the MixOpt log.'}`);
    }
  }

  /** Accepts a suggestion of this session, or (by id) one recorded in the ledger earlier. */
  async function accept(studyFile: string, which: SuggestionView | string): Promise<void> {
    let overwrite = false;
    for (;;) {
      try {
        const chosen = typeof which === 'string' ? { trialId: which } : { suggestion: which };
        // the engine confines template and output to this folder; an untrusted workspace never writes outside it
        const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(studyFile))?.uri.fsPath;
        const result = await engine.request({ method: 'accept', params: { studyFile, ...chosen, actor, overwrite, trusted: vscode.workspace.isTrusted, ...(folder !== undefined ? { workspaceFolder: folder } : {}) } });
        log.info(`accepted ${result.trialId}: ${result.configPath}`);
        await studies.refresh(studyFile, { fit: false }).catch(() => undefined);
        const node = tree.trialNode(studyFile, result.trialId);
        if (node) await treeView.reveal(node, { select: true, focus: false, expand: true }).then(undefined, (e: unknown) => log.debug(`reveal: ${errorText(e)}`));
        const trusted = vscode.workspace.isTrusted;
        // not awaited: the command is done when the config is written, whatever the user does with the toast
        void vscode.window
          .showInformationMessage(`MixOpt: trial ${result.trialId} accepted; config written to ${vscode.workspace.asRelativePath(result.configPath)}.`, 'Open config', ...(trusted ? ['Launch'] : []))
          .then(async (choice) => {
            if (choice === 'Open config') await vscode.window.showTextDocument(vscode.Uri.file(result.configPath));
            if (choice === 'Launch') await launch(studyFile, result.trialId);
          });
        return;
      } catch (e) {
        const message = errorText(e);
        const path = e instanceof EngineError && e.value.code === 'config-exists' ? e.value.path : undefined;
        if (path !== undefined && !overwrite) {
          const choice = await vscode.window.showWarningMessage(`MixOpt: ${path} already exists.`, { modal: true, detail: 'Overwrite it with this trial’s config? The old file is replaced.' }, 'Overwrite', 'Open existing');
          if (choice === 'Overwrite') {
            overwrite = true;
            continue;
          }
          if (choice === 'Open existing') await vscode.window.showTextDocument(vscode.Uri.file(path));
          return;
        }
        void vscode.window.showErrorMessage(`MixOpt: could not accept the suggestion: ${firstLine(message)}`, 'Show log').then((c) => c && log.show());
        log.error(message);
        return;
      }
    }
  }

  async function onPanelCommand(panel: MixOptPanel, command: WebviewCommand): Promise<void> {
    const studyFile = panel.studyFile ?? (await studies.pick());
    if (!studyFile) return;
    switch (command.method) {
      case 'accept': {
        const found = studies.findSuggestion(command.suggestionId);
        if (!found) {
          void vscode.window.showWarningMessage('MixOpt: that suggestion is no longer current; run "MixOpt: Suggest next mixture" again.');
          return;
        }
        await accept(found.studyFile, found.suggestion);
        return;
      }
      case 'skip': {
        await engine.request({ method: 'mark', params: { studyFile, trialId: command.suggestionId, status: 'abandoned', actor, note: 'skipped in the Next trial panel' } }).catch((e: unknown) => log.warn(`skip: ${errorText(e)}`));
        await suggest(studyFile, 1);
        return;
      }
      case 'suggest':
        await suggest(studyFile, command.batch);
        return;
      case 'refresh':
        await analyze(studyFile, { interactive: true, ...(command.reoptimise ? { reoptimise: true } : {}) });
        return;
      case 'openPanel':
        await showPanel(command.panel, studyFile, command.panel !== 'budget');
        return;
      case 'ready':
        return;
    }
  }

  async function pickTrial(studyFile: string, statuses: readonly TrialView['status'][], placeHolder: string): Promise<TrialView | undefined> {
    const snap = studies.snapshot(studyFile) ?? (await studies.refresh(studyFile, { fit: false }));
    const trials = (snap?.trials ?? []).filter((t) => statuses.includes(t.status));
    if (trials.length === 0) {
      void vscode.window.showInformationMessage(`MixOpt: no ${statuses.join(' or ')} trial in this study.`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      trials.map((t) => ({ label: t.id, description: `${t.status} · ${t.model}`, trial: t })),
      { placeHolder },
    );
    return picked?.trial;
  }

  async function launch(studyFile: string, trialId?: string): Promise<void> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage('MixOpt: launching a training command needs a trusted workspace.', 'Manage Workspace Trust').then((c) => c && vscode.commands.executeCommand('workbench.trust.manage'));
      return;
    }
    const snap = studies.snapshot(studyFile) ?? (await studies.refresh(studyFile, { fit: false }));
    const trial = trialId ? snap?.trials.find((t) => t.id === trialId) : await pickTrial(studyFile, ['pending'], 'Which trial to launch?');
    if (!trial) return;
    const command = snap?.launch;
    if (!command) {
      void vscode.window.showWarningMessage('MixOpt: the study has no launch: command (e.g. launch: "bash scripts/train.sh ${config}").');
      return;
    }
    if (!trial.configPath) {
      void vscode.window.showWarningMessage(`MixOpt: trial ${trial.id} has no config yet; accept it first.`);
      return;
    }
    const config = resolve(dirname(studyFile), trial.configPath);
    const line = command
      .replaceAll('${config}', shellQuote(relative(dirname(studyFile), config)))
      .replaceAll('${trial}', shellQuote(trial.id))
      .replaceAll('${model}', shellQuote(trial.model))
      .replaceAll('${steps}', String(trial.steps));
    const terminal = vscode.window.createTerminal({ name: `MixOpt ${trial.id}`, cwd: dirname(studyFile), env: { MIXOPT_TRIAL: trial.id, MIXOPT_CONFIG: config } });
    terminal.show();
    terminal.sendText(line);
    await engine.request({ method: 'mark', params: { studyFile, trialId: trial.id, status: 'launched', actor, note: line } }).catch((e: unknown) => log.warn(`launch: ${errorText(e)}`));
    log.info(`launched ${trial.id}: ${line}`);
    await studies.refresh(studyFile, { fit: false }).catch(() => undefined);
  }

  async function mark(node: unknown, status: 'failed' | 'abandoned', givenNote?: unknown): Promise<void> {
    const studyFile = isTrialNode(node) ? node.studyFile : await studies.pick();
    if (!studyFile) return;
    const trial = isTrialNode(node) ? node.trial : await pickTrial(studyFile, ['suggested', 'pending', 'running'], `Which trial to mark ${status}?`);
    if (!trial) return;
    const note = typeof givenNote === 'string' ? givenNote : await vscode.window.showInputBox({ prompt: `Why is ${trial.id} ${status}? (optional, kept in the ledger)` });
    if (note === undefined) return;
    try {
      await engine.request({ method: 'mark', params: { studyFile, trialId: trial.id, status, actor, ...(note ? { note } : {}) } });
      await studies.refresh(studyFile, { fit: false });
    } catch (e) {
      void vscode.window.showErrorMessage(`MixOpt: ${errorText(e)}`);
    }
  }

  async function exportReport(studyFile: string, givenTarget?: vscode.Uri): Promise<void> {
    const snap = studies.snapshot(studyFile)?.posterior ? studies.snapshot(studyFile) : await analyze(studyFile, { interactive: true });
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

  async function newStudy(): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) {
      void vscode.window.showWarningMessage('MixOpt: open a folder with your training configs and run logs first.');
      return;
    }
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
      if (!picked) return;
      chosen = picked.m;
    }
    let domains = chosen?.domains ?? [];
    if (domains.length === 0) {
      const typed = await vscode.window.showInputBox({ prompt: 'No config with a data mixture found. Domain names, comma separated', placeHolder: 'web, code, books, wiki' });
      if (!typed) return;
      domains = typed.split(',').map((d) => d.trim()).filter(Boolean);
    }
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
    await studies.discover();
    await studies.refresh(target.fsPath, { fit: false }).catch(() => undefined);
  }

  const withStudy = (fn: (studyFile: string) => Promise<void>) => async (arg?: unknown): Promise<void> => {
    const fromArg = typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : isTrialNode(arg) || (typeof arg === 'object' && arg !== null && 'studyFile' in arg) ? (arg as { studyFile: string }).studyFile : undefined;
    const studyFile = await studies.pick(fromArg && /\.mixopt\.ya?ml$/.test(fromArg) ? fromArg : undefined);
    if (studyFile) await fn(studyFile);
  };

  const register = (id: string, fn: (...args: unknown[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await fn(...args);
      } catch (e) {
        if (e instanceof EngineCancelledError) return;
        log.error(`${id}: ${errorText(e)}`);
        void vscode.window.showErrorMessage(`MixOpt: ${firstLine(errorText(e))}`);
      }
    }));
  };

  register('mixopt.suggest', withStudy((f) => suggest(f, Math.max(1, vscode.workspace.getConfiguration('mixopt').get<number>('defaultBatch', 1)))));
  register('mixopt.showNextTrial', withStudy((f) => showPanel('next', f, false)));
  register('mixopt.accept', async (arg?: unknown) => {
    if (isTrialNode(arg)) {
      const found = studies.findSuggestion(arg.trial.id);
      // a suggestion from an earlier session is accepted as the ledger recorded it
      return found ? accept(found.studyFile, found.suggestion) : accept(arg.studyFile, arg.trial.id);
    }
    const studyFile = await studies.pick();
    if (!studyFile) return;
    const open = (studies.snapshot(studyFile)?.suggestions ?? []).filter((s) => studies.snapshot(studyFile)?.trials.find((t) => t.id === s.id)?.status !== 'pending');
    if (open.length === 0) {
      const choice = await vscode.window.showInformationMessage('MixOpt: there is no suggestion to accept yet.', 'Suggest next mixture');
      if (choice) await suggest(studyFile, 1);
      return;
    }
    const pick = open.length === 1 ? open[0] : (await vscode.window.showQuickPick(open.map((s) => ({ label: s.id, description: `${s.model} · ${s.predicted ? `predicted ${s.predicted.mean.toFixed(4)}` : 'first design'}`, s })), { placeHolder: 'Which suggestion to accept?' }))?.s;
    if (pick) await accept(studyFile, pick);
  });
  register('mixopt.recommend', withStudy(async (f) => {
    await showPanel('posterior', f, false);
    const snap = await analyze(f, { interactive: true });
    const r = snap?.recommendation;
    if (!snap || !r) return;
    const top = Object.entries(r.mixture).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([d, w]) => `${d} ${(w * 100).toFixed(1)}%`).join(', ');
    void vscode.window.showInformationMessage(`MixOpt: recommended ${r.model} mixture, predicted ${r.predicted.mean.toFixed(4)} [${r.predicted.lower.toFixed(4)}, ${r.predicted.upper.toFixed(4)}]: ${top}, …`);
  }));
  register('mixopt.showPosterior', withStudy((f) => showPanel('posterior', f, true)));
  register('mixopt.showBudget', withStudy(async (f) => {
    if (!studies.snapshot(f)) await studies.refresh(f, { fit: false });
    await showPanel('budget', f, false);
  }));
  register('mixopt.refresh', async () => {
    const files = await studies.discover();
    await Promise.all(files.map((f) => studies.refresh(f, { fit: studies.snapshot(f)?.posterior !== undefined }).catch((e: unknown) => log.error(errorText(e)))));
    tree.refresh();
  });
  register('mixopt.newStudy', newStudy);
  register('mixopt.launch', async (arg?: unknown) => {
    if (isTrialNode(arg)) return launch(arg.studyFile, arg.trial.id);
    const f = await studies.pick();
    if (f) await launch(f);
  });
  register('mixopt.markFailed', (arg?: unknown, note?: unknown) => mark(arg, 'failed', note));
  register('mixopt.markAbandoned', (arg?: unknown, note?: unknown) => mark(arg, 'abandoned', note));
  register('mixopt.exportReport', async (arg?: unknown, target?: unknown) => {
    await withStudy((f) => exportReport(f, target instanceof vscode.Uri ? target : undefined))(arg);
  });
  register('mixopt.openConfig', async (arg?: unknown) => {
    if (!isTrialNode(arg) || !arg.trial.configPath) return;
    await vscode.window.showTextDocument(vscode.Uri.file(resolve(dirname(arg.studyFile), arg.trial.configPath)), { preview: true });
  });
  register('mixopt.revealRun', async (arg?: unknown) => {
    if (!isTrialNode(arg) || !arg.trial.runSource) return;
    const uri = vscode.Uri.file(resolve(dirname(arg.studyFile), arg.trial.runSource));
    await vscode.commands.executeCommand('revealInExplorer', uri);
  });
  register('mixopt.fillMixture', async (uri?: unknown, which?: unknown) => {
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!target) return;
    const document = await vscode.workspace.openTextDocument(target);
    const owner = codeLens.studyFor(document);
    if (!owner) {
      void vscode.window.showWarningMessage('MixOpt: this file is not the config template or a generated config of a study.');
      return;
    }
    let snap = studies.snapshot(owner.studyFile);
    if (which === 'suggested') {
      if (!snap?.suggestions?.length) snap = await analyze(owner.studyFile, { suggest: 1, record: true, interactive: true });
      const s = snap?.suggestions?.[0];
      if (s) await codeLens.fill(target, s.mixture, s.id);
    } else {
      if (!snap?.recommendation) snap = await analyze(owner.studyFile, { interactive: true });
      const r = snap?.recommendation;
      if (r) await codeLens.fill(target, r.mixture, 'recommended');
    }
  });

  const activateMs = performance.now() - started;
  const activationMs = loadMs + activateMs;
  log.info(`activated in ${activationMs.toFixed(1)} ms (evaluating the bundle ${loadMs.toFixed(1)} ms, activate() ${activateMs.toFixed(1)} ms)`);

  // Read every study once (no fitting) for the tree, the status bar and the Problems panel.
  void studies.discover().then(async (files) => {
    for (const f of files) await studies.refresh(f, { fit: false, coalesce: true }).catch((e: unknown) => log.error(errorText(e)));
    // Start with a study that reads cleanly rather than the first in alphabetical order.
    const healthy = files.find((f) => studies.snapshot(f)?.diagnostics.every((d) => d.severity !== 'error' || d.file !== f));
    if (healthy && studies.current !== healthy && studies.snapshot(studies.current ?? '')?.budget.total === 0) studies.current = healthy;
    updateStatusBar();
  });

  const api: MixOptApi = {
    activationMs,
    analyze: async (studyFile, suggestCount = 0) => {
      const snap = await studies.refresh(studyFile, { suggest: suggestCount });
      if (!snap) throw new Error('analysis cancelled');
      return snap;
    },
  };

  // CI runs the in-host integration suite through code-server, which has no --extensionTestsPath.
  const suitePath = process.env['MIXOPT_INTEGRATION_SUITE'];
  const suiteOut = process.env['MIXOPT_INTEGRATION_OUT'];
  if (suitePath && suiteOut) {
    setTimeout(() => {
      void (async () => {
        try {
          const suite = createRequire(__filename)(suitePath) as { runSuite(v: typeof vscode): Promise<unknown[]> };
          const results = await suite.runSuite(vscode);
          writeFileSync(suiteOut, JSON.stringify(results, null, 2));
        } catch (e) {
          writeFileSync(suiteOut, JSON.stringify([{ name: 'load the integration suite', ok: false, ms: 0, error: errorText(e) }]));
        }
      })();
    }, 1000);
  }
  return api;
}

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./@%+=:,-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

function parseModels(text: string): { name: string; params: number }[] | undefined {
  const models: { name: string; params: number }[] = [];
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [name, paramsText] = part.includes('=') ? part.split('=').map((x) => x.trim()) : [part, part];
    const params = parseParams(paramsText ?? '');
    if (!name || params === undefined) return undefined;
    models.push({ name, params });
  }
  return models.length > 0 ? models : undefined;
}
