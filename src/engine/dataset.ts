// Study + discovered runs -> what the model sees: observations (w, s, z, y), the fidelities a trial can be run
// at, and the search space. Pure: no fs.
import { sizeCoordinate } from '../core/fidelityScale';
import { dict, own, wordMatcher } from '../core/names';
import type { Fidelity, MixtureSpace, Observation } from '../core/types';
import type { Diagnostic } from '../study/diagnostics';
import type { Study } from '../study/types';
import type { Checkpoint, RunRecord } from '../runs/types';
import type { UnusedRun } from '../runs/unused';
import { belowFirstStep, noMixture, noObjectiveMetrics, toDiagnostic, unknownModel } from '../runs/unused';
import { extremeValues } from './outliers';
import { objectiveScale } from './scale';
import type { ObjectiveScale } from './scale';

/** The study's metric names with `{domain}` expanded. */
export function objectiveMetrics(study: Study): string[] {
  const names: string[] = [];
  for (const pattern of study.objective.metrics) {
    if (pattern.includes('{domain}')) for (const d of study.domains) names.push(pattern.replaceAll('{domain}', d));
    else names.push(pattern);
  }
  return [...new Set(names)];
}

/** Domain a metric belongs to, when the metric name contains exactly one study domain. */
export function metricDomain(study: Study, metric: string): string | undefined {
  const found = study.domains.filter((d) => wordMatcher(d).test(metric));
  return found.length === 1 ? found[0] : found.sort((a, b) => b.length - a.length)[0];
}

/**
 * Objective of one checkpoint in the study's direction (not negated), or undefined when a metric is missing.
 * mean / max over the metrics; weighted uses the weights of the metrics' domains (renormalised).
 */
export function aggregateObjective(study: Study, metrics: readonly string[], values: Readonly<Record<string, number>>): number | undefined {
  const xs: number[] = [];
  for (const m of metrics) {
    const v = own(values, m);
    if (typeof v !== 'number' || !Number.isFinite(v)) return undefined;
    xs.push(v);
  }
  if (xs.length === 0) return undefined;
  const agg = study.objective.aggregate;
  switch (agg.kind) {
    case 'mean':
      return xs.reduce((a, b) => a + b, 0) / xs.length;
    case 'max':
      return study.objective.direction === 'minimize' ? Math.max(...xs) : Math.min(...xs);
    case 'weighted': {
      let total = 0;
      let weightSum = 0;
      metrics.forEach((m, i) => {
        const domain = metricDomain(study, m);
        const w = domain !== undefined ? own(agg.weights, domain) ?? 0 : 0;
        total += w * (xs[i] ?? 0);
        weightSum += w;
      });
      return weightSum > 0 ? total / weightSum : undefined;
    }
  }
}

/** Normalised log scale in [0, 1] between the smallest value and the target (target = 1). */
export function logScale(value: number, smallest: number, target: number): number {
  if (!(value > 0) || !(smallest > 0) || !(target > 0) || target <= smallest) return 1;
  const t = (Math.log(value) - Math.log(smallest)) / (Math.log(target) - Math.log(smallest));
  return Math.min(1, Math.max(0, t));
}

export interface FidelityInfo extends Fidelity {
  readonly model: string;
  readonly params: number;
  readonly steps: number;
}

export interface Dataset {
  readonly observations: Observation[];
  /** per observation: which run and checkpoint it came from */
  readonly sources: { readonly runId: string; readonly model: string; readonly steps: number; readonly value: number; readonly metrics: Readonly<Record<string, number>> }[];
  readonly fidelities: FidelityInfo[];
  readonly target: FidelityInfo;
  readonly space: MixtureSpace;
  readonly diagnostics: Diagnostic[];
  /** runs that gave no observation, with the reason (each also in diagnostics) */
  readonly unused: UnusedRun[];
  /** observations[i].y = scale.toModel(sources[i].value) */
  readonly scale: ObjectiveScale;
  /** learning-curve checkpoints usable as observations, and how many were kept (collapseCheckpoints) */
  readonly checkpoints?: { readonly usable: number; readonly kept: number };
}

/** Logged steps may be 0-based (Lightning logs max_steps - 1 last), so a run within one step of its plan is finished. */
const STEP_SLACK = 1;

/**
 * Whether a run stopped before the steps it was meant to train (preempted, crashed, still running): its log says it
 * is running, or it reached fewer steps than planned. The plan is the run's own max_steps, else the steps of the
 * trial it belongs to; a run with neither that its log calls completed is taken as finished. A partial run counts
 * at the steps it reached, never as a finished run at its planned length.
 */
export function runProgress(run: RunRecord, trialSteps?: number): { readonly partial: boolean; readonly stepsReached?: number; readonly plannedSteps?: number } {
  const planned = run.maxSteps ?? trialSteps;
  const reached = run.steps;
  const short = reached !== undefined && planned !== undefined && reached + STEP_SLACK < planned;
  const partial = run.status === 'running' || (run.status !== 'failed' && short);
  return { partial, ...(reached !== undefined ? { stepsReached: reached } : {}), ...(planned !== undefined ? { plannedSteps: planned } : {}) };
}

/**
 * Above this many learning-curve observations each run keeps only the checkpoints nearest the study's listed steps
 * levels and its last one (collapseCheckpoints): the acquisition scores only the listed levels, and a curve's
 * neighbouring checkpoints are nearly redundant for the model, while the data would grow with the logging interval.
 */
export const COLLAPSE_ABOVE = 1000;

/**
 * The checkpoints of one run (ordered by step) that represent it at the listed steps levels: for each level the
 * checkpoint nearest it in log steps (each level only from checkpoints within a factor 2 of it, so a run that
 * stopped early is not stretched onto a level it never approached), plus the last checkpoint. Order kept.
 */
export function collapseCheckpoints<T extends { readonly step: number }>(checkpoints: readonly T[], levels: readonly number[]): T[] {
  if (checkpoints.length <= 1) return [...checkpoints];
  const keep = new Set<number>([checkpoints.length - 1]);
  for (const level of levels) {
    if (!(level > 0)) continue;
    let best = -1;
    let distance = Math.log(2);
    checkpoints.forEach((c, i) => {
      if (!(c.step > 0)) return;
      const gap = Math.abs(Math.log(c.step / level));
      if (gap < distance || (gap === distance && best < 0)) {
        distance = gap;
        best = i;
      }
    });
    if (best >= 0) keep.add(best);
  }
  return checkpoints.filter((_, i) => keep.has(i));
}

export interface CostFunction {
  (model: string, steps: number): number;
}

/** The steps a study evaluates: its steps list, or just the target steps. */
export function studySteps(study: Study): number[] {
  const steps = study.fidelities.steps.length > 0 ? [...study.fidelities.steps] : [study.fidelities.target.steps];
  return [...new Set(steps)].sort((a, b) => a - b);
}

export function buildFidelities(study: Study, cost: CostFunction): { fidelities: FidelityInfo[]; target: FidelityInfo } {
  const models = study.fidelities.models;
  const targetModel = models.find((m) => m.name === study.fidelities.target.model) ?? models[models.length - 1];
  if (!targetModel) throw new Error('the study lists no models');
  const minParams = Math.min(...models.map((m) => m.params));
  const steps = studySteps(study);
  const targetSteps = study.fidelities.target.steps;
  const minSteps = Math.min(...steps);
  const tokensPerStep = study.cost.kind === 'flops' ? study.cost.tokensPerStep : undefined;
  const fidelities: FidelityInfo[] = [];
  for (const m of models) {
    if (m.params > targetModel.params) continue;
    for (const st of steps) {
      if (st > targetSteps) continue;
      const s = sizeCoordinate(m.params, minParams, targetModel.params);
      const z = logScale(st, minSteps, targetSteps);
      const maxWeight = availabilityLimits(study, st, tokensPerStep);
      fidelities.push({
        label: steps.length > 1 ? `${m.name}@${st}` : m.name,
        model: m.name,
        params: m.params,
        steps: st,
        s,
        z,
        cost: Math.max(cost(m.name, st), 1e-12),
        ...(maxWeight ? { maxWeight } : {}),
      });
    }
  }
  const target = fidelities.find((f) => f.model === targetModel.name && f.steps === targetSteps);
  if (!target) throw new Error(`target fidelity ${targetModel.name}@${targetSteps} is not among the study's fidelities`);
  return { fidelities, target };
}

/** w_i <= available_tokens_i * max_epochs / tokens_of_run (a run may not repeat a domain too often). */
function availabilityLimits(study: Study, steps: number, tokensPerStep: number | undefined): Float64Array | undefined {
  const available = study.constraints.availableTokens;
  if (Object.keys(available).length === 0 || tokensPerStep === undefined) return undefined;
  const runTokens = steps * tokensPerStep;
  return Float64Array.from(study.domains, (d) => {
    const a = own(available, d);
    return a === undefined ? Infinity : (a * study.constraints.maxEpochs) / runTokens;
  });
}

export function buildSpace(study: Study): MixtureSpace {
  const d = study.domains.length;
  const lower = new Float64Array(d);
  const upper = new Float64Array(d).fill(1);
  const fixed = new Map<number, number>();
  study.domains.forEach((domain, i) => {
    const b = own(study.constraints.bounds, domain);
    if (b) {
      lower[i] = b[0];
      upper[i] = b[1];
    }
    const f = own(study.constraints.fixed, domain);
    if (f !== undefined) fixed.set(i, f);
  });
  return { d, lower, upper, ...(fixed.size > 0 ? { fixed } : {}) };
}

export function mixtureVector(study: Study, mixture: Readonly<Record<string, number>>): Float64Array {
  return Float64Array.from(study.domains, (d) => {
    const x = own(mixture, d);
    return typeof x === 'number' ? x : 0;
  });
}

export function mixtureRecord(study: Study, w: ArrayLike<number>): Record<string, number> {
  const out = dict<number>();
  study.domains.forEach((d, i) => {
    out[d] = w[i] ?? 0;
  });
  return out;
}

/**
 * Observations from runs. With a steps list, every checkpoint at or past the smallest listed step becomes an
 * observation at its own z (learning-curve points); without one, only a run's last checkpoint counts, at z = 1.
 * Runs at a model the study does not list, or without a mixture, are skipped with a diagnostic.
 */
export function buildDataset(study: Study, runs: readonly RunRecord[], cost: CostFunction, options: { readonly trialSteps?: ReadonlyMap<string, number> } = {}): Dataset {
  const diagnostics: Diagnostic[] = [];
  const { fidelities, target } = buildFidelities(study, cost);
  const space = buildSpace(study);
  const metrics = objectiveMetrics(study);
  const models = new Map(study.fidelities.models.map((m) => [m.name.toLowerCase(), m]));
  const minParams = Math.min(...study.fidelities.models.map((m) => m.params));
  const targetParams = target.params;
  const steps = studySteps(study);
  const useCurve = study.fidelities.steps.length > 0;
  const minSteps = Math.min(...steps);
  const raw: { w: Float64Array; s: number; z: number; value: number }[] = [];
  const sources: Dataset['sources'] = [];
  const unused: UnusedRun[] = [];
  const leaveOut = (u: UnusedRun, severity: Diagnostic['severity'] | null = 'warning'): void => {
    unused.push(u);
    if (severity) diagnostics.push({ ...toDiagnostic(u), severity });
  };
  const curveObservations = useCurve ? runs.reduce((total, run) => total + run.checkpoints.filter((c) => c.step >= minSteps).length, 0) : 0;
  const collapse = curveObservations > COLLAPSE_ABOVE;
  let usable = 0;
  const runSource = new Map<string, string>();
  for (const run of runs) {
    if (!run.mixture) {
      // a run naming a trial the ledger does not know is reported by reconcile already
      leaveOut(noMixture(study, run), run.trialId !== undefined ? null : 'warning');
      continue;
    }
    const model = run.model !== undefined ? models.get(run.model.toLowerCase()) : undefined;
    if (!model) {
      leaveOut(unknownModel(study, run));
      continue;
    }
    if (run.status === 'failed') {
      leaveOut({ runId: run.id, source: run.source, format: run.format, reason: 'failed', message: `run ${run.id} failed; it is not used` }, 'info');
      continue;
    }
    const w = mixtureVector(study, run.mixture);
    const s = sizeCoordinate(model.params, minParams, targetParams);
    if (!useCurve && runProgress(run, options.trialSteps?.get(run.id)).partial) {
      // Without a steps fidelity the model has no place for a run that stopped short of the target length.
      diagnostics.push({
        severity: 'info',
        file: run.source,
        line: 0,
        message: `run ${run.id} is partial (step ${run.steps ?? '?'}${run.maxSteps ?? options.trialSteps?.get(run.id) ? ` of ${run.maxSteps ?? options.trialSteps?.get(run.id)}` : ', still running'}); it is not used as a finished ${study.fidelities.target.steps}-step result`,
        hint: 'it counts once it finishes; list fidelities.steps in the study to use its learning curve',
      });
      continue;
    }
    const curve = useCurve ? run.checkpoints.filter((c) => c.step >= minSteps) : [];
    usable += curve.length;
    const points: Checkpoint[] = useCurve ? (collapse ? collapseCheckpoints(curve, steps) : curve) : run.checkpoints.slice(-1);
    let missing = 0;
    for (const c of points) {
      const value = aggregateObjective(study, metrics, c.metrics);
      if (value === undefined) {
        missing++;
        continue;
      }
      const stepsAt = useCurve ? c.step : study.fidelities.target.steps;
      const z = useCurve ? logScale(Math.min(c.step, study.fidelities.target.steps), minSteps, study.fidelities.target.steps) : 1;
      raw.push({ w, s, z, value });
      runSource.set(run.id, run.source);
      sources.push({ runId: run.id, model: model.name, steps: stepsAt, value, metrics: c.metrics });
    }
    if (points.length === 0 && run.checkpoints.length > 0) leaveOut(belowFirstStep(run, minSteps), 'info');
    else if (missing === points.length) leaveOut(noObjectiveMetrics(run, metrics));
  }
  // values that cannot be a loss or score on this scale (1e308, -1e308, ...) stay out of the model (outliers.ts)
  const flagged = extremeValues(raw.map((r) => r.value));
  for (const f of flagged) {
    const src = sources[f.index]!;
    diagnostics.push({ severity: 'warning', file: runSource.get(src.runId) ?? '', line: 0, message: `run ${src.runId} (${src.model}, step ${src.steps}): objective ${f.value} is left out of the model: ${f.reason}`, hint: 'check what the run logged; exclude the run with runs.exclude if it is broken' });
  }
  if (flagged.length > 0) {
    const drop = new Set(flagged.map((f) => f.index));
    for (let i = raw.length - 1; i >= 0; i--) {
      if (!drop.has(i)) continue;
      raw.splice(i, 1);
      sources.splice(i, 1);
    }
  }
  const scale = objectiveScale(study.objective.direction, raw.map((r) => r.value));
  const observations: Observation[] = raw.map((r) => ({ w: r.w, s: r.s, z: r.z, y: scale.toModel(r.value) }));
  if (collapse) {
    diagnostics.push({
      severity: 'info',
      file: study.file,
      line: 0,
      message: `learning curves: ${raw.length} of ${usable} checkpoints are used, each run's nearest to the listed steps (${steps.join(', ')}) and its last`,
    });
  }
  const checkpoints = useCurve ? { checkpoints: { usable, kept: raw.length } } : {};
  return { observations, sources, fidelities, target, space, diagnostics, unused, scale, ...checkpoints };
}
