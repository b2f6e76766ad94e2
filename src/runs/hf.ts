// Hugging Face Trainer output folders: trainer_state.json (log_history with train rows {loss, learning_rate, step},
// eval rows {eval_loss, eval_<name>_loss, step} and a final row {train_runtime, total_flos, step}; global_step,
// max_steps, total_flos), all_results.json (final metrics), and the run's own config for the mixture.
import type { Study } from '../study/types';
import type { ParseResult } from './types';
import { applyRunConfig, RunBuilder } from './builder';
import type { PlainObject } from './util';
import { basename, DiagnosticSink, isPlainObject, nameMap, parseJsonSafe, parseYamlSafe, toFiniteNumber } from './util';

export interface TextFile {
  /** path as reported in diagnostics */
  readonly file: string;
  readonly text: string;
}

export interface HfTrainerInput {
  /** the run folder (id and source of the record) */
  readonly dir: string;
  readonly trainerState?: TextFile;
  readonly allResults?: TextFile;
  /** the run's own config files (YAML or JSON) searched for the mixture, trial id, model and steps */
  readonly configs: readonly TextFile[];
  /** trainer_state.json comes from the latest checkpoint-N subfolder (no final one): running unless it reached max_steps */
  readonly fromCheckpoint?: boolean;
}

/** log_history keys that are bookkeeping, not metrics. */
const NOT_METRICS = new Set(['step', 'epoch', 'learning_rate', 'grad_norm', 'total_flos', 'num_input_tokens_seen', 'current_flos']);

function isBookkeeping(key: string): boolean {
  return NOT_METRICS.has(key) || key.endsWith('_runtime') || key.endsWith('_per_second') || key.endsWith('_samples');
}

/** Parses a config file (by extension) into an object, reporting problems; undefined when unusable. */
export function parseConfigFile(f: TextFile, sink: DiagnosticSink): { value: unknown; locate?: (dotted: string) => number } | undefined {
  if (f.file.toLowerCase().endsWith('.json')) {
    const parsed = parseJsonSafe(f.text, sink, basename(f.file), f.file);
    return parsed.ok ? { value: parsed.value } : undefined;
  }
  const parsed = parseYamlSafe(f.text, sink, basename(f.file), f.file);
  return parsed.ok ? { value: parsed.value, locate: parsed.locate } : undefined;
}

export function parseHfTrainer(input: HfTrainerInput, study: Study): ParseResult {
  const sink = new DiagnosticSink(input.trainerState?.file ?? input.dir);
  const b = new RunBuilder(study, input.dir, 'hf-trainer', input.dir);
  let state: PlainObject | undefined;
  let truncated = false;
  if (input.trainerState) {
    const psink = new DiagnosticSink(input.trainerState.file);
    const parsed = parseJsonSafe(input.trainerState.text, psink, 'trainer_state.json');
    if (parsed.ok && isPlainObject(parsed.value)) state = parsed.value;
    else if (parsed.ok) sink.error(1, 'trainer_state.json must hold a JSON object');
    else if (psink.list.some((d) => /nests deeper/.test(d.message))) sink.list.push(...psink.list);
    else {
      // The Trainer rewrites the file at each save; a partial file means a save is in progress.
      truncated = input.trainerState.text.trim().length > 0;
      sink.info(0, 'trainer_state.json is incomplete or not valid JSON (a save may be in progress); the run is read as running without metrics', {
        hint: 'it is read again when the file changes',
      });
    }
  }
  if (state) {
    const history = state['log_history'];
    if (history !== undefined && !Array.isArray(history)) sink.warning(0, 'log_history is not a list', { key: 'log_history' });
    if (Array.isArray(history)) {
      history.forEach((entry, i) => {
        if (!isPlainObject(entry)) {
          sink.warning(0, `log_history[${i}] is not an object; skipped`, { key: `log_history[${i}]` });
          return;
        }
        const step = toFiniteNumber(entry['step']);
        if (step === undefined || step < 0) {
          sink.warning(0, `log_history[${i}] has no valid step; skipped`, { key: `log_history[${i}].step` });
          return;
        }
        const metrics = nameMap<unknown>();
        for (const [k, v] of Object.entries(entry)) if (!isBookkeeping(k) && typeof v === 'number' && Number.isFinite(v)) metrics[k] = v;
        b.addMetrics(step, metrics);
        const flos = toFiniteNumber(entry['total_flos']);
        if (flos !== undefined && flos >= 0) b.flops = flos;
      });
    }
    const globalStep = toFiniteNumber(state['global_step']);
    if (globalStep !== undefined && globalStep >= 0) b.lastStep = globalStep;
    const maxSteps = toFiniteNumber(state['max_steps']);
    if (maxSteps !== undefined && maxSteps > 0) b.plannedSteps = maxSteps;
    const flos = toFiniteNumber(state['total_flos']);
    if (flos !== undefined && flos >= 0) b.flops = flos;
  }
  let finished = false;
  if (input.allResults) {
    const resultsSink = new DiagnosticSink(input.allResults.file);
    const parsed = parseJsonSafe(input.allResults.text, resultsSink, 'all_results.json');
    sink.list.push(...resultsSink.list);
    if (parsed.ok && isPlainObject(parsed.value)) {
      finished = true;
      const results = parsed.value;
      const metrics = nameMap<unknown>();
      for (const [k, v] of Object.entries(results)) if (!isBookkeeping(k) && typeof v === 'number' && Number.isFinite(v)) metrics[k] = v;
      const at = b.lastStep ?? toFiniteNumber(state?.['max_steps']);
      if (at !== undefined) b.addMetrics(at, metrics);
      else if (Object.keys(metrics).length > 0) sink.warning(0, 'all_results.json has metrics but no step is known (no trainer_state.json); they are not used');
      const flos = toFiniteNumber(results['total_flos']);
      if (flos !== undefined && flos >= 0 && b.flops === undefined) b.flops = flos;
    } else if (parsed.ok) sink.warning(0, 'all_results.json must hold a JSON object', { file: input.allResults.file });
  }
  for (const c of input.configs) {
    const configSink = new DiagnosticSink(c.file);
    const config = parseConfigFile(c, configSink);
    if (config !== undefined) applyRunConfig(b, config.value, configSink, config.locate);
    sink.list.push(...configSink.list);
  }
  if (truncated) b.status = 'running';
  else if (finished) b.status = 'completed';
  else if (b.plannedSteps !== undefined && b.lastStep !== undefined) b.status = b.lastStep >= b.plannedSteps ? 'completed' : 'running';
  else if (input.fromCheckpoint) b.status = 'running';
  const { run } = b.build(sink);
  return { runs: [run], diagnostics: sink.list };
}
