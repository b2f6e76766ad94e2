// `mixopt bench make-table` and `mixopt bench replay`: the replay benchmark (src/bench).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { lawsFromRegmixTable, optimumOf, randomSearchSeed, renderLoopMarkdown, runLoopSeed, summariseLoop } from '../bench/closedLoop';
import type { LoopSeed } from '../bench/closedLoop';
import { estimateNoise } from '../bench/noise';
import { makeOlmixTable } from '../bench/olmix';
import { makeRegmixTable } from '../bench/regmix';
import { BASELINES, MEASURED_NOISE, SUITE, SUITE_METHODS, renderSuiteMarkdown, runSuiteTable, worldOf } from '../bench/suite';
import type { SuiteTable, SuiteTableResult } from '../bench/suite';
import { SYNTHETIC_SPECS, makeSyntheticTable } from '../bench/synthetic';
import { DEFAULT_METHODS, DEFAULT_TUNING, METHOD_NAMES, methodByName } from '../bench/methods';
import type { MethodName } from '../bench/methods';
import { runSeed } from '../bench/replay';
import type { SeedResult } from '../bench/replay';
import { buildResults, renderHtml, renderResultsMarkdown, renderPng } from '../bench/report';
import type { BenchResults } from '../bench/report';
import { DEFAULT_COLUMNS, parseTable } from '../bench/table';
import { formatDiagnostic } from '../study/diagnostics';

interface Io {
  out(t: string): void;
  err(t: string): void;
}

const USAGE = `mixopt bench suite [--tables name,name|prefix*|all] [--methods ${SUITE_METHODS.join(',')}] [--seeds N (default: per table)]
                   [--first-seed 0] [--jobs 1] [--results-md bench/RESULTS.md|none] [--out bench/out/suite] [--reuse] [--list] [--quiet]
                   (every method over every table of the suite; prints and writes the summary)
mixopt bench make-tables [--regmix ../shared/data/regmix] [--olmix ../shared/data/olmix]
                   (writes every table of the suite: RegMix, Olmix DCLM, the synthetic ones)
mixopt bench noise [--tables name,name|all]   (re-estimates the measured tables' target noise)
mixopt bench loop [--seeds 5] [--first-seed 0] [--budget 10] [--max-steps 120] [--random-runs 100]
                  [--results-md bench/LOOP.md|none] [--table bench/regmix-table.csv] [--quiet]
                  (closed loop through the engine on simulated pre-training runs)
mixopt bench make-table [--data ../shared/data/regmix] [--out bench/regmix-table.csv]
mixopt bench replay [--table bench/regmix-table.csv] [--target 1B] [--direction minimize|maximize]
                    [--seeds 20] [--first-seed 0] [--methods ${METHOD_NAMES.join(',')}]
                    [--budget 40] [--max-steps 400] [--out bench/out] [--refit-every ${DEFAULT_TUNING.refitEvery}]
                    [--fidelity-column fidelity] [--cost-column cost] [--params-column params]
                    [--objective-column objective] [--no-png] [--results-md <out>/RESULTS.md|none] [--quiet]
mixopt bench render [--results bench/out/results.json] [--out bench/out] [--results-md <out>/RESULTS.md|none] [--no-png]
                    (re-draws the report, PNG and RESULTS.md of an earlier replay without re-running it)`;

function parseFlags(args: readonly string[], booleans: ReadonlySet<string>): { flags: Map<string, string>; error?: string } {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) return { flags, error: `unexpected argument "${a}"` };
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (booleans.has(name)) {
      flags.set(name, 'true');
      continue;
    }
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) return { flags, error: `--${name} needs a value` };
    flags.set(name, value);
  }
  return { flags };
}

function positiveInteger(flags: Map<string, string>, name: string, fallback: number): number | string {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  return Number.isInteger(v) && v >= 0 ? v : `--${name} must be a whole number, got "${raw}"`;
}

export async function runBench(args: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === 'help') {
    io.out(USAGE);
    return sub === undefined ? 2 : 0;
  }
  if (sub === 'make-table') return makeTable(rest, io);
  if (sub === 'make-tables') return makeTables(rest, io);
  if (sub === 'suite') return suite(rest, io);
  if (sub === 'noise') return noise(rest, io);
  if (sub === 'loop') return loop(rest, io);
  if (sub === 'replay') return replay(rest, io);
  if (sub === 'render') return render(rest, io);
  io.err(`mixopt bench: unknown subcommand "${sub}"\n${USAGE}`);
  return 2;
}

function makeTable(args: readonly string[], io: Io): number {
  const { flags, error } = parseFlags(args, new Set());
  const known = new Set(['data', 'out']);
  const unknown = [...flags.keys()].find((k) => !known.has(k));
  if (error || unknown) {
    io.err(`mixopt bench make-table: ${error ?? `unknown flag --${unknown}`}\n${USAGE}`);
    return 2;
  }
  const dataDir = flags.get('data') ?? '../shared/data/regmix';
  const out = flags.get('out') ?? 'bench/regmix-table.csv';
  let made: ReturnType<typeof makeRegmixTable>;
  try {
    made = makeRegmixTable(dataDir);
  } catch (e) {
    io.err(`mixopt bench make-table: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  mkdirSync(dirname(resolve(out)), { recursive: true });
  writeFileSync(out, made.csv);
  io.out(`${out}: ${Object.entries(made.counts).map(([k, v]) => `${v} ${k}`).join(', ')} rows, ${made.domains.length} domains`);
  return 0;
}

async function writeReports(summary: BenchResults, outDir: string, flags: Map<string, string>, io: Io): Promise<void> {
  // the per-method summary without per-pick data: small enough to commit next to the report
  writeFileSync(join(outDir, 'summary.json'), JSON.stringify({ ...summary, seeds: undefined, seedCosts: summary.seeds.map(({ picks: _picks, ...rest }) => rest) }, null, 1));
  const htmlPath = join(outDir, 'report.html');
  writeFileSync(htmlPath, renderHtml(summary));
  io.out(`wrote ${join(outDir, 'summary.json')} and ${htmlPath}`);
  if (!flags.has('no-png')) {
    const pngPath = join(outDir, 'regret.png');
    try {
      await renderPng(htmlPath, pngPath);
      io.out(`wrote ${pngPath}`);
    } catch (e) {
      io.err(`could not render the PNG (${e instanceof Error ? e.message : String(e)}); the HTML report is complete`);
    }
  }
  // one table's replay writes its RESULTS.md next to its report; bench/RESULTS.md belongs to `bench suite`
  const md = flags.get('results-md') ?? join(outDir, 'RESULTS.md');
  if (md !== 'none') {
    writeFileSync(md, keepHandNotes(renderResultsMarkdown(summary), md));
    io.out(`wrote ${md}`);
  }
  io.out(renderResultsMarkdown(summary, { tableOnly: true }));
}

async function render(args: readonly string[], io: Io): Promise<number> {
  const { flags, error } = parseFlags(args, new Set(['no-png']));
  const known = new Set(['results', 'out', 'results-md', 'no-png']);
  const unknown = [...flags.keys()].find((k) => !known.has(k));
  if (error || unknown) {
    io.err(`mixopt bench render: ${error ?? `unknown flag --${unknown}`}\n${USAGE}`);
    return 2;
  }
  const path = flags.get('results') ?? 'bench/out/results.json';
  let summary: BenchResults;
  try {
    summary = JSON.parse(readFileSync(path, 'utf8')) as BenchResults;
  } catch (e) {
    io.err(`mixopt bench render: cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  if (!Array.isArray(summary.methods) || !Array.isArray(summary.seeds) || !Array.isArray(summary.costGrid)) {
    io.err(`mixopt bench render: ${path} is not a results.json written by mixopt bench replay`);
    return 1;
  }
  const outDir = flags.get('out') ?? dirname(path);
  mkdirSync(outDir, { recursive: true });
  await writeReports(summary, outDir, flags, io);
  return 0;
}

async function replay(args: readonly string[], io: Io): Promise<number> {
  const booleans = new Set(['no-png', 'quiet']);
  const { flags, error } = parseFlags(args, booleans);
  const known = new Set([
    'table', 'target', 'direction', 'seeds', 'first-seed', 'methods', 'budget', 'max-steps', 'out', 'refit-every',
    'fidelity-column', 'cost-column', 'params-column', 'objective-column', 'no-png', 'results-md', 'quiet', 'max-per-fidelity',
  ]);
  const unknown = [...flags.keys()].find((k) => !known.has(k));
  const usage = (message: string): number => {
    io.err(`mixopt bench replay: ${message}\n${USAGE}`);
    return 2;
  };
  if (error) return usage(error);
  if (unknown) return usage(`unknown flag --${unknown}`);
  const direction = flags.get('direction') ?? 'minimize';
  if (direction !== 'minimize' && direction !== 'maximize') return usage(`--direction must be minimize or maximize, got "${direction}"`);
  const seeds = positiveInteger(flags, 'seeds', 20);
  const firstSeed = positiveInteger(flags, 'first-seed', 0);
  const maxSteps = positiveInteger(flags, 'max-steps', 400);
  const refitEvery = positiveInteger(flags, 'refit-every', DEFAULT_TUNING.refitEvery);
  const maxPerFidelity = flags.has('max-per-fidelity') ? positiveInteger(flags, 'max-per-fidelity', 0) : undefined;
  for (const v of [seeds, firstSeed, maxSteps, refitEvery, maxPerFidelity]) if (typeof v === 'string') return usage(v);
  const budget = Number(flags.get('budget') ?? 40);
  if (!(budget > 0)) return usage(`--budget must be a positive number, got "${flags.get('budget')}"`);
  const methodNames = (flags.get('methods') ?? DEFAULT_METHODS.join(',')).split(',').map((m) => m.trim()).filter((m) => m !== '');
  const badMethod = methodNames.find((m) => !(METHOD_NAMES as readonly string[]).includes(m));
  if (badMethod) return usage(`unknown method "${badMethod}"; methods are ${METHOD_NAMES.join(', ')}`);

  const tablePath = flags.get('table') ?? 'bench/regmix-table.csv';
  let text: string;
  try {
    text = readFileSync(tablePath, 'utf8');
  } catch (e) {
    io.err(`mixopt bench replay: cannot read ${tablePath}: ${e instanceof Error ? e.message : String(e)} (make it with: mixopt bench make-table)`);
    return 1;
  }
  const columns = {
    fidelity: flags.get('fidelity-column') ?? DEFAULT_COLUMNS.fidelity,
    cost: flags.get('cost-column') ?? DEFAULT_COLUMNS.cost,
    params: flags.get('params-column') ?? DEFAULT_COLUMNS.params,
    objective: flags.get('objective-column') ?? DEFAULT_COLUMNS.objective,
  };
  const parsed = parseTable(text, tablePath, columns);
  if (!parsed.table) {
    for (const d of parsed.diagnostics.slice(0, 20)) io.err(formatDiagnostic(d));
    if (parsed.diagnostics.length > 20) io.err(`… and ${parsed.diagnostics.length - 20} more`);
    return 1;
  }
  const table = parsed.table;
  const made = worldOf(table, direction, flags.get('target'));
  if ('error' in made) return usage(made.error);
  const { world, target: targetLabel } = made;
  const tuning = { refitEvery: refitEvery as number, ...(maxPerFidelity !== undefined ? { maxPerFidelity: maxPerFidelity as number } : {}) };
  const outDir = flags.get('out') ?? 'bench/out';
  mkdirSync(outDir, { recursive: true });
  const started = Date.now();
  const results: SeedResult[] = [];
  for (const name of methodNames as MethodName[]) {
    const method = methodByName(name, tuning);
    const t0 = Date.now();
    for (let s = 0; s < (seeds as number); s++) {
      const seed = (firstSeed as number) + s;
      const result = runSeed(world, method, seed, { budget, maxSteps: maxSteps as number });
      results.push(result);
      if (!flags.has('quiet')) {
        io.out(`${name} seed ${seed}: ${result.steps.length} picks, spent ${result.spent.toFixed(3)}, best at ${result.costToBest?.toFixed(3) ?? '-'}, top-3 at ${result.costToTopK?.toFixed(3) ?? '-'} (${result.stopped})`);
      }
    }
    io.out(`${name}: ${seeds} seeds in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const command = `mixopt bench replay ${args.join(' ')}`.trim();
  const summary = buildResults({
    command,
    table: tablePath,
    target: targetLabel,
    direction,
    budget,
    maxSteps: maxSteps as number,
    tuning,
    levels: table.levels,
    results,
    methods: methodNames,
    wallSeconds: (Date.now() - started) / 1000,
  });
  const jsonPath = join(outDir, 'results.json');
  writeFileSync(jsonPath, JSON.stringify(summary, null, 1));
  io.out(`wrote ${jsonPath}`);
  await writeReports(summary, outDir, flags, io);
  return 0;
}

function makeTables(args: readonly string[], io: Io): number {
  const { flags, error } = parseFlags(args, new Set());
  const unknown = [...flags.keys()].find((k) => !['regmix', 'olmix'].includes(k));
  if (error || unknown) {
    io.err(`mixopt bench make-tables: ${error ?? `unknown flag --${unknown}`}\n${USAGE}`);
    return 2;
  }
  const regmixDir = flags.get('regmix') ?? '../shared/data/regmix';
  const olmixDir = flags.get('olmix') ?? '../shared/data/olmix';
  let failed = false;
  try {
    const made = makeRegmixTable(regmixDir);
    writeFileSync('bench/regmix-table.csv', made.csv);
    io.out(`bench/regmix-table.csv: ${Object.entries(made.counts).map(([k, v]) => `${v} ${k}`).join(', ')} rows, ${made.domains.length} domains, 14 objective columns`);
  } catch (e) {
    io.err(`RegMix (${regmixDir}): ${e instanceof Error ? e.message : String(e)}`);
    failed = true;
  }
  try {
    const files = { ratios: join(olmixDir, 'dclm_ratios.csv'), metrics: join(olmixDir, 'dclm_metrics.csv') };
    const made = makeOlmixTable(readFileSync(files.ratios, 'utf8'), readFileSync(files.metrics, 'utf8'), files);
    for (const e of made.errors) io.err(e);
    if (made.table) {
      writeFileSync('bench/olmix-dclm-table.csv', made.table.csv);
      io.out(`bench/olmix-dclm-table.csv: ${made.table.rows} rows, ${made.table.domains.length} domains, objective = mean BPB of ${made.table.tasks.length} tasks`);
    } else failed = true;
  } catch (e) {
    io.err(`Olmix (${olmixDir}): ${e instanceof Error ? e.message : String(e)}`);
    failed = true;
  }
  for (const spec of SYNTHETIC_SPECS) {
    const made = makeSyntheticTable(spec);
    const path = `bench/${spec.name}-table.csv`;
    writeFileSync(path, made.csv);
    io.out(`${path}: target noise sd ${made.targetNoise.toPrecision(3)}, Spearman cheap vs noise-free target ${made.cheapRankCorrelation.toFixed(3)}`);
  }
  return failed ? 1 : 0;
}

function selectTables(flags: Map<string, string>): SuiteTable[] | string {
  const raw = flags.get('tables') ?? 'all';
  if (raw === 'all') return [...SUITE];
  const out: SuiteTable[] = [];
  for (const name of raw.split(',').map((t) => t.trim()).filter((t) => t !== '')) {
    // a name, or a prefix ending in * (e.g. regmix-*)
    const matches = name.endsWith('*') ? SUITE.filter((t) => t.name.startsWith(name.slice(0, -1))) : SUITE.filter((t) => t.name === name);
    if (matches.length === 0) return `unknown table "${name}"; tables are ${SUITE.map((t) => t.name).join(', ')} (or a prefix with *, e.g. regmix-*)`;
    for (const m of matches) if (!out.includes(m)) out.push(m);
  }
  return out;
}

function loadSuiteTable(entry: SuiteTable, io: Io): ReturnType<typeof parseTable>['table'] {
  let text: string;
  try {
    text = readFileSync(entry.file, 'utf8');
  } catch (e) {
    io.err(`${entry.name}: cannot read ${entry.file}: ${e instanceof Error ? e.message : String(e)} (make it with: mixopt bench make-tables)`);
    return undefined;
  }
  const parsed = parseTable(text, entry.file, { ...DEFAULT_COLUMNS, objective: entry.objective });
  for (const d of parsed.diagnostics.slice(0, 20)) io.err(formatDiagnostic(d));
  return parsed.table;
}

async function suite(args: readonly string[], io: Io): Promise<number> {
  const { flags, error } = parseFlags(args, new Set(['list', 'quiet', 'reuse']));
  const known = new Set(['tables', 'methods', 'seeds', 'first-seed', 'results-md', 'out', 'list', 'quiet', 'jobs', 'reuse']);
  const unknown = [...flags.keys()].find((k) => !known.has(k));
  const usage = (message: string): number => {
    io.err(`mixopt bench suite: ${message}\n${USAGE}`);
    return 2;
  };
  if (error) return usage(error);
  if (unknown) return usage(`unknown flag --${unknown}`);
  const tables = selectTables(flags);
  if (typeof tables === 'string') return usage(tables);
  if (flags.has('list')) {
    for (const t of tables) io.out(`${t.name}: ${t.about}; ${t.seeds} seeds, budget ${t.budget} ${t.unit}, noise ${t.noise.sd} (${t.noise.source})`);
    return 0;
  }
  const methodNames = (flags.get('methods') ?? SUITE_METHODS.join(',')).split(',').map((m) => m.trim()).filter((m) => m !== '');
  const badMethod = methodNames.find((m) => !(METHOD_NAMES as readonly string[]).includes(m));
  if (badMethod) return usage(`unknown method "${badMethod}"; methods are ${METHOD_NAMES.join(', ')}`);
  const seedsFlag = flags.has('seeds') ? positiveInteger(flags, 'seeds', 0) : undefined;
  const firstSeed = positiveInteger(flags, 'first-seed', 0);
  if (typeof seedsFlag === 'string') return usage(seedsFlag);
  if (typeof firstSeed === 'string') return usage(firstSeed);
  const jobs = positiveInteger(flags, 'jobs', 1);
  if (typeof jobs === 'string' || jobs < 1) return usage(typeof jobs === 'string' ? jobs : '--jobs must be at least 1');
  const outDir = flags.get('out') ?? 'bench/out/suite';
  mkdirSync(outDir, { recursive: true });
  const started = Date.now();
  const results: SuiteTableResult[] = [];
  let failed = false;
  // --reuse: a table whose <out>/<table>.json exists is read, not run again (to finish an interrupted suite)
  const reused = new Map<string, SuiteTableResult>();
  if (flags.has('reuse')) {
    for (const t of tables) {
      try {
        reused.set(t.name, readSuiteResult(readFileSync(join(outDir, `${t.name}.json`), 'utf8')));
        io.out(`${t.name}: reusing ${join(outDir, `${t.name}.json`)}`);
      } catch {
        // not there (or unreadable): run it
      }
    }
  }
  const toRun = tables.filter((t) => !reused.has(t.name));
  if (jobs > 1 && toRun.length > 1) {
    // Tables in parallel processes: each runs this same command on one table and writes <out>/<table>.json.
    const passOn = ['--methods', methodNames.join(','), '--first-seed', String(firstSeed), '--out', outDir, '--results-md', 'none', ...(seedsFlag !== undefined ? ['--seeds', String(seedsFlag)] : []), ...(flags.has('quiet') ? ['--quiet'] : [])];
    // a table whose process fails must not be reported from an older run's file
    for (const t of toRun) rmSync(join(outDir, `${t.name}.json`), { force: true });
    const failures = await runInProcesses(toRun.map((t) => ['bench', 'suite', '--tables', t.name, ...passOn]), jobs, io);
    for (const entry of toRun) {
      try {
        results.push(readSuiteResult(readFileSync(join(outDir, `${entry.name}.json`), 'utf8')));
      } catch (e) {
        io.err(`${entry.name}: no results (${e instanceof Error ? e.message : String(e)})`);
        failed = true;
      }
    }
    failed ||= failures > 0;
  }
  for (const entry of jobs > 1 && toRun.length > 1 ? [] : toRun) {
    const table = loadSuiteTable(entry, io);
    if (!table) {
      failed = true;
      continue;
    }
    const seeds = seedsFlag ?? entry.seeds;
    const result = runSuiteTable(entry, table, {
      methods: methodNames as MethodName[],
      seeds,
      firstSeed,
      onSeed: (r) => {
        if (!flags.has('quiet')) io.out(`${entry.name} ${r.method} seed ${r.seed}: spent ${r.spent.toFixed(3)}, best at ${r.costToBest?.toFixed(3) ?? '-'}, measured at ${r.costToVerified?.toFixed(3) ?? '-'}, regret ≤ noise at ${r.costToSmallRegret?.toFixed(3) ?? '-'} (${r.stopped})`);
      },
    });
    if ('error' in result) {
      io.err(`${entry.name}: ${result.error}`);
      failed = true;
      continue;
    }
    results.push(result);
    writeFileSync(join(outDir, `${entry.name}.json`), JSON.stringify(result, null, 1));
    io.out(`${entry.name}: ${result.wallSeconds.toFixed(0)} s`);
  }
  results.push(...reused.values());
  const order = (name: string): number => tables.findIndex((t) => t.name === name);
  results.sort((a, b) => order(a.name) - order(b.name));
  const wallSeconds = (Date.now() - started) / 1000;
  const table = renderSuiteMarkdown(results);
  io.out(table);
  io.out(`suite wall time: ${wallSeconds.toFixed(0)} s`);
  const md = flags.get('results-md') ?? 'bench/RESULTS.md';
  if (md !== 'none') {
    writeFileSync(md, keepHandNotes(suiteMarkdown(results, `mixopt bench suite ${args.join(' ')}`.trim(), wallSeconds), md));
    io.out(`wrote ${md}`);
  }
  return failed ? 1 : 0;
}

function suiteMarkdown(results: readonly SuiteTableResult[], command: string, wallSeconds: number): string {
  const about = results.map((r) => `- **${r.name}**: ${SUITE.find((t) => t.name === r.name)?.about ?? ''}. Target ${r.target}; ${r.levels.map((l) => `${l.rows} × ${l.label} at cost ${l.costVaries ? `${Number(l.cost.toPrecision(4))} (median; rows differ)` : l.cost}`).join(', ')}; budget ${r.budget} ${r.unit}; noise sd ${r.noise.sd} (${r.noise.source}).`);
  return `# Benchmark suite results

Generated by \`${command}\` (src/bench/suite.ts) on ${new Date().toISOString()}, wall time ${wallSeconds.toFixed(0)} s
(Node ${process.version}). Protocol (ADMIRE-BayesOpt appendix A.1): each table of measured runs is the world; each
step a method picks one unobserved row, pays its cost and sees its value, then recommends one target row. A seed
starts from one random row of the cheapest fidelity; MixOpt's methods then draw ${'3'} random rows with their seed
(at the cheapest fidelity for mixopt-mf, at the target for mixopt-sf) and RegMix / DML draw 3 random target rows,
so every seed changes every method's initial design. A seed stops when the method recommends the best target row
having measured it at the target, when nothing it would run fits the budget, or after the table's step cap.

Columns: median [25%, 75%] over seeds of the cost (in the table's unit) from which the recommended row was the
best target row and stayed so; until the method had measured the best row at the target and recommended it; and
from which the recommended row's regret stayed within the target's measurement noise sd (the noise column: known
for the synthetic tables; for the measured ones the noise sd of a maximum-likelihood GP fitted to all target
rows, frozen in src/bench/suite.ts). "(k/n)": seeds that got there; "> budget": not reached in that quantile.
Baselines: ${BASELINES.join(', ')}.

${about.join('\n')}

${renderSuiteMarkdown(results)}

## Notes (written by hand; \`bench suite\` rewrites the part above this line)
`;
}

function noise(args: readonly string[], io: Io): number {
  const { flags, error } = parseFlags(args, new Set());
  if (error) return (io.err(`mixopt bench noise: ${error}`), 2);
  const tables = selectTables(flags);
  if (typeof tables === 'string') return (io.err(`mixopt bench noise: ${tables}`), 2);
  for (const entry of tables) {
    if (!(entry.name in MEASURED_NOISE)) continue;
    const table = loadSuiteTable(entry, io);
    if (!table) continue;
    const target = table.levels[table.levels.length - 1]!.label;
    const rows = table.rows.filter((r) => r.fidelity === target);
    const sd = estimateNoise(rows.map((r) => r.w), rows.map((r) => r.objective));
    io.out(`${entry.name}: ${sd.toPrecision(3)} (frozen: ${MEASURED_NOISE[entry.name]})`);
  }
  return 0;
}

async function loop(args: readonly string[], io: Io): Promise<number> {
  const { flags, error } = parseFlags(args, new Set(['quiet']));
  const known = new Set(['seeds', 'first-seed', 'budget', 'max-steps', 'random-runs', 'results-md', 'table', 'quiet']);
  const unknown = [...flags.keys()].find((k) => !known.has(k));
  const usage = (message: string): number => {
    io.err(`mixopt bench loop: ${message}\n${USAGE}`);
    return 2;
  };
  if (error) return usage(error);
  if (unknown) return usage(`unknown flag --${unknown}`);
  const seeds = positiveInteger(flags, 'seeds', 5);
  const firstSeed = positiveInteger(flags, 'first-seed', 0);
  const maxSteps = positiveInteger(flags, 'max-steps', 120);
  const randomRuns = positiveInteger(flags, 'random-runs', 100);
  for (const v of [seeds, firstSeed, maxSteps, randomRuns]) if (typeof v === 'string') return usage(v);
  const budget = Number(flags.get('budget') ?? 10);
  if (!(budget > 0)) return usage(`--budget must be a positive number, got "${flags.get('budget')}"`);
  const tablePath = flags.get('table') ?? 'bench/regmix-table.csv';
  let text: string;
  try {
    text = readFileSync(tablePath, 'utf8');
  } catch (e) {
    io.err(`mixopt bench loop: cannot read ${tablePath}: ${e instanceof Error ? e.message : String(e)} (make it with: mixopt bench make-tables)`);
    return 1;
  }
  const laws = lawsFromRegmixTable(text, tablePath);
  if ('error' in laws) {
    io.err(`mixopt bench loop: ${laws.error}`);
    return 1;
  }
  const started = Date.now();
  const optimum = optimumOf(laws).value;
  const results: LoopSeed[] = [];
  for (let k = 0; k < (seeds as number); k++) {
    const seed = (firstSeed as number) + k;
    const r = await runLoopSeed(laws, seed, { budget, maxSteps: maxSteps as number, optimum });
    results.push(r);
    if (!flags.has('quiet')) io.out(`seed ${seed}: ${r.steps.length} suggestions, spent ${r.spent.toFixed(3)}, final regret ${r.steps[r.steps.length - 1]?.regret.toFixed(4) ?? '-'} (${r.stopped}, ${r.seconds.toFixed(0)} s)`);
  }
  const random = Array.from({ length: results.length }, (_, k) => randomSearchSeed(laws, (firstSeed as number) + k, randomRuns as number, optimum));
  const summary = summariseLoop(results, random, budget, optimum);
  const md = renderLoopMarkdown(summary, results, { command: `mixopt bench loop ${args.join(' ')}`.trim(), budget, maxSteps: maxSteps as number, wallSeconds: (Date.now() - started) / 1000 });
  io.out(md);
  const path = flags.get('results-md') ?? 'bench/LOOP.md';
  if (path !== 'none') {
    writeFileSync(path, keepHandNotes(md, path));
    io.out(`wrote ${path}`);
  }
  return 0;
}

/**
 * Runs `mixopt <args>` for each argument list, at most `jobs` at a time, with the same Node, loader flags and CLI
 * entry as this process; their output is passed through. Returns how many failed.
 */
function runInProcesses(argLists: readonly string[][], jobs: number, io: Io): Promise<number> {
  const entry = process.argv[1];
  if (entry === undefined) return Promise.resolve(argLists.length);
  let next = 0;
  let failures = 0;
  const worker = async (): Promise<void> => {
    while (next < argLists.length) {
      const args = argLists[next++]!;
      const code = await new Promise<number>((done) => {
        const child = spawn(process.execPath, [...process.execArgv, entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.on('data', (b: Buffer) => io.out(b.toString().trimEnd()));
        child.stderr.on('data', (b: Buffer) => io.err(b.toString().trimEnd()));
        child.on('error', () => done(1));
        child.on('close', (c) => done(c ?? 1));
      });
      if (code !== 0) {
        failures++;
        io.err(`mixopt ${args.join(' ')}: exit ${code}`);
      }
    }
  };
  return Promise.all(Array.from({ length: Math.min(jobs, argLists.length) }, worker)).then(() => failures);
}

/** A table's results read back from its JSON: "never reached" (Infinity) was written as null. */
export function readSuiteResult(text: string): SuiteTableResult {
  const quantiles = new Set(['median', 'q25', 'q75']);
  return JSON.parse(text, (key: string, value: unknown) => (value === null && quantiles.has(key) ? Infinity : value)) as SuiteTableResult;
}

const NOTES_HEADING = '## Notes (written by hand';

/** The generated part is rewritten; a hand-written notes section already in the file (from its heading on) stays. */
export function keepHandNotes(generated: string, path: string): string {
  let previous: string;
  try {
    previous = readFileSync(path, 'utf8');
  } catch {
    return generated;
  }
  const at = previous.indexOf(NOTES_HEADING);
  if (at < 0) return generated;
  const own = generated.indexOf(NOTES_HEADING);
  return `${(own >= 0 ? generated.slice(0, own) : generated).trimEnd()}\n\n${previous.slice(at)}`;
}
