// How every number is shown to the user (CLI, panels, tree, status bar, suggestion reasons), so that one value reads
// the same everywhere. Pure (the webviews import it too).

/** Four significant digits; exponents below 1e-3 and from 1e6 on; a dash for a missing or non-finite value. */
export function fmt(x: number | undefined, digits = 4): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(2);
  return Number(x.toPrecision(digits)).toString();
}

/** The budget's cost source in words, with why measured costs are not used when they are not (CLI, Budget panel). */
export function costSourceText(source: { readonly label: string; readonly reason?: string }): string {
  return source.reason ? `${source.label}: ${source.reason}` : source.label;
}

/** The meaning of each acquisition function's score, as the panel's card and the CLI name it. */
const ACQUISITION_MEANING: Readonly<Record<string, string>> = {
  mes: 'information about the target optimum per unit cost',
  logei: 'log expected improvement',
  'ei-per-cost': 'expected improvement per cost^α',
  ucb: 'lower confidence bound',
};

/**
 * What chose a suggestion (Next trial panel, CLI). Only an acquisition function has a score; a run of the
 * recommended mixture, a first design and a recorded suggestion say what they are instead, since a score of 0 or
 * NaN there would read as a value.
 */
export function chosenByText(s: { readonly acquisition: string; readonly acquisitionValue: number; readonly recommended?: boolean; readonly firstDesign?: boolean }, targetModel: string): { readonly scored: boolean; readonly value: string; readonly note: string } {
  if (s.recommended) return { scored: false, value: 'Recommended mixture', note: `it has no ${targetModel} run yet: measured before the budget goes to another` };
  if (s.firstDesign) return { scored: false, value: 'First design', note: 'space-filling (Sobol), before any run was observed' };
  if (s.acquisition === 'recorded') return { scored: false, value: 'Recorded', note: 'the suggestion as recorded earlier' };
  return { scored: true, value: `${s.acquisition.toUpperCase()} ${fmt(s.acquisitionValue, 3)}`, note: ACQUISITION_MEANING[s.acquisition] ?? s.acquisition };
}
