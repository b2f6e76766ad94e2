// Where a model size sits on the model's size axis s (target = 1), shared by the engine and the benchmarks.

/**
 * Decades of model size that one unit of s spans at least. s = 1 - log(N_target / N) / span, with span the larger
 * of this and the study's own span from its smallest size. Normalising by the study's span alone put whatever
 * size is smallest at s = 0, so a 60M proxy of a 1B target sat as far from it as a 1M one, and the prior (the
 * size kernel's lengthscale prior, gp/priors.ts) made every lone proxy a poor one: the multi-fidelity replay
 * then bought target runs to learn what the proxy could have told (bench/RESULTS.md, "Stop 10"). Three decades
 * is the 1M-1B range of RegMix's proxies, whose coordinates it leaves as they were.
 */
export const SIZE_SPAN_DECADES = 3;

/** s of a model of `params` parameters for a target of `target` parameters, the study's smallest being `smallest`. */
export function sizeCoordinate(params: number, smallest: number, target: number): number {
  if (!(params > 0) || !(smallest > 0) || !(target > 0)) return 1;
  const studySpan = Math.log(target) - Math.log(smallest);
  const floor = SIZE_SPAN_DECADES * Math.LN10;
  // the study's own span, measured from its smallest size, wherever it reaches the floor (so RegMix's 1M is 0)
  const s = studySpan >= floor * (1 - 1e-12) ? (Math.log(params) - Math.log(smallest)) / studySpan : 1 - (Math.log(target) - Math.log(params)) / floor;
  return Math.min(1, Math.max(0, s));
}
