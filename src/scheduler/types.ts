// The scheduler boundary: how MixOpt hands a trial's training command to a batch system and follows the job.
// An implementation (Slurm today; Kubernetes Jobs or SkyPilot later) turns these calls into its own commands;
// the engine never sees it. Plain data only: statuses cross into the snapshot, the CLI's JSON and the webviews.

import type { JobState } from '../protocol/snapshot';

export type { JobState };

export const FINISHED_JOB_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled', 'timeout', 'out-of-memory', 'node-failure'];

export interface JobStatus {
  readonly jobId: string;
  readonly state: JobState;
  /** the scheduler's own word for the state, e.g. "OUT_OF_MEMORY" */
  readonly rawState: string;
  /** exit code of the job's script when it ended (Slurm's ExitCode=3:0 gives 3) */
  readonly exitCode?: number;
  /** the signal that ended it, when one did (ExitCode=0:15 gives 15) */
  readonly signal?: number;
  /** seconds the job has run (or ran) */
  readonly elapsedSeconds?: number;
  /** why it waits or why it ended, in the scheduler's words (Reason=Priority, NonZeroExitCode) */
  readonly reason?: string;
  /** absolute path of the job's standard output / error file, when the scheduler knows it */
  readonly stdout?: string;
  readonly stderr?: string;
  /** which command answered (squeue, scontrol, sacct), for the log and the tests */
  readonly source: string;
}

export interface SubmitRequest {
  /** program and arguments, passed to the program as they are (no shell) */
  readonly argv: readonly string[];
  /** working directory: the study's folder */
  readonly cwd: string;
  /** extra environment (MIXOPT_TRIAL, MIXOPT_CONFIG) */
  readonly env: Readonly<Record<string, string>>;
}

export interface SubmitResult {
  readonly jobId: string;
  /** the command line actually run, for the ledger note and the log (display only, never executed) */
  readonly commandLine: string;
  /** the job's output file when the scheduler tells it right after submission */
  readonly stdout?: string;
}

export interface Scheduler {
  readonly kind: string;
  /** starts the job; rejects with a SchedulerError whose message says what the scheduler answered */
  submit(request: SubmitRequest): Promise<SubmitResult>;
  /** the status of each job id it still knows; an id it does not know is absent from the map */
  query(jobIds: readonly string[]): Promise<Map<string, JobStatus>>;
  /** asks the scheduler to stop the job */
  cancel(jobId: string): Promise<void>;
}

export class SchedulerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchedulerError';
  }
}

/** The result of running one command (exit code, outputs). */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** set when the program could not be started (ENOENT: not installed) */
  readonly spawnError?: string;
}

/** Runs a program with arguments, no shell. Injected so the schedulers are tested without one. */
export type CommandRunner = (file: string, args: readonly string[], options: { readonly cwd?: string; readonly env?: Readonly<Record<string, string>> }) => Promise<CommandResult>;
