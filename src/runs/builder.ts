// Accumulates what the adapters read about one run and turns it into a RunRecord.
import type { Study } from '../study/types';
import type { Checkpoint, RunFormat, RunRecord, RunStatus } from './types';
import type { RawMixture } from './match';
import { checkMixture, fidelityFromConfig, findMixtureInConfig, matchModel, normaliseMetrics, suggestMixtureKey, trialIdFromConfig } from './match';
import type { DiagnosticSink } from './util';
import { ownRecord } from './util';

export class RunBuilder {
  private readonly points = new Map<number, Record<string, number>>();
  rawMixture?: RawMixture;
  mixtureLine = 0;
  mixtureKey?: string;
  /** file the mixture was read from, when not the run's main file */
  mixtureFile?: string;
  trialId?: string;
  modelName?: string;
  params?: number;
  gpuHours?: number;
  flops?: number;
  status?: RunStatus;
  /** last step reported by the log even without metrics (e.g. trainer_state.global_step) */
  lastStep?: number;
  /** steps the run is configured to reach (max_steps), to tell a finished run from one still going */
  plannedSteps?: number;
  /** config files searched for the mixture without finding one, and a mixture key that would find it */
  readonly lookedIn = new Set<string>();
  suggestedKey?: string;

  constructor(
    readonly study: Study,
    readonly id: string,
    readonly format: RunFormat,
    readonly source: string,
  ) {}

  /** Adds metrics measured at `step` (merged with other metrics at the same step; names normalised to the study's). */
  addMetrics(step: number, logged: Readonly<Record<string, unknown>>): void {
    if (!Number.isFinite(step) || step < 0) return;
    const metrics = normaliseMetrics(this.study, logged);
    if (Object.keys(metrics).length === 0) return;
    const at = this.points.get(step);
    if (at) Object.assign(at, metrics);
    else this.points.set(step, metrics);
  }

  get hasCheckpoints(): boolean {
    return this.points.size > 0;
  }

  /** Takes a cost from the study's gpu_hours metric when the log has it under that name. */
  private costFromMetrics(checkpoints: readonly Checkpoint[]): void {
    if (this.study.cost.kind !== 'gpu_hours' || this.gpuHours !== undefined) return;
    const name = this.study.cost.metric;
    for (let i = checkpoints.length - 1; i >= 0; i--) {
      const v = checkpoints[i]?.metrics[name];
      if (v !== undefined && v >= 0) {
        this.gpuHours = v;
        return;
      }
    }
  }

  build(sink: DiagnosticSink, options: { quietSum?: boolean; defaultStatus?: RunStatus } = {}): { run: RunRecord; normalised: boolean } {
    const checkpoints: Checkpoint[] = [...this.points.entries()].sort((a, b) => a[0] - b[0]).map(([step, metrics]) => ({ step, metrics: ownRecord(Object.entries(metrics)) }));
    this.costFromMetrics(checkpoints);
    let mixture: Record<string, number> | undefined;
    let normalised = false;
    if (this.rawMixture) {
      const checked = checkMixture(
        this.study,
        this.rawMixture,
        sink,
        {
          line: this.mixtureLine,
          runId: this.id,
          ...(this.mixtureKey !== undefined ? { key: this.mixtureKey } : {}),
          ...(this.mixtureFile !== undefined ? { file: this.mixtureFile } : {}),
        },
        options.quietSum ?? false,
      );
      mixture = checked.mixture ? ownRecord(Object.entries(checked.mixture)) : undefined;
      normalised = checked.normalised;
    }
    const model = matchModel(this.study, this.modelName, this.params);
    const searched = !this.rawMixture && this.trialId === undefined;
    const lastCheckpoint = checkpoints[checkpoints.length - 1]?.step;
    const steps = lastCheckpoint !== undefined && this.lastStep !== undefined ? Math.max(lastCheckpoint, this.lastStep) : (lastCheckpoint ?? this.lastStep);
    const run: RunRecord = {
      id: this.id,
      format: this.format,
      source: this.source,
      ...(mixture ? { mixture } : {}),
      ...(this.trialId !== undefined ? { trialId: this.trialId } : {}),
      ...(model.model !== undefined ? { model: model.model } : {}),
      ...(model.params !== undefined ? { params: model.params } : {}),
      ...(steps !== undefined ? { steps } : {}),
      ...(this.plannedSteps !== undefined && Number.isFinite(this.plannedSteps) && this.plannedSteps > 0 ? { maxSteps: this.plannedSteps } : {}),
      checkpoints,
      ...(this.gpuHours !== undefined && Number.isFinite(this.gpuHours) && this.gpuHours >= 0 ? { gpuHours: this.gpuHours } : {}),
      ...(this.flops !== undefined && Number.isFinite(this.flops) && this.flops >= 0 ? { flops: this.flops } : {}),
      status: this.status ?? options.defaultStatus ?? 'completed',
      ...(searched ? { mixtureSearch: { files: [...this.lookedIn], ...(this.suggestedKey !== undefined ? { suggestedKey: this.suggestedKey } : {}) } } : {}),
    };
    return { run, normalised };
  }
}

/**
 * Fills what a run's own config says (mixture, trial id, model, params) into `b` where not already known.
 * `config` is the parsed config object (YAML/JSON), or a flat map of params (MLflow).
 */
export function applyRunConfig(b: RunBuilder, config: unknown, sink: DiagnosticSink, locate?: (dotted: string) => number): void {
  if (b.rawMixture === undefined) {
    const found = findMixtureInConfig(b.study, config, sink, locate);
    if (found?.raw) {
      b.rawMixture = found.raw;
      b.mixtureLine = found.line;
      b.mixtureKey = found.key;
      b.mixtureFile = sink.file;
    }
    if (!found) {
      b.lookedIn.add(sink.file);
      b.suggestedKey ??= suggestMixtureKey(b.study, config);
    }
  }
  if (b.trialId === undefined) {
    const trial = trialIdFromConfig(config);
    if (trial !== undefined) b.trialId = trial;
  }
  const fidelity = fidelityFromConfig(b.study, config);
  if (b.modelName === undefined && fidelity.name !== undefined) b.modelName = fidelity.name;
  if (b.params === undefined && fidelity.params !== undefined) b.params = fidelity.params;
  if (b.plannedSteps === undefined && fidelity.plannedSteps !== undefined) b.plannedSteps = fidelity.plannedSteps;
}
