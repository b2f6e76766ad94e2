// Every log format MixOpt reads, each as one descriptor: how a run is recognised (detect), which files its read
// depends on (files: the cache signature), and how it is read (read: files in, records + diagnostics out).
// Discovery (discover.ts) iterates these lists; adding a format is adding a descriptor here.
import { join } from 'node:path';
import type { Study } from '../study/types';
import type { FolderListing } from './detect';
import {
  detectRunFile,
  isCheckpointDir,
  isHfCheckpointsRun,
  isHfTrainerRun,
  isLightningRun,
  isMlflowDbName,
  isMlflowFileRun,
  isTensorboardRun,
  isTfEventsName,
  isWandbLogName,
  isWandbRun,
} from './detect';
import type { Listing, Reader } from './fsread';
import { configFiles, EMPTY_LISTING, keyedFiles, listFolder, treePaths } from './fsread';
import type { TextFile } from './hf';
import { parseHfTrainer } from './hf';
import { parseMixoptJsonl } from './jsonl';
import { parseLightningCsv } from './lightning';
import { parseMlflowRun } from './mlflow';
import { isSqliteFile, parseMlflowDb } from './mlflowDb';
import { sqliteReader } from './sqlite';
import type { BinaryFile } from './tfevents';
import { parseTfEvents } from './tfevents';
import type { ParseResult, RunFormat } from './types';
import { parseWandbRun } from './wandb';

export interface FolderContext {
  readonly abs: string;
  readonly listing: Listing;
  readonly reader: Reader;
  readonly study: Study;
}

/** A format whose run is a folder (HF Trainer output dir, Lightning version_N, MLflow run, W&B run, TensorBoard). */
export interface FolderFormat {
  readonly format: RunFormat;
  /** the folder is a run of this format, from the names in it */
  detect(listing: FolderListing): boolean;
  /** absolute paths whose size and mtime decide whether a cached read is still good */
  files(abs: string, listing: Listing): string[];
  read(ctx: FolderContext): ParseResult;
}

/** A format whose runs are in one file (MixOpt JSONL, MLflow's mlflow.db). */
export interface FileFormat {
  readonly format: RunFormat;
  /** worth opening, from the name alone */
  candidate(name: string): boolean;
  /** the file's first bytes confirm it (a JSONL of another tool, a .db that is not SQLite, are not runs) */
  detect(name: string, head: Uint8Array): boolean;
  read(abs: string, reader: Reader, study: Study): ParseResult | undefined;
}

const own = (abs: string, listing: Listing): string[] => [abs, ...[...listing.files].map((f) => join(abs, f))];

/** Output files of HF Trainer that are not the run's config. */
const HF_NOT_CONFIG = new Set([
  'trainer_state.json',
  'all_results.json',
  'train_results.json',
  'eval_results.json',
  'config.json',
  'generation_config.json',
  'tokenizer_config.json',
  'tokenizer.json',
  'special_tokens_map.json',
  'vocab.json',
  'added_tokens.json',
  'model.safetensors.index.json',
  'pytorch_model.bin.index.json',
  'adapter_config.json',
  'preprocessor_config.json',
]);

function optText(ctx: FolderContext, name: string): TextFile | undefined {
  return ctx.listing.files.has(name) ? ctx.reader.textFile(join(ctx.abs, name)) : undefined;
}

const hfTrainer: Omit<FolderFormat, 'detect'> = {
  format: 'hf-trainer',
  files: (abs, listing) => [...own(abs, listing), ...[...listing.dirs].filter(isCheckpointDir).map((d) => join(abs, d, 'trainer_state.json'))],
  read(ctx) {
    const { abs, listing, reader } = ctx;
    let trainerState = optText(ctx, 'trainer_state.json');
    let fromCheckpoint = false;
    if (!trainerState && !listing.files.has('all_results.json')) {
      const latest = [...listing.dirs].filter(isCheckpointDir).sort((a, b) => Number(b.slice(11)) - Number(a.slice(11)))[0];
      if (latest !== undefined) {
        trainerState = reader.textFile(join(abs, latest, 'trainer_state.json'));
        fromCheckpoint = true;
      }
    }
    const allResults = optText(ctx, 'all_results.json');
    return parseHfTrainer(
      {
        dir: reader.rel(abs),
        ...(trainerState ? { trainerState } : {}),
        ...(allResults ? { allResults } : {}),
        configs: configFiles(abs, listing.files, reader, HF_NOT_CONFIG),
        fromCheckpoint,
      },
      ctx.study,
    );
  },
};

const lightningCsv: FolderFormat = {
  format: 'lightning-csv',
  detect: isLightningRun,
  files: own,
  read(ctx) {
    const metricsCsv = optText(ctx, 'metrics.csv');
    const hparams = optText(ctx, 'hparams.yaml');
    return parseLightningCsv(
      {
        dir: ctx.reader.rel(ctx.abs),
        ...(metricsCsv ? { metricsCsv } : {}),
        ...(hparams ? { hparams } : {}),
        configs: configFiles(ctx.abs, ctx.listing.files, ctx.reader, new Set(['hparams.yaml'])),
      },
      ctx.study,
    );
  },
};

const MLFLOW_DIRS = ['params', 'metrics', 'tags'] as const;

const mlflowFileStore: FolderFormat = {
  format: 'mlflow',
  detect: isMlflowFileRun,
  files: (abs, listing) => [...own(abs, listing), ...MLFLOW_DIRS.filter((d) => listing.dirs.has(d)).flatMap((d) => treePaths(join(abs, d)))],
  read(ctx) {
    const { abs, listing, reader } = ctx;
    const meta = optText(ctx, 'meta.yaml');
    const keyed = (d: (typeof MLFLOW_DIRS)[number]) => (listing.dirs.has(d) ? keyedFiles(join(abs, d), reader) : []);
    return parseMlflowRun({ dir: reader.rel(abs), ...(meta ? { meta } : {}), params: keyed('params'), metrics: keyed('metrics'), tags: keyed('tags') }, ctx.study);
  },
};

function binary(reader: Reader, abs: string): BinaryFile | undefined {
  const bytes = reader.bytes(abs);
  return bytes === undefined ? undefined : { file: reader.rel(abs), bytes };
}

const wandb: FolderFormat = {
  format: 'wandb',
  detect: isWandbRun,
  files: (abs, listing) => [...own(abs, listing), ...treePaths(join(abs, 'files'), 7)],
  read(ctx) {
    const { abs, listing, reader } = ctx;
    const filesDir = join(abs, 'files');
    const inner = listing.dirs.has('files') ? (listFolder(filesDir, reader) ?? EMPTY_LISTING) : EMPTY_LISTING;
    const get = (name: string): TextFile | undefined => (inner.files.has(name) ? reader.textFile(join(filesDir, name)) : undefined);
    const config = get('config.yaml');
    const summary = get('wandb-summary.json');
    const history = get('wandb-history.jsonl');
    const metadata = get('wandb-metadata.json');
    const logName = [...listing.files].filter(isWandbLogName).sort()[0];
    const log = logName !== undefined ? binary(reader, join(abs, logName)) : undefined;
    return parseWandbRun(
      {
        dir: reader.rel(abs),
        ...(config ? { config } : {}),
        ...(summary ? { summary } : {}),
        ...(history ? { history } : {}),
        ...(metadata ? { metadata } : {}),
        ...(log ? { log } : {}),
      },
      ctx.study,
    );
  },
};

/**
 * Event files of a TensorBoard run: those in the folder, and those of sub-folders that hold only event files
 * (tensorboardX's add_hparams writes its session into `<run>/<time>/`).
 */
function eventFiles(abs: string, listing: Listing, reader: Reader): string[] {
  const out = [...listing.files].filter(isTfEventsName).sort().map((f) => join(abs, f));
  for (const d of [...listing.dirs].sort()) {
    const sub = listFolder(join(abs, d), reader);
    if (!sub || sub.dirs.size > 0 || sub.files.size === 0 || ![...sub.files].every(isTfEventsName)) continue;
    out.push(...[...sub.files].sort().map((f) => join(abs, d, f)));
  }
  return out;
}

const tensorboard: FolderFormat = {
  format: 'tensorboard',
  detect: isTensorboardRun,
  files: (abs, listing) => [...own(abs, listing), ...[...listing.dirs].map((d) => join(abs, d))],
  read(ctx) {
    const { abs, listing, reader } = ctx;
    const events: BinaryFile[] = [];
    for (const p of eventFiles(abs, listing, reader)) {
      const f = binary(reader, p);
      if (f) events.push(f);
    }
    return parseTfEvents({ dir: reader.rel(abs), events, configs: configFiles(abs, listing.files, reader, new Set()) }, ctx.study);
  },
};

/** Folder formats in the order they are tried: the first whose markers match reads the folder. */
export const FOLDER_FORMATS: readonly FolderFormat[] = [
  { ...hfTrainer, detect: isHfTrainerRun },
  lightningCsv,
  mlflowFileStore,
  wandb,
  tensorboard,
  { ...hfTrainer, detect: isHfCheckpointsRun },
];

/** The format of a run folder, or undefined when the folder is not a run (keep walking into it). */
export function detectRunFolder(listing: FolderListing): RunFormat | undefined {
  return folderFormatOf(listing)?.format;
}

export function folderFormatOf(listing: FolderListing): FolderFormat | undefined {
  return FOLDER_FORMATS.find((f) => f.detect(listing));
}

const mixoptJsonl: FileFormat = {
  format: 'mixopt-jsonl',
  candidate: (name) => detectRunFile(name) === 'mixopt-jsonl',
  detect: (name, head) => detectRunFile(name, Buffer.from(head).toString('utf8')) === 'mixopt-jsonl',
  read(abs, reader, study) {
    const text = reader.text(abs);
    return text === undefined ? undefined : parseMixoptJsonl(text, reader.rel(abs), study);
  },
};

const mlflowDb: FileFormat = {
  format: 'mlflow',
  candidate: isMlflowDbName,
  detect: (_name, head) => isSqliteFile(head),
  read(abs, reader, study) {
    const sqlite = sqliteReader();
    if ('error' in sqlite) {
      reader.problem(abs, `MLflow SQLite store not read: ${sqlite.error}`, 'error', 'this is a MixOpt installation problem; please report it');
      return undefined;
    }
    const file = binary(reader, abs);
    return file === undefined ? undefined : parseMlflowDb(file, study, sqlite.sql);
  },
};

export const FILE_FORMATS: readonly FileFormat[] = [mixoptJsonl, mlflowDb];
