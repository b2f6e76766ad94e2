// CSV: an RFC 4180 tokenizer (quotes, doubled quotes, newlines inside quotes, CRLF, BOM) and the adapter for
// tables of runs (one row a run) read through the study's column mapping, e.g. the RegMix tables: a mixture
// file and a loss file joined by `index` within the same file pair.
import type { CsvMapping, Study } from '../study/types';
import type { ParseResult, RunRecord } from './types';
import { RunBuilder } from './builder';
import { modelFromName } from './match';
import { basename, DiagnosticSink, nameMap, stripBom, toFiniteNumber } from './util';

export interface CsvRow {
  readonly fields: readonly string[];
  /** 1-based line where the row starts */
  readonly line: number;
}

export interface CsvTable {
  readonly rows: readonly CsvRow[];
  /** false when the text did not end with a newline (the last row may be cut off) */
  readonly terminated: boolean;
}

/**
 * Splits CSV text into rows of fields. An unterminated quoted field at the end of the text is reported and its
 * row dropped; everything before it is kept.
 */
export function tokenizeCsv(text: string, sink: DiagnosticSink): CsvTable {
  const body = stripBom(text);
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  let i = 0;
  const n = body.length;
  let inRow = false;
  while (i < n) {
    const c = body.charCodeAt(i);
    if (c === 34 /* " */ && field === '' && !fieldStarted(body, i)) {
      // quoted field
      const startLine = line;
      i++;
      let closed = false;
      let value = '';
      let chunkStart = i;
      while (i < n) {
        const q = body.charCodeAt(i);
        if (q === 34) {
          if (body.charCodeAt(i + 1) === 34) {
            value += body.slice(chunkStart, i + 1);
            i += 2;
            chunkStart = i;
            continue;
          }
          value += body.slice(chunkStart, i);
          i++;
          closed = true;
          break;
        }
        if (q === 10) line++;
        i++;
      }
      if (!closed) {
        sink.warning(startLine, 'a quoted field is not closed before the end of the file; the row is dropped');
        return { rows, terminated: false };
      }
      field = value;
      inRow = true;
      // anything between the closing quote and the next separator is kept verbatim (lenient)
      while (i < n) {
        const d = body.charCodeAt(i);
        if (d === 44 || d === 10 || d === 13) break;
        field += body[i];
        i++;
      }
      continue;
    }
    if (c === 44 /* , */) {
      fields.push(field);
      field = '';
      inRow = true;
      i++;
      continue;
    }
    if (c === 13 /* \r */ || c === 10 /* \n */) {
      if (c === 13 && body.charCodeAt(i + 1) === 10) i++;
      i++;
      fields.push(field);
      rows.push({ fields, line: rowLine });
      fields = [];
      field = '';
      inRow = false;
      line++;
      rowLine = line;
      continue;
    }
    // plain run of characters up to the next special one
    let j = i;
    while (j < n) {
      const d = body.charCodeAt(j);
      if (d === 44 || d === 10 || d === 13) break;
      j++;
    }
    field += body.slice(i, j);
    inRow = true;
    i = j;
  }
  const terminated = !inRow && field === '';
  if (!terminated) {
    fields.push(field);
    rows.push({ fields, line: rowLine });
  }
  return { rows, terminated };

  function fieldStarted(text: string, at: number): boolean {
    // a quote opens a quoted field only at the start of a field
    if (at === 0) return false;
    const prev = text.charCodeAt(at - 1);
    return !(prev === 44 || prev === 10 || prev === 13);
  }
}

/** Reads a header + rows table; drops blank rows; returns rows as column -> string maps. */
export function readCsvObjects(
  text: string,
  sink: DiagnosticSink,
  lastRow: 'keep-if-complete' | 'drop-if-unterminated',
): { header: string[]; records: { values: Record<string, string>; line: number }[]; truncated: boolean } {
  const table = tokenizeCsv(text, sink);
  const rows = table.rows.filter((r) => !(r.fields.length === 1 && (r.fields[0] ?? '').trim() === ''));
  const headerRow = rows[0];
  if (!headerRow) return { header: [], records: [], truncated: false };
  const header = headerRow.fields.map((h) => h.trim());
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) sink.warning(headerRow.line, `column "${h}" appears twice; the last one wins`);
    seen.add(h);
  }
  const records: { values: Record<string, string>; line: number }[] = [];
  let truncated = false;
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r] as CsvRow;
    const isLast = r === rows.length - 1;
    if (isLast && !table.terminated) {
      if (lastRow === 'drop-if-unterminated' || row.fields.length < header.length) {
        truncated = true;
        sink.info(row.line, 'the last row is incomplete (the file is still being written); read up to the row before');
        continue;
      }
    }
    if (row.fields.length !== header.length) {
      sink.warning(row.line, `row has ${row.fields.length} fields, the header has ${header.length}; row skipped`);
      continue;
    }
    const values = nameMap<string>();
    header.forEach((h, k) => {
      values[h] = row.fields[k] ?? '';
    });
    records.push({ values, line: row.line });
  }
  return { header, records, truncated };
}

/** One file of a CSV table: its name (as reported in diagnostics) and its text. */
export interface CsvSource {
  readonly file: string;
  readonly text: string;
}

/** Rows read from one run table at most (one row is one training run: a study has tens to thousands). */
export const MAX_TABLE_ROWS = 100_000;

/** More than `max` line breaks in `text`, counted without splitting it. */
function moreLinesThan(text: string, max: number): boolean {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) if (++n > max) return true;
  return false;
}

/**
 * Runs from a mixture table and (optionally) a separate metrics table joined by `mapping.join` (default
 * "index"). Without a metrics table, metrics are read from the mixture table itself. The model is the mapping's
 * column or fixed name, else the study model named in the file name ("..._1B.csv" -> 1B).
 */
export function parseCsvTable(mixtureSource: CsvSource, metricsSource: CsvSource | undefined, mapping: CsvMapping, study: Study): ParseResult {
  const sink = new DiagnosticSink(mixtureSource.file);
  const metricsSink = metricsSource ? new DiagnosticSink(metricsSource.file) : sink;
  for (const [source, s] of [[mixtureSource, sink], ...(metricsSource ? [[metricsSource, metricsSink] as const] : [])] as const) {
    if (moreLinesThan(source.text, MAX_TABLE_ROWS + 1)) {
      s.error(0, `the table has more than ${MAX_TABLE_ROWS} rows; a row is a training run and MixOpt reads at most ${MAX_TABLE_ROWS} from one table; not read`, {
        hint: 'subsample the table (e.g. the runs of this study only), or leave it out with runs.exclude',
      });
      return { runs: [], diagnostics: [...s.list] };
    }
  }
  const mix = readCsvObjects(mixtureSource.text, sink, 'keep-if-complete');
  const met = metricsSource ? readCsvObjects(metricsSource.text, metricsSink, 'keep-if-complete') : undefined;
  const joinColumn = mapping.join ?? 'index';
  const weightPattern = mapping.weightColumn !== '' ? mapping.weightColumn : '{domain}';

  const weightColumns = weightColumnsOf(mix.header, weightPattern, study, sink);

  const metricColumns = metricColumnsOf((met ?? mix).header, mapping, study, metricsSink);

  const fixedModel = mapping.model ?? (mapping.modelColumn === undefined ? modelFromName(study, basename(mixtureSource.file)) : undefined);
  if (fixedModel === undefined && mapping.modelColumn === undefined) {
    sink.warning(0, 'no model for this table: set model or model_column in the csv mapping (or name the model in the file name)');
  }
  if (mapping.modelColumn !== undefined && mix.header.length > 0 && !mix.header.includes(mapping.modelColumn)) {
    sink.error(1, `model column "${mapping.modelColumn}" is not in the table`);
  }

  const metricsByKey = met ? metricsByJoinKey(met, joinColumn, metricsSink) : new Map<string, CsvRecord>();
  if (met && mix.header.length > 0 && !mix.header.includes(joinColumn)) sink.error(1, `join column "${joinColumn}" is not in the mixture table`);

  const stem = basename(mixtureSource.file).replace(/\.csv$/i, '');
  const defaultSteps = mapping.stepsColumn === undefined && mapping.steps === undefined ? study.fidelities.target.steps : undefined;
  if (defaultSteps !== undefined && mix.records.length > 0) {
    sink.info(0, `no steps column or steps in the csv mapping: rows are read as runs of ${defaultSteps} steps (the study's target)`, {
      hint: 'set steps (or steps_column) in the study csv mapping',
    });
  }
  const runs: RunRecord[] = [];
  const ids = new Set<string>();
  let normalisedCount = 0;
  let firstNormalisedLine = 0;
  let unmatched = 0;
  const invalidMetric = new Set<string>();
  for (const rec of mix.records) {
    const key = (rec.values[joinColumn] ?? '').trim();
    const idFromColumn = mapping.runIdColumn !== undefined ? (rec.values[mapping.runIdColumn] ?? '').trim() : '';
    let id = idFromColumn !== '' ? idFromColumn : `${stem}#${key !== '' ? key : rec.line}`;
    if (ids.has(id)) {
      sink.warning(rec.line, `run id ${id} appears twice in this table; the row is renamed`);
      id = `${id}@${rec.line}`;
    }
    ids.add(id);
    const b = new RunBuilder(study, id, 'csv-table', mixtureSource.file);
    b.mixtureLine = rec.line;
    const raw = nameMap<number>();
    let bad = false;
    for (const [domain, column] of weightColumns) {
      const w = toFiniteNumber(rec.values[column]);
      if (w === undefined) {
        sink.error(rec.line, `weight "${rec.values[column] ?? ''}" in column ${column} is not a number; the row is not used`, { key: column });
        bad = true;
        break;
      }
      raw[domain] = w;
    }
    if (bad || weightColumns.size === 0) continue;
    b.rawMixture = raw;
    b.modelName = mapping.modelColumn !== undefined ? (rec.values[mapping.modelColumn] ?? '').trim() || undefined : fixedModel;
    const steps = mapping.stepsColumn !== undefined ? toFiniteNumber(rec.values[mapping.stepsColumn]) : (mapping.steps ?? defaultSteps);
    if (steps !== undefined && steps >= 0) b.lastStep = steps;
    const metricRec = met ? metricsByKey.get(key) : rec;
    if (met && !metricRec) unmatched++;
    if (metricRec) {
      const metrics = nameMap<number>();
      for (const [metric, column] of metricColumns) {
        const cell = (metricRec.values[column] ?? '').trim();
        if (cell === '') continue;
        const v = toFiniteNumber(cell);
        if (v === undefined) {
          if (!invalidMetric.has(column)) metricsSink.warning(metricRec.line, `value "${cell.slice(0, 20)}" in column ${column} is not a finite number; left out`, { key: column });
          invalidMetric.add(column);
          continue;
        }
        metrics[metric] = v;
      }
      b.addMetrics(steps ?? 0, metrics);
    }
    const built = b.build(sink, { quietSum: true });
    if (built.normalised) {
      if (normalisedCount === 0) firstNormalisedLine = rec.line;
      normalisedCount++;
    }
    runs.push(built.run);
  }
  if (normalisedCount > 0) {
    sink.warning(firstNormalisedLine, `${normalisedCount} row${normalisedCount > 1 ? 's have' : ' has'} mixture weights summing to within 5% of 1 but not within 0.001; normalised to 1`);
  }
  if (unmatched > 0) {
    sink.warning(0, `${unmatched} row${unmatched > 1 ? 's' : ''} of the mixture table ha${unmatched > 1 ? 've' : 's'} no row with the same ${joinColumn} in ${metricsSource?.file ?? 'the metrics table'}; read without metrics`);
  }
  const diagnostics = metricsSink === sink ? sink.list : [...sink.list, ...metricsSink.list];
  return { runs, diagnostics };
}

/** One data row of a table: its values by column, and its 1-based line. */
interface CsvRecord {
  readonly values: Record<string, string>;
  readonly line: number;
}

/** The weight column of each study domain, by the mapping's pattern; warns about columns that name no domain. */
function weightColumnsOf(header: readonly string[], weightPattern: string, study: Study, sink: DiagnosticSink): Map<string, string> {
  const weightColumns = new Map<string, string>();
  const unknownWeightColumns: string[] = [];
  const weightRe = patternRegExp(weightPattern);
  for (const h of header) {
    const m = weightRe.exec(h);
    const domain = m?.[1];
    if (domain === undefined) continue;
    if (study.domains.includes(domain)) weightColumns.set(domain, h);
    else unknownWeightColumns.push(h);
  }
  if (header.length > 0 && weightColumns.size === 0) {
    sink.error(1, `no weight column matches "${weightPattern}" for any study domain`, { hint: 'set weight_column in the study csv mapping (e.g. "train_the_pile_{domain}")' });
  }
  if (unknownWeightColumns.length > 0) {
    sink.warning(1, `weight column${unknownWeightColumns.length > 1 ? 's' : ''} ${unknownWeightColumns.slice(0, 4).join(', ')} name${unknownWeightColumns.length > 1 ? '' : 's'} no study domain; their weight is ignored`);
  }
  return weightColumns;
}

/** The column of each metric (a `{domain}` pattern expands to one metric per study domain) found in the header. */
function metricColumnsOf(header: readonly string[], mapping: CsvMapping, study: Study, metricsSink: DiagnosticSink): Map<string, string> {
  const metricColumns = new Map<string, string>();
  for (const [metric, pattern] of Object.entries(mapping.metricColumns)) {
    if (metric.includes('{domain}') || pattern.includes('{domain}')) {
      for (const d of study.domains) {
        const column = pattern.replaceAll('{domain}', d);
        if (header.includes(column)) metricColumns.set(metric.replaceAll('{domain}', d), column);
      }
    } else if (header.includes(pattern)) metricColumns.set(metric, pattern);
    else metricsSink.warning(1, `metric column "${pattern}" (for ${metric}) is not in the table`);
  }
  if (Object.keys(mapping.metricColumns).length > 0 && metricColumns.size === 0 && header.length > 0) {
    metricsSink.error(1, 'none of the mapped metric columns is in the table', { hint: 'check metric_columns in the study csv mapping' });
  }
  return metricColumns;
}

/** The rows of the metrics table by their join column (the last row wins a repeated key). */
function metricsByJoinKey(met: { readonly header: readonly string[]; readonly records: readonly CsvRecord[] }, joinColumn: string, metricsSink: DiagnosticSink): Map<string, CsvRecord> {
  const metricsByKey = new Map<string, CsvRecord>();
  if (met.header.length > 0 && !met.header.includes(joinColumn)) metricsSink.error(1, `join column "${joinColumn}" is not in the metrics table`);
  for (const rec of met.records) {
    const key = (rec.values[joinColumn] ?? '').trim();
    if (metricsByKey.has(key)) metricsSink.warning(rec.line, `${joinColumn} ${key} appears twice; the last row wins`);
    metricsByKey.set(key, rec);
  }
  return metricsByKey;
}

/** "train_the_pile_{domain}" -> /^train_the_pile_(.+)$/ */
function patternRegExp(pattern: string): RegExp {
  const parts = pattern.split('{domain}').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('(.+)')}$`);
}

/**
 * Pairs each mixture file with the metrics file whose name shares the longest common prefix + suffix
 * ("test_mixture_1m.csv" <-> "test_pile_loss_1m.csv"). Pure: takes paths, returns pairs and leftovers.
 */
export function pairTableFiles(mixtureFiles: readonly string[], metricsFiles: readonly string[]): { pairs: [string, string][]; unpaired: string[] } {
  const scored: { m: string; l: string; score: number }[] = [];
  for (const m of mixtureFiles) {
    for (const l of metricsFiles) {
      if (m === l) continue;
      scored.push({ m, l, score: affinity(m, l) });
    }
  }
  scored.sort((a, b) => b.score - a.score || a.m.localeCompare(b.m) || a.l.localeCompare(b.l));
  const usedM = new Set<string>();
  const usedL = new Set<string>();
  const pairs: [string, string][] = [];
  for (const s of scored) {
    if (usedM.has(s.m) || usedL.has(s.l)) continue;
    usedM.add(s.m);
    usedL.add(s.l);
    pairs.push([s.m, s.l]);
  }
  const unpaired = mixtureFiles.filter((m) => !usedM.has(m));
  return { pairs, unpaired };
}

function affinity(a: string, b: string): number {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  return prefix + suffix;
}
