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
