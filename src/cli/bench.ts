// `mixopt bench make-table` and `mixopt bench replay`: the replay benchmark (src/bench).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { makeRegmixTable } from '../bench/regmix';
import { DEFAULT_METHODS, DEFAULT_TUNING, METHOD_NAMES, methodByName } from '../bench/methods';
import type { MethodName } from '../bench/methods';
import { runSeed } from '../bench/replay';
import type { SeedResult, World } from '../bench/replay';
import { buildResults, renderHtml, renderResultsMarkdown, renderPng } from '../bench/report';
import type { BenchResults } from '../bench/report';
import { DEFAULT_COLUMNS, fidelitiesOf, parseTable } from '../bench/table';
import { formatDiagnostic } from '../study/diagnostics';

interface Io {
  out(t: string): void;
  err(t: string): void;
}

const USAGE = `mixopt bench make-table [--data ../shared/data/regmix] [--out bench/regmix-table.csv]
mixopt bench replay [--table bench/regmix-table.csv] [--target 1B] [--direction minimize|maximize]
                    [--seeds 20] [--first-seed 0] [--methods ${METHOD_NAMES.join(',')}]
                    [--budget 40] [--max-steps 400] [--out bench/out] [--refit-every ${DEFAULT_TUNING.refitEvery}]
                    [--fidelity-column fidelity] [--cost-column cost] [--params-column params]
                    [--objective-column objective] [--no-png] [--results-md bench/RESULTS.md|none] [--quiet]
mixopt bench render [--results bench/out/results.json] [--out bench/out] [--results-md bench/RESULTS.md|none] [--no-png]
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
  const md = flags.get('results-md') ?? 'bench/RESULTS.md';
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
  const targetLabel = flags.get('target') ?? table.levels[table.levels.length - 1]!.label;
  const fid = fidelitiesOf(table, targetLabel);
  if ('error' in fid) return usage(fid.error);
  const sign = direction === 'minimize' ? 1 : -1;
  const world: World = {
    d: table.domains.length,
    rows: table.rows.map((r) => ({ w: r.w, fidelity: fid.fidelities.find((f) => f.label === r.fidelity)!, y: sign * r.objective })),
    fidelities: fid.fidelities,
    target: fid.target,
  };
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

const NOTES_HEADING = '## Notes (written by hand';

/** The generated part is rewritten; a hand-written notes section already in the file (from its heading on) stays. */
export function keepHandNotes(generated: string, path: string): string {
  let previous = '';
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
