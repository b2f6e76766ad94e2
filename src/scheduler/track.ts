// What the job states mean for the trials: which trials have a job in flight, the snapshot with the states put in,
// the ledger event a finished job calls for, and the words shown for a state. Pure: the CLI (`mixopt status`) and
// the extension's poll share it.
import type { JobRef } from '../ledger/ledger';
import { jobStateText } from '../protocol/jobText';
import type { JobView, StudySnapshot, TrialView } from '../protocol/snapshot';
import type { JobStatus } from './types';
import { FINISHED_JOB_STATES } from './types';

/** Trials whose latest job may still be queued or running: pending (or running) trials with a tracked job. */
export function trialsInFlight(snapshot: StudySnapshot): TrialView[] {
  return snapshot.trials.filter((t) => t.job !== undefined && t.job.scheduler !== 'terminal' && (t.status === 'pending' || t.status === 'running'));
}

/** The job ids to ask a scheduler about, per scheduler kind. */
export function jobIdsByScheduler(trials: readonly TrialView[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of trials) if (t.job) out.set(t.job.scheduler, [...(out.get(t.job.scheduler) ?? []), t.job.id]);
  return out;
}

/** Where MixOpt looks for a trial's run logs, in words. */
export function whereLogsAreLooked(snapshot: StudySnapshot): string {
  const dir = snapshot.studyFile.replace(/[\\/][^\\/]*$/, '');
  return `runs.include (${(snapshot.runsInclude ?? []).join(', ') || 'none'}) under ${dir}, for a run whose config carries the trial id or whose mixture, model and steps match`;
}

/**
 * The snapshot with each in-flight trial's job state from `statuses` (by job id). A finished job whose trial has
 * no run yet (still pending) is flagged with where MixOpt looked. `queryError` marks every in-flight job unknown.
 */
export function withJobStates(snapshot: StudySnapshot, statuses: ReadonlyMap<string, JobStatus>, queryError?: string): StudySnapshot {
  const inFlight = new Set(trialsInFlight(snapshot).map((t) => t.id));
  if (inFlight.size === 0) return snapshot;
  const trials = snapshot.trials.map((t): TrialView => {
    if (!inFlight.has(t.id) || !t.job) return t;
    const s = statuses.get(t.job.id);
    const job: JobView = {
      ...t.job,
      ...(s ? jobFields(s, t.job) : { state: 'unknown' as const }),
      ...(queryError && !s ? { queryError } : {}),
    };
    const ended = s !== undefined && FINISHED_JOB_STATES.includes(s.state);
    const missing = ended && t.status === 'pending' ? { logsMissing: whereLogsAreLooked(snapshot) } : {};
    return { ...t, job: { ...job, ...missing } };
  });
  return { ...snapshot, trials };
}

function jobFields(s: JobStatus, previous: JobView): Partial<JobView> {
  return {
    state: s.state,
    rawState: s.rawState,
    ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
    ...(s.signal !== undefined ? { signal: s.signal } : {}),
    ...(s.elapsedSeconds !== undefined ? { elapsedSeconds: s.elapsedSeconds } : {}),
    ...(s.reason !== undefined ? { reason: s.reason } : {}),
    // the output file recorded at submission wins: sacct does not know it, scontrol forgets the job
    ...(previous.output === undefined && s.stdout !== undefined ? { output: s.stdout } : {}),
  };
}

/**
 * The ledger event a finished job calls for: failed (with the exit code and output file) or abandoned
 * (cancelled); none while it is queued or running, or when it completed (its logs complete the trial).
 */
export function ledgerEventForJob(trial: TrialView): { status: 'failed' | 'abandoned'; note: string; job: JobRef } | undefined {
  const job = trial.job;
  if (!job?.state || !FINISHED_JOB_STATES.includes(job.state) || job.state === 'completed') return undefined;
  if (trial.status !== 'pending' && trial.status !== 'running') return undefined;
  const what = `${job.scheduler === 'slurm' ? 'Slurm job' : 'job'} ${job.id} ${job.rawState ?? job.state}`;
  const output = job.output ? `; output: ${job.output}` : '';
  const ref: JobRef = { scheduler: job.scheduler, id: job.id, ...(job.output ? { output: job.output } : {}), state: job.state, ...(job.exitCode !== undefined ? { exitCode: job.exitCode } : {}) };
  if (job.state === 'cancelled') return { status: 'abandoned', note: `${what} (cancelled outside MixOpt)${output}`, job: ref };
  return { status: 'failed', note: `${what}: ${jobStateText(job)}${output}`, job: ref };
}
