// Which log format a folder or file holds, from the names of its entries (marker files). Pure.
import type { RunFormat } from './types';

export interface FolderListing {
  /** the folder's own name (last path segment) */
  readonly name: string;
  /** names of the files in it */
  readonly files: ReadonlySet<string>;
  /** names of the sub-folders in it */
  readonly dirs: ReadonlySet<string>;
}

const CHECKPOINT_DIR = /^checkpoint-\d+$/;

/**
 * Marker files of each run folder format (the order they are tried in is formats.ts's FOLDER_FORMATS):
 * - HF Trainer: trainer_state.json or all_results.json, or checkpoint-N sub-folders (still training)
 * - Lightning CSVLogger: metrics.csv with hparams.yaml, or metrics.csv in a version_N folder
 * - MLflow run: meta.yaml with a metrics/ or params/ folder (an experiment folder has meta.yaml only)
 * - W&B run: a run-* / offline-run-* folder with a files/ sub-folder or a run-<id>.wandb file
 * - TensorBoard: events.out.tfevents.* files
 */
export const isHfTrainerRun = ({ files }: FolderListing): boolean => files.has('trainer_state.json') || files.has('all_results.json');
/** An HF Trainer run still in its first save: only checkpoint-N folders (tried after every other format). */
export const isHfCheckpointsRun = ({ dirs }: FolderListing): boolean => [...dirs].some((d) => CHECKPOINT_DIR.test(d));
export const isLightningRun = ({ name, files }: FolderListing): boolean => files.has('metrics.csv') && (files.has('hparams.yaml') || /^version_\d+$/.test(name));
export const isMlflowFileRun = ({ files, dirs }: FolderListing): boolean => files.has('meta.yaml') && (dirs.has('metrics') || dirs.has('params') || dirs.has('tags'));
export const isWandbRun = ({ name, files, dirs }: FolderListing): boolean => /^(offline-)?run-[^/]+$/.test(name) && (dirs.has('files') || [...files].some(isWandbLogName));
export const isTensorboardRun = ({ files }: FolderListing): boolean => [...files].some(isTfEventsName);

export function isTfEventsName(name: string): boolean {
  return name.startsWith('events.out.tfevents.');
}

/** W&B's binary run file, run-<id>.wandb (not its .syncstate companion). */
export function isWandbLogName(name: string): boolean {
  return /^run-[^/]*\.wandb$/.test(name);
}

/** MLflow's SQLite store: mlflow.db (the default name), or a .db named after MLflow (mlruns.db). */
export function isMlflowDbName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'mlflow.db' || (lower.endsWith('.db') && (lower.includes('mlflow') || lower.includes('mlruns')));
}

/** Files inside run folders of other tools that end in .jsonl but are not MixOpt logs. */
const FOREIGN_JSONL = new Set(['wandb-history.jsonl', 'wandb-events.jsonl', 'ledger.jsonl']);

/**
 * The format of a loose file, or undefined. `head` (the first few hundred bytes), when given, must look like a
 * MixOpt record: a JSON object with "run" (or "trial") on its first non-empty line.
 */
export function detectRunFile(name: string, head?: string): RunFormat | undefined {
  if (!name.toLowerCase().endsWith('.jsonl') || FOREIGN_JSONL.has(name)) return undefined;
  if (head === undefined) return 'mixopt-jsonl';
  const lines = head.replace(/^\uFEFF/, '').split('\n');
  const index = lines.findIndex((l) => l.trim() !== '');
  const first = lines[index];
  if (first === undefined) return 'mixopt-jsonl';
  if (!/^\s*\{/.test(first)) return undefined;
  // a first line longer than the head cannot be judged by its keys
  if (index === lines.length - 1) return 'mixopt-jsonl';
  return /"(run|trial)"\s*:/.test(first) ? 'mixopt-jsonl' : undefined;
}

export function isCheckpointDir(name: string): boolean {
  return CHECKPOINT_DIR.test(name);
}
