// The benchmark suite: every method replayed over a list of run tables, one summary. `npm run bench` runs it
// (src/cli/bench.ts, `mixopt bench suite`); bench/RESULTS.md gets the summary table.
//
// Per table and method: median [IQR] over seeds of the cost to the best target row (held to the end), of the cost
// until the method measured the best row at the target and recommends it, and of the cost to a sustained small
// regret (from then on the recommended row is within the target's measurement noise of the best row; noise per
// table below). Ratios: MixOpt's default (mixopt-mf) / the best baseline (RegMix, DML, Sobol, random) and
// mixopt-mf / mixopt-sf. Costs are in the table's own unit (`unit`).
import type { MethodName } from './methods';
import { methodByName } from './methods';
import { REGMIX_METRICS } from './regmix';
import { runSeed, summariseCosts } from './replay';
import type { CostSummary, SeedResult, World } from './replay';
import { SYNTHETIC_SPECS, makeSyntheticTable } from './synthetic';
import { fidelitiesOf } from './table';
import type { FidelityLevel, RunTable } from './table';

export interface SuiteTable {
  readonly name: string;
  /** CSV file, relative to the repository root */
  readonly file: string;
  readonly objective: string;
  readonly direction: 'minimize' | 'maximize';
  /** budget of one seed, in `unit` */
  readonly budget: number;
  readonly maxSteps: number;
  /** seeds of the full suite (fewer on the slow tables) */
  readonly seeds: number;
  /** what one unit of cost is */
  readonly unit: string;
  /** the target's measurement noise sd (objective units) and where it comes from */
  readonly noise: { readonly sd: number; readonly source: string };
  readonly about: string;
}

/**
 * Noise of the measured tables: `mixopt bench noise` (src/bench/noise.ts: the noise sd of an ML GP fitted to all
 * target rows), computed once and frozen here so that the yardstick does not move with the model under test.
 */
export const MEASURED_NOISE: Readonly<Record<string, number>> = {
  'regmix-mean': 0.0255,
  'regmix-arxiv': 0.0134,
  'regmix-freelaw': 0.0437,
  'regmix-pubmed_central': 0.00696,
  'regmix-wikipedia_en': 0.0469,
  'regmix-dm_mathematics': 0.000297,
  'regmix-github': 0.0389,
  'regmix-stackexchange': 0.0488,
  'regmix-gutenberg_pg_19': 0.134,
  'regmix-pile_cc': 0.000101,
  'regmix-ubuntu_irc': 0.298,
  'regmix-hackernews': 0.164,
  'regmix-pubmed_abstracts': 0.036,
  'regmix-uspto_backgrounds': 0.0763,
  'olmix-dclm': 0.0481,
};

const GP_NOISE = 'ML GP fit to all target rows (bench noise)';

function measuredNoise(name: string): { sd: number; source: string } {
  return { sd: MEASURED_NOISE[name] ?? 0, source: GP_NOISE };
}

export const SUITE: readonly SuiteTable[] = [
  {
    name: 'regmix-mean',
    file: 'bench/regmix-table.csv',
    objective: 'objective',
    direction: 'minimize',
    budget: 40,
    maxSteps: 400,
    seeds: 10,
    unit: 'RegMix 1B runs',
    noise: measuredNoise('regmix-mean'),
    about: 'RegMix Pile runs (768 × 1M, 256 × 60M, 64 × 1B, 17 domains), mean of the 13 validation losses',
  },
  ...REGMIX_METRICS.map(
    (m): SuiteTable => ({
      name: `regmix-${m}`,
      file: 'bench/regmix-table.csv',
      objective: `objective/${m}`,
      direction: 'minimize',
      budget: 40,
      maxSteps: 400,
      seeds: 3,
      unit: 'RegMix 1B runs',
      noise: measuredNoise(`regmix-${m}`),
      about: `RegMix Pile runs, validation loss on ${m} alone`,
    }),
  ),
  {
    name: 'olmix-dclm',
    file: 'bench/olmix-dclm-table.csv',
    objective: 'objective',
    direction: 'minimize',
    budget: 127,
    maxSteps: 127,
    seeds: 10,
    unit: 'Olmix 30M proxy runs',
    noise: measuredNoise('olmix-dclm'),
    about: 'Olmix DCLM proxy runs (127 × 30M, 24 domains), mean bits-per-byte over 110 tasks; one fidelity',
  },
  ...SYNTHETIC_SPECS.map((spec): SuiteTable => {
    const made = makeSyntheticTable(spec);
    const transfer = spec.bias === 'noise' ? 'a cheap fidelity that is pure noise' : `cheap = target + ${spec.bias} sd of mixture-dependent bias`;
    if (spec.cheapRows === 0) {
      const rows = spec.targetRows ?? 64;
      return {
        name: spec.name,
        file: `bench/${spec.name}-table.csv`,
        objective: 'objective',
        direction: 'minimize',
        budget: rows,
        maxSteps: rows,
        seeds: 5,
        unit: 'target runs (cost 1)',
        noise: { sd: Number(made.targetNoise.toPrecision(3)), source: 'known (synthetic)' },
        about: `synthetic, ${rows} × target, ${spec.domains ?? 17} domains, one fidelity (a sum of mixing laws on sparse mixtures)`,
      };
    }
    return {
      name: spec.name,
      file: `bench/${spec.name}-table.csv`,
      objective: 'objective',
      direction: 'minimize',
      budget: 40,
      maxSteps: 400,
      seeds: 5,
      unit: 'target runs (cost 1)',
      noise: { sd: Number(made.targetNoise.toPrecision(3)), source: 'known (synthetic)' },
      about: `synthetic, 256 × 60M-like at 0.05, 64 × target, 17 domains; ${transfer} (Spearman cheap vs target ${made.cheapRankCorrelation.toFixed(2)})${spec.costNoise !== undefined ? `; per-row costs × lognormal(0, ${spec.costNoise})` : ''}`,
    };
  }),
];

export const SUITE_METHODS: readonly MethodName[] = ['mixopt-mf', 'mixopt-sf', 'random', 'sobol', 'regmix', 'dml'];
export const BASELINES: readonly string[] = ['regmix', 'dml', 'sobol', 'random'];

/** The replay world of a parsed table: the target level (default the most expensive), values to minimise. */
export function worldOf(table: RunTable, direction: 'minimize' | 'maximize', targetLabel?: string): { world: World; target: string } | { error: string } {
  const label = targetLabel ?? table.levels[table.levels.length - 1]!.label;
  const fid = fidelitiesOf(table, label);
  if ('error' in fid) return { error: fid.error };
  const sign = direction === 'minimize' ? 1 : -1;
  const varies = new Set(table.levels.filter((l) => l.costVaries).map((l) => l.label));
  const world: World = {
    d: table.domains.length,
    rows: table.rows.map((r) => ({ w: r.w, fidelity: fid.fidelities.find((f) => f.label === r.fidelity)!, y: sign * r.objective, ...(varies.has(r.fidelity) ? { cost: r.cost } : {}) })),
    fidelities: fid.fidelities,
    target: fid.target,
  };
  return { world, target: label };
}

export interface SuiteMethodResult {
  readonly method: string;
  readonly seeds: number;
  readonly costToBest: CostSummary;
  readonly costToVerified: CostSummary;
  readonly costToSmallRegret: CostSummary;
  /** picks per fidelity label, summed over seeds */
  readonly picksByFidelity: Record<string, number>;
  readonly wallSeconds: number;
}

export interface SuiteTableResult {
  readonly name: string;
  readonly about: string;
  readonly unit: string;
  readonly budget: number;
  readonly noise: { readonly sd: number; readonly source: string };
  readonly levels: readonly FidelityLevel[];
  readonly target: string;
  readonly methods: readonly SuiteMethodResult[];
  readonly wallSeconds: number;
}

export function summariseMethod(method: string, runs: readonly SeedResult[], wallSeconds: number): SuiteMethodResult {
  const picksByFidelity: Record<string, number> = {};
  for (const r of runs) for (const s of r.steps) picksByFidelity[s.fidelity] = (picksByFidelity[s.fidelity] ?? 0) + 1;
  return {
    method,
    seeds: runs.length,
    costToBest: summariseCosts(runs.map((r) => r.costToBest)),
    costToVerified: summariseCosts(runs.map((r) => r.costToVerified)),
    costToSmallRegret: summariseCosts(runs.map((r) => r.costToSmallRegret)),
    picksByFidelity,
    wallSeconds,
  };
}

/** Replays the methods over one table's world, `seeds` seeds from `firstSeed`. */
export function runSuiteTable(
  entry: SuiteTable,
  table: RunTable,
  options: { methods: readonly MethodName[]; seeds: number; firstSeed?: number; onSeed?: (r: SeedResult) => void; now?: () => number },
): SuiteTableResult | { error: string } {
  const made = worldOf(table, entry.direction);
  if ('error' in made) return made;
  const now = options.now ?? Date.now;
  const started = now();
  const methods = options.methods.map((name) => {
    const method = methodByName(name);
    const t0 = now();
    const runs: SeedResult[] = [];
    for (let s = 0; s < options.seeds; s++) {
      const result = runSeed(made.world, method, (options.firstSeed ?? 0) + s, { budget: entry.budget, maxSteps: entry.maxSteps, smallRegret: entry.noise.sd, now });
      runs.push(result);
      options.onSeed?.(result);
    }
    return summariseMethod(name, runs, (now() - t0) / 1000);
  });
  return {
    name: entry.name,
    about: entry.about,
    unit: entry.unit,
    budget: entry.budget,
    noise: entry.noise,
    levels: table.levels,
    target: made.target,
    methods,
    wallSeconds: (now() - started) / 1000,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Ratios and the summary table

export type CostKey = 'costToBest' | 'costToVerified' | 'costToSmallRegret';

/** The baseline with the lowest median of `key` (ties: the first in BASELINES order). */
export function bestBaseline(result: SuiteTableResult, key: CostKey): SuiteMethodResult | undefined {
  let best: SuiteMethodResult | undefined;
  for (const name of BASELINES) {
    const m = result.methods.find((x) => x.method === name);
    if (m && (!best || m[key].median < best[key].median)) best = m;
  }
  return best;
}

export function fmt(v: number): string {
  if (Number.isNaN(v)) return '–';
  if (v === Infinity) return '∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 0.1 ? v.toFixed(2) : v.toPrecision(2);
}

export function costCell(c: CostSummary | undefined, budget: number): string {
  if (!c) return '–';
  const v = (x: number): string => (Number.isFinite(x) ? fmt(x) : `> ${fmt(budget)}`);
  return `${v(c.median)} [${v(c.q25)}, ${v(c.q75)}]${c.reached < c.seeds ? ` (${c.reached}/${c.seeds})` : ''}`;
}

function ratioCell(a: SuiteMethodResult | undefined, b: SuiteMethodResult | undefined, key: CostKey, budget: number): string {
  if (!a || !b) return '–';
  const x = a[key].median;
  const y = b[key].median;
  if (!Number.isFinite(x) && !Number.isFinite(y)) return 'neither';
  if (!Number.isFinite(x)) return `> ${fmt(budget / y)}`;
  if (!Number.isFinite(y)) return `< ${fmt(x / budget)}`;
  return fmt(x / y);
}

/** One row per table and method, then the ratios per table; markdown. */
export function renderSuiteMarkdown(results: readonly SuiteTableResult[]): string {
  const lines: string[] = [];
  lines.push('| table (cost unit) | method | seeds | to the best target row | measured and recommended | sustained regret ≤ noise | picks by fidelity |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    r.methods.forEach((m, k) => {
      const label = k === 0 ? `${r.name} (${r.unit}; noise ${fmt(r.noise.sd)})` : '';
      const picks = Object.entries(m.picksByFidelity).map(([f, n]) => `${f}: ${n}`).join(', ');
      lines.push(`| ${label} | ${m.method} | ${m.seeds} | ${costCell(m.costToBest, r.budget)} | ${costCell(m.costToVerified, r.budget)} | ${costCell(m.costToSmallRegret, r.budget)} | ${picks} |`);
    });
  }
  lines.push('');
  lines.push('Ratios of medians (below 1: MixOpt cheaper). "best baseline" = the lowest median among RegMix, DML, Sobol and random at the target, per column.');
  lines.push('');
  lines.push('| table | MF / best baseline: best row | MF / best baseline: measured | MF / best baseline: regret ≤ noise | SF / best baseline: best row | MF / SF: best row | MF / SF: measured | MF / SF: regret ≤ noise | wall s |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const mf = r.methods.find((m) => m.method === 'mixopt-mf');
    const sf = r.methods.find((m) => m.method === 'mixopt-sf');
    const cell = (a: SuiteMethodResult | undefined, key: CostKey, against: 'baseline' | 'sf'): string => {
      if (!a) return '–';
      const b = against === 'sf' ? sf : bestBaseline(r, key);
      const name = against === 'baseline' && b ? ` (${b.method})` : '';
      return `${ratioCell(a, b, key, r.budget)}${name}`;
    };
    lines.push(
      `| ${r.name} | ${cell(mf, 'costToBest', 'baseline')} | ${cell(mf, 'costToVerified', 'baseline')} | ${cell(mf, 'costToSmallRegret', 'baseline')} | ${cell(sf, 'costToBest', 'baseline')} | ${cell(mf, 'costToBest', 'sf')} | ${cell(mf, 'costToVerified', 'sf')} | ${cell(mf, 'costToSmallRegret', 'sf')} | ${r.wallSeconds.toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}
