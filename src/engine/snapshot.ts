// The parts of a StudySnapshot that need no model: trials as the tree shows them, the budget and its burn-down,
// and the snapshot of a study that cannot be read. Pure: no fs.
import type { reconcile } from '../ledger/reconcile';
import type { BudgetView, CostSourceView, DiagnosticView, StudySnapshot, TrialView } from '../protocol/snapshot';
import type { RunRecord } from '../runs/types';
import { budgetUnitLabel, runCost, targetRunCost, toBudgetUnit } from '../study/cost';
import type { LoggedCost } from '../study/cost';
import type { Study } from '../study/types';
import type { Dataset } from './dataset';
import { aggregateObjective, objectiveMetrics, runProgress } from './dataset';

/** The snapshot of a study whose file has errors: its diagnostics and nothing else. */
export function unreadableSnapshot(studyFile: string, diagnostics: DiagnosticView[]): StudySnapshot {
  return {
    studyFile,
    name: studyFile,
    domains: [],
    direction: 'minimize',
    objectiveLabel: '',
    target: { model: '', steps: 0 },
    models: [],
    trials: [],
    budget: { unit: '', total: 0, used: 0, byModel: {}, burn: [], targetRunCost: 0, costSource: { kind: 'nominal', label: 'no costs: the study cannot be read', runs: 0, measuredRuns: 0 } },
    observations: 0,
    diagnostics,
    computedAt: new Date().toISOString(),
  };
}

/** What every snapshot of a readable study holds, before any model is fitted. */
export function baseSnapshot(studyFile: string, study: Study, trials: TrialView[], budget: BudgetView, diagnostics: DiagnosticView[], observations: number): Omit<StudySnapshot, 'computedAt'> {
  return {
    studyFile,
    name: study.name,
    domains: study.domains,
    direction: study.objective.direction,
    objectiveLabel: objectiveLabel(study),
    target: { model: study.fidelities.target.model, steps: study.fidelities.target.steps },
    models: study.fidelities.models.map((m) => ({ name: m.name, params: m.params })),
    trials,
    budget,
    diagnostics,
    observations,
    ...(study.launch !== undefined ? { launch: study.launch } : {}),
  };
}

/** Runs that count in the spent budget: those of a model size the study lists. */
function countedRuns(study: Study, runs: readonly RunRecord[]): (RunRecord & { readonly model: string })[] {
  return runs.filter((r): r is RunRecord & { readonly model: string } => r.model !== undefined && study.fidelities.models.some((m) => m.name === r.model));
}

/** The measured cost a run's log gives for the study's cost kind (what runCost accepts as logged), if any. */
function measuredCost(study: Study, r: RunRecord): LoggedCost | undefined {
  if (study.cost.kind === 'flops') return r.flops !== undefined && Number.isFinite(r.flops) && r.flops > 0 ? { flops: r.flops } : undefined;
  if (study.cost.kind === 'gpu_hours') return r.gpuHours !== undefined && Number.isFinite(r.gpuHours) && r.gpuHours >= 0 ? { gpuHours: r.gpuHours } : undefined;
  return undefined;
}

/**
 * One cost source for the whole study (issue 11): the logs' measured FLOPs or GPU-hours when every counted run has
 * one, else the study's nominal cost for every run, with the reason. A table cost model has nothing to measure.
 */
export function costSourceOf(study: Study, runs: readonly RunRecord[]): CostSourceView {
  const counted = countedRuns(study, runs);
  const measuredRuns = counted.filter((r) => measuredCost(study, r) !== undefined).length;
  const n = counted.length;
  const plural = (k: number): string => `${k} run${k === 1 ? '' : 's'}`;
  switch (study.cost.kind) {
    case 'table':
      return { kind: 'nominal', label: "nominal costs (each model's cost per run from the study)", reason: 'cost.kind is table, so the study gives the cost of a run and logged FLOPs or GPU-hours are not used', runs: n, measuredRuns: 0 };
    case 'flops':
      if (n > 0 && measuredRuns === n) return { kind: 'measured', label: `measured FLOPs from the run logs (all ${plural(n)})`, runs: n, measuredRuns };
      return { kind: 'nominal', label: 'nominal FLOPs (6·N·D from the model sizes and cost.tokens_per_step)', reason: n === 0 ? 'no runs yet' : `${n - measuredRuns} of ${plural(n)} ha${n - measuredRuns === 1 ? 's' : 've'} no measured FLOPs`, runs: n, measuredRuns };
    case 'gpu_hours':
      if (n > 0 && measuredRuns === n) return { kind: 'measured', label: `measured GPU-hours from the run logs (all ${plural(n)})`, runs: n, measuredRuns };
      return {
        kind: 'nominal',
        label: `nominal GPU-hours (${study.cost.fallback ? 'cost.fallback per model' : 'parameters relative to the target, 1 per target run'})`,
        reason: n === 0 ? 'no runs yet' : `${n - measuredRuns} of ${plural(n)} log${n - measuredRuns === 1 ? 's' : ''} no ${study.cost.metric}`,
        runs: n,
        measuredRuns,
      };
  }
}

/** The spent budget (in the budget's unit), every run costed from the study's one cost source (costSourceOf). */
export function runsCost(study: Study, runs: readonly RunRecord[]): { total: number; byModel: Record<string, number>; perRun: Map<string, number>; source: CostSourceView } {
  const source = costSourceOf(study, runs);
  const byModel: Record<string, number> = {};
  const perRun = new Map<string, number>();
  let total = 0;
  for (const r of countedRuns(study, runs)) {
    const steps = r.steps ?? study.fidelities.target.steps;
    const logged = source.kind === 'measured' ? measuredCost(study, r) : undefined;
    const c = toBudgetUnit(study, runCost(study, r.model, steps, logged));
    if (!Number.isFinite(c)) continue;
    perRun.set(r.id, c);
    byModel[r.model] = (byModel[r.model] ?? 0) + c;
    total += c;
  }
  return { total, byModel, perRun, source };
}

function objectiveLabel(study: Study): string {
  const metrics = objectiveMetrics(study);
  const agg = study.objective.aggregate.kind;
  return metrics.length === 1 ? metrics[0]! : `${agg} of ${metrics.length} metrics`;
}

export function trialViewsOf(
  study: Study,
  rows: ReturnType<typeof reconcile>['rows'],
  perRun: Map<string, number>,
  dataset: Dataset,
  cost: (model: string, steps: number) => number,
): TrialView[] {
  const metrics = objectiveMetrics(study);
  return rows.map((r) => {
    const last = r.run?.checkpoints[r.run.checkpoints.length - 1];
    const value = last ? aggregateObjective(study, metrics, last.metrics) : undefined;
    const spent = r.run ? perRun.get(r.run.id) : undefined;
    let planned: number;
    try {
      planned = cost(r.model, r.steps);
    } catch {
      planned = NaN;
    }
    return {
      id: r.id,
      status: r.status,
      mixture: r.mixture,
      model: r.model,
      steps: r.steps,
      ...(value !== undefined ? { value } : {}),
      ...(r.run && runProgress(r.run, r.trial ? r.steps : undefined).partial ? { partial: true, ...(r.run.steps !== undefined ? { stepsReached: r.run.steps } : {}) } : {}),
      cost: spent ?? (Number.isFinite(planned) ? planned : 0),
      ...(r.configPath !== undefined ? { configPath: r.configPath } : {}),
      ...(r.runSource !== undefined ? { runSource: r.runSource } : {}),
      ...(r.time !== undefined ? { time: r.time } : {}),
      ...(r.trial?.jobs?.length ? { job: { ...r.trial.jobs[r.trial.jobs.length - 1]!, attempts: r.trial.jobs.length } } : {}),
      ...(r.trial?.note !== undefined ? { note: r.trial.note } : {}),
    };
  });
  void dataset;
}

export function budgetView(study: Study, runs: readonly RunRecord[], spent: ReturnType<typeof runsCost>, dataset: Dataset, sign: number): BudgetView {
  const metrics = objectiveMetrics(study);
  const burn: { cost: number; model: string; bestTarget?: number }[] = [];
  let cumulative = 0;
  let best: number | undefined;
  for (const r of runs) {
    const c = spent.perRun.get(r.id);
    if (c === undefined || r.model === undefined) continue;
    cumulative += c;
    if (r.model === dataset.target.model && r.status !== 'failed') {
      const last = r.checkpoints[r.checkpoints.length - 1];
      const v = last ? aggregateObjective(study, metrics, last.metrics) : undefined;
      if (v !== undefined && (best === undefined || sign * v < sign * best)) best = v;
    }
    burn.push({ cost: cumulative, model: r.model, ...(best !== undefined ? { bestTarget: best } : {}) });
  }
  return {
    unit: budgetUnitLabel(study),
    total: study.budget.total,
    used: spent.total,
    byModel: spent.byModel,
    burn,
    targetRunCost: toBudgetUnit(study, targetRunCost(study)),
    costSource: spent.source,
  };
}
