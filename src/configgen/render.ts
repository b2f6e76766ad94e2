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
    const edits = new Edits();
    const domains = study.domains;
    const weights = roundWeights(domains.map((d) => own(input.mixture, d) ?? 0));
    const weightOf = new Map(domains.map((d, i) => [d, weights[i]!]));
    for (const key of Object.keys(input.mixture)) {
      if (!weightOf.has(key)) diagnostics.push({ severity: 'warning', file: templateFile, line: 0, message: `the mixture names "${key}", which is not a study domain; it is left out` });
    }
    const path = parseKeyPath(config.mixtureKey);
    const node = doc.getIn(path, true) as Node | undefined;
    const detected = node === undefined || node === null ? undefined : detectShape(node);
    const shape: MixtureShape = config.mixtureShape !== 'auto' ? config.mixtureShape : (detected ?? 'map');
    if (node !== undefined && node !== null && detected === undefined && config.mixtureShape === 'auto')
      return fail(`the value at ${config.mixtureKey} is neither a map {domain: weight}, a list of {name, weight}, nor a flat [weight, path, ...] list`, 'set config.mixture_shape or fix the template', lineOf(node));
    const at = lineOf(node);

    if (shape === 'map') {
      const map = isMap(node) ? node : new YAMLMap();
      for (const pair of map.items) {
        const k = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (!weightOf.has(k)) {
          diagnostics.push({ severity: 'warning', file: templateFile, line: lineOf(pair.key), key: `${config.mixtureKey}.${k}`, message: `the template's mixture has "${k}", which is not a study domain; its weight is set to 0`, hint: 'remove it from the template or add it to the study domains' });
          if (isScalar(pair.value)) edits.scalar(pair.value, 0);
          else {
            pair.value = new Scalar(0);
            edits.structural = true;
          }
        }
      }
      for (const d of domains) {
        const existing = map.get(d, true);
        if (isScalar(existing)) edits.scalar(existing, weightOf.get(d)!);
        else {
          map.set(d, weightOf.get(d)!);
          edits.structural = true;
        }
      }
      if (!isMap(node)) {
        doc.setIn(path, map);
        edits.structural = true;
      }
    } else if (shape === 'list') {
      const seq = isSeq(node) ? node : new YAMLSeq();
      const seen = new Set<string>();
      for (const item of seq.items) {
        if (!isMap(item)) continue;
        const name = item.get('name');
        if (typeof name !== 'string') {
          diagnostics.push({ severity: 'warning', file: templateFile, line: lineOf(item), key: config.mixtureKey, message: 'a mixture list item has no name; it is left unchanged' });
          continue;
        }
        const wk = weightKeyOf(item);
        const w = weightOf.get(name);
        if (w === undefined) {
          diagnostics.push({ severity: 'warning', file: templateFile, line: lineOf(item), key: config.mixtureKey, message: `the template's mixture list has "${name}", which is not a study domain; its ${wk} is set to 0` });
        }
        const existing = item.get(wk, true);
        if (isScalar(existing)) edits.scalar(existing, w ?? 0);
        else {
          item.set(wk, w ?? 0);
          edits.structural = true;
        }
        seen.add(name);
      }
      for (const d of domains) {
        if (seen.has(d)) continue;
        const added = new YAMLMap();
        added.set('name', d);
        added.set('weight', weightOf.get(d)!);
        seq.items.push(added);
        edits.structural = true;
        diagnostics.push({ severity: 'info', file: templateFile, line: at, key: config.mixtureKey, message: `domain "${d}" was not in the template's list; an entry {name, weight} was added`, hint: 'add its other settings (path, ...) to the template' });
      }
      if (!isSeq(node)) {
        doc.setIn(path, seq);
        edits.structural = true;
      }
    } else {
      const pathOf = new Map<string, string>(Object.entries(config.paths ?? {}));
      if (isSeq(node)) {
        for (let i = 0; i + 1 < node.items.length; i += 2) {
          const p = node.items[i + 1];
          const text = isScalar(p) ? String(p.value) : '';
          const d = domainOfPath(text, domains);
          if (d && !pathOf.has(d)) pathOf.set(d, text);
        }
      }
      const missing = domains.filter((d) => (weightOf.get(d) ?? 0) > 0 && !pathOf.has(d));
      if (missing.length > 0) return fail(`no data path is known for ${missing.join(', ')} in the flat list at ${config.mixtureKey}`, 'add config.paths {domain: path} to the study', at);
      const seq = new YAMLSeq();
      for (const d of domains) {
        const p = pathOf.get(d);
        if (p === undefined) continue;
        seq.items.push(new Scalar(weightOf.get(d)!), new Scalar(p));
      }
      if (isSeq(node)) node.items = seq.items;
      else doc.setIn(path, seq);
      edits.structural = true;
    }

    if (input.model !== undefined && config.modelKey) setScalarIn(doc, parseKeyPath(config.modelKey), input.model, edits);
    if (input.steps !== undefined && config.stepsKey) setScalarIn(doc, parseKeyPath(config.stepsKey), input.steps, edits);
    const hadTrialKey = isScalar(doc.get(TRIAL_KEY, true));
    if (hadTrialKey) setScalarIn(doc, [TRIAL_KEY], input.trialId, edits);
    const header = ` Generated by MixOpt for trial ${input.trialId} from ${templateFile.replace(/^.*[\\/]/, '')}; the mixture, model and steps were filled in.`;
    if (!edits.structural) {
      // Splice the new scalars into the original text, last first so earlier offsets stay valid.
      let text = templateText.replace(/^\uFEFF/, '');
      for (const e of [...edits.list].sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);
      if (!hadTrialKey) text = `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}${TRIAL_KEY}: ${formatScalar(input.trialId)}\n`;
      return { text: `#${header}\n${text}`, diagnostics };
    }
    if (!hadTrialKey) doc.set(TRIAL_KEY, input.trialId);
    doc.commentBefore = doc.commentBefore ? `${header}\n${doc.commentBefore}` : header;
    return { text: doc.toString({ lineWidth: 0 }), diagnostics };
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
