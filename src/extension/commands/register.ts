// Registers every command of the extension (package.json "contributes.commands") on the shared context.
import * as vscode from 'vscode';
import { dirname, resolve } from 'node:path';
import type { MixOptContext } from '../context';
import { errorText, firstLine, isTrialNode } from '../context';
import { EngineCancelledError } from '../engineClient';
import { fillMixture, openNextPanelEarly, recommend, showPanel, suggest } from './analysis';
import { cancelTrial, launch, openJobOutput, resubmitTrial } from './launch';
import { exportReport, newStudy } from './study';
import { acceptCommand, mark } from './trials';

export function registerCommands(ctx: MixOptContext): void {
  const { studies, tree, log, jobs } = ctx;
  const context = ctx.extension;
  /** The study file a command was given (a path, a Uri, a tree node), if it names one. */
  const studyArgument = (arg: unknown): string | undefined => {
    const fromArg = typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : isTrialNode(arg) || (typeof arg === 'object' && arg !== null && 'studyFile' in arg) ? (arg as { studyFile: string }).studyFile : undefined;
    return fromArg && /\.mixopt\.ya?ml$/.test(fromArg) ? fromArg : undefined;
  };
  const withStudy = (fn: (studyFile: string) => Promise<void>) => async (arg?: unknown): Promise<void> => {
    const studyFile = await studies.pick(studyArgument(arg));
    if (studyFile) await fn(studyFile);
  };
  // Suggest opens its panel before the study is picked unless the pick will ask which one: the first webview of a
  // window takes seconds to load while the window is still starting, so it loads while the studies are found and
  // the model is fitted rather than after. When no study comes of the pick, a panel opened here closes again.
  const withNextPanel = (fn: (studyFile: string) => Promise<void>) => async (arg?: unknown): Promise<void> => {
    const preferred = studyArgument(arg);
    const activeStudy = /\.mixopt\.ya?ml$/.test(vscode.window.activeTextEditor?.document.uri.fsPath ?? '');
    const opened = preferred !== undefined || activeStudy || studies.list().length <= 1 ? openNextPanelEarly(ctx, preferred ?? studies.current) : undefined;
    const studyFile = await studies.pick(preferred);
    if (studyFile) await fn(studyFile);
    else opened?.dispose();
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

  register('mixopt.suggest', withNextPanel((f) => suggest(ctx, f, Math.max(1, vscode.workspace.getConfiguration('mixopt').get<number>('defaultBatch', 1)))));
  register('mixopt.showNextTrial', withStudy((f) => showPanel(ctx, 'next', f, false)));
  register('mixopt.accept', (arg?: unknown) => acceptCommand(ctx, arg));
  register('mixopt.recommend', withStudy((f) => recommend(ctx, f)));
  register('mixopt.showPosterior', withStudy((f) => showPanel(ctx, 'posterior', f, true)));
  register('mixopt.showBudget', withStudy(async (f) => {
    if (!studies.snapshot(f)) await studies.refresh(f, { fit: false });
    await showPanel(ctx, 'budget', f, false);
  }));
  register('mixopt.refresh', async () => {
    const files = await studies.discover();
    await Promise.all(files.map((f) => studies.refresh(f, { fit: studies.snapshot(f)?.posterior !== undefined }).catch((e: unknown) => log.error(errorText(e)))));
    tree.refresh();
    void jobs.poll();
  });
  register('mixopt.newStudy', () => newStudy(ctx));
  register('mixopt.launch', async (arg?: unknown) => {
    if (isTrialNode(arg)) return launch(ctx, arg.studyFile, arg.trial.id);
    const f = await studies.pick();
    if (f) await launch(ctx, f);
  });
  register('mixopt.cancelTrial', (arg?: unknown, confirmed?: unknown) => cancelTrial(ctx, arg, confirmed === true));
  register('mixopt.resubmitTrial', (arg?: unknown) => resubmitTrial(ctx, arg));
  register('mixopt.openJobOutput', (arg?: unknown) => openJobOutput(ctx, arg));
  register('mixopt.markFailed', (arg?: unknown, note?: unknown) => mark(ctx, arg, 'failed', note));
  register('mixopt.markAbandoned', (arg?: unknown, note?: unknown) => mark(ctx, arg, 'abandoned', note));
  register('mixopt.exportReport', async (arg?: unknown, target?: unknown) => {
    await withStudy((f) => exportReport(ctx, f, target instanceof vscode.Uri ? target : undefined))(arg);
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
  register('mixopt.fillMixture', (uri?: unknown, which?: unknown) => fillMixture(ctx, uri, which));
}
