// MLflow file store: mlruns/<experiment id>/<run id>/ with meta.yaml (run_id, run_name, status as RunStatus
// number 1 RUNNING, 2 SCHEDULED, 3 FINISHED, 4 FAILED, 5 KILLED, lifecycle_stage), params/<key> (one file per
// param holding its value), metrics/<key> (lines "<timestamp ms> <value> <step>") and tags/<key>.
import type { Study } from '../study/types';
import type { ParseResult, RunStatus } from './types';
import { applyRunConfig, RunBuilder } from './builder';
import type { PlainObject } from './util';
import { DiagnosticSink, isPlainObject, nameMap, nestsDeeper, parseYamlSafe, splitLines, stripBom, toFiniteNumber } from './util';

export interface KeyedFile {
  /** the param/metric/tag key: the file's path under params/, metrics/ or tags/ (may contain "/") */
  readonly key: string;
  readonly file: string;
  readonly text: string;
}

export interface MlflowInput {
  readonly dir: string;
  readonly meta?: { readonly file: string; readonly text: string };
  readonly params: readonly KeyedFile[];
  readonly metrics: readonly KeyedFile[];
  readonly tags: readonly KeyedFile[];
}

const STATUS_BY_NUMBER: Readonly<Record<number, RunStatus>> = { 1: 'running', 2: 'running', 3: 'completed', 4: 'failed', 5: 'failed' };
const STATUS_BY_NAME: Readonly<Record<string, RunStatus>> = { RUNNING: 'running', SCHEDULED: 'running', FINISHED: 'completed', FAILED: 'failed', KILLED: 'failed' };

/** A param value: numbers stay strings (coerced where read); a dict/list written with str() or json is parsed. */
export function paramValue(text: string): unknown {
  const t = stripBom(text).replace(/\r?\n$/, '');
  const first = t.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      const value = JSON.parse(t) as unknown;
      return nestsDeeper(value) ? t : value;
    } catch {
      try {
        // Python's repr of a dict/list of str and float: single quotes, True/False/None
        const value = JSON.parse(t.replace(/'/g, '"').replace(/\bTrue\b/g, 'true').replace(/\bFalse\b/g, 'false').replace(/\bNone\b/g, 'null')) as unknown;
        return nestsDeeper(value) ? t : value;
      } catch {
        return t;
      }
    }
  }
  return t;
}

export function parseMlflowRun(input: MlflowInput, study: Study): ParseResult {
  const sink = new DiagnosticSink(input.meta?.file ?? input.dir);
  const b = new RunBuilder(study, input.dir, 'mlflow', input.dir);
  let deleted = false;
  if (input.meta) {
    const parsed = parseYamlSafe(input.meta.text, sink, 'meta.yaml');
    if (parsed.ok && isPlainObject(parsed.value)) {
      const meta = parsed.value;
      const statusValue = meta['status'];
      const n = toFiniteNumber(statusValue);
      const status = n !== undefined ? STATUS_BY_NUMBER[n] : typeof statusValue === 'string' ? STATUS_BY_NAME[statusValue.toUpperCase()] : undefined;
      if (status) b.status = status;
      else if (statusValue !== undefined) sink.warning(0, `unknown run status ${JSON.stringify(statusValue).slice(0, 20)}`, { key: 'status' });
      if (meta['lifecycle_stage'] === 'deleted') deleted = true;
    } else if (parsed.ok) sink.warning(0, 'meta.yaml should hold a mapping');
  } else {
    sink.info(0, 'meta.yaml is missing; the run is read as running', { hint: 'MLflow writes it when the run starts' });
    b.status = 'running';
  }
  if (deleted) {
    sink.info(0, 'the run is deleted in MLflow (lifecycle_stage: deleted); not used');
    return { runs: [], diagnostics: sink.list };
  }
  const params: PlainObject = nameMap();
  for (const p of input.params) params[p.key] = paramValue(p.text);
  const tags: PlainObject = nameMap();
  for (const t of input.tags) tags[t.key] = stripBom(t.text).replace(/\r?\n$/, '');
  applyRunConfig(b, params, sink);
  applyRunConfig(b, tags, sink);
  for (const m of input.metrics) {
    const msink = new DiagnosticSink(m.file);
    const { lines, terminated } = splitLines(m.text);
    let bad = 0;
    const legacy = (lines.find((l) => l.trim() !== '') ?? '').trim().split(/\s+/).length === 2;
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      if (i === lines.length - 1 && !terminated) {
        // MLflow ends every line with a newline: an unterminated last line is a write in progress
        msink.info(i + 1, 'the last line is incomplete (the run is still being written); read up to the line before');
        if (b.status === undefined) b.status = 'running';
        return;
      }
      const parts = line.trim().split(/\s+/);
      const value = parts[1] !== undefined ? Number(parts[1]) : NaN;
      const step = parts[2] !== undefined ? toFiniteNumber(parts[2]) : parts.length === 2 && legacy ? 0 : undefined;
      const ok = parts.length >= 2 && parts.length <= 3 && toFiniteNumber(parts[0]) !== undefined && step !== undefined && step >= 0 && !Number.isNaN(value);
      if (!ok) {
        if (bad++ === 0) msink.warning(i + 1, 'expected "<timestamp> <value> <step>"; line skipped');
        return;
      }
      if (!Number.isFinite(value)) {
        if (bad++ === 0) msink.warning(i + 1, `value ${parts[1] ?? ''} is not finite; left out`);
        return;
      }
      b.addMetrics(step, { [m.key]: value });
      b.lastStep = Math.max(b.lastStep ?? 0, step);
    });
    sink.list.push(...msink.list);
  }
  const { run } = b.build(sink);
  return { runs: [run], diagnostics: sink.list };
}
