// With no observation yet there is nothing to fit: the first trials are a space-filling design (scrambled Sobol
// points on the study's mixture space, bounds respected) at the cheapest model size, and no prediction is shown.
import { boxFor, sampleMixtures } from '../core/simplex';
import { createTrialId } from '../ledger/append';
import type { SuggestionView } from '../protocol/snapshot';
import type { Study } from '../study/types';
import type { Dataset, FidelityInfo } from './dataset';
import { mixtureRecord } from './dataset';

/** The cheapest fidelity that trains to the target steps (learning-curve checkpoints come along), else the cheapest. */
function cheapest(dataset: Dataset): FidelityInfo {
  const full = dataset.fidelities.filter((f) => f.steps === dataset.target.steps);
  const pool = full.length > 0 ? full : dataset.fidelities;
  return pool.reduce((a, b) => (b.cost < a.cost ? b : a), pool[0] ?? dataset.target);
}

/** `n` first-design trials; `seed` should change with every trial already suggested so designs do not repeat. */
export function firstDesign(study: Study, dataset: Dataset, n: number, seed: number): SuggestionView[] {
  const fidelity = cheapest(dataset);
  const d = study.domains.length;
  const points = sampleMixtures(boxFor(dataset.space, fidelity, study.domains), n, seed);
  const out: SuggestionView[] = [];
  for (let k = 0; k < n; k++) {
    const w = points.subarray(k * d, (k + 1) * d);
    const rounded = Float64Array.from(w, (x) => Math.round(x * 1e4) / 1e4);
    const sum = rounded.reduce((a, b) => a + b, 0);
    out.push({
      id: createTrialId(),
      mixture: mixtureRecord(study, sum > 0 ? rounded.map((x) => x / sum) : w),
      model: fidelity.model,
      steps: fidelity.steps,
      firstDesign: true,
      acquisition: 'sobol',
      acquisitionValue: 0,
      cost: fidelity.cost,
      reason: `No run has been observed yet, so there is no model to predict with: this is a space-filling first design (scrambled Sobol points over the mixture space) at the cheapest size, ${fidelity.model}. Predictions appear once runs are read.`,
    });
  }
  return out;
}
