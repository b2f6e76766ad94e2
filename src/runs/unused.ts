// Why a discovered run does not become an observation, said so the user can fix it: the diagnostics the dataset
// builder reports for every run it leaves out (no mixture, no objective metrics, ...). Pure.
import type { Diagnostic } from '../study/diagnostics';
import type { Study } from '../study/types';
import type { RunFormat, RunRecord } from './types';

export type UnusedReason = 'no-mixture' | 'no-metrics' | 'no-checkpoints' | 'before-first-step' | 'unknown-model' | 'failed';

export interface UnusedRun {
  readonly runId: string;
  readonly source: string;
  readonly format: RunFormat;
  readonly reason: UnusedReason;
  readonly message: string;
  readonly hint?: string;
}

const FORMAT_NAMES: Readonly<Record<RunFormat, string>> = {
  'mixopt-jsonl': 'MixOpt JSONL',
  'csv-table': 'CSV table',
  'hf-trainer': 'HF Trainer',
  'lightning-csv': 'Lightning CSVLogger',
  wandb: 'W&B',
  mlflow: 'MLflow',
  tensorboard: 'TensorBoard',
};

export function formatName(format: RunFormat): string {
  return FORMAT_NAMES[format];
}

/** Where each format's reader looks for a run's config, for the "no mixture" message. */
const CONFIG_PLACES: Readonly<Record<RunFormat, string>> = {
  'mixopt-jsonl': 'the "mixture" field of its lines',
  'csv-table': 'the weight columns of runs.csv',
  'hf-trainer': 'the YAML/JSON config files in the run folder',
  'lightning-csv': 'hparams.yaml and the config files in the version folder',
  wandb: 'the run config (config.yaml, or the config records of run-<id>.wandb)',
  mlflow: 'the run params and tags',
  tensorboard: 'the hparams plugin summary (add_hparams / hp.hparams) and the config files beside the event files',
};

function list(names: readonly string[], max = 8): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

export function noMixture(study: Study, run: RunRecord): UnusedRun {
  const search = run.mixtureSearch;
  const tried = study.config?.mixtureKey !== undefined ? `config.mixture_key ${study.config.mixtureKey} and the usual keys` : 'the usual mixture keys';
  const where = search && search.files.length > 0 ? `${CONFIG_PLACES[run.format]}: ${list(search.files, 4)}` : `${CONFIG_PLACES[run.format]} (none found)`;
  const rejected = search === undefined && run.trialId === undefined;
  const message = run.trialId !== undefined
    ? `${formatName(run.format)} run ${run.id} names trial ${run.trialId}, which the ledger does not know, and has no mixture of its own; the run is not used`
    : rejected
    ? `${formatName(run.format)} run ${run.id}: its mixture could not be used (see the error about it); the run is not used`
    : `${formatName(run.format)} run ${run.id}: no mixture found (looked for ${tried} in ${where}); the run is not used`;
  const hint = run.trialId !== undefined
    ? 'was .mixopt/ledger.jsonl deleted? Put the mixture in the run config, or restore the ledger'
    : search?.suggestedKey !== undefined
    ? `a mixture seems to be at "${search.suggestedKey}": set config.mixture_key: ${search.suggestedKey} in the study`
    : rejected
      ? 'fix the mixture the error names'
      : run.format === 'tensorboard'
        ? 'log the mixture with add_hparams({"data.mixture.<domain>": w, ...}), or put the training config (YAML/JSON) beside the event files'
        : 'log the mixture in the run config and set config.mixture_key to its dotted path, or launch the run from a config MixOpt wrote';
  return { runId: run.id, source: run.source, format: run.format, reason: 'no-mixture', message, hint };
}

/** Metric names a run logs (any checkpoint), for the "objective metrics missing" message. */
export function loggedMetrics(run: RunRecord): string[] {
  const names = new Set<string>();
  for (const c of run.checkpoints) for (const k of Object.keys(c.metrics)) names.add(k);
  return [...names].sort();
}

export function noObjectiveMetrics(run: RunRecord, objective: readonly string[]): UnusedRun {
  const logged = loggedMetrics(run);
  if (logged.length === 0) {
    return {
      runId: run.id,
      source: run.source,
      format: run.format,
      reason: 'no-checkpoints',
      message: `${formatName(run.format)} run ${run.id}: no metrics logged yet; the run is not used`,
      hint: run.status === 'running' ? 'it is used once it logs an evaluation' : 'check that the training script logs its evaluation metrics',
    };
  }
  const missing = objective.filter((m) => !logged.includes(m));
  return {
    runId: run.id,
    source: run.source,
    format: run.format,
    reason: 'no-metrics',
    message: `${formatName(run.format)} run ${run.id}: no checkpoint has all objective metrics (missing ${list(missing, 4)}); it logs ${list(logged)}; the run is not used`,
    hint: 'set objective.metrics in the study to the names the run logs (e.g. "val_loss/{domain}" for val_loss/<domain>)',
  };
}

export function belowFirstStep(run: RunRecord, minSteps: number): UnusedRun {
  return {
    runId: run.id,
    source: run.source,
    format: run.format,
    reason: 'before-first-step',
    message: `run ${run.id}: every checkpoint is before step ${minSteps}, the smallest of fidelities.steps; the run is not used yet`,
    hint: 'it is used once it reaches that step; or add a smaller step to fidelities.steps',
  };
}

export function unknownModel(study: Study, run: RunRecord): UnusedRun {
  return {
    runId: run.id,
    source: run.source,
    format: run.format,
    reason: 'unknown-model',
    message: `run ${run.id}: model ${run.model ?? '(none)'} is not one of the study's models (${study.fidelities.models.map((m) => m.name).join(', ')}); the run is not used`,
    hint: 'add the model under fidelities.models with its params, or fix the model name in the run',
  };
}

export function toDiagnostic(u: UnusedRun): Diagnostic {
  return { severity: 'warning', file: u.source, line: 0, message: u.message, ...(u.hint !== undefined ? { hint: u.hint } : {}) };
}
