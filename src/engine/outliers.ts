// Values no loss or score on the study's scale can take, kept out of the model. A single run logging 1e308 gave a
// prediction of 2.5e13 with an interval up to 1e100; with -1e308 too the mean became null. Robust statistics (the
// median and the median absolute deviation, MAD) do not move with such values, so a value is flagged when it is
//   - more than FAR robust deviations from the median (the deviation floored at a thousandth of the median, so that
//     identical values do not make every other value an outlier), or
//   - <= 0 while almost every value is positive (a loss or perplexity; on its log scale such a value does not exist).
// The bound is loose on purpose: the small models of a study are legitimately far from the target's losses.

const FAR = 1000;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface OutlierVerdict {
  readonly index: number;
  readonly value: number;
  readonly reason: string;
}

/** Indices of `values` that cannot be a loss or score like the others, with the reason. */
export function extremeValues(values: readonly number[]): OutlierVerdict[] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return [];
  const med = median(finite);
  const mad = 1.4826 * median(finite.map((v) => Math.abs(v - med)));
  const spread = Math.max(mad, 1e-3 * Math.abs(med), 1e-12);
  const positiveShare = finite.filter((v) => v > 0).length / finite.length;
  const out: OutlierVerdict[] = [];
  values.forEach((v, index) => {
    if (!Number.isFinite(v)) out.push({ index, value: v, reason: 'not a finite number' });
    else if (positiveShare >= 0.9 && finite.length >= 3 && v <= 0) out.push({ index, value: v, reason: `<= 0 where ${Math.round(positiveShare * 100)}% of the values are positive (a loss cannot be)` });
    else if (finite.length >= 3 && Math.abs(v - med) / spread > FAR) out.push({ index, value: v, reason: `more than ${FAR} robust deviations from the median ${med.toPrecision(4)}` });
  });
  return out;
}
