// Limits that a real study never reaches, checked before the model allocates anything of size n^2: a CSV of 1e6
// rows reached `Invalid typed array length: 1000000000000` in the kernel matrix, and 4,000 observations kept
// suggest busy for minutes. The RegMix example, a large real study, has 1,028 observations, 17 domains, 13 metrics.
import type { Diagnostic } from '../study/diagnostics';
import type { Study } from '../study/types';
import { objectiveMetrics } from './dataset';

export const LIMITS = {
  /**
   * observations the model is fitted to, after learning curves are collapsed: above 800 the sparse path
   * (src/core/sparseGp.ts) costs n M^2 with M <= 512 inducing points, about 3 G flops at 12,000; beyond that a
   * study is better subsampled than waited for
   */
  observations: 12000,
  domains: 256,
  /** objective metrics after {domain} is expanded */
  metrics: 2000,
} as const;

/** The line of a top-level key in the study text (1 when it is not found). */
function keyLine(studyText: string, key: string): number {
  const i = studyText.split('\n').findIndex((l) => l.startsWith(`${key}:`));
  return i >= 0 ? i + 1 : 1;
}

/** What is too large to fit, as error diagnostics on the study file (empty when nothing is). */
export function limitProblems(study: Study, observations: number, studyFile: string, studyText: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  if (study.domains.length > LIMITS.domains) {
    out.push({ severity: 'error', file: studyFile, line: keyLine(studyText, 'domains'), key: 'domains', message: `${study.domains.length} domains, more than the ${LIMITS.domains} MixOpt models; the model is not fitted`, hint: 'group small sources into one domain' });
  }
  const metrics = objectiveMetrics(study).length;
  if (metrics > LIMITS.metrics) {
    out.push({ severity: 'error', file: studyFile, line: keyLine(studyText, 'objective'), key: 'objective.metrics', message: `${metrics} objective metrics, more than ${LIMITS.metrics}; the model is not fitted`, hint: 'aggregate fewer metrics' });
  }
  if (observations > LIMITS.observations) {
    out.push({
      severity: 'error',
      file: studyFile,
      line: keyLine(studyText, 'runs'),
      key: 'runs',
      message: `${observations} observations, more than the ${LIMITS.observations} the model fits in reasonable time and memory; the model is not fitted (runs and budget are still shown)`,
      hint: 'subsample: leave runs out with runs.exclude, or list fewer fidelities.steps so that fewer learning-curve points count',
    });
  }
  return out;
}
