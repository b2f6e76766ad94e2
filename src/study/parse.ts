// Parses and validates a study file (`*.mixopt.yaml`, SPEC.md "Study file"). Text in, Study + diagnostics out;
// never throws. Every diagnostic names the file, the line of the offending key or value, the dotted key, what is
// wrong and how to fix it. Unknown keys are reported (with a "did you mean" when one is close).
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import { dict, own } from '../core/names';
import type { Diagnostic, Severity } from './diagnostics';
import { schemaProblems } from './schema';
import type { Aggregate, CostModel, CsvMapping, LaunchSpec, ModelFidelity, Study } from './types';

type Path = readonly (string | number)[];

const MAX_TEXT = 5_000_000;
const MAX_DEPTH = 64;
const MAX_DOMAINS = 256;

export const STUDY_KEYS = {
  top: ['name', 'domains', 'objective', 'fidelities', 'cost', 'budget', 'constraints', 'runs', 'config', 'launch', 'optimizer'],
  objective: ['metrics', 'aggregate', 'direction'],
  fidelities: ['models', 'steps', 'target'],
  model: ['name', 'params', 'cost'],
  target: ['model', 'steps'],
  cost: ['kind', 'tokens_per_step', 'table', 'metric', 'fallback'],
  budget: ['total', 'unit'],
  constraints: ['bounds', 'fixed', 'available_tokens', 'max_epochs'],
  runs: ['include', 'exclude', 'csv'],
  csv: ['files', 'mixture_file', 'metrics_file', 'join', 'weight_column', 'metric_columns', 'model_column', 'model', 'steps_column', 'steps', 'run_id_column'],
  config: ['template', 'output', 'mixture_key', 'model_key', 'steps_key', 'mixture_shape', 'paths', 'allow_outside_workspace'],
  optimizer: ['acquisition', 'batch', 'seed', 'kernel', 'ard', 'fidelity_kernel'],
  launch: ['scheduler', 'command'],
} as const;

export const STUDY_ENUMS = {
  aggregate: ['mean', 'max'],
  direction: ['minimize', 'maximize'],
  costKind: ['flops', 'table', 'gpu_hours'],
  budgetUnit: ['target_runs', 'flops', 'gpu_hours', 'cost'],
  mixtureShape: ['auto', 'map', 'list', 'flat'],
  acquisition: ['auto', 'logei', 'ei-per-cost', 'mes', 'ucb'],
  kernel: ['rbf', 'matern52'],
  fidelityKernel: ['rbf', 'downsampling'],
  scheduler: ['terminal', 'slurm'],
} as const;

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

function closest(word: string, choices: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of choices) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, g: 1e9, t: 1e12 };

/** Parameter counts and token counts: 1e6, 6e7, "60M", "1.3B", "20k". */
export function parseCount(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([kmbgt])?\s*$/i.exec(value);
  if (!m) return undefined;
  const x = Number(m[1]) * (m[2] ? SUFFIX[m[2].toLowerCase()]! : 1);
  return Number.isFinite(x) ? x : undefined;
}

function fmtPath(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/** Walks the YAML AST alongside the plain value so every path has a line. */
class Locator {
  constructor(
    private readonly root: Node | null | undefined,
    private readonly lines: LineCounter,
  ) {}

  /** 1-based line and column of the value at `path` (or of its key, or of the nearest parent that exists). */
  position(path: Path, preferKey = false): { line: number; column: number } {
    let node: unknown = this.root;
    let best: { line: number; column: number } = { line: 1, column: 1 };
    const at = (n: unknown): void => {
      const range = (n as { range?: [number, number, number] } | undefined)?.range;
      if (range) {
        const p = this.lines.linePos(range[0]);
        best = { line: p.line, column: p.col };
      }
    };
    at(node);
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      if (isMap(node)) {
        const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg));
        if (!pair) return best;
        if (preferKey && i === path.length - 1) {
          at(pair.key);
          return best;
        }
        at(pair.key);
        node = pair.value;
        if (node) at(node);
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg];
        if (!node) return best;
        at(node);
      } else return best;
    }
    return best;
  }
}

interface Ctx {
  readonly file: string;
  readonly diagnostics: Diagnostic[];
  readonly locator: Locator;
}

function report(ctx: Ctx, severity: Severity, path: Path, message: string, hint?: string, atKey = false): void {
  const pos = ctx.locator.position(path, atKey);
  ctx.diagnostics.push({
    severity,
    file: ctx.file,
    line: pos.line,
    column: pos.column,
    ...(path.length > 0 ? { key: fmtPath(path) } : {}),
    message,
    ...(hint !== undefined ? { hint } : {}),
  });
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const typeName = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? 'a list' : typeof x === 'object' ? 'a map' : typeof x === 'string' ? `the text "${x.length > 40 ? `${x.slice(0, 40)}…` : x}"` : typeof x === 'number' || typeof x === 'boolean' ? `${typeof x} ${x}` : typeof x);

function checkKeys(ctx: Ctx, obj: Obj, path: Path, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (allowed.includes(key)) continue;
    const guess = closest(key, allowed);
    report(ctx, 'warning', [...path, key], `unknown key "${key}"${path.length ? ` in ${fmtPath(path)}` : ''} is ignored`, guess ? `did you mean "${guess}"?` : `known keys: ${allowed.join(', ')}`, true);
  }
}

function getObj(ctx: Ctx, parent: Obj, path: Path, key: string, required: boolean, hint: string): Obj | undefined {
  const v = parent[key];
  if (v === undefined || v === null) {
    if (required) report(ctx, 'error', path, `missing required key "${[...path, key].map(String).join('.')}"`, hint);
    return undefined;
  }
  if (!isObj(v)) {
    report(ctx, 'error', [...path, key], `${fmtPath([...path, key])} must be a map, not ${typeName(v)}`, hint);
    return undefined;
  }
  return v;
}

function getString(ctx: Ctx, parent: Obj, path: Path, key: string, required: boolean, hint: string): string | undefined {
  const v = parent[key];
  if (v === undefined || v === null) {
    if (required) report(ctx, 'error', path, `missing required key "${[...path, key].map(String).join('.')}"`, hint);
    return undefined;
  }
  if (typeof v !== 'string' && typeof v !== 'number') {
    report(ctx, 'error', [...path, key], `${fmtPath([...path, key])} must be text, not ${typeName(v)}`, hint);
    return undefined;
  }
  const s = String(v).trim();
  if (s === '') {
    report(ctx, 'error', [...path, key], `${fmtPath([...path, key])} is empty`, hint);
    return undefined;
  }
  return s;
}

/** `launch: "cmd ${config}"` (terminal) or `launch: {scheduler: slurm, command: "sbatch … ${config}"}`. */
function parseLaunch(ctx: Ctx, root: Obj): LaunchSpec | undefined {
  const hint = 'e.g. launch: {scheduler: slurm, command: "sbatch scripts/train.sh ${config}"}, or a command string run in a terminal';
  if (!isObj(root['launch'])) {
    const command = getString(ctx, root, [], 'launch', false, hint);
    return command ? { scheduler: 'terminal', command } : undefined;
  }
  const obj = root['launch'];
  checkKeys(ctx, obj, ['launch'], STUDY_KEYS.launch);
  const scheduler = getEnum(ctx, obj, ['launch'], 'scheduler', STUDY_ENUMS.scheduler, 'terminal');
  const command = getString(ctx, obj, ['launch'], 'command', true, 'e.g. command: "sbatch scripts/train.sh ${config}"');
  return command ? { scheduler, command } : undefined;
}

function getEnum<T extends string>(ctx: Ctx, parent: Obj, path: Path, key: string, choices: readonly T[], fallback: T): T {
  const v = parent[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'string' && (choices as readonly string[]).includes(v)) return v as T;
  const guess = typeof v === 'string' ? closest(v, choices) : undefined;
  report(ctx, 'error', [...path, key], `${fmtPath([...path, key])} must be one of ${choices.join(', ')}, not ${typeName(v)}`, guess ? `did you mean "${guess}"?` : `write one of: ${choices.join(', ')}`);
  return fallback;
}

interface NumberRule {
  readonly min?: number;
  readonly max?: number;
  readonly exclusiveMin?: boolean;
  readonly integer?: boolean;
  readonly counts?: boolean;
}

function toNumber(ctx: Ctx, v: unknown, path: Path, rule: NumberRule, hint: string): number | undefined {
  const x = rule.counts ? parseCount(v) : typeof v === 'number' ? v : undefined;
  if (x === undefined) {
    report(ctx, 'error', path, `${fmtPath(path)} must be a number${rule.counts ? ' (e.g. 6e7 or "60M")' : ''}, not ${typeName(v)}`, hint);
    return undefined;
  }
  if (!Number.isFinite(x)) {
    report(ctx, 'error', path, `${fmtPath(path)} must be a finite number, not ${String(x)}`, hint);
    return undefined;
  }
  if (rule.integer && !Number.isInteger(x)) {
    report(ctx, 'error', path, `${fmtPath(path)} must be a whole number, not ${x}`, hint);
    return undefined;
  }
  if (rule.min !== undefined && (rule.exclusiveMin ? x <= rule.min : x < rule.min)) {
    report(ctx, 'error', path, `${fmtPath(path)} must be ${rule.exclusiveMin ? 'greater than' : 'at least'} ${rule.min}, not ${x}`, hint);
    return undefined;
  }
  if (rule.max !== undefined && x > rule.max) {
    report(ctx, 'error', path, `${fmtPath(path)} must be at most ${rule.max}, not ${x}`, hint);
    return undefined;
  }
  return x;
}

function getNumber(ctx: Ctx, parent: Obj, path: Path, key: string, required: boolean, rule: NumberRule, hint: string): number | undefined {
  const v = parent[key];
  if (v === undefined || v === null) {
    if (required) report(ctx, 'error', path, `missing required key "${[...path, key].map(String).join('.')}"`, hint);
    return undefined;
  }
  return toNumber(ctx, v, [...path, key], rule, hint);
}

function stringList(ctx: Ctx, v: unknown, path: Path, hint: string): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) {
    report(ctx, 'error', path, `${fmtPath(path)} must be a list of text, not ${typeName(v)}`, hint);
    return undefined;
  }
  const out: string[] = [];
  v.forEach((item, i) => {
    if (typeof item === 'string' || typeof item === 'number') out.push(String(item));
    else report(ctx, 'error', [...path, i], `${fmtPath([...path, i])} must be text, not ${typeName(item)}`, hint);
  });
  return out;
}

function tooDeep(value: unknown, depth = 0): boolean {
  if (depth > MAX_DEPTH) return true;
  if (Array.isArray(value)) return value.some((v) => tooDeep(v, depth + 1));
  if (isObj(value)) return Object.values(value).some((v) => tooDeep(v, depth + 1));
  return false;
}

/**
 * The line where flow brackets (`[`, `{`) first nest deeper than MAX_DEPTH, outside quotes and comments. Checked on
 * the text before the YAML parser sees it: the parser recurses per level and overflows the stack near 5,000.
 */
export function deepFlowLine(text: string, maxDepth = MAX_DEPTH): number | undefined {
  let depth = 0;
  let line = 1;
  let quote: string | undefined;
  let comment = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      line++;
      comment = false;
      continue;
    }
    if (comment) continue;
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1] ?? ''))) comment = true;
    else if (c === '[' || c === '{') {
      if (++depth > maxDepth) return line;
    } else if ((c === ']' || c === '}') && depth > 0) depth--;
  }
  return undefined;
}

export function parseStudy(text: string, file: string): { study?: Study; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  try {
    return parseStudyUnsafe(text, file, diagnostics);
  } catch (e) {
    diagnostics.push({ severity: 'error', file, line: 0, message: `the study could not be read: ${e instanceof Error ? e.message : String(e)}`, hint: 'check the YAML syntax' });
    return { diagnostics };
  }
}

function parseStudyUnsafe(rawText: string, file: string, diagnostics: Diagnostic[]): { study?: Study; diagnostics: Diagnostic[] } {
  const read = readStudyYaml(rawText, file, diagnostics);
  if (!read) return { diagnostics };
  const study = buildStudy(read.ctx, read.root, file);
  const errors = (): number => diagnostics.filter((d) => d.severity === 'error').length;
  const before = errors();
  checkSchema(read.ctx, read.root);
  return study && errors() === before ? { study, diagnostics } : { diagnostics };
}

/** The study text as a YAML map with a locator for lines, or undefined after reporting why it is not one. */
function readStudyYaml(rawText: string, file: string, diagnostics: Diagnostic[]): { ctx: Ctx; root: Obj } | undefined {
  if (rawText.length > MAX_TEXT) {
    diagnostics.push({ severity: 'error', file, line: 1, message: `the study file is ${rawText.length} characters long; a study is a short YAML file`, hint: 'is this the right file?' });
    return undefined;
  }
  const text = rawText.replace(/^\uFEFF/, '');
  const deepLine = deepFlowLine(text);
  if (deepLine !== undefined) {
    diagnostics.push({ severity: 'error', file, line: deepLine, message: `the study is nested more than ${MAX_DEPTH} levels deep here`, hint: 'a study needs only a few levels; is this the right file?' });
    return undefined;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  for (const err of [...doc.errors, ...doc.warnings]) {
    // linePos is only filled in with prettyErrors; the offset always is.
    const pos = err.linePos?.[0] ?? (Number.isInteger(err.pos[0]) ? lineCounter.linePos(Math.min(err.pos[0], text.length)) : undefined);
    diagnostics.push({
      severity: doc.errors.includes(err) ? 'error' : 'warning',
      file,
      line: pos?.line ?? 0,
      ...(pos ? { column: pos.col } : {}),
      message: `YAML: ${err.message.split('\n')[0]}`,
      hint: err.code === 'DUPLICATE_KEY' ? 'remove or rename one of the duplicate keys' : 'fix the YAML syntax at this line',
    });
  }
  if (doc.errors.length > 0) return undefined;
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    const aliasLine = text.split('\n').findIndex((l) => /(^|[\s[,{:-])\*[^\s,\]}]/.test(l));
    diagnostics.push({ severity: 'error', file, line: aliasLine + 1 || 1, message: `YAML: ${e instanceof Error ? e.message : String(e)}`, hint: 'the file expands too many aliases; write the values out' });
    return undefined;
  }
  const ctx: Ctx = { file, diagnostics, locator: new Locator(doc.contents, lineCounter) };
  if (!isObj(value)) {
    report(ctx, 'error', [], `a study must be a YAML map with keys like name, domains, objective; found ${typeName(value)}`, 'start from examples/pile-regmix/pile.mixopt.yaml');
    return undefined;
  }
  if (tooDeep(value)) {
    report(ctx, 'error', [], `the study is nested more than ${MAX_DEPTH} levels deep`, 'a study needs only a few levels');
    return undefined;
  }
  return { ctx, root: value };
}

/**
 * The schema's verdict on what the parser let through: a violation at a key that already has a diagnostic (or
 * under one) is the same problem, said better by the parser; any other one is reported at its line.
 */
function checkSchema(ctx: Ctx, root: Obj): void {
  const said = ctx.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.key ?? '');
  const covered = (key: string): boolean => said.some((k) => k === key || k.startsWith(`${key}.`) || k.startsWith(`${key}[`) || (k !== '' && (key.startsWith(`${k}.`) || key.startsWith(`${k}[`))));
  for (const problem of schemaProblems(root)) {
    const key = fmtPath(problem.path);
    if (covered(key)) continue;
    report(ctx, 'error', problem.path, `${key || 'the study'} ${problem.message}`, 'see schemas/mixopt.schema.json (your editor shows it as you type)', problem.message.startsWith('unknown key'));
  }
}

/** constraints: bounds, fixed weights and token availability, checked to leave at least one mixture. */
function parseConstraints(ctx: Ctx, root: Obj, domains: readonly string[], requireDomain: (d: string, path: Path) => boolean, costKind: CostModel['kind']): Study['constraints'] {
  const cons = getObj(ctx, root, [], 'constraints', false, 'e.g. constraints: {bounds: {github: [0, 0.3]}}') ?? {};
  checkKeys(ctx, cons, ['constraints'], STUDY_KEYS.constraints);
  const bounds = dict<readonly [number, number]>();
  const boundsObj = getObj(ctx, cons, ['constraints'], 'bounds', false, 'domain: [lower, upper]');
  if (boundsObj)
    for (const [d, v] of Object.entries(boundsObj)) {
      const path: Path = ['constraints', 'bounds', d];
      if (!requireDomain(d, path)) continue;
      if (!Array.isArray(v) || v.length !== 2) {
        report(ctx, 'error', path, `${fmtPath(path)} must be [lower, upper], not ${typeName(v)}`, 'e.g. github: [0.0, 0.3]');
        continue;
      }
      const lo = toNumber(ctx, v[0], [...path, 0], { min: 0, max: 1 }, 'a weight from 0 to 1');
      const hi = toNumber(ctx, v[1], [...path, 1], { min: 0, max: 1 }, 'a weight from 0 to 1');
      if (lo === undefined || hi === undefined) continue;
      if (lo > hi) report(ctx, 'error', path, `lower bound ${lo} is above upper bound ${hi}`, 'write [lower, upper]');
      else bounds[d] = [lo, hi];
    }
  const fixed = dict<number>();
  const fixedObj = getObj(ctx, cons, ['constraints'], 'fixed', false, 'domain: weight');
  if (fixedObj)
    for (const [d, v] of Object.entries(fixedObj)) {
      if (!requireDomain(d, ['constraints', 'fixed', d])) continue;
      const x = toNumber(ctx, v, ['constraints', 'fixed', d], { min: 0, max: 1 }, 'a weight from 0 to 1');
      if (x !== undefined) fixed[d] = x;
    }
  const availableTokens = dict<number>();
  const availObj = getObj(ctx, cons, ['constraints'], 'available_tokens', false, 'domain: tokens, e.g. wikipedia_en: 6e9');
  if (availObj)
    for (const [d, v] of Object.entries(availObj)) {
      if (!requireDomain(d, ['constraints', 'available_tokens', d])) continue;
      const x = toNumber(ctx, v, ['constraints', 'available_tokens', d], { min: 0, max: 1e18, counts: true }, 'tokens available, e.g. 6e9');
      if (x !== undefined) availableTokens[d] = x;
    }
  const maxEpochs = getNumber(ctx, cons, ['constraints'], 'max_epochs', false, { min: 0, exclusiveMin: true, max: 1e6 }, 'how often a domain may be repeated, e.g. 4') ?? 1;
  if (Object.keys(availableTokens).length > 0 && costKind !== 'flops')
    report(ctx, 'warning', ['constraints', 'available_tokens'], 'available_tokens needs the tokens of a run, which only cost.kind flops gives (tokens_per_step); the limit is not applied', 'set cost: {kind: flops, tokens_per_step: ...}', true);
  let lowerSum = 0;
  let upperSum = 0;
  for (const d of domains) {
    const f = own(fixed, d);
    lowerSum += f ?? own(bounds, d)?.[0] ?? 0;
    upperSum += f ?? own(bounds, d)?.[1] ?? 1;
  }
  if (domains.length > 0 && lowerSum > 1 + 1e-9) report(ctx, 'error', ['constraints'], `the lower bounds and fixed weights add up to ${lowerSum.toFixed(4)} > 1, so no mixture satisfies them`, 'lower some bounds or fixed weights', true);
  if (domains.length > 0 && upperSum < 1 - 1e-9) report(ctx, 'error', ['constraints'], `the upper bounds and fixed weights add up to ${upperSum.toFixed(4)} < 1, so no mixture satisfies them`, 'raise some upper bounds', true);
  return { bounds, fixed, availableTokens, maxEpochs };
}

/** runs: where the logs are (globs) and how CSV tables map onto runs. */
function parseRuns(ctx: Ctx, root: Obj): Study['runs'] {
  const runsObj = getObj(ctx, root, [], 'runs', false, 'e.g. runs: {include: ["runs/**"]}') ?? {};
  checkKeys(ctx, runsObj, ['runs'], STUDY_KEYS.runs);
  const include = runsObj['include'] !== undefined ? (stringList(ctx, runsObj['include'], ['runs', 'include'], 'globs relative to the study, e.g. ["runs/**"]') ?? []) : ['**'];
  const exclude = runsObj['exclude'] !== undefined ? (stringList(ctx, runsObj['exclude'], ['runs', 'exclude'], 'globs, e.g. ["**/tmp/**"]') ?? []) : [];
  const csv: (CsvMapping & { files: readonly string[] })[] = [];
  if (runsObj['csv'] !== undefined) {
    const list = Array.isArray(runsObj['csv']) ? runsObj['csv'] : [runsObj['csv']];
    list.forEach((c, i) => {
      const path: Path = ['runs', 'csv', i];
      if (!isObj(c)) {
        report(ctx, 'error', path, `${fmtPath(path)} must be a map describing a CSV table`, 'e.g. {files: ["tables/*.csv"], weight_column: "w_{domain}", metric_columns: {loss: "loss"}}');
        return;
      }
      checkKeys(ctx, c, path, STUDY_KEYS.csv);
      const files = c['files'] !== undefined ? (stringList(ctx, c['files'], [...path, 'files'], 'globs of CSV files') ?? []) : [];
      const mixtureFile = getString(ctx, c, path, 'mixture_file', false, 'glob of the mixture CSV');
      const metricsFile = getString(ctx, c, path, 'metrics_file', false, 'glob of the metrics CSV');
      if (files.length === 0 && !mixtureFile) report(ctx, 'error', path, 'a CSV table needs files or mixture_file', 'e.g. files: ["tables/*.csv"]', true);
      const metricColumns = dict<string>();
      const mc = getObj(ctx, c, path, 'metric_columns', true, 'metric name -> column pattern, e.g. {"val_loss/{domain}": "metric/the_pile_{domain}_val_loss"}');
      if (mc) for (const [k, v] of Object.entries(mc)) if (typeof v === 'string') metricColumns[k] = v;
      const join = getString(ctx, c, path, 'join', false, 'the column that joins the two files, e.g. index');
      const modelColumn = getString(ctx, c, path, 'model_column', false, 'column with the model name');
      const model = getString(ctx, c, path, 'model', false, 'a model name for every row');
      const stepsColumn = getString(ctx, c, path, 'steps_column', false, 'column with the steps');
      const stepsValue = getNumber(ctx, c, path, 'steps', false, { min: 1, integer: true }, 'steps of every row');
      const runIdColumn = getString(ctx, c, path, 'run_id_column', false, 'column with a run id');
      csv.push({
        files: [...files, ...(mixtureFile ? [mixtureFile] : []), ...(metricsFile ? [metricsFile] : [])],
        ...(mixtureFile ? { mixtureFile } : {}),
        ...(metricsFile ? { metricsFile } : {}),
        ...(join ? { join } : {}),
        weightColumn: getString(ctx, c, path, 'weight_column', false, 'e.g. train_the_pile_{domain}') ?? '{domain}',
        metricColumns,
        ...(modelColumn ? { modelColumn } : {}),
        ...(model ? { model } : {}),
        ...(stepsColumn ? { stepsColumn } : {}),
        ...(stepsValue !== undefined ? { steps: stepsValue } : {}),
        ...(runIdColumn ? { runIdColumn } : {}),
      });
    });
  }

  return { include, exclude, ...(csv.length > 0 ? { csv } : {}) };
}

/** config: the template a trial's training config is written from, and where. */
function parseConfig(ctx: Ctx, root: Obj, requireDomain: (d: string, path: Path) => boolean): Study['config'] {
  let config: Study['config'];
  const cfg = getObj(ctx, root, [], 'config', false, 'e.g. config: {template: configs/base.yaml, output: configs/generated/{trial}.yaml, mixture_key: data.mixture}');
  if (cfg) {
    checkKeys(ctx, cfg, ['config'], STUDY_KEYS.config);
    const template = getString(ctx, cfg, ['config'], 'template', true, 'path of your training config template, relative to the study');
    const output = getString(ctx, cfg, ['config'], 'output', false, 'e.g. configs/generated/{trial}.yaml') ?? 'configs/generated/{trial}.yaml';
    if (!output.includes('{trial}')) report(ctx, 'error', ['config', 'output'], 'config.output must contain {trial}, or every trial would write the same file', 'e.g. configs/generated/{trial}.yaml');
    const mixtureKey = getString(ctx, cfg, ['config'], 'mixture_key', true, 'dotted path of the mixture in the template, e.g. data.mixture');
    const modelKey = getString(ctx, cfg, ['config'], 'model_key', false, 'e.g. model.name');
    const stepsKey = getString(ctx, cfg, ['config'], 'steps_key', false, 'e.g. trainer.max_steps');
    const mixtureShape = getEnum(ctx, cfg, ['config'], 'mixture_shape', STUDY_ENUMS.mixtureShape, 'auto');
    const pathsObj = getObj(ctx, cfg, ['config'], 'paths', false, 'domain -> data path, for flat Megatron-style lists');
    const paths = dict<string>();
    if (pathsObj) for (const [d, v] of Object.entries(pathsObj)) if (requireDomain(d, ['config', 'paths', d]) && typeof v === 'string') paths[d] = v;
    const outside = cfg['allow_outside_workspace'];
    if (outside !== undefined && typeof outside !== 'boolean') report(ctx, 'error', ['config', 'allow_outside_workspace'], `config.allow_outside_workspace must be true or false, not ${typeName(outside)}`, 'true lets template and output lie outside the workspace folder (trusted workspaces only)');
    if (template && mixtureKey) config = { template, output, mixtureKey, ...(modelKey ? { modelKey } : {}), ...(stepsKey ? { stepsKey } : {}), mixtureShape, ...(pathsObj ? { paths } : {}), ...(outside === true ? { allowOutsideWorkspace: true } : {}) };
  }
  return config;
}

/** optimizer: acquisition, batch, seed and the kernel choices. */
function parseOptimizer(ctx: Ctx, root: Obj): Study['optimizer'] {
  const opt = getObj(ctx, root, [], 'optimizer', false, 'e.g. optimizer: {acquisition: auto, batch: 1, seed: 0}') ?? {};
  checkKeys(ctx, opt, ['optimizer'], STUDY_KEYS.optimizer);
  const ardRaw = opt['ard'];
  if (ardRaw !== undefined && typeof ardRaw !== 'boolean') report(ctx, 'error', ['optimizer', 'ard'], `optimizer.ard must be true or false, not ${typeName(ardRaw)}`, 'ard: true gives one lengthscale per domain');
  const optimizer: Study['optimizer'] = {
    acquisition: getEnum(ctx, opt, ['optimizer'], 'acquisition', STUDY_ENUMS.acquisition, 'auto'),
    batch: getNumber(ctx, opt, ['optimizer'], 'batch', false, { min: 1, max: 64, integer: true }, 'trials suggested at once, 1 to 64') ?? 1,
    seed: getNumber(ctx, opt, ['optimizer'], 'seed', false, { min: 0, max: 2 ** 31, integer: true }, 'a whole number') ?? 0,
    kernel: getEnum(ctx, opt, ['optimizer'], 'kernel', STUDY_ENUMS.kernel, 'rbf'),
    ard: ardRaw === true,
    fidelityKernel: getEnum(ctx, opt, ['optimizer'], 'fidelity_kernel', STUDY_ENUMS.fidelityKernel, 'rbf'),
  };
  return optimizer;
}

/** domains: the data sources of a mixture, each once, at least 2. */
function parseDomains(ctx: Ctx, root: Obj): string[] {
  let domains: string[] = [];
  if (root['domains'] === undefined) report(ctx, 'error', [], 'missing required key "domains"', 'list the data sources, e.g. domains: [web, code, books]');
  else {
    domains = stringList(ctx, root['domains'], ['domains'], 'e.g. domains: [web, code, books]') ?? [];
    const seen = new Set<string>();
    domains.forEach((d, i) => {
      if (seen.has(d)) report(ctx, 'error', ['domains', i], `domain "${d}" is listed twice`, 'each domain once');
      seen.add(d);
    });
    if (domains.length < 2 && Array.isArray(root['domains'])) report(ctx, 'error', ['domains'], `a mixture needs at least 2 domains, found ${domains.length}`, 'list every data source');
    if (domains.length > MAX_DOMAINS) report(ctx, 'error', ['domains'], `${domains.length} domains, more than the ${MAX_DOMAINS} MixOpt models`, 'group small sources into one domain');
    domains = [...seen];
  }
  return domains;
}

/** A check that a name is one of the study's domains, with a did-you-mean hint when it is not. */
function domainChecker(ctx: Ctx, domains: readonly string[]): (d: string, path: Path) => boolean {
  const domainSet = new Set(domains);
  return (d: string, path: Path): boolean => {
    if (domainSet.has(d)) return true;
    const guess = closest(d, domains);
    report(ctx, 'error', path, `"${d}" is not one of the study's domains`, guess ? `did you mean "${guess}"?` : `domains: ${domains.join(', ')}`, true);
    return false;
  };
}

/** objective: the metrics, how they are aggregated and the direction. */
function parseObjective(ctx: Ctx, root: Obj, requireDomain: (d: string, path: Path) => boolean): Study['objective'] {
  const objectiveObj = getObj(ctx, root, [], 'objective', true, 'e.g. objective: {metrics: ["val_loss/{domain}"], aggregate: mean, direction: minimize}') ?? {};
  checkKeys(ctx, objectiveObj, ['objective'], STUDY_KEYS.objective);
  let metrics: string[] = [];
  if (objectiveObj['metrics'] === undefined) {
    if (root['objective'] !== undefined) report(ctx, 'error', ['objective'], 'missing required key "objective.metrics"', 'e.g. metrics: ["val_loss/{domain}"] or metrics: val_loss');
  } else {
    metrics = stringList(ctx, objectiveObj['metrics'], ['objective', 'metrics'], 'metric names as logged, e.g. val_loss') ?? [];
    if (metrics.length === 0 && Array.isArray(objectiveObj['metrics']) && objectiveObj['metrics'].length === 0) report(ctx, 'error', ['objective', 'metrics'], 'objective.metrics is empty', 'name at least one logged metric, e.g. metrics: [val_loss]');
  }
  let aggregate: Aggregate = { kind: 'mean' };
  const agg = objectiveObj['aggregate'];
  if (isObj(agg)) {
    const weightsRaw = agg['weighted'];
    if (!isObj(weightsRaw)) report(ctx, 'error', ['objective', 'aggregate'], 'aggregate must be mean, max, or weighted: {domain: weight}', 'e.g. aggregate: {weighted: {web: 2, code: 1}}');
    else {
      const weights = dict<number>();
      for (const [d, w] of Object.entries(weightsRaw)) {
        if (!requireDomain(d, ['objective', 'aggregate', 'weighted', d])) continue;
        const x = toNumber(ctx, w, ['objective', 'aggregate', 'weighted', d], { min: 0 }, 'a non-negative weight');
        if (x !== undefined) weights[d] = x;
      }
      if (Object.values(weights).reduce((a, b) => a + b, 0) <= 0) report(ctx, 'error', ['objective', 'aggregate', 'weighted'], 'the weights of a weighted aggregate must not all be zero', 'give at least one domain a positive weight');
      aggregate = { kind: 'weighted', weights };
    }
  } else aggregate = { kind: getEnum(ctx, objectiveObj, ['objective'], 'aggregate', STUDY_ENUMS.aggregate, 'mean') };
  const direction = getEnum(ctx, objectiveObj, ['objective'], 'direction', STUDY_ENUMS.direction, 'minimize');

  return { metrics, aggregate, direction };
}

/** fidelities.models: the model sizes, each a {name, params, cost?} map with its own name. */
function parseModelSizes(ctx: Ctx, root: Obj, fid: Obj): ModelFidelity[] {
  const models: ModelFidelity[] = [];
  if (fid['models'] === undefined) {
    if (root['fidelities'] !== undefined) report(ctx, 'error', ['fidelities'], 'missing required key "fidelities.models"', 'list the model sizes: models: [{name: 60M, params: 6e7}]');
  } else if (!Array.isArray(fid['models']) || fid['models'].length === 0) report(ctx, 'error', ['fidelities', 'models'], 'fidelities.models must be a non-empty list of {name, params}', 'e.g. models: [{name: 60M, params: 6e7}]');
  else {
    fid['models'].forEach((m, i) => {
      const path: Path = ['fidelities', 'models', i];
      if (!isObj(m)) {
        report(ctx, 'error', path, `${fmtPath(path)} must be a map {name, params}, not ${typeName(m)}`, 'e.g. {name: 60M, params: 6e7}');
        return;
      }
      checkKeys(ctx, m, path, STUDY_KEYS.model);
      const mName = getString(ctx, m, path, 'name', true, 'e.g. name: 60M');
      const params = getNumber(ctx, m, path, 'params', true, { min: 0, exclusiveMin: true, max: 1e15, counts: true }, 'number of parameters, e.g. 6e7 or "60M"');
      const cost = getNumber(ctx, m, path, 'cost', false, { min: 0, exclusiveMin: true, max: 1e30 }, 'cost of one run of this model');
      if (mName === undefined || params === undefined) return;
      if (models.some((x) => x.name === mName)) report(ctx, 'error', [...path, 'name'], `model "${mName}" is listed twice`, 'give each model its own name');
      else models.push({ name: mName, params, ...(cost !== undefined ? { cost } : {}) });
    });
  }
  return models;
}

/** fidelities.steps: the step counts of the learning curves, sorted and without repeats. */
function parseSteps(ctx: Ctx, fid: Obj): number[] {
  let steps: number[] = [];
  if (fid['steps'] !== undefined) {
    if (!Array.isArray(fid['steps'])) report(ctx, 'error', ['fidelities', 'steps'], 'fidelities.steps must be a list of step counts', 'e.g. steps: [2000, 10000, 25000]');
    else
      fid['steps'].forEach((s, i) => {
        const x = toNumber(ctx, s, ['fidelities', 'steps', i], { min: 1, integer: true, max: 1e12 }, 'a positive whole number of steps');
        if (x !== undefined) steps.push(x);
      });
    steps = [...new Set(steps)].sort((a, b) => a - b);
  }
  return steps;
}

/** fidelities: model sizes, steps and the target (model, steps); target.model undefined when it is unusable. */
function parseFidelities(ctx: Ctx, root: Obj): { models: ModelFidelity[]; steps: number[]; targetModel: string | undefined; targetSteps: number } {
  const fid = getObj(ctx, root, [], 'fidelities', true, 'e.g. fidelities: {models: [{name: 60M, params: 6e7}, {name: 1B, params: 1e9}], target: {model: 1B, steps: 25000}}') ?? {};
  checkKeys(ctx, fid, ['fidelities'], STUDY_KEYS.fidelities);
  const models = parseModelSizes(ctx, root, fid);
  let steps = parseSteps(ctx, fid);
  const targetObj = getObj(ctx, fid, ['fidelities'], 'target', root['fidelities'] !== undefined, 'e.g. target: {model: 1B, steps: 25000}') ?? {};
  checkKeys(ctx, targetObj, ['fidelities', 'target'], STUDY_KEYS.target);
  let targetModel = getString(ctx, targetObj, ['fidelities', 'target'], 'model', fid['target'] !== undefined, 'the model size you will train in the end');
  if (targetModel !== undefined && models.length > 0 && !models.some((m) => m.name === targetModel)) {
    const guess = closest(targetModel, models.map((m) => m.name));
    report(ctx, 'error', ['fidelities', 'target', 'model'], `target model "${targetModel}" is not in fidelities.models`, guess ? `did you mean "${guess}"?` : `models: ${models.map((m) => m.name).join(', ')}`);
    targetModel = undefined;
  }
  let targetSteps = getNumber(ctx, targetObj, ['fidelities', 'target'], 'steps', false, { min: 1, integer: true, max: 1e12 }, 'the steps of the final run');
  if (targetSteps === undefined) {
    const lastStep = steps[steps.length - 1];
    if (lastStep !== undefined) targetSteps = lastStep;
    else {
      targetSteps = 1;
      if (fid['target'] !== undefined)
        report(ctx, 'info', ['fidelities', 'target'], 'no steps given: training length is not modelled and every run counts at its final step', 'add fidelities.target.steps (and fidelities.steps for learning curves) to model training length', true);
    }
  } else if (steps.length > 0 && !steps.includes(targetSteps)) steps = [...steps, targetSteps].sort((a, b) => a - b);
  const targetParams = models.find((m) => m.name === targetModel)?.params;
  if (targetParams !== undefined) {
    models.forEach((m, i) => {
      if (m.params > targetParams) report(ctx, 'warning', ['fidelities', 'models', i], `model ${m.name} is larger than the target ${targetModel}; MixOpt never suggests it`, 'the target should be the largest model');
    });
  }
  return { models, steps, targetModel, targetSteps };
}

/** cost: of one run per model (table, the default: the models' cost or params relative to the target), FLOPs or GPU-hours. */
function parseCost(ctx: Ctx, root: Obj, models: readonly ModelFidelity[], targetParams: number | undefined): CostModel {
  let cost: CostModel = { kind: 'table', table: Object.fromEntries(models.map((m) => [m.name, m.cost ?? m.params / (targetParams ?? m.params)])) };
  const costObj = getObj(ctx, root, [], 'cost', false, 'e.g. cost: {kind: flops, tokens_per_step: 1048576}');
  if (costObj) {
    checkKeys(ctx, costObj, ['cost'], STUDY_KEYS.cost);
    const kind = getEnum(ctx, costObj, ['cost'], 'kind', STUDY_ENUMS.costKind, 'flops');
    if (kind === 'flops') {
      const tps = getNumber(ctx, costObj, ['cost'], 'tokens_per_step', true, { min: 0, exclusiveMin: true, max: 1e12, counts: true }, 'tokens in one optimiser step, e.g. 1048576');
      if (tps !== undefined) cost = { kind: 'flops', tokensPerStep: tps };
    } else if (kind === 'table') {
      const table = getObj(ctx, costObj, ['cost'], 'table', true, 'cost of one run per model, e.g. table: {60M: 0.06, 1B: 1}') ?? {};
      const parsed = dict<number>();
      for (const [k, v] of Object.entries(table)) {
        if (!models.some((m) => m.name === k)) report(ctx, 'warning', ['cost', 'table', k], `cost.table names "${k}", which is not in fidelities.models`, 'use the model names of fidelities.models', true);
        const x = toNumber(ctx, v, ['cost', 'table', k], { min: 0, exclusiveMin: true, max: 1e30 }, 'a positive cost');
        if (x !== undefined) parsed[k] = x;
      }
      for (const m of models) if (own(parsed, m.name) === undefined && m.cost === undefined && costObj['table'] !== undefined) report(ctx, 'error', ['cost', 'table'], `cost.table has no cost for model ${m.name}`, `add ${m.name}: <cost of one run>`);
      cost = { kind: 'table', table: { ...Object.fromEntries(models.filter((m) => m.cost !== undefined).map((m) => [m.name, m.cost!])), ...parsed } };
    } else {
      const metric = getString(ctx, costObj, ['cost'], 'metric', false, 'the logged metric with GPU-hours') ?? 'gpu_hours';
      const fb = getObj(ctx, costObj, ['cost'], 'fallback', false, 'GPU-hours per model when a log has none');
      const fallback = dict<number>();
      if (fb) for (const [k, v] of Object.entries(fb)) {
        const x = toNumber(ctx, v, ['cost', 'fallback', k], { min: 0, exclusiveMin: true, max: 1e12 }, 'GPU-hours of one run');
        if (x !== undefined) fallback[k] = x;
      }
      cost = { kind: 'gpu_hours', metric, ...(fb ? { fallback } : {}) };
    }
  }

  return cost;
}

/** budget: the total and its unit, which must match the cost model. */
function parseBudget(ctx: Ctx, root: Obj, cost: CostModel): Study['budget'] {
  const budgetObj = getObj(ctx, root, [], 'budget', false, 'e.g. budget: {total: 40, unit: target_runs}') ?? {};
  checkKeys(ctx, budgetObj, ['budget'], STUDY_KEYS.budget);
  const budgetTotal = getNumber(ctx, budgetObj, ['budget'], 'total', root['budget'] !== undefined, { min: 0, exclusiveMin: true, max: 1e30 }, 'a positive amount, e.g. total: 40') ?? 0;
  const budgetUnit = getEnum(ctx, budgetObj, ['budget'], 'unit', STUDY_ENUMS.budgetUnit, 'target_runs');
  if (budgetUnit === 'flops' && cost.kind !== 'flops') report(ctx, 'error', ['budget', 'unit'], 'budget.unit flops needs cost.kind flops', 'use unit: target_runs, or set cost: {kind: flops, tokens_per_step: ...}');
  if (budgetUnit === 'gpu_hours' && cost.kind !== 'gpu_hours') report(ctx, 'error', ['budget', 'unit'], 'budget.unit gpu_hours needs cost.kind gpu_hours', 'use unit: target_runs, or set cost.kind: gpu_hours');

  return { total: budgetTotal, unit: budgetUnit };
}

/** Study + semantic checks from the YAML map; undefined when errors leave nothing usable. */
function buildStudy(ctx: Ctx, root: Obj, file: string): Study | undefined {
  const { diagnostics } = ctx;
  checkKeys(ctx, root, [], STUDY_KEYS.top);
  const errorsBefore = (): number => diagnostics.filter((d) => d.severity === 'error').length;

  const name = getString(ctx, root, [], 'name', false, 'a short name for the study') ?? file.replace(/^.*[\\/]/, '').replace(/\.mixopt\.ya?ml$/i, '');
  const domains = parseDomains(ctx, root);
  const requireDomain = domainChecker(ctx, domains);
  const objective = parseObjective(ctx, root, requireDomain);
  const { models, steps, targetModel, targetSteps } = parseFidelities(ctx, root);
  const targetParams = models.find((m) => m.name === targetModel)?.params;
  const cost = parseCost(ctx, root, models, targetParams);
  const budget = parseBudget(ctx, root, cost);
  const constraints = parseConstraints(ctx, root, domains, requireDomain, cost.kind);
  const runs = parseRuns(ctx, root);
  const config = parseConfig(ctx, root, requireDomain);
  const launch = parseLaunch(ctx, root);
  const optimizer = parseOptimizer(ctx, root);

  if (errorsBefore() > 0 || targetModel === undefined || models.length === 0 || domains.length < 2 || objective.metrics.length === 0) return undefined;
  return {
    file,
    name,
    domains,
    objective,
    fidelities: { models, steps, target: { model: targetModel, steps: targetSteps } },
    cost,
    budget,
    constraints,
    runs,
    ...(config ? { config } : {}),
    ...(launch ? { launch } : {}),
    optimizer,
  };
}
