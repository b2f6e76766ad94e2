// Converts the Olmix DCLM proxy runs (../shared/data/olmix, see its PROVENANCE.md) into a replay table: one
// fidelity (the 30M proxy, cost 1 = one proxy run), the objective, then the 24 DCLM topic weights.
//
// Objective: the plain mean of the 110 per-task bits-per-byte values (minimise). Every task counts once, as the
// issue asks ("mean BPB over the tasks"); note that MMLU's 57 subjects are then about half of the mean. A
// macro-average by task family would weigh the suites equally but needs a grouping that the files do not carry;
// the plain mean is the choice that needs no judgement of ours. Text in, text out: the files are read by the CLI.

export interface OlmixTable {
  readonly csv: string;
  readonly rows: number;
  readonly domains: readonly string[];
  readonly tasks: readonly string[];
}

/** Columns of both files that are not data: the pandas index, the run id, its name and its index. */
const ID_COLUMNS = new Set(['', 'run', 'name', 'index']);

function csvRows(text: string): string[][] {
  // The Olmix files are plain pandas CSV: no quoted cells, no commas inside a cell.
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .map((l) => l.split(','));
}

/**
 * The replay table from the texts of dclm_ratios.csv and dclm_metrics.csv, joined on `run`. Problems (a run
 * without metrics, a cell that is not a number) are returned with the file and line; no table then.
 */
export function makeOlmixTable(ratiosText: string, metricsText: string, files = { ratios: 'dclm_ratios.csv', metrics: 'dclm_metrics.csv' }): { table?: OlmixTable; errors: string[] } {
  const errors: string[] = [];
  const [ratioHeader, ...ratioRows] = csvRows(ratiosText);
  const [metricHeader, ...metricRows] = csvRows(metricsText);
  if (!ratioHeader || !metricHeader) return { errors: [`${!ratioHeader ? files.ratios : files.metrics}: empty file`] };
  const runAt = (header: string[], file: string): number => {
    const at = header.indexOf('run');
    if (at < 0) errors.push(`${file}:1: no column "run" to join the two files on`);
    return at;
  };
  const ratioRunAt = runAt(ratioHeader, files.ratios);
  const metricRunAt = runAt(metricHeader, files.metrics);
  if (errors.length > 0) return { errors };
  const domainAt = ratioHeader.map((_, k) => k).filter((k) => !ID_COLUMNS.has(ratioHeader[k]!));
  const taskAt = metricHeader.map((_, k) => k).filter((k) => !ID_COLUMNS.has(metricHeader[k]!));
  const metricsByRun = new Map<string, { cells: string[]; line: number }>();
  metricRows.forEach((cells, k) => metricsByRun.set(cells[metricRunAt] ?? '', { cells, line: k + 2 }));
  const number = (cell: string | undefined, where: string): number => {
    const v = cell === undefined || cell.trim() === '' ? NaN : Number(cell);
    if (!Number.isFinite(v)) errors.push(`${where}: "${cell ?? ''}" is not a number`);
    return v;
  };
  const out: string[] = [];
  ratioRows.forEach((cells, k) => {
    const line = k + 2;
    const run = cells[ratioRunAt] ?? '';
    const metrics = metricsByRun.get(run);
    if (!metrics) {
      errors.push(`${files.ratios}:${line}: run "${run}" has no row in ${files.metrics}`);
      return;
    }
    const weights = domainAt.map((at) => number(cells[at], `${files.ratios}:${line} (${ratioHeader[at]})`));
    const bpb = taskAt.map((at) => number(metrics.cells[at], `${files.metrics}:${metrics.line} (${metricHeader[at]})`));
    const total = weights.reduce((a, b) => a + b, 0);
    if (!(total > 0)) errors.push(`${files.ratios}:${line}: every domain weight is zero`);
    const objective = bpb.reduce((a, b) => a + b, 0) / bpb.length;
    out.push(['30M', 3e7, 1, objective.toPrecision(10), ...weights.map((w) => Number((w / total).toFixed(8)))].join(','));
  });
  if (errors.length > 0) return { errors };
  const domains = domainAt.map((k) => ratioHeader[k]!);
  const header = ['fidelity', 'params', 'cost', 'objective', ...domains].join(',');
  return { table: { csv: `${header}\n${out.join('\n')}\n`, rows: out.length, domains, tasks: taskAt.map((k) => metricHeader[k]!) }, errors };
}
