// How objective values map to the GP's output y (which the core always minimises) and back.
//
// Minimised objectives that are positive everywhere (losses, perplexities) are modelled in log space. Losses shrink
// multiplicatively with model size: on the RegMix data the spread across mixtures is about 5.7% of the loss at both
// 1M and 60M, so in log space one kernel amplitude serves every size, while in raw units the small models' larger
// spread made the model predict 1B mixtures twice as far apart as they are. Fitted to the RegMix example's runs, the
// log model predicts the 60 held-out 1B runs with RMSE 0.048 (raw units: 0.085) and ranks them better (Spearman
// 0.56 vs 0.55). Predictions are shown back in the objective's units: exp of the mean (the median of the log-normal)
// with the exact 95% quantiles. Anything else (maximised metrics, values <= 0) is modelled as is, negated when
// maximised.
import type { Interval } from '../protocol/snapshot';

export interface ObjectiveScale {
  readonly kind: 'log' | 'identity';
  /** +1 when the objective is minimised, -1 when maximised */
  readonly sign: 1 | -1;
  toModel(value: number): number;
  fromModel(y: number): number;
  /** A Gaussian on the model scale as the objective's central interval: mean ± z·std (z = 1.96: 95%). */
  interval(mean: number, std: number, z?: number): Interval;
}

export function objectiveScale(direction: 'minimize' | 'maximize', values: readonly number[]): ObjectiveScale {
  if (direction === 'minimize' && values.length > 0 && values.every((v) => v > 0 && Number.isFinite(v))) {
    return {
      kind: 'log',
      sign: 1,
      toModel: Math.log,
      fromModel: Math.exp,
      interval: (mean, std, z = 1.96) => ({ mean: Math.exp(mean), lower: Math.exp(mean - z * std), upper: Math.exp(mean + z * std) }),
    };
  }
  const sign = direction === 'minimize' ? 1 : -1;
  return {
    kind: 'identity',
    sign,
    toModel: (value) => sign * value,
    fromModel: (y) => sign * y,
    interval: (mean, std, z = 1.96) => {
      const a = sign * (mean - z * std);
      const b = sign * (mean + z * std);
      return { mean: sign * mean, lower: Math.min(a, b), upper: Math.max(a, b) };
    },
  };
}
