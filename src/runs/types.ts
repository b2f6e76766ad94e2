// What the log adapters return: text in, records + diagnostics out.
import type { Diagnostic } from '../study/diagnostics';

export type RunStatus = 'running' | 'completed' | 'failed';

export type RunFormat = 'mixopt-jsonl' | 'csv-table' | 'hf-trainer' | 'lightning-csv' | 'wandb' | 'mlflow' | 'tensorboard';

/** Metrics measured at one training step. */
export interface Checkpoint {
  readonly step: number;
  /** metric name -> value, e.g. "val_loss/pile_cc" -> 2.93 */
  readonly metrics: Readonly<Record<string, number>>;
}

export interface RunRecord {
  /** stable id: the run's own id, or a path-derived one */
  readonly id: string;
  readonly format: RunFormat;
  /** file or folder the run came from (workspace-relative where possible) */
  readonly source: string;
  /** domain -> weight, normalised to sum to 1, or undefined when the run's mixture could not be found */
  readonly mixture?: Readonly<Record<string, number>>;
  /** MixOpt trial id written into a generated config, when found */
  readonly trialId?: string;
  /** model name as in the study (or as found in the log when unknown to the study) */
  readonly model?: string;
  readonly params?: number;
  /** last step reached */
  readonly steps?: number;
  /** steps the run is configured to reach (max_steps), when its log says */
  readonly maxSteps?: number;
  /** ordered by step */
  readonly checkpoints: readonly Checkpoint[];
  /** cost read from the log when there is one (GPU-hours or FLOPs) */
  readonly gpuHours?: number;
  readonly flops?: number;
  readonly status: RunStatus;
  /** when no mixture was found: the files searched, and a `config.mixture_key` that would find one there */
  readonly mixtureSearch?: { readonly files: readonly string[]; readonly suggestedKey?: string };
}

export interface ParseResult {
  readonly runs: readonly RunRecord[];
  readonly diagnostics: readonly Diagnostic[];
}
