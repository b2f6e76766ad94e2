// Launching and following trials: the terminal launcher (the plain `launch:` string) and scheduler launches
// (`launch: {scheduler: slurm, command}`) that MixOpt submits itself, then Cancel, Resubmit and Open job output.
// Everything here runs a program, so it needs a trusted workspace.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TrialView } from '../../protocol/snapshot';
import { displayCommandLine } from '../../scheduler/argv';
import { launchArgv } from '../../scheduler/launch';
import { FINISHED_JOB_STATES } from '../../scheduler/types';
import type { MixOptContext, TrialNode } from '../context';
import { errorText, firstLine, isTrialNode } from '../context';
import { pickTrial } from './trials';

export const UNTRUSTED_REASON = 'Launching, cancelling and resubmitting trials run programs, so they need a trusted workspace.';

function requireTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage(`MixOpt: ${UNTRUSTED_REASON}`, 'Manage Workspace Trust').then((c) => c && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}

export async function launch(ctx: MixOptContext, studyFile: string, trialId?: string, statuses: readonly TrialView['status'][] = ['pending']): Promise<void> {
  if (!requireTrust()) return;
  const { studies, engine, log } = ctx;
  const snap = studies.snapshot(studyFile) ?? (await studies.refresh(studyFile, { fit: false }));
  if (!snap) return;
  const trial = trialId ? snap.trials.find((t) => t.id === trialId) : await pickTrial(ctx, studyFile, statuses, 'Which trial to launch?');
  if (!trial) return;
  if (trial.job && (trial.status === 'pending' || trial.status === 'running') && !FINISHED_JOB_STATES.includes(trial.job.state ?? 'unknown')) {
    void vscode.window.showWarningMessage(`MixOpt: trial ${trial.id} is already ${trial.job.scheduler} job ${trial.job.id} (${trial.job.state ?? 'submitted'}); cancel it first to launch it again.`);
    return;
  }
  const built = launchArgv(snap, trial, process.env);
  if ('error' in built) {
    void vscode.window.showWarningMessage(`MixOpt: ${built.error}`);
    return;
  }
  const cwd = dirname(studyFile);
  const env = { MIXOPT_TRIAL: trial.id, MIXOPT_CONFIG: built.config };
  const kind = snap.launch?.scheduler ?? 'terminal';
  if (kind === 'terminal') {
    // every word single-quoted as needed, so the shell of the terminal expands nothing in a path
    const line = displayCommandLine(built.argv);
    const terminal = vscode.window.createTerminal({ name: `MixOpt ${trial.id}`, cwd, env });
    terminal.show();
    terminal.sendText(line);
    await engine.request({ method: 'mark', params: { studyFile, trialId: trial.id, status: 'launched', actor: ctx.actor, note: line } }).catch((e: unknown) => log.warn(`launch: ${errorText(e)}`));
    log.info(`launched ${trial.id} in a terminal: ${line}`);
    await studies.refresh(studyFile, { fit: false }).catch(() => undefined);
    return;
  }
  const scheduler = ctx.jobs.scheduler(kind);
  if (!scheduler) {
    void vscode.window.showErrorMessage(`MixOpt: no scheduler "${kind}"`);
    return;
  }
  try {
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `MixOpt: submitting ${trial.id} to ${kind}…` }, () => scheduler.submit({ argv: built.argv, cwd, env }));
    const job = { scheduler: kind, id: result.jobId, ...(result.stdout ? { output: result.stdout } : {}) };
    await engine.request({ method: 'mark', params: { studyFile, trialId: trial.id, status: 'launched', actor: ctx.actor, note: result.commandLine, job } });
    log.info(`launched ${trial.id} as ${kind} job ${result.jobId}: ${result.commandLine}${result.stdout ? ` (output ${result.stdout})` : ''}`);
    await studies.refresh(studyFile, { fit: false }).catch(() => undefined);
    void ctx.jobs.poll();
    void vscode.window.showInformationMessage(`MixOpt: trial ${trial.id} submitted as ${kind === 'slurm' ? 'Slurm' : kind} job ${result.jobId}.`);
  } catch (e) {
    log.error(`launch of ${trial.id} failed: ${errorText(e)}`);
    void vscode.window.showErrorMessage(`MixOpt: could not launch ${trial.id}: ${firstLine(errorText(e))}`, 'Show log').then((c) => c && log.show());
  }
}

async function trialFrom(ctx: MixOptContext, arg: unknown, statuses: readonly TrialView['status'][], placeHolder: string, filter: (t: TrialView) => boolean): Promise<TrialNode | undefined> {
  if (isTrialNode(arg)) return { ...arg, trial: ctx.studies.snapshot(arg.studyFile)?.trials.find((t) => t.id === arg.trial.id) ?? arg.trial };
  const studyFile = await ctx.studies.pick();
  if (!studyFile) return undefined;
  const trial = await pickTrial(ctx, studyFile, statuses, placeHolder, filter);
  return trial ? { kind: 'trial', studyFile, trial } : undefined;
}

/** Cancel trial: scancel after a confirmation; the trial becomes abandoned. */
export async function cancelTrial(ctx: MixOptContext, arg: unknown, confirmed = false): Promise<void> {
  if (!requireTrust()) return;
  const node = await trialFrom(ctx, arg, ['pending', 'running'], 'Which trial’s job to cancel?', (t) => t.job !== undefined);
  if (!node) return;
  const job = node.trial.job;
  if (!job) {
    void vscode.window.showWarningMessage(`MixOpt: trial ${node.trial.id} has no scheduler job to cancel (launched in a terminal, or not launched).`);
    return;
  }
  const scheduler = ctx.jobs.scheduler(job.scheduler);
  if (!scheduler) return;
  if (!confirmed) {
    const choice = await vscode.window.showWarningMessage(`Cancel ${job.scheduler === 'slurm' ? 'Slurm' : job.scheduler} job ${job.id} of trial ${node.trial.id}?`, { modal: true, detail: 'The job is stopped and the trial is marked abandoned in the ledger.' }, 'Cancel job');
    if (choice !== 'Cancel job') return;
  }
  try {
    await scheduler.cancel(job.id);
    await ctx.engine.request({ method: 'mark', params: { studyFile: node.studyFile, trialId: node.trial.id, status: 'abandoned', actor: ctx.actor, note: `cancelled in MixOpt (job ${job.id})`, job: { scheduler: job.scheduler, id: job.id, ...(job.output ? { output: job.output } : {}), state: 'cancelled' } } });
    ctx.log.info(`cancelled job ${job.id} of ${node.trial.id}`);
    await ctx.studies.refresh(node.studyFile, { fit: false }).catch(() => undefined);
  } catch (e) {
    void vscode.window.showErrorMessage(`MixOpt: could not cancel job ${job.id}: ${firstLine(errorText(e))}`);
  }
}

/** Resubmit a failed trial: the same config, a new job; the ledger keeps the earlier job and why it failed. */
export async function resubmitTrial(ctx: MixOptContext, arg: unknown): Promise<void> {
  if (!requireTrust()) return;
  const node = await trialFrom(ctx, arg, ['failed'], 'Which failed trial to resubmit?', (t) => t.configPath !== undefined);
  if (!node) return;
  if (node.trial.status !== 'failed') {
    void vscode.window.showWarningMessage(`MixOpt: trial ${node.trial.id} is ${node.trial.status}; only a failed trial is resubmitted.`);
    return;
  }
  await launch(ctx, node.studyFile, node.trial.id, ['failed']);
}

/** Opens the job's output file, or says where MixOpt expected it. */
export async function openJobOutput(ctx: MixOptContext, arg: unknown): Promise<void> {
  const node = await trialFrom(ctx, arg, ['pending', 'running', 'completed', 'failed', 'abandoned'], 'Whose job output to open?', (t) => t.job?.output !== undefined);
  if (!node) return;
  const output = node.trial.job?.output;
  if (!output) {
    void vscode.window.showInformationMessage(`MixOpt: the scheduler did not say where job ${node.trial.job?.id ?? '?'} writes its output.`);
    return;
  }
  if (!existsSync(output)) {
    void vscode.window.showWarningMessage(`MixOpt: the job's output file ${output} does not exist (yet): the job may not have started, or it runs on a node whose disk the editor cannot see.`);
    return;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(output), { preview: true });
}
