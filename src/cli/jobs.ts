// The CLI side of scheduler jobs: `mixopt status` asks the schedulers once about trials in flight (and with
// --record appends failed / abandoned for jobs that ended badly); `mixopt launch` submits one trial.
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { appendEvent, ledgerPathFor } from '../ledger/append';
import { jobStateText } from '../protocol/jobText';
import type { StudySnapshot } from '../protocol/snapshot';
import { displayCommandLine } from '../scheduler/argv';
import { launchArgv } from '../scheduler/launch';
import { runCommand } from '../scheduler/run';
import { SlurmScheduler } from '../scheduler/slurm';
import { jobIdsByScheduler, ledgerEventForJob, trialsInFlight, withJobStates } from '../scheduler/track';
import type { CommandRunner, JobStatus, Scheduler } from '../scheduler/types';

export function schedulerFor(kind: string, runner: CommandRunner = runCommand): Scheduler | undefined {
  return kind === 'slurm' ? new SlurmScheduler(runner) : undefined;
}

/** The snapshot with the live state of every job in flight (one query per scheduler). */
export async function withLiveJobs(snapshot: StudySnapshot, runner: CommandRunner = runCommand): Promise<StudySnapshot> {
  const flying = trialsInFlight(snapshot);
  if (flying.length === 0) return snapshot;
  const statuses = new Map<string, JobStatus>();
  let error: string | undefined;
  for (const [kind, ids] of jobIdsByScheduler(flying)) {
    const scheduler = schedulerFor(kind, runner);
    if (!scheduler) {
      error = `MixOpt has no scheduler "${kind}"`;
      continue;
    }
    try {
      for (const [id, s] of await scheduler.query(ids)) statuses.set(id, s);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
  }
  return withJobStates(snapshot, statuses, error);
}

/** Appends the failed / abandoned events that ended jobs call for; returns one line per event. */
export function recordEndedJobs(snapshot: StudySnapshot, actor: string): string[] {
  const lines: string[] = [];
  for (const t of trialsInFlight(snapshot)) {
    const event = ledgerEventForJob(t);
    if (!event || !t.job) continue;
    appendEvent(ledgerPathFor(snapshot.studyFile), {
      v: 1,
      event: event.status,
      trial: t.id,
      time: new Date().toISOString(),
      actor,
      note: event.note,
      job: event.job,
    });
    lines.push(`trial ${t.id} marked ${event.status}: ${event.note}`);
  }
  return lines;
}

/** Lines of the text status for trials with a job. */
export function jobLines(snapshot: StudySnapshot): string[] {
  return trialsInFlight(snapshot).map((t) => {
    const job = t.job!;
    const extra = job.logsMissing ? `; no run log found (looked in ${job.logsMissing})` : job.queryError ? `; ${job.queryError}` : '';
    return `  ${t.id}: ${job.scheduler} job ${job.id} ${jobStateText(job)}${job.output ? `, output ${job.output}` : ''}${extra}`;
  });
}

/**
 * Launches one accepted trial: submitted to the study's scheduler (a `launched` event with the job), or, for the
 * terminal form, run here in the foreground with its output on this terminal. Returns the exit code and message.
 */
export async function launchTrial(snapshot: StudySnapshot, trialId: string, actor: string, runner: CommandRunner = runCommand): Promise<{ code: number; message: string }> {
  const trial = snapshot.trials.find((t) => t.id === trialId);
  if (!trial) return { code: 1, message: `trial ${trialId} is not in the ledger of ${snapshot.studyFile}` };
  if (trial.status !== 'pending' && trial.status !== 'failed') return { code: 1, message: `trial ${trialId} is ${trial.status}; only pending (accepted) or failed trials are launched` };
  const built = launchArgv(snapshot, trial, process.env);
  if ('error' in built) return { code: 1, message: built.error };
  const cwd = dirname(snapshot.studyFile);
  const env = { MIXOPT_TRIAL: trial.id, MIXOPT_CONFIG: built.config };
  const ledger = ledgerPathFor(snapshot.studyFile);
  const kind = snapshot.launch?.scheduler ?? 'terminal';
  if (kind === 'terminal') {
    const line = displayCommandLine(built.argv);
    appendEvent(ledger, { v: 1, event: 'launched', trial: trial.id, time: new Date().toISOString(), actor, note: line });
    const r = spawnSync(built.argv[0]!, built.argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: 'inherit' });
    return { code: r.status === 0 ? 0 : 1, message: r.error ? `${line}: ${r.error.message}` : `${line} exited with ${r.status ?? r.signal}` };
  }
  const scheduler = schedulerFor(kind, runner);
  if (!scheduler) return { code: 1, message: `no scheduler "${kind}"` };
  try {
    const result = await scheduler.submit({ argv: built.argv, cwd, env });
    appendEvent(ledger, { v: 1, event: 'launched', trial: trial.id, time: new Date().toISOString(), actor, note: result.commandLine, job: { scheduler: kind, id: result.jobId, ...(result.stdout ? { output: result.stdout } : {}) } });
    return { code: 0, message: `trial ${trial.id} submitted as ${kind} job ${result.jobId}${result.stdout ? ` (output ${result.stdout})` : ''}` };
  } catch (e) {
    return { code: 1, message: `could not launch ${trial.id}: ${e instanceof Error ? e.message : String(e)}` };
  }
}
