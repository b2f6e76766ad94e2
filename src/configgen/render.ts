// Fills a training config template with a trial's mixture, model and steps. Pure: text in, text + diagnostics
// out. Everything else in the template (comments, key order, number formats) is kept: the edit goes through the
// `yaml` package's Document API, which round-trips untouched nodes as written.
import { own } from '../core/names';
import { deepFlowLine } from '../study/parse';

/** deeper flow nesting than this is refused before the YAML parser recurses into it */
const MAX_TEMPLATE_DEPTH = 256;
import { isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Document, Node } from 'yaml';
import type { Diagnostic } from '../study/diagnostics';
import type { Study } from '../study/types';

export type MixtureShape = 'map' | 'list' | 'flat';

export interface RenderInput {
  readonly study: Study;
  readonly mixture: Readonly<Record<string, number>>;
  readonly model?: string;
  readonly steps?: number;
  readonly trialId: string;
}

export const TRIAL_KEY = 'mixopt_trial';
const DECIMALS = 6;

/** "data.sources[0].mix" -> ["data", "sources", 0, "mix"]. */
export function parseKeyPath(key: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of key.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

/** Weights rounded to `decimals` so that they sum to exactly 1 at that precision (largest remainder). */
export function roundWeights(weights: readonly number[], decimals = DECIMALS): number[] {
  const scale = 10 ** decimals;
  const clean = weights.map((w) => (Number.isFinite(w) && w > 0 ? w : 0));
  const total = clean.reduce((a, b) => a + b, 0);
  if (total <= 0) return clean.map(() => 0);
  const scaled = clean.map((w) => (w / total) * scale);
  const units = scaled.map(Math.floor);
  let left = scale - units.reduce((a, b) => a + b, 0);
  const order = scaled.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    units[i]!++;
    left--;
  }
  return units.map((u) => Number((u / scale).toFixed(decimals)));
}

/** Edits of existing scalars, applied to the original text so nothing else changes (not even number formats). */
class Edits {
  readonly list: { start: number; end: number; text: string }[] = [];
  structural = false;

  scalar(node: Scalar, value: string | number): void {
    node.value = value;
    const range = node.range;
    if (!range || (node.type !== 'PLAIN' && node.type !== 'QUOTE_DOUBLE' && node.type !== 'QUOTE_SINGLE')) {
      this.structural = true;
      return;
    }
    this.list.push({ start: range[0], end: range[1], text: formatScalar(value) });
  }
}

function formatScalar(value: string | number): string {
  if (typeof value === 'number') return String(value);
  return /^[A-Za-z0-9_][A-Za-z0-9_./@+-]*$/.test(value) && !/^(true|false|null|yes|no|on|off|~)$/i.test(value) && Number.isNaN(Number(value)) ? value : JSON.stringify(value);
}

function setScalarIn(doc: Document, path: (string | number)[], value: string | number, edits: Edits): void {
  const existing = doc.getIn(path, true);
  if (isScalar(existing)) edits.scalar(existing, value);
  else {
    doc.setIn(path, value);
    edits.structural = true;
  }
}

function weightKeyOf(item: YAMLMap): string {
  for (const k of ['weight', 'proportion', 'ratio', 'prob']) if (item.has(k)) return k;
  return 'weight';
}

function domainOfPath(path: string, domains: readonly string[]): string | undefined {
  const lower = path.toLowerCase();
  const hits = domains.filter((d) => lower.includes(d.toLowerCase()));
  return hits.sort((a, b) => b.length - a.length)[0];
}

export function detectShape(node: unknown): MixtureShape | undefined {
  if (isMap(node)) return 'map';
  if (isSeq(node)) {
    if (node.items.length > 0 && node.items.every((it) => isMap(it))) return 'list';
    if (node.items.length % 2 === 0 && node.items.every((it, i) => isScalar(it) && (i % 2 === 0 ? typeof it.value === 'number' : typeof it.value === 'string'))) return 'flat';
    if (node.items.length === 0) return 'list';
  }
  return undefined;
}

/** What the three mixture shapes' fillers share: the parsed template, the mixture node and the rounded weights. */
interface Fill {
  readonly doc: Document;
  readonly path: (string | number)[];
  /** the node at config.mixture_key, when the template has one */
  readonly node: Node | undefined;
  readonly domains: readonly string[];
  readonly weightOf: ReadonlyMap<string, number>;
  readonly edits: Edits;
  readonly diagnostics: Diagnostic[];
  readonly templateFile: string;
  readonly mixtureKey: string;
  readonly lineOf: (node: unknown) => number;
}

/** Domain weight of a study domain (every study domain has one in `weightOf`). */
const weightFor = (f: Fill, d: string): number => f.weightOf.get(d) ?? 0;

/** A map {domain: weight}: a template key that is not a domain gets weight 0, a missing domain is added. */
function fillMap(f: Fill): void {
  const map = isMap(f.node) ? f.node : new YAMLMap();
  for (const pair of map.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (!f.weightOf.has(k)) {
      f.diagnostics.push({ severity: 'warning', file: f.templateFile, line: f.lineOf(pair.key), key: `${f.mixtureKey}.${k}`, message: `the template's mixture has "${k}", which is not a study domain; its weight is set to 0`, hint: 'remove it from the template or add it to the study domains' });
      if (isScalar(pair.value)) f.edits.scalar(pair.value, 0);
      else {
        pair.value = new Scalar(0);
        f.edits.structural = true;
      }
    }
  }
  for (const d of f.domains) {
    const existing = map.get(d, true);
    if (isScalar(existing)) f.edits.scalar(existing, weightFor(f, d));
    else {
      map.set(d, weightFor(f, d));
      f.edits.structural = true;
    }
  }
  if (!isMap(f.node)) {
    f.doc.setIn(f.path, map);
    f.edits.structural = true;
  }
}

/** A list of {name, weight} maps (the weight key may be weight, proportion, ratio or prob); missing domains are appended. */
function fillList(f: Fill): void {
  const seq = isSeq(f.node) ? f.node : new YAMLSeq();
  const seen = new Set<string>();
  for (const item of seq.items) {
    if (!isMap(item)) continue;
    const name = item.get('name');
    if (typeof name !== 'string') {
      f.diagnostics.push({ severity: 'warning', file: f.templateFile, line: f.lineOf(item), key: f.mixtureKey, message: 'a mixture list item has no name; it is left unchanged' });
      continue;
    }
    const wk = weightKeyOf(item);
    const w = f.weightOf.get(name);
    if (w === undefined) {
      f.diagnostics.push({ severity: 'warning', file: f.templateFile, line: f.lineOf(item), key: f.mixtureKey, message: `the template's mixture list has "${name}", which is not a study domain; its ${wk} is set to 0` });
    }
    const existing = item.get(wk, true);
    if (isScalar(existing)) f.edits.scalar(existing, w ?? 0);
    else {
      item.set(wk, w ?? 0);
      f.edits.structural = true;
    }
    seen.add(name);
  }
  for (const d of f.domains) {
    if (seen.has(d)) continue;
    const added = new YAMLMap();
    added.set('name', d);
    added.set('weight', weightFor(f, d));
    seq.items.push(added);
    f.edits.structural = true;
    f.diagnostics.push({ severity: 'info', file: f.templateFile, line: f.lineOf(f.node), key: f.mixtureKey, message: `domain "${d}" was not in the template's list; an entry {name, weight} was added`, hint: 'add its other settings (path, ...) to the template' });
  }
  if (!isSeq(f.node)) {
    f.doc.setIn(f.path, seq);
    f.edits.structural = true;
  }
}

/**
 * A flat Megatron-style [weight, path, weight, path, …] list, rewritten from the domains' paths (config.paths, else the
 * template's paths that name a domain). Returns the error when a domain with weight has no known path.
 */
function fillFlat(f: Fill, paths: Readonly<Record<string, string>>): { message: string; hint: string; line: number } | undefined {
  const pathOf = new Map<string, string>(Object.entries(paths));
  if (isSeq(f.node)) {
    for (let i = 0; i + 1 < f.node.items.length; i += 2) {
      const p = f.node.items[i + 1];
      const text = isScalar(p) ? String(p.value) : '';
      const d = domainOfPath(text, f.domains);
      if (d && !pathOf.has(d)) pathOf.set(d, text);
    }
  }
  const missing = f.domains.filter((d) => weightFor(f, d) > 0 && !pathOf.has(d));
  if (missing.length > 0) return { message: `no data path is known for ${missing.join(', ')} in the flat list at ${f.mixtureKey}`, hint: 'add config.paths {domain: path} to the study', line: f.lineOf(f.node) };
  const seq = new YAMLSeq();
  for (const d of f.domains) {
    const p = pathOf.get(d);
    if (p === undefined) continue;
    seq.items.push(new Scalar(weightFor(f, d)), new Scalar(p));
  }
  if (isSeq(f.node)) f.node.items = seq.items;
  else f.doc.setIn(f.path, seq);
  f.edits.structural = true;
  return undefined;
}

/** Model, steps and trial id, then the text: the original with its scalars spliced in, or the re-serialised document. */
function finish(f: Fill, templateText: string, input: RenderInput, config: NonNullable<Study['config']>): { text: string; diagnostics: Diagnostic[] } {
  const { doc, edits } = f;
  if (input.model !== undefined && config.modelKey) setScalarIn(doc, parseKeyPath(config.modelKey), input.model, edits);
  if (input.steps !== undefined && config.stepsKey) setScalarIn(doc, parseKeyPath(config.stepsKey), input.steps, edits);
  const hadTrialKey = isScalar(doc.get(TRIAL_KEY, true));
  if (hadTrialKey) setScalarIn(doc, [TRIAL_KEY], input.trialId, edits);
  const header = ` Generated by MixOpt for trial ${input.trialId} from ${f.templateFile.replace(/^.*[\\/]/, '')}; the mixture, model and steps were filled in.`;
  if (!edits.structural) {
    // Splice the new scalars into the original text, last first so earlier offsets stay valid.
    let text = templateText.replace(/^\uFEFF/, '');
    for (const e of [...edits.list].sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);
    if (!hadTrialKey) text = `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}${TRIAL_KEY}: ${formatScalar(input.trialId)}\n`;
    return { text: `#${header}\n${text}`, diagnostics: f.diagnostics };
  }
  if (!hadTrialKey) doc.set(TRIAL_KEY, input.trialId);
  doc.commentBefore = doc.commentBefore ? `${header}\n${doc.commentBefore}` : header;
  return { text: doc.toString({ lineWidth: 0 }), diagnostics: f.diagnostics };
}

export function renderConfig(templateText: string, templateFile: string, input: RenderInput): { text?: string; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const { study } = input;
  const config = study.config;
  const fail = (message: string, hint?: string, line = 0): { diagnostics: Diagnostic[] } => {
    diagnostics.push({ severity: 'error', file: templateFile, line, message, ...(hint ? { hint } : {}) });
    return { diagnostics };
  };
  if (!config) return fail('the study has no config section', 'add config.template, config.output and config.mixture_key to the study');
  const deepLine = deepFlowLine(templateText, MAX_TEMPLATE_DEPTH);
  if (deepLine !== undefined) return fail(`the template is nested more than ${MAX_TEMPLATE_DEPTH} levels deep here`, 'a training config needs only a few levels; is this the right file?', deepLine);
  try {
    const lineCounter = new LineCounter();
    const doc = parseDocument(templateText.replace(/^\uFEFF/, ''), { lineCounter, uniqueKeys: false });
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      return fail(`the template is not valid YAML: ${e.message.split('\n')[0]}`, 'fix the template', e.linePos?.[0]?.line ?? 0);
    }
    if (doc.contents !== null && !isMap(doc.contents)) return fail('the template must be a YAML map at the top level');
    if (doc.contents === null) doc.contents = doc.createNode({}) as never;
    const lineOf = (node: unknown): number => {
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      return range ? lineCounter.linePos(range[0]).line : 0;
    };
    const domains = study.domains;
    const weights = roundWeights(domains.map((d) => own(input.mixture, d) ?? 0));
    const weightOf = new Map(domains.map((d, i) => [d, weights[i]!]));
    for (const key of Object.keys(input.mixture)) {
      if (!weightOf.has(key)) diagnostics.push({ severity: 'warning', file: templateFile, line: 0, message: `the mixture names "${key}", which is not a study domain; it is left out` });
    }
    const path = parseKeyPath(config.mixtureKey);
    const found = doc.getIn(path, true) as Node | null | undefined;
    const node = found ?? undefined;
    const detected = node === undefined ? undefined : detectShape(node);
    const shape: MixtureShape = config.mixtureShape !== 'auto' ? config.mixtureShape : (detected ?? 'map');
    if (node !== undefined && detected === undefined && config.mixtureShape === 'auto')
      return fail(`the value at ${config.mixtureKey} is neither a map {domain: weight}, a list of {name, weight}, nor a flat [weight, path, ...] list`, 'set config.mixture_shape or fix the template', lineOf(node));
    const f: Fill = { doc, path, node, domains, weightOf, edits: new Edits(), diagnostics, templateFile, mixtureKey: config.mixtureKey, lineOf };
    if (shape === 'map') fillMap(f);
    else if (shape === 'list') fillList(f);
    else {
      const failure = fillFlat(f, config.paths ?? {});
      if (failure) return fail(failure.message, failure.hint, failure.line);
    }
    return finish(f, templateText, input, config);
  } catch (e) {
    return fail(`the template could not be filled: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** 0-based line range of the mixture key and its value in a config text (for CodeLens), or undefined. */
export function findMixtureKeyRange(text: string, key: string): { startLine: number; endLine: number } | undefined {
  try {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter });
    const path = parseKeyPath(key);
    const last = path[path.length - 1];
    const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
    if (!isMap(parent) || last === undefined) return undefined;
    const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
    const keyRange = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
    const valueRange = (pair?.value as { range?: [number, number, number] } | undefined)?.range;
    if (!keyRange) return undefined;
    const startLine = lineCounter.linePos(keyRange[0]).line - 1;
    let endLine = valueRange ? lineCounter.linePos(Math.max(valueRange[0], valueRange[1] - 1)).line - 1 : startLine;
    endLine = Math.max(startLine, endLine);
    return { startLine, endLine };
  } catch {
    return undefined;
  }
}

/** The MixOpt trial id recorded in a generated config, if any. */
export function readTrialId(text: string): string | undefined {
  const m = new RegExp(`^${TRIAL_KEY}:\\s*["']?([A-Za-z0-9_.:-]+)`, 'm').exec(text);
  return m?.[1];
}
