// How much may go to runs below the target fidelity before the target's own runs have shown that they help.

/**
 * Share of the target's spend that runs at cheaper fidelities may take (and, before the first target run, of one
 * target run). Until target runs show how well the smaller sizes rank the target's mixtures, every unit spent on
 * them is a bet on the model's prior; this bounds the bet. Where they transfer well, the target runs the rule
 * brings forward go to the mixtures the model rates best, which the user must measure anyway; where they do not,
 * at most a third of the spend is lost before the transfer check (transfer.ts) can tell. On the synthetic replay
 * tables (bench/RESULTS.md, "Stop 10") a ratio of 1 found the best target row sooner where the proxy ranks well
 * and later where it is pure noise; 0.5 kept both within the single-fidelity mode's cost or well below it.
 */
export const PROXY_SPEND_RATIO = 0.5;

export interface SpendSplit {
  /** spent (and committed to pending runs) at the target fidelity */
  readonly target: number;
  /** spent (and committed) at every cheaper fidelity */
  readonly cheaper: number;
}

/** Whether one more run below the target fidelity may be suggested. */
export function cheaperRunsAllowed(spend: SpendSplit, targetCost: number, ratio: number = PROXY_SPEND_RATIO): boolean {
  return spend.cheaper < ratio * Math.max(targetCost, spend.target);
}
