// Follows the scheduler jobs of launched trials: polls (setting mixopt.jobPollSeconds) only while some trial has
// a job queued or running, and only in a trusted workspace; puts the states into the snapshots the tree and panels
// show; a job that failed, timed out, ran out of memory or was cancelled outside MixOpt marks its trial failed or
// abandoned in the ledger, with the reason.
import * as vscode from 'vscode';
import type { StudySnapshot } from '../protocol/snapshot';
import { runCommand } from '../scheduler/run';
import { SlurmScheduler } from '../scheduler/slurm';
import { jobIdsByScheduler, ledgerEventForJob, trialsInFlight, withJobStates } from '../scheduler/track';
import type { CommandRunner, JobStatus, Scheduler } from '../scheduler/types';
import type { EngineClient } from './engineClient';
import type { Studies } from './studies';

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class JobTracker implements vscode.Disposable {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly statuses = new Map<string, { readonly jobs: ReadonlyMap<string, JobStatus>; readonly error?: string }>();
  private readonly schedulers = new Map<string, Scheduler>();

  constructor(
    private readonly studies: Studies,
    private readonly engine: EngineClient,
    private readonly log: vscode.LogOutputChannel,
    private readonly actor: string,
    private readonly runner: CommandRunner = runCommand,
  ) {}

  scheduler(kind: string): Scheduler | undefined {
    let s = this.schedulers.get(kind);
    if (!s && kind === 'slurm') this.schedulers.set(kind, (s = new SlurmScheduler(this.runner)));
    return s;
  }

  /** The snapshot with the latest known job states (what the tree and panels show). */
  readonly decorate = (snapshot: StudySnapshot): StudySnapshot => {
    const known = this.statuses.get(snapshot.studyFile);
    return known ? withJobStates(snapshot, known.jobs, known.error) : snapshot;
  };

  /** Arms the next poll when a job is in flight; stops polling when none is. */
  update(): void {
    const busy = vscode.workspace.isTrusted && this.studies.list().some((f) => {
      const snap = this.studies.raw(f);
      return snap !== undefined && trialsInFlight(snap).length > 0;
    });
    if (!busy) {
      clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer || this.running) return;
    const seconds = vscode.workspace.getConfiguration('mixopt').get<number>('jobPollSeconds', 30);
    this.timer = setTimeout(() => void this.poll(), Math.max(1, seconds) * 1000);
  }

  /** Asks the schedulers now (one poll at a time). */
  poll(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.running ??= this.pollAll().finally(() => {
      this.running = undefined;
      this.update();
    });
    return this.running;
  }

  private async pollAll(): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    for (const studyFile of this.studies.list()) {
      const snap = this.studies.raw(studyFile);
      const flying = snap ? trialsInFlight(snap) : [];
      if (!snap || flying.length === 0) {
        this.statuses.delete(studyFile);
        continue;
      }
      const jobs = new Map<string, JobStatus>();
      let error: string | undefined;
      for (const [kind, ids] of jobIdsByScheduler(flying)) {
        const scheduler = this.scheduler(kind);
        if (!scheduler) {
          error = `MixOpt has no scheduler "${kind}"`;
          continue;
        }
        try {
          for (const [id, s] of await scheduler.query(ids)) jobs.set(id, s);
        } catch (e) {
          error = errorText(e);
          this.log.warn(`job query (${kind}) failed: ${error}`);
        }
      }
      this.statuses.set(studyFile, { jobs, ...(error ? { error } : {}) });
      if (!(await this.recordEnded(studyFile, this.decorate(snap)))) this.studies.notify(studyFile);
    }
  }

  /** Appends failed / abandoned for trials whose job ended badly; true when the ledger changed (and was re-read). */
  private async recordEnded(studyFile: string, snap: StudySnapshot): Promise<boolean> {
    let changed = false;
    for (const t of trialsInFlight(snap)) {
      const event = ledgerEventForJob(t);
      if (!event || !t.job) continue;
      try {
        await this.engine.request({ method: 'mark', params: { studyFile, trialId: t.id, status: event.status, actor: this.actor, note: event.note, job: event.job } });
        this.log.info(`${t.id}: ${event.note} -> ${event.status}`);
        changed = true;
      } catch (e) {
        this.log.warn(`could not record the end of job ${t.job.id}: ${errorText(e)}`);
      }
    }
    if (changed) await this.studies.refresh(studyFile, { fit: false }).catch(() => undefined);
    return changed;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
