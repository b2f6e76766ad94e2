// The cost model of a study: what one run costs, and that cost in the budget's unit.
import { own } from '../core/names';
import type { Study } from './types';

export interface LoggedCost {
  readonly gpuHours?: number;
  readonly flops?: number;
}

function params(study: Study, model: string): number {
  const m = study.fidelities.models.find((x) => x.name === model);
  if (!m) throw new Error(`model ${model} is not in the study's fidelities.models`);
  return m.params;
}

/**
 * Cost of one run of `model` trained for `steps`, in the cost model's own unit:
 * flops: 6 N D with D = steps x tokens_per_step (Kaplan et al.'s training FLOPs);
 * table: the model's cost per run (at the target steps, scaled linearly when the study lists steps);
 * gpu_hours: what the log says, else the fallback per model scaled by steps.
 */
export function runCost(study: Study, model: string, steps: number, logged: LoggedCost = {}): number {
  // Runs shorter than the target cost proportionally less, when the study models training length at all.
  const targetSteps = study.fidelities.target.steps;
  const stepFraction = study.fidelities.steps.length > 0 && targetSteps > 0 && steps > 0 ? Math.min(steps, targetSteps) / targetSteps : 1;
  switch (study.cost.kind) {
    case 'flops':
      if (logged.flops !== undefined && Number.isFinite(logged.flops) && logged.flops > 0) return logged.flops;
      return 6 * params(study, model) * steps * study.cost.tokensPerStep;
    case 'table': {
      const c = own(study.cost.table, model);
      if (c === undefined) throw new Error(`cost.table has no cost for model ${model}`);
      return c * stepFraction;
    }
    case 'gpu_hours': {
      if (logged.gpuHours !== undefined && Number.isFinite(logged.gpuHours) && logged.gpuHours >= 0) return logged.gpuHours;
      const fallback = own(study.cost.fallback, model);
      if (fallback !== undefined) return fallback * stepFraction;
      // Without a fallback, assume compute proportional to parameters, relative to the target (1 per target run).
      const target = params(study, study.fidelities.target.model);
      return (params(study, model) / target) * stepFraction;
    }
  }
}

/** Cost of one run at the target fidelity, in the cost model's unit. */
export function targetRunCost(study: Study): number {
  return runCost(study, study.fidelities.target.model, study.fidelities.target.steps);
}

/** A cost in the budget's unit: target_runs divides by the cost of one target run. */
export function toBudgetUnit(study: Study, cost: number): number {
  if (study.budget.unit === 'target_runs') {
    const t = targetRunCost(study);
    return t > 0 ? cost / t : cost;
  }
  return cost;
}

export function budgetUnitLabel(study: Study): string {
  switch (study.budget.unit) {
    case 'target_runs':
      return `${study.fidelities.target.model} runs`;
    case 'flops':
      return 'FLOPs';
    case 'gpu_hours':
      return 'GPU-hours';
    case 'cost':
      return study.cost.kind === 'table' ? 'cost units' : study.cost.kind === 'flops' ? 'FLOPs' : 'GPU-hours';
  }
}
