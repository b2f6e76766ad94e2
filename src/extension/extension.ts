// Extension entry: wires the engine worker, the studies, the trials tree, the panels, CodeLens, the status bar
// and the commands. Activation does no fitting on its own thread: it reads the studies once (in the worker) for the
// tree and the Problems panel, then fits the current study's model in the worker in the background
// (`mixopt.fitOnOpen`), so that the first Suggest finds it fitted instead of fitting while the user waits.
import * as vscode from 'vscode';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StudySnapshot } from '../protocol/snapshot';
import { MixtureCodeLens } from './codeLens';
import { onPanelCommand } from './commands/panelCommands';
import { registerCommands } from './commands/register';
import type { MixOptContext } from './context';
import { errorText } from './context';
import { EngineClient } from './engineClient';
import { JobTracker } from './jobs';
import { statusBarText } from './logic';
import { MixOptPanel } from './panels';
import type { PanelHost } from './panels';
import { Studies } from './studies';
import { TrialsTree } from './tree';

export interface MixOptApi {
  readonly activationMs: number;
  analyze(studyFile: string, suggest?: number): Promise<StudySnapshot>;
}

export function activate(context: vscode.ExtensionContext): MixOptApi {
  const started = performance.now();
  // set by the bundle's first and last lines (scripts/build.mjs): the time spent evaluating the bundle
  const marks = globalThis as { __mixoptLoadStart?: number; __mixoptLoadEnd?: number };
  const loadMs = typeof marks.__mixoptLoadStart === 'number' && typeof marks.__mixoptLoadEnd === 'number' ? marks.__mixoptLoadEnd - marks.__mixoptLoadStart : 0;
  const log = vscode.window.createOutputChannel('MixOpt', { log: true });
  const diagnostics = vscode.languages.createDiagnosticCollection('mixopt');
  const engine = new EngineClient(join(context.extensionPath, 'dist', 'worker.js'));
  // the worker loads while the studies are being found (the first read asks for it right after)
  engine.start();
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
    onCommand: (panel, command) => onPanelCommand(ctx, panel, command),
  };
  const jobs = new JobTracker(studies, engine, log, actor);
  studies.decorate = jobs.decorate;
  const ctx: MixOptContext = { extension: context, log, engine, studies, tree, treeView, codeLens, panelHost, jobs, actor };

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
    jobs,
    treeView,
    statusBar,
    { dispose: () => engine.dispose() },
    vscode.languages.registerCodeLensProvider([{ language: 'yaml' }, { pattern: '**/*.{yaml,yml}' }], codeLens),
    ...MixOptPanel.registerSerializers(panelHost),
    studies.onDidChange((snap) => {
      jobs.update();
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

  registerCommands(ctx);
  context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => jobs.update()));

  const activateMs = performance.now() - started;
  const activationMs = loadMs + activateMs;
  // the wall-clock time the bundle started evaluating: the extension host's own start-up (and the extensions it
  // activates first) comes before it, and the E2E's timeline sets it against the command
  const loadedAt = new Date(performance.timeOrigin + (marks.__mixoptLoadStart ?? started)).toISOString().slice(11, 23);
  log.info(`activated in ${activationMs.toFixed(1)} ms (evaluating the bundle ${loadMs.toFixed(1)} ms from ${loadedAt}, activate() ${activateMs.toFixed(1)} ms)`);

  // The model of a study, fitted in the worker while the user looks around (no diagnostics, no notification); the
  // engine keeps it, so the first Suggest (queued behind it if it comes early) reuses it. The model only: its
  // recommendation follows as a request of its own, so a Suggest that arrives during the fit runs before it.
  const fitOnOpen = async (studyFile: string): Promise<void> => {
    if (!studies.snapshot(studyFile)?.observations || !vscode.workspace.getConfiguration('mixopt').get<boolean>('fitOnOpen', true)) return;
    const fitStarted = Date.now();
    await studies.refresh(studyFile, { diagnostics: false, quiet: true, coalesce: true, recommend: 'kept' }).then(
      () => log.info(`background fit on opening: ${((Date.now() - fitStarted) / 1000).toFixed(2)} s`),
      (e: unknown) => log.error(errorText(e)),
    );
  };
  // Read every study once (no fitting) for the tree, the status bar and the Problems panel. Those at the top of the
  // workspace folders start before the file search answers (which takes a round trip through a window still
  // starting); a single one, the usual layout, is also fitted at once (the fit below then shares it).
  const read = (f: string): Promise<unknown> => studies.refresh(f, { fit: false, coalesce: true }).catch((e: unknown) => log.error(errorText(e)));
  const earlyReads = studies.topLevel().then((top) => {
    const early = new Map(top.map((f) => [f, read(f)] as const));
    if (top.length === 1) void early.get(top[0]!)?.then(() => fitOnOpen(top[0]!));
    return early;
  });
  void Promise.all([studies.discover(), earlyReads]).then(async ([files, early]) => {
    for (const f of files) await (early.get(f) ?? read(f));
    // Start with a study that reads cleanly rather than the first in alphabetical order.
    const healthy = files.find((f) => studies.snapshot(f)?.diagnostics.every((d) => d.severity !== 'error' || d.file !== f));
    if (healthy && studies.current !== healthy && studies.snapshot(studies.current ?? '')?.budget.total === 0) studies.current = healthy;
    updateStatusBar();
    if (studies.current) await fitOnOpen(studies.current);
  });

  const api: MixOptApi = {
    activationMs,
    analyze: async (studyFile, suggestCount = 0) => {
      const snap = await studies.refresh(studyFile, { suggest: suggestCount });
      if (!snap) throw new Error('analysis cancelled');
      return snap;
    },
  };

  startIntegrationSuite();
  return api;
}

/** CI runs the in-host integration suite through code-server, which has no --extensionTestsPath. */
function startIntegrationSuite(): void {
  const suitePath = process.env['MIXOPT_INTEGRATION_SUITE'];
  const suiteOut = process.env['MIXOPT_INTEGRATION_OUT'];
  if (!suitePath || !suiteOut) return;
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

export function deactivate(): void {
  // everything is disposed through context.subscriptions
}
