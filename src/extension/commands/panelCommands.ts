// Commands sent by the webview panels (src/protocol/messages.ts), run on the host.
import * as vscode from 'vscode';
import type { WebviewCommand } from '../../protocol/messages';
import type { MixOptContext } from '../context';
import { errorText } from '../context';
import type { MixOptPanel } from '../panels';
import { analyze, showPanel, suggest } from './analysis';
import { accept } from './trials';

export async function onPanelCommand(ctx: MixOptContext, panel: MixOptPanel, command: WebviewCommand): Promise<void> {
  const { studies } = ctx;
  const studyFile = panel.studyFile ?? (await studies.pick());
  if (!studyFile) return;
  switch (command.method) {
    case 'accept': {
      const found = studies.findSuggestion(command.suggestionId);
      if (!found) {
        void vscode.window.showWarningMessage('MixOpt: that suggestion is no longer current; run "MixOpt: Suggest next mixture" again.');
        return;
      }
      await accept(ctx, found.studyFile, found.suggestion);
      return;
    }
    case 'skip': {
      await ctx.engine.request({ method: 'mark', params: { studyFile, trialId: command.suggestionId, status: 'abandoned', actor: ctx.actor, note: 'skipped in the Next trial panel' } }).catch((e: unknown) => ctx.log.warn(`skip: ${errorText(e)}`));
      await suggest(ctx, studyFile, 1);
      return;
    }
    case 'suggest':
      await suggest(ctx, studyFile, command.batch);
      return;
    case 'refresh':
      await analyze(ctx, studyFile, { interactive: true, ...(command.reoptimise ? { reoptimise: true } : {}) });
      return;
    case 'openPanel':
      await showPanel(ctx, command.panel, studyFile, command.panel !== 'budget');
      return;
    case 'ready':
      return;
  }
}
