// Study files the engine tests share: three domains, a 10M proxy and a 1B target of 1,000 steps, runs read from
// runs/**, a budget of 100 target runs.

/** The study YAML; `extra` lines (e.g. a config section) are appended. */
export function twoSizeStudy(name: string, seed: number, extra = ''): string {
  return `name: ${name}
domains: [web, code, books]
objective: {metrics: [val_loss], direction: minimize}
fidelities:
  models: [{name: 10M, params: 1e7}, {name: 1B, params: 1e9}]
  target: {model: 1B, steps: 1000}
cost: {kind: table, table: {10M: 0.02, 1B: 1}}
budget: {total: 100, unit: target_runs}
runs: {include: ["runs/**"]}
optimizer: {kernel: rbf, ard: false, seed: ${seed}}
${extra}`;
}
