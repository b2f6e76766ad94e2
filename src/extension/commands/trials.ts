// Trial commands: accept a suggestion (writing its config), pick a trial, mark one failed or abandoned.
import * as vscode from 'vscode';
import type { SuggestionView, TrialView } from '../../protocol/snapshot';
import type { MixOptContext } from '../context';
import { errorText, firstLine, isTrialNode } from '../context';
import { EngineError } from '../engineClient';
import { suggest } from './analysis';
import { launch } from './launch';

/** Accepts a suggestion of this session, or (by id) one recorded in the ledger earlier. */
export async function accept(ctx: MixOptContext, studyFile: string, which: SuggestionView | string): Promise<void> {
  const { engine, log, studies, tree, treeView } = ctx;
  let overwrite = false;
  for (;;) {
    try {
      const chosen = typeof which === 'string' ? { trialId: which } : { suggestion: which };
      // the engine confines template and output to this folder; an untrusted workspace never writes outside it
      const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(studyFile))?.uri.fsPath;
      const result = await engine.request({ method: 'accept', params: { studyFile, ...chosen, actor: ctx.actor, overwrite, trusted: vscode.workspace.isTrusted, ...(folder !== undefined ? { workspaceFolder: folder } : {}) } });
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
          if (choice === 'Launch') await launch(ctx, studyFile, result.trialId);
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

/** The "Accept suggestion" command: a tree node, or the open suggestions of the study. */
export async function acceptCommand(ctx: MixOptContext, arg?: unknown): Promise<void> {
  const { studies } = ctx;
  if (isTrialNode(arg)) {
    const found = studies.findSuggestion(arg.trial.id);
    // a suggestion from an earlier session is accepted as the ledger recorded it
    return found ? accept(ctx, found.studyFile, found.suggestion) : accept(ctx, arg.studyFile, arg.trial.id);
  }
  const studyFile = await studies.pick();
  if (!studyFile) return;
  const open = (studies.snapshot(studyFile)?.suggestions ?? []).filter((s) => studies.snapshot(studyFile)?.trials.find((t) => t.id === s.id)?.status !== 'pending');
  if (open.length === 0) {
    const choice = await vscode.window.showInformationMessage('MixOpt: there is no suggestion to accept yet.', 'Suggest next mixture');
    if (choice) await suggest(ctx, studyFile, 1);
    return;
  }
  const pick = open.length === 1 ? open[0] : (await vscode.window.showQuickPick(open.map((s) => ({ label: s.id, description: `${s.model} · ${s.predicted ? `predicted ${s.predicted.mean.toFixed(4)}` : 'first design'}`, s })), { placeHolder: 'Which suggestion to accept?' }))?.s;
  if (pick) await accept(ctx, studyFile, pick);
}

export async function pickTrial(ctx: MixOptContext, studyFile: string, statuses: readonly TrialView['status'][], placeHolder: string, filter: (t: TrialView) => boolean = () => true): Promise<TrialView | undefined> {
  const snap = ctx.studies.snapshot(studyFile) ?? (await ctx.studies.refresh(studyFile, { fit: false }));
  const trials = (snap?.trials ?? []).filter((t) => statuses.includes(t.status) && filter(t));
  if (trials.length === 0) {
    void vscode.window.showInformationMessage(`MixOpt: no ${statuses.join(' or ')} trial in this study${statuses.length > 0 ? ' to act on' : ''}.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    trials.map((t) => ({ label: t.id, description: `${t.status} · ${t.model}${t.job ? ` · job ${t.job.id}` : ''}`, trial: t })),
    { placeHolder },
  );
  return picked?.trial;
}

export async function mark(ctx: MixOptContext, node: unknown, status: 'failed' | 'abandoned', givenNote?: unknown): Promise<void> {
  const studyFile = isTrialNode(node) ? node.studyFile : await ctx.studies.pick();
  if (!studyFile) return;
  const trial = isTrialNode(node) ? node.trial : await pickTrial(ctx, studyFile, ['suggested', 'pending', 'running'], `Which trial to mark ${status}?`);
  if (!trial) return;
  const note = typeof givenNote === 'string' ? givenNote : await vscode.window.showInputBox({ prompt: `Why is ${trial.id} ${status}? (optional, kept in the ledger)` });
  if (note === undefined) return;
  try {
    await ctx.engine.request({ method: 'mark', params: { studyFile, trialId: trial.id, status, actor: ctx.actor, ...(note ? { note } : {}) } });
    await ctx.studies.refresh(studyFile, { fit: false });
  } catch (e) {
    void vscode.window.showErrorMessage(`MixOpt: ${errorText(e)}`);
  }
}
