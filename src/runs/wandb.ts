// Weights & Biases local run folders (`wandb/run-<time>-<id>/files/`): config.yaml (each key's value under
// `value:`, plus `wandb_version` and `_wandb` bookkeeping), wandb-summary.json (latest value of every logged key,
// `_step`, `_runtime`), and, where the client writes it, wandb-history.jsonl (one logged row a line). Offline runs
// (`wandb/offline-run-*`) have none of these: everything is in the binary run-<id>.wandb (wandbLog.ts), which
// online runs write too; it is read first and the text files add to it. A run is named by its W&B run name.
import type { Study } from '../study/types';
import type { ParseResult } from './types';
import { applyRunConfig, RunBuilder } from './builder';
import type { TextFile } from './hf';
import { statusFromWord } from './match';
import type { PlainObject } from './util';
import { DiagnosticSink, isPlainObject, nameMap, parseJsonSafe, parseYamlSafe, splitLines, toFiniteNumber } from './util';
import type { BinaryFile } from './tfevents';
import { readWandbLog } from './wandbLog';

export interface WandbInput {
  readonly dir: string;
  readonly config?: TextFile;
  readonly summary?: TextFile;
  readonly history?: TextFile;
  readonly metadata?: TextFile;
  /** the binary run-<id>.wandb */
  readonly log?: BinaryFile;
}

/** Keys that hold the training step when the script logs it itself (W&B's own `_step` counts log calls). */
const STEP_KEYS = ['trainer/global_step', 'train/global_step', 'global_step', 'step', 'trainer/step', '_step'];

/** Strips W&B's `{desc, value}` wrappers and bookkeeping keys from config.yaml. */
export function unwrapWandbConfig(config: PlainObject): PlainObject {
  const out: PlainObject = nameMap();
  for (const [k, v] of Object.entries(config)) {
    if (k === 'wandb_version' || k === '_wandb') continue;
    out[k] = isPlainObject(v) && Object.prototype.hasOwnProperty.call(v, 'value') ? v['value'] : v;
  }
  return out;
}

/** Nested summary objects ({"val": {"loss": 1}}) become "val/loss"; depth-limited; media and private keys dropped. */
function flattenMetrics(obj: PlainObject, prefix = '', depth = 0, out: Record<string, number> = nameMap()): Record<string, number> {
  if (depth > 6) return out;
  for (const [k, v] of Object.entries(obj)) {
    if (k.startsWith('_') || (depth === 0 && STEP_KEYS.includes(k))) continue;
    const name = prefix === '' ? k : `${prefix}/${k}`;
    if (typeof v === 'number' && Number.isFinite(v)) out[name] = v;
    else if (isPlainObject(v) && v['_type'] === undefined) flattenMetrics(v, name, depth + 1, out);
  }
  return out;
}

function stepOf(row: PlainObject): number | undefined {
  for (const k of STEP_KEYS) {
    const v = toFiniteNumber(row[k]);
    if (v !== undefined && v >= 0) return v;
  }
  return undefined;
}

export function parseWandbRun(input: WandbInput, study: Study): ParseResult {
  const sink = new DiagnosticSink(input.summary?.file ?? input.config?.file ?? input.log?.file ?? input.dir);
  const lsink = input.log ? new DiagnosticSink(input.log.file) : undefined;
  const log = input.log && lsink ? readWandbLog(input.log.bytes, lsink) : undefined;
  const b = new RunBuilder(study, log?.name ?? input.dir, 'wandb', input.dir);
  let running = false;
  if (log && lsink) {
    applyRunConfig(b, log.config, lsink);
    for (const row of log.history) {
      const step = stepOf(row);
      if (step === undefined) continue;
      b.addMetrics(step, flattenMetrics(row));
      b.lastStep = Math.max(b.lastStep ?? 0, step);
    }
    const step = stepOf(log.summary);
    if (step !== undefined) {
      b.addMetrics(step, flattenMetrics(log.summary));
      b.lastStep = Math.max(b.lastStep ?? 0, step);
    }
    if (log.exitCode !== undefined) b.status = log.exitCode === 0 ? 'completed' : 'failed';
    else if (log.truncated) {
      lsink.info(0, 'the last record is incomplete (the run is still being written); read up to the record before', { hint: 'it is read again when the file changes' });
    }
    if (log.records === 0 && !log.truncated) lsink.warning(0, 'the W&B run file holds no readable record', { hint: 'was the run killed right after wandb.init?' });
  }
  if (lsink) sink.list.push(...lsink.list);
  if (input.config) {
    const csink = new DiagnosticSink(input.config.file);
    const parsed = parseYamlSafe(input.config.text, csink, 'config.yaml');
    if (parsed.ok && isPlainObject(parsed.value)) {
      const locate = parsed.locate;
      // keys live under `<top>.value.<rest>` in the file
      applyRunConfig(b, unwrapWandbConfig(parsed.value), csink, (dotted) => {
        const [top, ...rest] = dotted.split('.');
        return locate([top, 'value', ...rest].join('.'));
      });
    }
    else if (parsed.ok && parsed.value !== null) csink.warning(0, 'config.yaml should hold a mapping');
    sink.list.push(...csink.list);
  }
  if (input.history) {
    const hsink = new DiagnosticSink(input.history.file);
    const { lines, terminated } = splitLines(input.history.text);
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let row: unknown;
      try {
        row = JSON.parse(line) as unknown;
      } catch {
        if (i === lines.length - 1 && !terminated) {
          running = true;
          hsink.info(i + 1, 'the last line is incomplete (the run is still being written); read up to the line before');
        } else hsink.warning(i + 1, 'not a JSON object; line skipped');
        return;
      }
      if (!isPlainObject(row)) {
        hsink.warning(i + 1, 'a history line must be a JSON object; skipped');
        return;
      }
      const step = stepOf(row);
      if (step === undefined) return;
      b.addMetrics(step, flattenMetrics(row));
      b.lastStep = Math.max(b.lastStep ?? 0, step);
    });
    sink.list.push(...hsink.list);
  }
  if (input.summary) {
    const ssink = new DiagnosticSink(input.summary.file);
    const parsed = parseJsonSafe(input.summary.text, ssink, 'wandb-summary.json');
    if (parsed.ok && isPlainObject(parsed.value)) {
      const summary = parsed.value;
      const step = stepOf(summary);
      if (step !== undefined) {
        b.addMetrics(step, flattenMetrics(summary));
        b.lastStep = Math.max(b.lastStep ?? 0, step);
      } else ssink.warning(0, 'wandb-summary.json has no step (_step or global_step); its metrics are not used');
    } else if (parsed.ok) ssink.warning(0, 'wandb-summary.json must hold a JSON object');
    else running = true;
    sink.list.push(...ssink.list);
  } else if (log?.exitCode === undefined) running = true;
  if (input.metadata) {
    const msink = new DiagnosticSink(input.metadata.file);
    const parsed = parseJsonSafe(input.metadata.text, msink, 'wandb-metadata.json');
    if (parsed.ok && isPlainObject(parsed.value)) {
      const meta = parsed.value;
      const exit = toFiniteNumber(meta['exitcode'] ?? meta['exit_code']);
      const state = statusFromWord(meta['state']);
      if (exit !== undefined) b.status = exit === 0 ? 'completed' : 'failed';
      else if (state) b.status = state;
    }
    sink.list.push(...msink.list);
  }
  if (b.status === undefined && running) b.status = 'running';
  const { run } = b.build(sink);
  return { runs: [run], diagnostics: sink.list };
}
