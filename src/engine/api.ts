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
}

export interface AcceptResult {
  readonly trialId: string;
  readonly configPath: string;
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

export type EngineRequest =
  | { readonly method: 'analyze'; readonly params: AnalyzeParams }
  | { readonly method: 'accept'; readonly params: AcceptParams }
  | { readonly method: 'mark'; readonly params: MarkParams };

export interface EngineResults {
  analyze: StudySnapshot;
  accept: AcceptResult;
  mark: { readonly ok: true };
}

/** Messages between the extension host and the worker thread. */
export type ToWorker =
  | { readonly type: 'request'; readonly id: number; readonly request: EngineRequest }
  | { readonly type: 'cancel'; readonly id: number };

export type FromWorker =
  | { readonly type: 'progress'; readonly id: number; readonly message: string; readonly fraction: number }
  | { readonly type: 'result'; readonly id: number; readonly result: unknown }
  | { readonly type: 'error'; readonly id: number; readonly message: string; readonly cancelled: boolean };
