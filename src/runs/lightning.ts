// PyTorch Lightning CSVLogger folders (`<save_dir>/<name>/version_N/`): metrics.csv with one column per logged key
// plus `epoch` and `step`, sparse rows (train and validation metrics are written in different rows, other cells
// empty), and hparams.yaml with the hyperparameters given to save_hyperparameters(). Lightning's `step` column is
// the 0-based index of the optimizer step the row was logged at (a run with max_steps 500 ends at 499); the reader
// adds 1 so that steps count optimizer steps done, as every other format does and the study's steps mean.
import type { Study } from '../study/types';
import type { ParseResult } from './types';
import { applyRunConfig, RunBuilder } from './builder';
import { readCsvObjects } from './csv';
import type { TextFile } from './hf';
import { parseConfigFile } from './hf';
import { DiagnosticSink, isPlainObject, nameMap, parseYamlSafe, toFiniteNumber } from './util';

export interface LightningInput {
  readonly dir: string;
  readonly metricsCsv?: TextFile;
  readonly hparams?: TextFile;
  readonly configs?: readonly TextFile[];
}

export function parseLightningCsv(input: LightningInput, study: Study): ParseResult {
  const sink = new DiagnosticSink(input.metricsCsv?.file ?? input.dir);
  const b = new RunBuilder(study, input.dir, 'lightning-csv', input.dir);
  let truncated = false;
  if (input.metricsCsv) {
    const { header, records, truncated: cut } = readCsvObjects(input.metricsCsv.text, sink, 'drop-if-unterminated');
    truncated = cut;
    if (header.length > 0 && !header.includes('step')) {
      sink.error(1, 'metrics.csv has no "step" column', { hint: 'Lightning writes a step column; was this file written by CSVLogger?' });
    } else {
      for (const rec of records) {
        const logged = toFiniteNumber(rec.values['step']);
        const step = logged === undefined ? undefined : logged + 1;
        if (step === undefined || logged === undefined || logged < 0) {
          sink.warning(rec.line, `step "${(rec.values['step'] ?? '').slice(0, 20)}" is not a number; row skipped`);
          continue;
        }
        const metrics = nameMap<number>();
        for (const [k, cell] of Object.entries(rec.values)) {
          if (k === 'step' || k === 'epoch' || cell.trim() === '') continue;
          const v = toFiniteNumber(cell);
          if (v !== undefined) metrics[k] = v;
        }
        b.addMetrics(step, metrics);
        b.lastStep = Math.max(b.lastStep ?? 0, step);
      }
    }
  }
  if (input.hparams) {
    const hsink = new DiagnosticSink(input.hparams.file);
    const parsed = parseYamlSafe(input.hparams.text, hsink, 'hparams.yaml');
    if (parsed.ok && (isPlainObject(parsed.value) || parsed.value === null)) {
      if (parsed.value !== null) applyRunConfig(b, parsed.value, hsink, parsed.locate);
    } else if (parsed.ok) hsink.warning(0, 'hparams.yaml should hold a mapping');
    sink.list.push(...hsink.list);
  }
  for (const c of input.configs ?? []) {
    const csink = new DiagnosticSink(c.file);
    const config = parseConfigFile(c, csink);
    if (config !== undefined) applyRunConfig(b, config.value, csink, config.locate);
    sink.list.push(...csink.list);
  }
  if (truncated) b.status = 'running';
  else if (b.plannedSteps !== undefined && b.lastStep !== undefined && b.lastStep < b.plannedSteps) b.status = 'running';
  const { run } = b.build(sink);
  return { runs: [run], diagnostics: sink.list };
}
