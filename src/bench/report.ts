// Results of a replay: a JSON summary, an HTML report with inline SVG charts, a PNG of the main chart (headless
// Chromium through playwright-core) and the RESULTS.md table.
import { cpus, totalmem, type as osType, release } from 'node:os';
import type { MethodTuning } from './methods';
import { costGrid, quantile, regretOnGrid, summariseCosts } from './replay';
import type { CostSummary, SeedResult } from './replay';
import type { FidelityLevel } from './table';

export interface MethodSummary {
  readonly method: string;
  readonly seeds: number;
  readonly costToBest: CostSummary;
  readonly costToTop3: CostSummary;
  /** the cost at which the recommendation first touched the best / a top-3 row (it may have moved away again) */
  readonly firstCostToBest: CostSummary;
  readonly firstCostToTop3: CostSummary;
  /** the cost at which the method recommended the best row after measuring it at the target */
  readonly costToVerified: CostSummary;
  /** median over all steps of all seeds of the time to choose one row, ms */
  readonly medianChooseMs: number;
  readonly medianRecommendMs: number;
  readonly medianPicks: number;
  /** picks per fidelity label, summed over seeds */
  readonly picksByFidelity: Record<string, number>;
  /** median, 25% and 75% regret over seeds on the cost grid */
  readonly regretCurve: { readonly median: number[]; readonly q25: number[]; readonly q75: number[] };
}

export interface BenchResults {
  readonly command: string;
  readonly date: string;
  readonly machine: { readonly os: string; readonly cpu: string; readonly cores: number; readonly memoryGb: number; readonly node: string };
  readonly table: string;
  readonly target: string;
  readonly direction: string;
  readonly budget: number;
  readonly maxSteps: number;
  readonly tuning: MethodTuning;
  readonly levels: readonly FidelityLevel[];
  readonly wallSeconds: number;
  readonly costGrid: number[];
  readonly methods: readonly MethodSummary[];
  readonly seeds: readonly {
    readonly method: string;
    readonly seed: number;
    readonly costToBest: number | null;
    readonly costToTop3: number | null;
    readonly firstCostToBest: number | null;
    readonly costToVerified: number | null;
    readonly spent: number;
    readonly stopped: string;
    readonly picks: readonly { readonly fidelity: string; readonly cost: number; readonly regret: number; readonly chooseMs: number }[];
  }[];
}

export function buildResults(input: {
  command: string;
  table: string;
  target: string;
  direction: string;
  budget: number;
  maxSteps: number;
  tuning: MethodTuning;
  levels: readonly FidelityLevel[];
  results: readonly SeedResult[];
  methods: readonly string[];
  wallSeconds: number;
}): BenchResults {
  const cheapest = Math.min(...input.levels.map((l) => l.cost));
  const grid = costGrid(cheapest, input.budget, 80);
  const methods = input.methods.map((name): MethodSummary => {
    const runs = input.results.filter((r) => r.method === name);
    const chooseTimes = runs.flatMap((r) => r.steps.filter((s) => s.step > 0).map((s) => s.chooseMs));
    const recommendTimes = runs.flatMap((r) => r.steps.map((s) => s.recommendMs));
    const picksByFidelity: Record<string, number> = {};
    for (const r of runs) for (const s of r.steps) picksByFidelity[s.fidelity] = (picksByFidelity[s.fidelity] ?? 0) + 1;
    const curves = runs.map((r) => regretOnGrid(r.steps, grid));
    const column = (k: number, q: number): number => {
      const values = curves.map((c) => c[k]!).filter((v) => !Number.isNaN(v));
      return values.length === 0 ? NaN : quantile(values, q);
    };
    return {
      method: name,
      seeds: runs.length,
      costToBest: summariseCosts(runs.map((r) => r.costToBest)),
      costToTop3: summariseCosts(runs.map((r) => r.costToTopK)),
      firstCostToBest: summariseCosts(runs.map((r) => r.firstCostToBest)),
      firstCostToTop3: summariseCosts(runs.map((r) => r.firstCostToTopK)),
      costToVerified: summariseCosts(runs.map((r) => r.costToVerified)),
      medianChooseMs: chooseTimes.length > 0 ? quantile(chooseTimes, 0.5) : 0,
      medianRecommendMs: recommendTimes.length > 0 ? quantile(recommendTimes, 0.5) : 0,
      medianPicks: quantile(runs.map((r) => r.steps.length), 0.5),
      picksByFidelity,
      regretCurve: {
        median: grid.map((_, k) => column(k, 0.5)),
        q25: grid.map((_, k) => column(k, 0.25)),
        q75: grid.map((_, k) => column(k, 0.75)),
      },
    };
  });
  const cpu = cpus();
  return {
    command: input.command,
    date: new Date().toISOString(),
    machine: {
      os: `${osType()} ${release()}`,
      cpu: cpu[0]?.model ?? 'unknown',
      cores: cpu.length,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    table: input.table,
    target: input.target,
    direction: input.direction,
    budget: input.budget,
    maxSteps: input.maxSteps,
    tuning: input.tuning,
    levels: input.levels,
    wallSeconds: input.wallSeconds,
    costGrid: grid,
    methods,
    seeds: input.results.map((r) => ({
      method: r.method,
      seed: r.seed,
      costToBest: r.costToBest,
      costToTop3: r.costToTopK,
      firstCostToBest: r.firstCostToBest,
      costToVerified: r.costToVerified,
      spent: r.spent,
      stopped: r.stopped,
      picks: r.steps.map((s) => ({ fidelity: s.fidelity, cost: s.cost, regret: s.regret, chooseMs: s.chooseMs })),
    })),
  };
}

const fmt = (x: number, digits = 3): string => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(digits)).toString()) : x > 0 ? 'never' : '—');

function costCell(s: CostSummary, budget: number): string {
  // "never reached" is Infinity in memory and null after a JSON round trip (bench render)
  const cell = (v: number | null): string => (v === null || v === Infinity ? `> ${budget}` : fmt(v));
  return `${cell(s.median)} [${cell(s.q25)}, ${cell(s.q75)}] (${s.reached}/${s.seeds})`;
}

export function renderResultsMarkdown(r: BenchResults, options: { tableOnly?: boolean } = {}): string {
  const rows = r.methods.map(
    (m) =>
      `| ${m.method} | ${costCell(m.costToBest, r.budget)} | ${costCell(m.costToTop3, r.budget)} | ${costCell(m.costToVerified, r.budget)} | ${costCell(m.firstCostToBest, r.budget)} | ${costCell(m.firstCostToTop3, r.budget)} | ${fmt(m.medianChooseMs)} | ${Object.entries(m.picksByFidelity).map(([k, v]) => `${k}: ${v}`).join(', ')} |`,
  );
  const table = [
    '| method | cost to the best target row: median [IQR] (seeds) | cost to a top-3 target row | cost until it measured the best row at the target and recommended it | first touch of the best row | first touch of a top-3 row | median choose latency per step (ms) | picks by fidelity (all seeds) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
  if (options.tableOnly) return table;
  const mf = r.methods.find((m) => m.method === 'mixopt-mf');
  const ratios = mf
    ? r.methods
        .filter((m) => m !== mf)
        .map((m) => `- ${m.method} / mixopt-mf (median cost to the best row): ${ratioText(m.costToBest.median, mf.costToBest.median, r.budget)}`)
        .join('\n')
    : '';
  return `# Replay benchmark results

Generated by \`mixopt bench replay\` (src/bench). Protocol: ADMIRE-BayesOpt appendix A.1 — the table of measured
runs is the world; each step a method picks one unobserved row (mixture, model size), pays its cost and sees its
value, then recommends one ${r.target} row. Regret = value of the recommended row − best ${r.target} value. Each
seed starts from one random row of the cheapest model; a seed stops when the method recommends the best
${r.target} row after having run that row at ${r.target} itself, when no unobserved row it would run fits in the
budget (${r.budget} units), or after ${r.maxSteps} picks. Costs are in units of one ${r.target} run.

- Date: ${r.date}
- Machine: ${r.machine.os}, ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGb} GB, Node ${r.machine.node}
- Command: \`${r.command}\`
- Table: ${r.table} (${r.levels.map((l) => `${l.rows} × ${l.label} at cost ${l.cost}`).join(', ')})
- GP refits: hyperparameters re-optimised every ${r.tuning.refitEvery} steps (warm-started), fixed in between${r.tuning.maxPerFidelity !== undefined ? `; at most ${r.tuning.maxPerFidelity} rows per cheap fidelity in the fit` : ''}
- Wall time: ${r.wallSeconds.toFixed(0)} s

${table}

Costs are medians [25%, 75%] over seeds, with how many seeds got there. "Cost to the best row": the cost from
which the recommendation was the best row and stayed so until the seed stopped; "first touch": the first pick
after which the recommendation was that row, even if it moved away again; "measured": the cost when the method
recommended the best row having run it at the target itself (a method that never runs the target cannot). "> ${r.budget}": not reached in that
quantile of seeds.

${ratios}

Charts: ${'`'}report.html${'`'} (regret vs cost, median and IQR over seeds; cost to the best row per seed) and ${'`'}regret.png${'`'}
in the output folder (committed copies of the run above: bench/report/, with summary.json).
`;
}

function ratioText(a: number | null, b: number | null, budget: number): string {
  if (b === null || !Number.isFinite(b)) return 'mixopt-mf did not reach it in most seeds';
  if (a === null || !Number.isFinite(a)) return `> ${fmt(budget / b)}x (the other method did not reach it in most seeds within the budget)`;
  return `${fmt(a / b)}x`;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2'];

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Regret vs cost (log x) for every method: median line and IQR band. */
export function regretSvg(r: BenchResults, width = 820, height = 440): string {
  const margin = { left: 64, right: 170, top: 28, bottom: 48 };
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const grid = r.costGrid;
  const xMin = Math.log10(grid[0]!);
  const xMax = Math.log10(grid[grid.length - 1]!);
  let yMax = 0;
  for (const m of r.methods) for (const v of m.regretCurve.q75) if (Number.isFinite(v)) yMax = Math.max(yMax, v);
  yMax = yMax > 0 ? yMax * 1.05 : 1;
  const x = (c: number): number => margin.left + ((Math.log10(c) - xMin) / (xMax - xMin)) * plotW;
  const y = (v: number): number => margin.top + plotH - (v / yMax) * plotH;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" id="regret-chart" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(`<text x="${margin.left}" y="18" font-size="14" font-weight="bold">Regret of the recommended ${escapeHtml(r.target)} row vs cost (median, IQR band; ${r.methods[0]?.seeds ?? 0} seeds)</text>`);
  for (let p = Math.ceil(xMin); p <= Math.floor(xMax); p++) {
    const px = x(10 ** p);
    parts.push(`<line x1="${px}" y1="${margin.top}" x2="${px}" y2="${margin.top + plotH}" stroke="#ddd"/>`);
    parts.push(`<text x="${px}" y="${margin.top + plotH + 16}" text-anchor="middle">${10 ** p >= 1 ? 10 ** p : (10 ** p).toPrecision(1)}</text>`);
  }
  const rawStep = yMax / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rawStep));
  const tickStep = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= rawStep) ?? 10) * magnitude;
  for (let k = 0; k * tickStep <= yMax * (1 + 1e-9); k++) {
    const v = k * tickStep;
    parts.push(`<line x1="${margin.left}" y1="${y(v)}" x2="${margin.left + plotW}" y2="${y(v)}" stroke="#eee"/>`);
    parts.push(`<text x="${margin.left - 6}" y="${y(v) + 4}" text-anchor="end">${Number(v.toPrecision(3))}</text>`);
  }
  parts.push(`<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`);
  parts.push(`<text x="${margin.left + plotW / 2}" y="${height - 10}" text-anchor="middle">cost spent (units of one ${escapeHtml(r.target)} run, log scale)</text>`);
  parts.push(`<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">regret</text>`);
  r.methods.forEach((m, k) => {
    const color = COLORS[k % COLORS.length]!;
    const band: string[] = [];
    const lower: string[] = [];
    const line: string[] = [];
    grid.forEach((c, i) => {
      const med = m.regretCurve.median[i]!;
      const lo = m.regretCurve.q25[i]!;
      const hi = m.regretCurve.q75[i]!;
      if (Number.isFinite(hi) && Number.isFinite(lo)) {
        band.push(`${x(c).toFixed(1)},${y(hi).toFixed(1)}`);
        lower.unshift(`${x(c).toFixed(1)},${y(lo).toFixed(1)}`);
      }
      if (Number.isFinite(med)) line.push(`${x(c).toFixed(1)},${y(med).toFixed(1)}`);
    });
    if (band.length > 1) parts.push(`<polygon points="${[...band, ...lower].join(' ')}" fill="${color}" fill-opacity="0.12" stroke="none"/>`);
    if (line.length > 1) parts.push(`<polyline points="${line.join(' ')}" fill="none" stroke="${color}" stroke-width="2"/>`);
    const ly = margin.top + 10 + k * 20;
    parts.push(`<line x1="${margin.left + plotW + 12}" y1="${ly}" x2="${margin.left + plotW + 36}" y2="${ly}" stroke="${color}" stroke-width="3"/>`);
    parts.push(`<text x="${margin.left + plotW + 42}" y="${ly + 4}">${escapeHtml(m.method)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Cost to the best row per seed, one dot per seed, per method (log x). */
function costDotsSvg(r: BenchResults, width = 820): string {
  const rowH = 28;
  const margin = { left: 110, right: 30, top: 30, bottom: 40 };
  const height = margin.top + margin.bottom + rowH * r.methods.length;
  const plotW = width - margin.left - margin.right;
  const cheapest = r.costGrid[0]!;
  const xMin = Math.log10(cheapest);
  const xMax = Math.log10(r.budget * 1.5);
  const x = (c: number): number => margin.left + ((Math.log10(Math.max(c, cheapest)) - xMin) / (xMax - xMin)) * plotW;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`, `<rect width="${width}" height="${height}" fill="white"/>`];
  parts.push(`<text x="${margin.left}" y="18" font-size="14" font-weight="bold">Cost to find the best ${escapeHtml(r.target)} row, per seed (× = not within the budget)</text>`);
  for (let p = Math.ceil(xMin); p <= Math.floor(xMax); p++) {
    parts.push(`<line x1="${x(10 ** p)}" y1="${margin.top}" x2="${x(10 ** p)}" y2="${height - margin.bottom}" stroke="#ddd"/>`);
    parts.push(`<text x="${x(10 ** p)}" y="${height - margin.bottom + 16}" text-anchor="middle">${10 ** p >= 1 ? 10 ** p : (10 ** p).toPrecision(1)}</text>`);
  }
  r.methods.forEach((m, k) => {
    const cy = margin.top + rowH * k + rowH / 2;
    const color = COLORS[k % COLORS.length]!;
    parts.push(`<text x="${margin.left - 8}" y="${cy + 4}" text-anchor="end">${escapeHtml(m.method)}</text>`);
    r.seeds
      .filter((s) => s.method === m.method)
      .forEach((s, i) => {
        const jitter = ((i % 5) - 2) * 2.5;
        if (s.costToBest === null) parts.push(`<text x="${x(r.budget * 1.3)}" y="${cy + 4 + jitter}" fill="${color}" text-anchor="middle">×</text>`);
        else parts.push(`<circle cx="${x(s.costToBest).toFixed(1)}" cy="${(cy + jitter).toFixed(1)}" r="3" fill="${color}" fill-opacity="0.7"/>`);
      });
    if (Number.isFinite(m.costToBest.median)) parts.push(`<line x1="${x(m.costToBest.median)}" y1="${cy - 10}" x2="${x(m.costToBest.median)}" y2="${cy + 10}" stroke="black" stroke-width="2"/>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

export function renderHtml(r: BenchResults): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>MixOpt replay benchmark</title>
<style>body{font-family:sans-serif;margin:24px;max-width:1000px}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}code{background:#f4f4f4;padding:1px 4px}</style>
</head><body>
<h1>MixOpt replay benchmark</h1>
<p>${escapeHtml(r.date)} · ${escapeHtml(r.machine.cpu)} (${r.machine.cores} cores) · Node ${escapeHtml(r.machine.node)} · wall ${r.wallSeconds.toFixed(0)} s</p>
<p><code>${escapeHtml(r.command)}</code></p>
<div id="main-chart">${regretSvg(r)}</div>
<div>${costDotsSvg(r)}</div>
<h2>Summary</h2>
<table><tr><th>method</th><th>cost to best: median [IQR] (seeds)</th><th>cost to top-3: median [IQR] (seeds)</th><th>cost until the best row was measured and recommended</th><th>median choose ms</th><th>median picks</th></tr>
${r.methods.map((m) => `<tr><td>${escapeHtml(m.method)}</td><td>${escapeHtml(costCell(m.costToBest, r.budget))}</td><td>${escapeHtml(costCell(m.costToTop3, r.budget))}</td><td>${escapeHtml(costCell(m.costToVerified, r.budget))}</td><td>${fmt(m.medianChooseMs)}</td><td>${fmt(m.medianPicks)}</td></tr>`).join('\n')}
</table>
</body></html>
`;
}

/** Screenshot of the main chart of an HTML report by headless Chromium. */
export async function renderPng(htmlPath: string, pngPath: string, executablePath = '/usr/bin/chromium'): Promise<void> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
    const { pathToFileURL } = await import('node:url');
    const { resolve } = await import('node:path');
    await page.goto(pathToFileURL(resolve(htmlPath)).href);
    await page.locator('#regret-chart').screenshot({ path: pngPath });
  } finally {
    await browser.close();
  }
}
