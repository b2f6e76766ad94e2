// The engine's interface: the same calls back the extension (through a worker thread) and the CLI (in process).
import type { JobRef } from '../ledger/ledger';
import type { StudySnapshot, SuggestionView } from '../protocol/snapshot';

export interface AnalyzeParams {
  readonly studyFile: string;
  /** number of suggestions to compute (0 = fit + recommend only) */
  readonly suggest: number;
  /** fit the model (default true); false reads runs, ledger and budget only */
  readonly fit?: boolean;
  /** skip the posterior diagnostics (LOO, slices), for speed */
  readonly diagnostics?: boolean;
  /**
   * compute the recommendation (default true); false: none (`mixopt suggest` does not show it); 'kept': only the one
   * kept from an earlier analysis of the same model (the extension's Suggest shows the suggestion first)
   */
  readonly recommend?: boolean | 'kept';
  /** re-optimise the hyperparameters even when the data changed too little to need it (the user's "Refit") */
  readonly reoptimise?: boolean;
  /** append the suggestions to the ledger as `suggested` events, written by this actor */
  readonly record?: { readonly actor: string };
}

export interface AcceptParams {
  readonly studyFile: string;
  /** the suggestion to accept; or, with `trialId`, a suggestion recorded in the ledger earlier */
  readonly suggestion?: SuggestionView;
  readonly trialId?: string;
  /** overwrite an existing config file; without it an existing file is an error (never overwritten silently) */
  readonly overwrite?: boolean;
  /** who accepted: window id or "cli" */
  readonly actor: string;
  /**
   * Suggest now and accept suggestion `index` of a batch, both under the study's lock (the CLI's accept): two
   * processes never accept from the same state.
   */
  readonly fresh?: { readonly batch: number; readonly index: number; readonly reoptimise?: boolean };
  /** the workspace folder the study belongs to (default: the nearest folder up with .git or .vscode, else the study's) */
  readonly workspaceFolder?: string;
  /** whether the workspace is trusted (default true, as on the command line); untrusted: nothing is written outside it */
  readonly trusted?: boolean;
  /** how long to wait for another process's accept (default 300 s) */
  readonly lockTimeoutMs?: number;
}

export interface AcceptResult {
  readonly trialId: string;
  readonly configPath: string;
  /** with `fresh`: the suggestion accepted and the analysis it came from */
  readonly suggestion?: SuggestionView;
  readonly snapshot?: StudySnapshot;
  /** trials of interrupted accepts that this accept completed (their configs adopted) */
  readonly recovered?: readonly string[];
}

export interface MarkParams {
  readonly studyFile: string;
  readonly trialId: string;
  readonly status: 'failed' | 'abandoned' | 'launched';
  readonly actor: string;
  readonly note?: string;
  /** the scheduler job the event is about (a tracked launch, or the job whose end failed the trial) */
  readonly job?: JobRef;
}

/** What each engine method takes: one table, from which requests, handlers and results are typed. */
export interface EngineParams {
  analyze: AnalyzeParams;
  accept: AcceptParams;
  mark: MarkParams;
}

/** What each engine method returns. */
export interface EngineResults {
  analyze: StudySnapshot;
  accept: AcceptResult;
  mark: { readonly ok: true };
}

export type EngineMethod = keyof EngineParams & keyof EngineResults;

/** A request for method M (a union over every method when M is not narrowed). */
export type EngineRequest<M extends EngineMethod = EngineMethod> = { [K in M]: { readonly method: K; readonly params: EngineParams[K] } }[M];

/**
 * Why a request failed, as a value that crosses the worker boundary unchanged. `internal` is a bug in MixOpt (the CLI
 * exits 3); every other code is a problem with the study, its files or the machine that the user can fix (exit 1).
 */
export type EngineErrorCode =
  | 'study-input' // the study or a file it names has errors (message lists them with file and line)
  | 'config-exists' // `path` exists and overwrite was not asked for
  | 'already-accepted' // another process accepted the same trial first (`trialId`, `path` its config)
  | 'lock-timeout' // another process held the study's lock too long (`path` the lock)
  | 'write-failed' // the file system refused a write (`path`, `hint` says what to do)
  | 'read-failed' // the file system refused a read (`path`)
  | 'outside-workspace' // a config path leaves the study's workspace folder (`path`)
  | 'too-large' // a limit on observations, domains or metrics was hit
  | 'not-found' // no such trial
  | 'cancelled'
  | 'internal';

export interface EngineErrorValue {
  readonly code: EngineErrorCode;
  readonly message: string;
  readonly path?: string;
  readonly trialId?: string;
  readonly hint?: string;
  /** the stack, for `internal` only */
  readonly detail?: string;
}

/** An engine failure on either side of the worker boundary. */
export class EngineError extends Error {
  constructor(readonly value: EngineErrorValue) {
    super(value.message);
    this.name = 'EngineError';
  }

  get code(): EngineErrorCode {
    return this.value.code;
  }
}

const ERROR_CODES: ReadonlySet<string> = new Set<EngineErrorCode>(['study-input', 'config-exists', 'already-accepted', 'lock-timeout', 'write-failed', 'read-failed', 'outside-workspace', 'too-large', 'not-found', 'cancelled', 'internal']);

export function isEngineErrorValue(x: unknown): x is EngineErrorValue {
  if (typeof x !== 'object' || x === null) return false;
  const v = x as Record<string, unknown>;
  return typeof v['code'] === 'string' && ERROR_CODES.has(v['code']) && typeof v['message'] === 'string';
}

/** Messages between the extension host and the worker thread. */
export type ToWorker =
  | { readonly type: 'request'; readonly id: number; readonly request: EngineRequest }
  | { readonly type: 'cancel'; readonly id: number };

export type FromWorker =
  | { readonly type: 'progress'; readonly id: number; readonly message: string; readonly fraction: number }
  | { readonly type: 'result'; readonly id: number; readonly result: EngineResults[EngineMethod] }
  | { readonly type: 'error'; readonly id: number; readonly error: EngineErrorValue };
