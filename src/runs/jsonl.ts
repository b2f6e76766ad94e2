// MixOpt JSONL: one JSON object a line,
// {"run", "step", "mixture": {...}, "model", "metrics": {...}, "status"?, "gpu_hours"?, "flops"?, "params"?, "trial"?}.
// Many lines per run (a learning curve) and many runs per file.
import type { Study } from '../study/types';
import type { ParseResult, RunRecord } from './types';
import { RunBuilder } from './builder';
import { readMixtureValue, statusFromWord } from './match';
import { DiagnosticSink, isPlainObject, MAX_NESTING, nestsDeeper, splitLines, toFiniteNumber } from './util';

/** One record line longer than this is refused before parsing: a real line is a few kilobytes. */
export const MAX_LINE_CHARS = 1 << 20;
/** Lines read from one file at most (checked before splitting it). */
export const MAX_LINES = 2_000_000;

export function parseMixoptJsonl(text: string, file: string, study: Study): ParseResult {
  const sink = new DiagnosticSink(file);
  let newlines = 0;
  for (let i = text.indexOf('\n'); i !== -1 && newlines <= MAX_LINES; i = text.indexOf('\n', i + 1)) newlines++;
  if (newlines > MAX_LINES) {
    sink.error(0, `the file has more than ${MAX_LINES} lines, more than MixOpt reads from one log; not read`, {
      hint: 'log fewer checkpoints per run (e.g. only evaluations), split the file, or leave it out with runs.exclude',
    });
    return { runs: [], diagnostics: sink.list };
  }
  const { lines, terminated } = splitLines(text);
  const builders = new Map<string, RunBuilder>();
  const mixtureSeenAt = new Map<string, string>();
  let lastRunId: string | undefined;
  let torn = false;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    if (line.length > MAX_LINE_CHARS) {
      sink.warning(lineNo, `line is ${Math.round(line.length / 2 ** 20)} MiB, over the ${MAX_LINE_CHARS / 2 ** 20} MiB a MixOpt record may have; line skipped`, {
        hint: 'a record holds one checkpoint of one run (a few metrics); write one line per checkpoint',
      });
      continue;
    }
    let record: unknown;
    try {
      record = JSON.parse(line) as unknown;
    } catch (e) {
      if (i === lines.length - 1 && !terminated) {
        torn = true;
        const tornRun = /"run"\s*:\s*"([^"\\]*)"/.exec(line)?.[1];
        if (tornRun !== undefined) lastRunId = tornRun;
        sink.info(lineNo, 'the last line is incomplete (the file is still being written); read up to the line before', {
          hint: 'it is read again when the file changes',
        });
      } else sink.warning(lineNo, `not a JSON object: ${e instanceof Error ? e.message : String(e)}; line skipped`);
      continue;
    }
    if (!isPlainObject(record)) {
      sink.warning(lineNo, 'a line must be a JSON object; line skipped');
      continue;
    }
    if (nestsDeeper(record)) {
      sink.warning(lineNo, `the record nests deeper than ${MAX_NESTING} levels; line skipped`, { hint: 'a MixOpt record is flat: run, step, mixture {domain: weight}, metrics {name: value}' });
      continue;
    }
    const runValue = record['run'] ?? record['trial'];
    const runId = typeof runValue === 'string' && runValue !== '' ? runValue : typeof runValue === 'number' && Number.isFinite(runValue) ? String(runValue) : undefined;
    if (runId === undefined) {
      sink.warning(lineNo, 'line has no "run" id; skipped', { key: 'run', hint: 'every line needs "run": "<run id>"' });
      continue;
    }
    let builder = builders.get(runId);
    if (!builder) {
      builder = new RunBuilder(study, runId, 'mixopt-jsonl', file);
      builders.set(runId, builder);
    }
    lastRunId = runId;
    if (record['mixture'] !== undefined) {
      const fingerprint = JSON.stringify(record['mixture']);
      const seen = mixtureSeenAt.get(runId);
      if (seen === undefined) {
        const raw = readMixtureValue(study, record['mixture'], sink, 'mixture', lineNo);
        if (raw) {
          builder.rawMixture = raw;
          builder.mixtureLine = lineNo;
          builder.mixtureKey = 'mixture';
        }
        mixtureSeenAt.set(runId, fingerprint);
      } else if (seen !== fingerprint) {
        sink.warning(lineNo, `run ${runId}: mixture differs from the one on an earlier line; the first is kept`, { key: 'mixture' });
      }
    }
    if (typeof record['model'] === 'string') builder.modelName = record['model'];
    else if (record['model'] !== undefined) sink.warning(lineNo, '"model" must be a string', { key: 'model' });
    const params = toFiniteNumber(record['params']);
    if (params !== undefined && params > 0) builder.params = params;
    if (typeof record['trial'] === 'string' && record['trial'] !== '') builder.trialId = record['trial'];
    if (record['status'] !== undefined) {
      const status = statusFromWord(record['status']);
      if (status) builder.status = status;
      else sink.warning(lineNo, `unknown status ${JSON.stringify(record['status']).slice(0, 40)}`, { key: 'status', hint: 'use running, completed or failed' });
    }
    const gpuHours = toFiniteNumber(record['gpu_hours']);
    if (gpuHours !== undefined && gpuHours >= 0) builder.gpuHours = Math.max(builder.gpuHours ?? 0, gpuHours);
    else if (record['gpu_hours'] !== undefined) sink.warning(lineNo, '"gpu_hours" must be a finite number >= 0', { key: 'gpu_hours' });
    const flops = toFiniteNumber(record['flops']);
    if (flops !== undefined && flops >= 0) builder.flops = Math.max(builder.flops ?? 0, flops);
    const stepValue = record['step'];
    const step = toFiniteNumber(stepValue);
    if (record['metrics'] !== undefined) {
      if (!isPlainObject(record['metrics'])) {
        sink.warning(lineNo, '"metrics" must be an object of name -> number', { key: 'metrics' });
      } else if (step === undefined || step < 0) {
        sink.warning(lineNo, `run ${runId}: metrics without a valid "step"; ignored`, { key: 'step' });
      } else {
        const bad = Object.entries(record['metrics']).filter(([, v]) => toFiniteNumber(v) === undefined);
        if (bad.length > 0) {
          sink.warning(lineNo, `run ${runId}: metric${bad.length > 1 ? 's' : ''} ${bad.slice(0, 3).map(([k]) => k).join(', ')} not a finite number; left out`, {
            key: `metrics.${bad[0]?.[0] ?? ''}`,
          });
        }
        builder.addMetrics(step, record['metrics']);
      }
    }
    if (step !== undefined && step >= 0) builder.lastStep = Math.max(builder.lastStep ?? 0, step);
  }
  const runs: RunRecord[] = [];
  for (const builder of builders.values()) {
    if (torn && builder.id === lastRunId && builder.status === undefined) builder.status = 'running';
    runs.push(builder.build(sink).run);
  }
  return { runs, diagnostics: sink.list };
}
