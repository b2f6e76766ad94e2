// The continuous closed-loop benchmark: MixOpt driven through its engine as a user would drive it, against a
// simulator of pre-training runs (src/bench/simulator.ts) instead of a cluster.
//
// One seed: a fresh study folder (5 domains, 5 model sizes 20M-1B, checkpoints at 4 step counts, target 1B at
// 25,000 steps, budget 10 target runs, FLOPs cost 6ND). Each step calls the engine in process
// (`runEngine({method: 'analyze', suggest: 1})`): its recommendation for the data so far is scored against the
// simulator's noise-free truth (regret, and whether the 95% interval shown holds the truth), then its suggestion
// is "trained": the simulator's checkpoints are appended to runs/log.jsonl (MixOpt JSONL) and the engine reads
// them on the next call. A seed stops when the engine suggests a run that does not fit in the budget left (counted:
// a suggestion should respect the budget) or proposes nothing, or after maxSteps. Random search at the target
// (random mixtures, the best measured one recommended) runs on the same simulator for comparison.
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { forgetEngineState, runEngine } from '../engine/engine';
import type { StudySnapshot } from '../protocol/snapshot';
import { Rng } from '../core/random';
import { quantile } from './replay';
import { PretrainingSimulator, SIM_GROUPS, SIM_MODELS, SIM_STEPS, SIM_TOKENS_PER_STEP, SIM_VALIDATION_GROUPS, fitSimulatorLaws, simulatorOptimum } from './simulator';
import { DEFAULT_COLUMNS, parseTable } from './table';
import type { SimulatorLaws } from './simulator';

const TARGET = SIM_MODELS[SIM_MODELS.length - 1]!;
const TARGET_STEPS = SIM_STEPS[SIM_STEPS.length - 1]!;

export interface LoopStep {
  /** cumulative cost (target runs) of the runs the recommendation is based on */
  readonly cost: number;
  readonly regret: number;
  /** the truth at the recommended mixture lies in the 95% interval shown */
  readonly covered: boolean;
  /**
   * the recommendation's shown mean and 95% interval, and the simulator's noise-free value there; `at`: the model
   * size it was shown at when not the target (one size run)
   */
  readonly shown?: { readonly mean: number; readonly lower: number; readonly upper: number; readonly truth: number; readonly at?: string };
  /** what was recommended: a mixture measured at the target, or one searched for (measured at a cheaper fidelity or not at all) */
  readonly recommended?: 'measured' | 'searched';
  /**
   * The other contender the recommendation was weighed against (RecommendationView.alternative): the posterior's
   * P(recommended is better) and the true gap, truth(recommended) - truth(alternative), at the target
   */
  readonly versus?: { readonly probabilityBetter: number; readonly truthGap: number };
  /** model and steps of the run suggested next (trained unless it did not fit) */
  readonly next?: { readonly model: string; readonly steps: number; readonly cost: number };
}

export interface LoopSeed {
  readonly seed: number;
  readonly steps: readonly LoopStep[];
  readonly spent: number;
  /** cost spent per model size */
  readonly byModel: Record<string, number>;
  /** how the seed ended */
  readonly stopped: 'budget' | 'over-budget-suggestion' | 'no-suggestion' | 'max-steps';
  readonly seconds: number;
}

export function studyYaml(seed: number, budget: number): string {
  const metrics = Object.keys(SIM_VALIDATION_GROUPS).map((g) => `val_loss/${g}`);
  return `name: closed-loop-${seed}
domains: [${SIM_GROUPS.join(', ')}]
objective:
  metrics: [${metrics.join(', ')}]
  aggregate: mean
  direction: minimize
fidelities:
  models:
${SIM_MODELS.map((m) => `    - {name: ${m.name}, params: ${m.params}}`).join('\n')}
  steps: [${SIM_STEPS.join(', ')}]
  target: {model: ${TARGET.name}, steps: ${TARGET_STEPS}}
cost: {kind: flops, tokens_per_step: ${SIM_TOKENS_PER_STEP}}
budget: {total: ${budget}, unit: target_runs}
runs: {include: ["runs/**"]}
optimizer: {acquisition: auto, batch: 1, seed: ${seed}}
`;
}

/** Cost of a run in target runs (6ND / 6 N_target D_target). */
export function runCostInTargetRuns(params: number, steps: number): number {
  return (params / TARGET.params) * (steps / TARGET_STEPS);
}

function mixtureVector(mixture: Readonly<Record<string, number>>): Float64Array {
  const w = Float64Array.from(SIM_GROUPS, (g) => Math.max(0, mixture[g] ?? 0));
  const total = w.reduce((a, b) => a + b, 0);
  return total > 0 ? w.map((v) => v / total) : w.fill(1 / w.length);
}

export async function runLoopSeed(laws: SimulatorLaws, seed: number, options: { budget: number; maxSteps: number; optimum: number; keepDir?: boolean }): Promise<LoopSeed> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), `mixopt-loop-${seed}-`));
  const studyFile = join(dir, 'loop.mixopt.yaml');
  writeFileSync(studyFile, studyYaml(seed, options.budget));
  mkdirSync(join(dir, 'runs'));
  const log = join(dir, 'runs', 'log.jsonl');
  writeFileSync(log, '');
  const sim = new PretrainingSimulator(laws, seed);
  const steps: LoopStep[] = [];
  const byModel: Record<string, number> = {};
  const targetRuns: Float64Array[] = [];
  let spent = 0;
  let stopped: LoopSeed['stopped'] = 'max-steps';
  forgetEngineState();
  try {
    for (let k = 0; k < options.maxSteps; k++) {
      const snapshot = (await runEngine({ method: 'analyze', params: { studyFile, suggest: 1, diagnostics: false } })) as StudySnapshot;
      const suggestion = snapshot.suggestions?.[0];
      const model = suggestion ? SIM_MODELS.find((m) => m.name === suggestion.model) : undefined;
      const next = suggestion && model ? { model: model.name, steps: suggestion.steps, cost: runCostInTargetRuns(model.params, suggestion.steps) } : undefined;
      const rec = snapshot.recommendation;
      if (rec) {
        const w = mixtureVector(rec.mixture);
        const truth = sim.truth(w, TARGET.params, TARGET_STEPS);
        // with one size run the value is shown at that size (RecommendationView.predictedAt), and checked there
        const shownModel = rec.predictedAt ? SIM_MODELS.find((m) => m.name === rec.predictedAt!.model) : TARGET;
        const truthShown = shownModel && rec.predictedAt ? sim.truth(w, shownModel.params, rec.predictedAt.steps) : truth;
        steps.push({
          cost: spent,
          regret: truth - options.optimum,
          covered: rec.predicted.lower <= truthShown && truthShown <= rec.predicted.upper,
          shown: { mean: rec.predicted.mean, lower: rec.predicted.lower, upper: rec.predicted.upper, truth: truthShown, ...(rec.predictedAt ? { at: rec.predictedAt.model } : {}) },
          ...(rec.alternative && !rec.predictedAt ? { versus: { probabilityBetter: rec.alternative.probabilityBetter, truthGap: truth - sim.truth(mixtureVector(rec.alternative.mixture), TARGET.params, TARGET_STEPS) } } : {}),
          recommended: targetRuns.some((t) => t.every((x, j) => Math.abs(x - w[j]!) <= 1e-5)) ? 'measured' : 'searched',
          ...(next ? { next } : {}),
        });
      }
      if (!suggestion || !model || !next) {
        stopped = 'no-suggestion';
        break;
      }
      if (spent + next.cost > options.budget * (1 + 1e-9)) {
        stopped = options.budget - spent < 1e-9 ? 'budget' : 'over-budget-suggestion';
        break;
      }
      const w = mixtureVector(suggestion.mixture);
      const run = `r${k}`;
      const lines = sim.train(w, model.params, suggestion.steps).map((c) =>
        JSON.stringify({
          run,
          step: c.step,
          model: model.name,
          mixture: Object.fromEntries(SIM_GROUPS.map((g, j) => [g, w[j]])),
          metrics: Object.fromEntries(Object.keys(SIM_VALIDATION_GROUPS).map((g, j) => [`val_loss/${g}`, c.losses[j]])),
        }),
      );
      appendFileSync(log, `${lines.join('\n')}\n`);
      if (model.name === TARGET.name && suggestion.steps === TARGET_STEPS) targetRuns.push(w);
      spent += next.cost;
      byModel[model.name] = (byModel[model.name] ?? 0) + next.cost;
    }
  } finally {
    forgetEngineState();
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
  }
  return { seed, steps, spent, byModel, stopped, seconds: (Date.now() - started) / 1000 };
}

/** Random search at the target: random (flat Dirichlet) mixtures, the best measured recommended. Regret after each run. */
export function randomSearchSeed(laws: SimulatorLaws, seed: number, runs: number, optimum: number): LoopStep[] {
  const sim = new PretrainingSimulator(laws, 10_000 + seed);
  const rng = new Rng(20_000 + seed);
  let best: { measured: number; truth: number } | undefined;
  const out: LoopStep[] = [];
  for (let k = 1; k <= runs; k++) {
    const w = Float64Array.from(SIM_GROUPS, () => -Math.log(Math.max(1e-300, 1 - rng.next())));
    const total = w.reduce((a, b) => a + b, 0);
    for (let j = 0; j < w.length; j++) w[j] = w[j]! / total;
    const checkpoints = sim.train(w, TARGET.params, TARGET_STEPS);
    const last = checkpoints[checkpoints.length - 1]!;
    const measured = last.losses.reduce((a, b) => a + b, 0) / last.losses.length;
    if (!best || measured < best.measured) best = { measured, truth: sim.truth(w, TARGET.params, TARGET_STEPS) };
    out.push({ cost: k, regret: best.truth - optimum, covered: false });
  }
  return out;
}

/** Regret at cost c: the last step whose cost is at most c (NaN before the first). */
export function regretAt(steps: readonly LoopStep[], c: number): number {
  let value = NaN;
  for (const s of steps) if (s.cost <= c * (1 + 1e-12)) value = s.regret;
  return value;
}

export interface LoopSummary {
  readonly seeds: number;
  readonly optimum: number;
  readonly grid: readonly number[];
  readonly mixoptMedian: readonly number[];
  readonly randomMedian: readonly number[];
  readonly finalMixopt: number;
  readonly finalRandomAtBudget: number;
  /** random's cost to reach MixOpt's final median regret / MixOpt's median spend; Infinity if not within its runs */
  readonly randomComputeRatio: number;
  readonly randomRuns: number;
  readonly shareByModel: Record<string, number>;
  /** seeds whose final regret is at most their regret at 1 unit */
  readonly notWorseThanAtOne: number;
  readonly coverage: number;
  /** NaN when no step came after half the budget */
  readonly coverageAfterHalf: number;
  /** coverage of the steps from 0.1 target runs on (NaN when none): past the first few cheap runs */
  readonly coverageAfterTenth: number;
  /** share of the steps whose value was shown at the one size run instead of at the target (RecommendationView.predictedAt) */
  readonly shownBelowTarget: number;
  /** coverage of the steps whose value was shown at the target (NaN when none) */
  readonly coverageAtTarget: number;
  /** mean of (shown mean - truth) over all steps, in the objective's units */
  readonly meanBias: number;
  /**
   * Steps whose recommendation was weighed against another mixture at the target: how many, the mean probability
   * shown that the recommended one is better, and the share in which it truly was (calibrated: the two agree)
   */
  readonly versus: { readonly steps: number; readonly meanProbability: number; readonly trulyBetter: number };
  readonly overBudgetSuggestions: number;
  readonly medianSpent: number;
  readonly medianSecondsPerSeed: number;
}

export function summariseLoop(seeds: readonly LoopSeed[], random: readonly LoopStep[][], budget: number, optimum: number): LoopSummary {
  const grid = [0.01, 0.03, 0.1, 0.3, 0.5, 1, 2, 3, 5, 7, 10].filter((g) => g <= budget);
  const medianAt = (runs: readonly (readonly LoopStep[])[], c: number): number => {
    const values = runs.map((r) => regretAt(r, c)).filter((v) => !Number.isNaN(v));
    return values.length === 0 ? NaN : quantile(values, 0.5);
  };
  const finals = seeds.map((s) => s.steps[s.steps.length - 1]?.regret ?? NaN);
  const finalMixopt = quantile(finals.filter((v) => !Number.isNaN(v)), 0.5);
  const randomRuns = random[0]?.length ?? 0;
  let reach = Infinity;
  for (let c = 1; c <= randomRuns; c++) {
    if (medianAt(random, c) <= finalMixopt) {
      reach = c;
      break;
    }
  }
  const medianSpent = quantile(seeds.map((s) => s.spent), 0.5);
  const total = seeds.reduce((a, s) => a + s.spent, 0);
  const shareByModel: Record<string, number> = {};
  for (const s of seeds) for (const [m, c] of Object.entries(s.byModel)) shareByModel[m] = (shareByModel[m] ?? 0) + c / total;
  const all = seeds.flatMap((s) => s.steps);
  const late = all.filter((s) => s.cost >= budget / 2);
  const afterTenth = all.filter((s) => s.cost >= 0.1);
  const shown = all.flatMap((s) => (s.shown ? [s.shown] : []));
  const atTarget = all.filter((s) => s.shown !== undefined && s.shown.at === undefined);
  const weighed = all.flatMap((s) => (s.versus ? [s.versus] : []));
  return {
    seeds: seeds.length,
    optimum,
    grid,
    mixoptMedian: grid.map((c) => medianAt(seeds.map((s) => s.steps), c)),
    randomMedian: grid.map((c) => medianAt(random, c)),
    finalMixopt,
    finalRandomAtBudget: medianAt(random, budget),
    randomComputeRatio: reach / medianSpent,
    randomRuns,
    shareByModel,
    notWorseThanAtOne: seeds.filter((s, i) => finals[i]! <= regretAt(s.steps, 1) + 1e-12).length,
    coverage: all.filter((s) => s.covered).length / Math.max(1, all.length),
    coverageAfterHalf: late.length === 0 ? NaN : late.filter((s) => s.covered).length / late.length,
    coverageAfterTenth: afterTenth.length === 0 ? NaN : afterTenth.filter((s) => s.covered).length / afterTenth.length,
    shownBelowTarget: shown.filter((s) => s.at !== undefined).length / Math.max(1, all.length),
    coverageAtTarget: atTarget.length === 0 ? NaN : atTarget.filter((s) => s.covered).length / atTarget.length,
    meanBias: shown.length === 0 ? NaN : shown.reduce((a, s) => a + s.mean - s.truth, 0) / shown.length,
    versus: {
      steps: weighed.length,
      meanProbability: weighed.length === 0 ? NaN : weighed.reduce((a, v) => a + v.probabilityBetter, 0) / weighed.length,
      trulyBetter: weighed.length === 0 ? NaN : weighed.filter((v) => v.truthGap <= 0).length / weighed.length,
    },
    overBudgetSuggestions: seeds.filter((s) => s.stopped === 'over-budget-suggestion').length,
    medianSpent,
    medianSecondsPerSeed: quantile(seeds.map((s) => s.seconds), 0.5),
  };
}

export function optimumOf(laws: SimulatorLaws): { w: Float64Array; value: number } {
  return simulatorOptimum(new PretrainingSimulator(laws, 0), TARGET.params, TARGET_STEPS);
}

/** The simulator's laws from the text of bench/regmix-table.csv (its 13 objective/<domain> columns). */
export function lawsFromRegmixTable(text: string, file = 'bench/regmix-table.csv'): SimulatorLaws | { error: string } {
  const members = [...new Set(Object.values(SIM_VALIDATION_GROUPS).flat())];
  const tables = members.map((m) => ({ m, parsed: parseTable(text, file, { ...DEFAULT_COLUMNS, objective: `objective/${m}` }) }));
  const bad = tables.find((t) => !t.parsed.table);
  if (bad) return { error: `${file}: ${bad.parsed.diagnostics[0]?.message ?? 'cannot read'} (make it with: mixopt bench make-tables)` };
  const first = tables[0]!.parsed.table!;
  const rows = first.rows.map((r, i) => ({ fidelity: r.fidelity, w: r.w, losses: Object.fromEntries(tables.map((t) => [t.m, t.parsed.table!.rows[i]!.objective])) }));
  const sizes = first.levels.map((l) => ({ label: l.label, params: l.params ?? NaN }));
  if (sizes.some((s) => !Number.isFinite(s.params))) return { error: `${file}: the simulator needs a params column` };
  return fitSimulatorLaws(first.domains, rows, sizes);
}

function num(v: number, digits = 3): string {
  if (Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return '∞';
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(digits);
}

/** The closed-loop results as markdown: the regret curve side by side, then the checks of issue 9. */
export function renderLoopMarkdown(s: LoopSummary, seeds: readonly LoopSeed[], meta: { command: string; budget: number; maxSteps: number; wallSeconds: number }): string {
  const lines = [
    '# Closed-loop benchmark (engine in process, simulated pre-training)',
    '',
    `Generated by \`${meta.command}\` (src/bench/closedLoop.ts) on ${new Date().toISOString()}; wall time ${meta.wallSeconds.toFixed(0)} s (Node ${process.version}).`,
    `Simulator: src/bench/simulator.ts (mixing laws fitted to the RegMix runs at 1M/60M/1B, pooled to 5 domains; Chinchilla`,
    `scaling in steps; run noise sd 0.01 + checkpoint noise sd 0.003). Sizes ${SIM_MODELS.map((m) => m.name).join(', ')}; checkpoints at ${SIM_STEPS.join(', ')} steps;`,
    `target ${TARGET.name} at ${TARGET_STEPS} steps; optimum ${num(s.optimum, 5)} on the face w_noise = 0. Budget ${meta.budget} target runs; at most ${meta.maxSteps} suggestions a seed.`,
    `${s.seeds} seeds; regret = true target loss of the recommended mixture − the optimum (noise-free). Random: random mixtures at the target, best measured recommended, ${s.randomRuns} runs a seed, ${s.seeds} seeds.`,
    '',
    `| cost (target runs) | ${s.grid.map((g) => num(g)).join(' | ')} |`,
    `| --- | ${s.grid.map(() => '---').join(' | ')} |`,
    `| MixOpt median regret | ${s.mixoptMedian.map((v) => num(v)).join(' | ')} |`,
    `| random median regret | ${s.randomMedian.map((v) => num(v)).join(' | ')} |`,
    '',
    `- MixOpt final median regret ${num(s.finalMixopt)} (median spend ${num(s.medianSpent)} target runs); random at ${meta.budget} runs: ${num(s.finalRandomAtBudget)}.`,
    `- Compute for random search to reach MixOpt's final median regret: ${Number.isFinite(s.randomComputeRatio) ? `${num(s.randomComputeRatio)}x MixOpt's median spend` : `not within ${s.randomRuns} runs (> ${num(s.randomRuns / s.medianSpent)}x)`}.`,
    `- Share of the spend per model size: ${Object.entries(s.shareByModel).sort((a, b) => b[1] - a[1]).map(([m, v]) => `${m} ${(100 * v).toFixed(0)}%`).join(', ')}.`,
    `- Seeds whose final regret ≤ their regret at 1 unit: ${s.notWorseThanAtOne} of ${s.seeds}${seeds.every((x) => x.spent <= 1) ? ' (vacuous here: no seed spent more than 1 unit)' : ''}.`,
    `- 95% interval shown by the recommendation holds the true value: ${(100 * s.coverage).toFixed(0)}% of all steps, ${Number.isNaN(s.coverageAfterHalf) ? 'no step came after half the budget' : `${(100 * s.coverageAfterHalf).toFixed(0)}% of the steps after half the budget`}; ${Number.isNaN(s.coverageAfterTenth) ? 'no step came after 0.1 units' : `${(100 * s.coverageAfterTenth).toFixed(0)}% of the steps from 0.1 units on`}; mean of shown mean - truth ${s.meanBias.toPrecision(3)}. ${(100 * s.shownBelowTarget).toFixed(0)}% of the steps had one size run and showed the value at that size (each checked against the truth there); of the steps shown at the target, ${Number.isNaN(s.coverageAtTarget) ? 'none' : `${(100 * s.coverageAtTarget).toFixed(0)}% held the truth`}.`,
    `- Steps whose recommendation was weighed against another mixture at the target (the alternative shown): ${s.versus.steps}; mean probability shown that the recommended one is better ${Number.isNaN(s.versus.meanProbability) ? '–' : s.versus.meanProbability.toFixed(2)}, truly better in ${Number.isNaN(s.versus.trulyBetter) ? '–' : `${(100 * s.versus.trulyBetter).toFixed(0)}%`} of them.`,
    `- Seeds that ended with a suggestion that did not fit in the budget left: ${s.overBudgetSuggestions} of ${s.seeds}.`,
    `- Median wall time per seed: ${num(s.medianSecondsPerSeed)} s.`,
    '',
    '| seed | suggestions | spent | final regret | regret at 1 unit | stopped |',
    '| --- | --- | --- | --- | --- | --- |',
    ...seeds.map((x) => `| ${x.seed} | ${x.steps.length} | ${num(x.spent)} | ${num(x.steps[x.steps.length - 1]?.regret ?? NaN)} | ${num(regretAt(x.steps, 1))} | ${x.stopped} |`),
    '',
  ];
  return lines.join('\n');
}
