// A tiny study workspace for the hostile-input, crash and race tests: three domains, two model sizes, eleven
// JSONL runs and a config template, in a fresh temp folder.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const STUDY = `name: tiny
domains: [web, code, books]
objective:
  metrics: [val_loss]
  direction: minimize
fidelities:
  models:
    - {name: 10M, params: 1e7}
    - {name: 100M, params: 1e8}
  target: {model: 100M, steps: 1000}
cost:
  kind: table
  table: {10M: 0.1, 100M: 1}
budget: {total: 10, unit: target_runs}
runs:
  include: ["runs/**"]
config:
  template: configs/base.yaml
  output: configs/generated/{trial}.yaml
  mixture_key: data.mixture
  model_key: model.name
  steps_key: trainer.max_steps
optimizer: {acquisition: auto, batch: 1, seed: 0}
`;

export const TEMPLATE = `# tiny template
model:
  name: 10M   # set by MixOpt
data:
  mixture: {web: 0.4, code: 0.3, books: 0.3}
trainer:
  max_steps: 1000
`;

export function runLines(domains: readonly string[] = ['web', 'code', 'books']): string[] {
  const lines: string[] = [];
  let k = 0;
  for (const [model, count] of [['10M', 8], ['100M', 3]] as const) {
    for (let i = 0; i < count; i++) {
      const a = (i + 1) / (count + 1);
      const w = [a * 0.8, (1 - a) * 0.5];
      w.push(1 - w[0]! - w[1]!);
      const mixture = Object.fromEntries(domains.map((d, j) => [d, w[j] ?? 0]));
      const loss = 3 + (w[0]! - 0.5) ** 2 + (model === '10M' ? 0.4 : 0);
      lines.push(JSON.stringify({ run: `r${k++}`, step: 1000, model, mixture, metrics: { val_loss: loss } }));
    }
  }
  return lines;
}

/** Writes the workspace (study text and run lines replaceable) and returns its folder and study file. */
export function makeWorkspace(options: { study?: string; runs?: readonly string[]; template?: string; git?: boolean } = {}): { dir: string; studyFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mixopt-hostile-'));
  mkdirSync(join(dir, 'runs'));
  mkdirSync(join(dir, 'configs'));
  if (options.git !== false) mkdirSync(join(dir, '.git')); // marks the workspace folder
  const studyFile = join(dir, 'tiny.mixopt.yaml');
  writeFileSync(studyFile, options.study ?? STUDY);
  writeFileSync(join(dir, 'configs', 'base.yaml'), options.template ?? TEMPLATE);
  writeFileSync(join(dir, 'runs', 'runs.jsonl'), `${(options.runs ?? runLines()).join('\n')}\n`);
  return { dir, studyFile };
}
