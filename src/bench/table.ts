// A generic table of measured runs, the world of a replay benchmark: one row per run with its fidelity, cost,
// objective value and one column per domain weight. Parsing never throws: problems become Diagnostics that name
// the file, line and column.
//
// A table may hold several objectives: every column named `objective` or `objective/<name>` is one (the replay
// reads the one `--objective-column` names; the others are not domain weights). Costs may differ from row to row
// (measured train time varies from run to run); a fidelity's cost is then the median of its rows' costs.
import { sizeCoordinate } from '../core/fidelityScale';
import type { Fidelity } from '../core/types';
import type { Diagnostic } from '../study/diagnostics';

export interface TableColumns {
  readonly fidelity: string;
  readonly cost: string;
  /** optional: the model size, used to place fidelities on the log scale (else the cost is used) */
  readonly params: string;
  readonly objective: string;
}

export const DEFAULT_COLUMNS: TableColumns = { fidelity: 'fidelity', cost: 'cost', params: 'params', objective: 'objective' };

export interface TableRow {
  /** 1-based line in the file */
  readonly line: number;
  readonly fidelity: string;
  readonly cost: number;
  readonly objective: number;
  /** domain weights, renormalised to sum 1 */
  readonly w: Float64Array;
}

export interface FidelityLevel {
  readonly label: string;
  /** the median of its rows' costs (every row's own cost when they are equal) */
  readonly cost: number;
  /** true when its rows do not all have the same cost */
  readonly costVaries: boolean;
  /** model size when the table has a params column */
  readonly params?: number;
  readonly rows: number;
}

export interface RunTable {
  readonly file: string;
  readonly domains: readonly string[];
  readonly rows: readonly TableRow[];
  /** fidelity levels, cheapest first */
  readonly levels: readonly FidelityLevel[];
  /** the objective columns of the file (the one read and any others) */
  readonly objectives: readonly string[];
}

/** Columns that hold an objective rather than a domain weight. */
export function isObjectiveColumn(name: string, chosen: string): boolean {
  return name === chosen || name === 'objective' || name.startsWith('objective/');
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function splitCsvLine(line: string): { cells: string[]; columns: number[] } {
  // Plain CSV with optional double quotes ("" inside quotes is a quote); columns are 1-based start positions.
  const cells: string[] = [];
  const columns: number[] = [];
  let i = 0;
  while (i <= line.length) {
    columns.push(i + 1);
    let cell = '';
    if (line[i] === '"') {
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else cell += line[i++];
      }
      while (i < line.length && line[i] !== ',') cell += line[i++];
    } else {
      while (i < line.length && line[i] !== ',') cell += line[i++];
    }
    cells.push(cell.trim());
    i++;
  }
  return { cells, columns };
}

export function parseTable(text: string, file: string, columns: TableColumns = DEFAULT_COLUMNS): { table?: RunTable; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const error = (line: number, column: number, message: string, hint?: string): void => {
    diagnostics.push({ severity: 'error', file, line, ...(column > 0 ? { column } : {}), message, ...(hint ? { hint } : {}) });
  };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerIndex = lines.findIndex((l) => l.trim() !== '');
  if (headerIndex < 0) {
    error(0, 0, 'the table is empty', 'the first line names the columns: fidelity,cost,objective,<one per domain>');
    return { diagnostics };
  }
  const header = splitCsvLine(lines[headerIndex]!);
  const headerLine = headerIndex + 1;
  const find = (name: string): number => header.cells.indexOf(name);
  const seen = new Map<string, number>();
  header.cells.forEach((name, k) => {
    if (name === '') error(headerLine, header.columns[k]!, `column ${k + 1} has no name`);
    else if (seen.has(name)) error(headerLine, header.columns[k]!, `column "${name}" appears twice (columns ${seen.get(name)! + 1} and ${k + 1})`);
    else seen.set(name, k);
  });
  const fidelityAt = find(columns.fidelity);
  const costAt = find(columns.cost);
  const objectiveAt = find(columns.objective);
  const paramsAt = find(columns.params);
  const required: [string, number, string][] = [
    [columns.fidelity, fidelityAt, '--fidelity-column'],
    [columns.cost, costAt, '--cost-column'],
    [columns.objective, objectiveAt, '--objective-column'],
  ];
  const objectiveColumns = header.cells.filter((name) => isObjectiveColumn(name, columns.objective));
  for (const [name, at, flag] of required) {
    const others = flag === '--objective-column' && objectiveColumns.length > 0 ? `objective columns are: ${objectiveColumns.join(', ')}` : `columns are: ${header.cells.join(', ')}`;
    if (at < 0) error(headerLine, 0, `no column named "${name}"`, `${others}; name another with ${flag}`);
  }
  const special = new Set([fidelityAt, costAt, objectiveAt, paramsAt]);
  const domainAt = header.cells.map((_, k) => k).filter((k) => !special.has(k) && header.cells[k] !== '' && !isObjectiveColumn(header.cells[k]!, columns.objective));
  if (domainAt.length === 0) error(headerLine, 0, 'no domain weight columns', 'every column other than the fidelity, cost, params and objective (objective, objective/<name>) ones is a domain weight');
  if (diagnostics.length > 0) return { diagnostics };

  const rows: TableRow[] = [];
  const levels = new Map<string, { costs: number[]; params?: number; rows: number; line: number }>();
  for (let k = headerIndex + 1; k < lines.length; k++) {
    const raw = lines[k]!;
    if (raw.trim() === '') continue;
    const line = k + 1;
    const { cells, columns: at } = splitCsvLine(raw);
    if (cells.length !== header.cells.length) {
      error(line, 0, `${cells.length} cells, but the header has ${header.cells.length} columns`);
      continue;
    }
    const errorsBefore = diagnostics.length;
    const number = (index: number, name: string): number => {
      const cell = cells[index]!;
      const value = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(value)) error(line, at[index]!, `${name} is "${cell}", not a number`);
      return value;
    };
    const fidelity = cells[fidelityAt]!;
    if (fidelity === '') error(line, at[fidelityAt]!, `the fidelity (column "${columns.fidelity}") is empty`);
    const cost = number(costAt, `the cost (column "${columns.cost}")`);
    if (Number.isFinite(cost) && cost <= 0) error(line, at[costAt]!, `the cost must be positive, got ${cost}`);
    const objective = number(objectiveAt, `the objective (column "${columns.objective}")`);
    const params = paramsAt >= 0 ? number(paramsAt, `the model size (column "${columns.params}")`) : undefined;
    if (params !== undefined && Number.isFinite(params) && params <= 0) error(line, at[paramsAt]!, `the model size must be positive, got ${params}`);
    const w = new Float64Array(domainAt.length);
    let total = 0;
    domainAt.forEach((index, j) => {
      const v = number(index, `the weight of ${header.cells[index]}`);
      if (Number.isFinite(v) && v < 0) error(line, at[index]!, `the weight of ${header.cells[index]} is negative (${v})`);
      w[j] = v;
      total += v;
    });
    if (diagnostics.length === errorsBefore && !(total > 0)) error(line, 0, 'every domain weight is zero');
    if (diagnostics.length > errorsBefore) continue;
    for (let j = 0; j < w.length; j++) w[j] = w[j]! / total;
    const level = levels.get(fidelity);
    if (!level) levels.set(fidelity, { costs: [cost], ...(params !== undefined ? { params } : {}), rows: 1, line });
    else {
      level.costs.push(cost);
      if (params !== undefined && level.params !== params) error(line, at[paramsAt]!, `fidelity ${fidelity} has ${params} parameters here but ${level.params} on line ${level.line}`);
      level.rows++;
    }
    rows.push({ line, fidelity, cost, objective, w });
  }
  if (rows.length === 0 && diagnostics.length === 0) error(headerLine, 0, 'the table has a header but no rows');
  if (diagnostics.length > 0) return { diagnostics };
  const sorted = [...levels.entries()]
    .map(([label, l]) => ({
      label,
      cost: median(l.costs),
      costVaries: l.costs.some((c) => c !== l.costs[0]),
      ...(l.params !== undefined ? { params: l.params } : {}),
      rows: l.rows,
    }))
    .sort((a, b) => a.cost - b.cost);
  return { table: { file, domains: domainAt.map((k) => header.cells[k]!), rows, levels: sorted, objectives: objectiveColumns }, diagnostics };
}

/**
 * Core fidelities of a table for a target level: s = normalised log model size (log cost when there are no
 * sizes) between the smallest and the target, as the engine's dataset does; z = 1 (one step count per level).
 */
export function fidelitiesOf(table: RunTable, targetLabel: string): { fidelities: Fidelity[]; target: Fidelity } | { error: string } {
  const target = table.levels.find((l) => l.label === targetLabel);
  if (!target) return { error: `no rows with fidelity "${targetLabel}"; the table has ${table.levels.map((l) => l.label).join(', ')}` };
  const size = (l: FidelityLevel): number => l.params ?? l.cost;
  const smallest = Math.min(...table.levels.map(size));
  // Model sizes on the engine's size axis (core/fidelityScale.ts); a table without params orders levels by cost.
  const bySize = table.levels.every((l) => l.params !== undefined);
  const span = Math.log(size(target)) - Math.log(smallest);
  const fidelities = table.levels.map((l) => ({
    label: l.label,
    s: l === target ? 1 : bySize ? sizeCoordinate(size(l), smallest, size(target)) : span > 0 ? (Math.log(size(l)) - Math.log(smallest)) / span : 0,
    z: 1,
    cost: l.cost,
  }));
  return { fidelities, target: fidelities.find((f) => f.label === targetLabel)! };
}
