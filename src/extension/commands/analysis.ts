// Analyses the user asks for: a fit (with the panels told they are busy), opening a panel, suggesting.
import * as vscode from 'vscode';
import type { PanelKind } from '../../protocol/messages';
import type { StudySnapshot } from '../../protocol/snapshot';
import type { MixOptContext } from '../context';
import { errorText, firstLine } from '../context';
import { MixOptPanel } from '../panels';
import type { RefreshOptions } from '../studies';

/** Runs an analysis and reports failures to the user (and the log); undefined when cancelled or failed. */
export async function analyze(ctx: MixOptContext, studyFile: string, options: RefreshOptions): Promise<StudySnapshot | undefined> {
  const panels = MixOptPanel.all().filter((p) => (p.studyFile ?? studyFile) === studyFile);
  for (const p of panels) p.post({ method: 'busy', message: options.suggest ? 'Fitting the model and choosing the next trial…' : 'Fitting the model…' });
  // The panels a new snapshot of this study reaches through studies.onDidChange (activate() posts it to them); the
  // others, and all after a failure or a cancel, get it below, no longer busy: not twice (0.6 MB at 1,028 runs).
  const reached = new Set<MixOptPanel>();
  const listener = ctx.studies.onDidChange((snap) => {
    if (snap.studyFile === studyFile) for (const p of MixOptPanel.all()) if ((p.studyFile ?? ctx.studies.current) === studyFile) reached.add(p);
  });
  try {
    return await ctx.studies.refresh(studyFile, options);
  } catch (e) {
    const message = errorText(e);
    for (const p of panels) p.post({ method: 'error', message });
    void vscode.window.showErrorMessage(`MixOpt: ${firstLine(message)}`, 'Show log').then((c) => c && ctx.log.show());
    return undefined;
  } finally {
    listener.dispose();
    const snap = ctx.studies.snapshot(studyFile);
    if (snap) for (const p of panels) if (!reached.has(p)) p.post({ method: 'snapshot', snapshot: snap, busy: false });
  }
}

export async function showPanel(ctx: MixOptContext, kind: PanelKind, studyFile: string, needsFit: boolean): Promise<void> {
  const panel = MixOptPanel.createOrShow(kind, ctx.panelHost, studyFile);
  panel.studyFile = studyFile;
  const snap = ctx.studies.snapshot(studyFile);
  if (snap) panel.post({ method: 'snapshot', snapshot: snap, busy: needsFit && !snap.posterior });
  if (needsFit && !snap?.posterior) await analyze(ctx, studyFile, { interactive: true });
}

/**
 * Opens the Next trial panel before the study is known (see withNextPanel in register.ts). Returns what closes it
 * again if no study comes of the pick: nothing when the panel was already open.
 */
export function openNextPanelEarly(ctx: MixOptContext, studyFile: string | undefined): vscode.Disposable | undefined {
  const existed = MixOptPanel.get('next') !== undefined;
  const panel = MixOptPanel.createOrShow('next', ctx.panelHost, studyFile);
  return existed ? undefined : {
    dispose: () => {
      panel.panel.dispose();
    },
  };
}

export async function suggest(ctx: MixOptContext, studyFile: string, batch: number): Promise<void> {
  const panel = MixOptPanel.createOrShow('next', ctx.panelHost, studyFile);
  panel.studyFile = studyFile;
  // The Next trial panel needs no diagnostics (leave-one-out, slices, per-metric fits: about 2 s at the example's
  // 1,028 runs), and its comparison with the recommendation can wait (0.3 s): the suggestion is shown first, the
  // recommendation of a new model follows once the panel's webview has loaded (the first of a window takes seconds
  // while the window starts; the two would share the CPU), and an open Posterior panel gets the diagnostics after it.
  const snap = await analyze(ctx, studyFile, { suggest: batch, record: true, interactive: true, diagnostics: false, recommend: 'kept', followUpAfter: panel.whenReady });
  if (snap && (snap.suggestions?.length ?? 0) === 0) {
    void vscode.window.showWarningMessage(`MixOpt: no suggestion for ${snap.name}. ${snap.diagnostics.find((d) => d.severity === 'error')?.message ?? 'See the MixOpt log.'}`);
  }
  const posterior = MixOptPanel.get('posterior');
  if (snap && posterior && (posterior.studyFile ?? studyFile) === studyFile) void ctx.studies.refresh(studyFile, { coalesce: true }).catch((e: unknown) => ctx.log.error(errorText(e)));
}

export async function recommend(ctx: MixOptContext, studyFile: string): Promise<void> {
  await showPanel(ctx, 'posterior', studyFile, false);
  const snap = await analyze(ctx, studyFile, { interactive: true });
  const r = snap?.recommendation;
  if (!snap || !r) return;
  const top = Object.entries(r.mixture).sort((a, b) => b[1] - a[1]).slice(0, 4).map(([d, w]) => `${d} ${(w * 100).toFixed(1)}%`).join(', ');
  void vscode.window.showInformationMessage(`MixOpt: recommended ${r.model} mixture, predicted ${r.predicted.mean.toFixed(4)} [${r.predicted.lower.toFixed(4)}, ${r.predicted.upper.toFixed(4)}]: ${top}, …`);
}

/** Fills the mixture of a config template (or generated config) with the suggestion or the recommendation. */
export async function fillMixture(ctx: MixOptContext, uri: unknown, which: unknown): Promise<void> {
  const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
  if (!target) return;
  const document = await vscode.workspace.openTextDocument(target);
  const owner = ctx.codeLens.studyFor(document);
  if (!owner) {
    void vscode.window.showWarningMessage('MixOpt: this file is not the config template or a generated config of a study.');
    return;
  }
  let snap = ctx.studies.snapshot(owner.studyFile);
  if (which === 'suggested') {
    if (!snap?.suggestions?.length) snap = await analyze(ctx, owner.studyFile, { suggest: 1, record: true, interactive: true });
    const s = snap?.suggestions?.[0];
    if (s) await ctx.codeLens.fill(target, s.mixture, s.id);
  } else {
    if (!snap?.recommendation) snap = await analyze(ctx, owner.studyFile, { interactive: true });
    const r = snap?.recommendation;
    if (r) await ctx.codeLens.fill(target, r.mixture, 'recommended');
  }
}
