// Mapping what a log says onto the study: metric names, model names, mixtures (three config shapes), trial ids.
import { escapeRegExp, own, wordMatcher } from '../core/names';
import type { Study } from '../study/types';
import type { DiagnosticSink } from './util';
import { findKeyDeep, firstPath, flattenedChildren, getPath, isPlainObject, nameMap, toFiniteNumber } from './util';

// ---------------------------------------------------------------- metrics

/** Word tokens that mean the same thing in metric names logged by different frameworks. */
const TOKEN_SYNONYMS: Readonly<Record<string, string>> = {
  eval: 'val',
  valid: 'val',
  validation: 'val',
  dev: 'val',
  perplexity: 'ppl',
  acc: 'accuracy',
  nll: 'loss',
};
/** Tokens that pick a different split: a name with one of these never matches a study metric without it. */
const SPLIT_TOKENS = new Set(['train', 'test', 'val']);

function tokens(name: string): string[] {
  return name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0)
    .map((t) => own(TOKEN_SYNONYMS, t) ?? t);
}

interface MetricPattern {
  readonly name: string;
  readonly domain?: string;
  readonly tokens: readonly string[];
}

interface MetricMatcher {
  readonly exact: ReadonlyMap<string, string>;
  readonly patterns: readonly MetricPattern[];
  readonly domainsByLength: readonly string[];
  readonly cache: Map<string, string | undefined>;
}

const matchers = new WeakMap<Study, MetricMatcher>();

function metricMatcher(study: Study): MetricMatcher {
  const known = matchers.get(study);
  if (known) return known;
  const exact = new Map<string, string>();
  const patterns: MetricPattern[] = [];
  const metricPatterns = [...study.objective.metrics];
  if (study.cost.kind === 'gpu_hours') metricPatterns.push(study.cost.metric);
  for (const pattern of metricPatterns) {
    if (pattern.includes('{domain}')) {
      for (const d of study.domains) {
        const name = pattern.replaceAll('{domain}', d);
        exact.set(name.toLowerCase(), name);
        patterns.push({ name, domain: d, tokens: tokens(pattern.replaceAll('{domain}', ' ')) });
      }
    } else {
      exact.set(pattern.toLowerCase(), pattern);
      const domain = domainIn(pattern, [...study.domains].sort((a, b) => b.length - a.length));
      const rest = domain !== undefined ? removeDomain(pattern, domain) : pattern;
      patterns.push({ name: pattern, ...(domain !== undefined ? { domain } : {}), tokens: tokens(rest) });
    }
  }
  const m: MetricMatcher = { exact, patterns, domainsByLength: [...study.domains].sort((a, b) => b.length - a.length), cache: new Map() };
  matchers.set(study, m);
  return m;
}

/** The longest study domain contained in `name` on word boundaries (`_`, `/`, `-`, `.` count as boundaries). */
function domainIn(name: string, domainsByLength: readonly string[]): string | undefined {
  for (const d of domainsByLength) if (wordMatcher(d).test(name)) return d;
  return undefined;
}

function removeDomain(name: string, domain: string): string {
  return name.toLowerCase().replace(wordMatcher(domain), '$1 $3');
}

/**
 * The study metric a logged metric name stands for, or undefined. Exact names win (case-insensitive); otherwise
 * the names must concern the same domain (or none) and the logged name must carry every word of the study's
 * metric after synonyms (eval/validation -> val), without naming a different split: so "eval_arxiv_loss",
 * "val/arxiv_loss" and "metric/the_pile_arxiv_val_loss" all map to "val_loss/arxiv", "train_loss" does not.
 */
export function matchMetric(study: Study, logged: string): string | undefined {
  const m = metricMatcher(study);
  if (m.cache.has(logged)) return m.cache.get(logged);
  let result = m.exact.get(logged.toLowerCase());
  if (result === undefined) {
    const domain = domainIn(logged, m.domainsByLength);
    const rest = new Set(tokens(domain !== undefined ? removeDomain(logged, domain) : logged));
    for (const p of m.patterns) {
      if (p.domain !== domain) continue;
      if (!p.tokens.every((t) => rest.has(t))) continue;
      let otherSplit = false;
      for (const t of rest) if (SPLIT_TOKENS.has(t) && !p.tokens.includes(t)) otherSplit = true;
      if (otherSplit) continue;
      result = p.name;
      break;
    }
  }
  if (m.cache.size < 10_000) m.cache.set(logged, result);
  return result;
}

/**
 * Renames logged metrics to the study's names where they match; keeps other finite metrics under their own
 * name. A study name taken by an exact match is not overwritten by a fuzzy match from the same record.
 */
export function normaliseMetrics(study: Study, logged: Readonly<Record<string, unknown>>): Record<string, number> {
  const out = nameMap<number>();
  const exactTaken = new Set<string>();
  for (const [k, v] of Object.entries(logged)) {
    const n = typeof v === 'number' ? v : toFiniteNumber(v);
    if (n === undefined || !Number.isFinite(n)) continue;
    const name = matchMetric(study, k) ?? k;
    const exact = name.toLowerCase() === k.toLowerCase();
    if (!exact && exactTaken.has(name)) continue;
    if (exact) exactTaken.add(name);
    out[name] = n;
  }
  return out;
}

// ---------------------------------------------------------------- models

/**
 * The study model a run used: by name (case-insensitive), else by parameter count within a factor 1.5.
 * Returns the logged name when nothing matches, so the dataset can say which model is unknown.
 */
export function matchModel(study: Study, name: string | undefined, params: number | undefined): { model?: string; params?: number } {
  const models = study.fidelities.models;
  if (name !== undefined && name !== '') {
    const byName = models.find((m) => m.name.toLowerCase() === name.toLowerCase());
    if (byName) return { model: byName.name, params: byName.params };
  }
  if (params !== undefined && params > 0) {
    let best: { name: string; params: number; distance: number } | undefined;
    for (const m of models) {
      const distance = Math.abs(Math.log(m.params / params));
      if (distance < Math.log(1.5) && (!best || distance < best.distance)) best = { name: m.name, params: m.params, distance };
    }
    if (best) return { model: best.name, params };
  }
  const out: { model?: string; params?: number } = {};
  if (name !== undefined && name !== '') out.model = name;
  if (params !== undefined && params > 0) out.params = params;
  return out;
}

/** Study model named as a word in a file or folder name ("test_mixture_1B.csv" -> "1B"), if exactly one is. */
export function modelFromName(study: Study, path: string): string | undefined {
  const lower = path.toLowerCase();
  const found = study.fidelities.models.filter((m) => new RegExp(`(^|[^a-z0-9])${escapeRegExp(m.name.toLowerCase())}([^a-z0-9]|$)`).test(lower));
  return found.length === 1 ? found[0]?.name : undefined;
}

const MODEL_NAME_KEYS = ['model.name', 'model_name', 'model', 'model.size', 'model_size', 'arch', 'model.model_name'];
const MODEL_PARAMS_KEYS = ['model.params', 'n_params', 'num_params', 'params', 'num_parameters', 'model.n_params', 'model.num_params', 'model_params'];
const STEPS_KEYS = ['trainer.max_steps', 'max_steps', 'train.max_steps', 'training.max_steps', 'steps', 'num_steps', 'train_iters'];

/** Model, params and planned steps read from a run's config (study keys first, then common names). */
export function fidelityFromConfig(study: Study, config: unknown): { name?: string; params?: number; plannedSteps?: number } {
  const out: { name?: string; params?: number; plannedSteps?: number } = {};
  const nameKeys = withWrappers(study.config?.modelKey !== undefined ? [study.config.modelKey, ...MODEL_NAME_KEYS] : MODEL_NAME_KEYS, config);
  for (const key of nameKeys) {
    const v = getPath(config, key);
    if (typeof v === 'string' && v.trim() !== '') {
      out.name = v.trim();
      break;
    }
    if (typeof v === 'number' && Number.isFinite(v) && key === study.config?.modelKey) {
      out.name = String(v);
      break;
    }
  }
  for (const key of withWrappers(MODEL_PARAMS_KEYS, config)) {
    const n = toFiniteNumber(getPath(config, key));
    if (n !== undefined && n > 0) {
      out.params = n;
      break;
    }
  }
  const stepKeys = withWrappers(study.config?.stepsKey !== undefined ? [study.config.stepsKey, ...STEPS_KEYS] : STEPS_KEYS, config);
  for (const key of stepKeys) {
    const n = toFiniteNumber(getPath(config, key));
    if (n !== undefined && n > 0) {
      out.plannedSteps = n;
      break;
    }
  }
  return out;
}

/** The MixOpt trial id a generated config carries (`mixopt_trial`, at any depth), if any. */
export function trialIdFromConfig(config: unknown): string | undefined {
  const v = getPath(config, 'mixopt_trial') ?? findKeyDeep(config, 'mixopt_trial');
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

// ---------------------------------------------------------------- mixtures

const DEFAULT_MIXTURE_KEYS = [
  'mixture',
  'data.mixture',
  'domain_weights',
  'data.domain_weights',
  'data_mixture',
  'train_domain_weights',
  // Megatron / NeMo blended datasets: flat [weight, path, ...]
  'data_path',
  'data.data_path',
  'data_prefix',
  'model.data.data_prefix',
];

/** Top-level keys that wrap a whole config (argparse Namespace saved by Lightning, Hydra/OmegaConf dumps). */
const CONFIG_WRAPPERS = ['args', 'config', 'cfg', 'hparams', 'hyper_parameters'];

/** The keys, then the same keys under each common wrapper ("args.data.mixture"). */
const wrapped = new Map<string, string[]>();

/**
 * The keys, then the same keys under each wrapper the config has at its top ("args.data.mixture", also when
 * the config is flat: "args.data.mixture.github"). Lists are memoised: this runs for every config of every run.
 */
function withWrappers(keys: readonly string[], config?: unknown): string[] {
  let present = CONFIG_WRAPPERS;
  if (isPlainObject(config)) {
    const tops = new Set<string>();
    for (const k in config) tops.add(k.includes('.') ? k.slice(0, k.indexOf('.')) : k);
    present = CONFIG_WRAPPERS.filter((w) => tops.has(w));
  }
  const id = `${present.join(',')}\n${keys.join('\n')}`;
  let out = wrapped.get(id);
  if (out === undefined) {
    out = [...keys, ...present.flatMap((w) => keys.map((k) => `${w}.${k}`))];
    if (wrapped.size < 1000) wrapped.set(id, out);
  }
  return out;
}

/** A mixture as found in a config, before it is checked against the study: domain (or unknown name) -> weight. */
export type RawMixture = Record<string, number>;

function domainFromPath(study: Study, path: string): string | undefined {
  const paths = study.config?.paths;
  if (paths) {
    for (const [domain, p] of Object.entries(paths)) if (p === path) return domain;
    for (const [domain, p] of Object.entries(paths)) if (p !== '' && (path.includes(p) || p.includes(path))) return domain;
  }
  return domainIn(path, [...study.domains].sort((a, b) => b.length - a.length));
}

/**
 * Reads a mixture value in any of the three shapes: map {domain: w}; list of {name|domain, weight}; flat
 * [w, path, w, path, ...] (Megatron/NeMo data_path, also as one whitespace-separated string) with each domain
 * found from its path. Problems are reported to `sink` under `key`; returns undefined when nothing usable.
 */
export function readMixtureValue(study: Study, value: unknown, sink: DiagnosticSink, key: string, line = 0): RawMixture | undefined {
  if (typeof value === 'string') {
    const parts = value.trim().split(/\s+/);
    if (parts.length >= 2 && parts.length % 2 === 0 && toFiniteNumber(parts[0]) !== undefined) return readMixtureValue(study, parts, sink, key, line);
    sink.error(line, `mixture at ${key} is a string that is not a "weight path weight path ..." list`, { key });
    return undefined;
  }
  if (isPlainObject(value)) {
    const out: RawMixture = nameMap<number>();
    for (const [k, v] of Object.entries(value)) {
      const w = toFiniteNumber(isPlainObject(v) ? (v['weight'] ?? v['value']) : v);
      if (w === undefined) {
        sink.error(line, `mixture weight of ${k} is not a finite number`, { key: `${key}.${k}` });
        return undefined;
      }
      out[k] = w;
    }
    return out;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      sink.error(line, `mixture at ${key} is empty`, { key });
      return undefined;
    }
    if (value.every((e) => isPlainObject(e))) {
      const out: RawMixture = nameMap<number>();
      for (const [i, e] of value.entries()) {
        const o = e as Record<string, unknown>;
        const name = o['name'] ?? o['domain'] ?? o['source'] ?? o['dataset'];
        const w = toFiniteNumber(o['weight'] ?? o['proportion'] ?? o['ratio'] ?? o['prob'] ?? o['fraction']);
        if (typeof name !== 'string' || w === undefined) {
          sink.error(line, `mixture entry ${i} needs a name and a numeric weight`, { key: `${key}[${i}]` });
          return undefined;
        }
        out[name] = (out[name] ?? 0) + w;
      }
      return out;
    }
    if (value.length % 2 === 0) {
      const out: RawMixture = nameMap<number>();
      for (let i = 0; i < value.length; i += 2) {
        const w = toFiniteNumber(value[i]);
        const p: unknown = value[i + 1];
        if (w === undefined || typeof p !== 'string') {
          sink.error(line, `flat mixture at ${key} must alternate weight and path (entry ${i})`, { key: `${key}[${i}]` });
          return undefined;
        }
        const domain = domainFromPath(study, p);
        if (domain === undefined) {
          sink.warning(line, `no study domain found in data path "${p}"; its weight is ignored`, {
            key: `${key}[${i + 1}]`,
            hint: 'name the domain in the path or list it under config.paths in the study',
          });
          out[p] = (out[p] ?? 0) + w;
          continue;
        }
        out[domain] = (out[domain] ?? 0) + w;
      }
      return out;
    }
  }
  sink.error(line, `mixture at ${key} has an unknown shape`, { key, hint: 'use a map {domain: weight}, a list of {name, weight} or a flat [weight, path, ...] list' });
  return undefined;
}

/**
 * Finds and reads the mixture in a run's config (study mixture key, its flattened form, then common keys).
 * `locate` gives the line of a dotted key in the config file, for diagnostics.
 */
export function findMixtureInConfig(
  study: Study,
  config: unknown,
  sink: DiagnosticSink,
  locate: (dotted: string) => number = () => 0,
): { raw?: RawMixture; key: string; line: number } | undefined {
  const keys = withWrappers(study.config?.mixtureKey !== undefined ? [study.config.mixtureKey, ...DEFAULT_MIXTURE_KEYS] : DEFAULT_MIXTURE_KEYS, config);
  const direct = firstPath(config, keys);
  if (direct) {
    const line = locate(direct.path);
    const raw = readMixtureValue(study, direct.value, sink, direct.path, line);
    return { ...(raw ? { raw } : {}), key: direct.path, line };
  }
  for (const key of keys) {
    const flat = flattenedChildren(config, key);
    if (flat) {
      const raw = readMixtureValue(study, flat, sink, key, 0);
      return { ...(raw ? { raw } : {}), key, line: 0 };
    }
  }
  return undefined;
}

/**
 * Where in a config a mixture seems to be when the keys MixOpt tries found none: the dotted path of a map (or of
 * flattened keys "<path>.<domain>") that names at least two study domains (one for a one-domain study), or of a
 * list of {name, weight} entries naming them. Breadth first, bounded; undefined when nothing looks like one.
 */
export function suggestMixtureKey(study: Study, config: unknown): string | undefined {
  const domains = new Set(study.domains);
  const need = Math.min(2, domains.size);
  const queue: { node: unknown; path: string; depth: number }[] = [{ node: config, path: '', depth: 0 }];
  let visited = 0;
  for (let i = 0; i < queue.length && visited < 20_000; i++) {
    const { node, path, depth } = queue[i] as { node: unknown; path: string; depth: number };
    visited++;
    const at = (k: string): string => (path === '' ? k : `${path}.${k}`);
    if (Array.isArray(node)) {
      const named = node.filter((e) => isPlainObject(e) && typeof (e['name'] ?? e['domain']) === 'string' && domains.has(String(e['name'] ?? e['domain'])));
      if (path !== '' && named.length >= need) return path;
      if (depth < 8) node.slice(0, 1000).forEach((e, j) => queue.push({ node: e, path: at(String(j)), depth: depth + 1 }));
      continue;
    }
    if (!isPlainObject(node)) continue;
    const keys = Object.keys(node);
    if (path !== '' && keys.filter((k) => domains.has(k)).length >= need) return path;
    const flat = new Map<string, number>();
    for (const k of keys) {
      const dot = k.lastIndexOf('.');
      if (dot > 0 && domains.has(k.slice(dot + 1))) flat.set(k.slice(0, dot), (flat.get(k.slice(0, dot)) ?? 0) + 1);
    }
    const best = [...flat].sort((a, b) => b[1] - a[1])[0];
    if (best && best[1] >= need) return at(best[0]);
    if (depth < 8) for (const k of keys.slice(0, 1000)) queue.push({ node: node[k], path: at(k), depth: depth + 1 });
  }
  return undefined;
}

export function mixtureFromConfig(study: Study, config: unknown, sink: DiagnosticSink): RawMixture | undefined {
  return findMixtureInConfig(study, config, sink)?.raw;
}

/** Tolerances of the mixture check: sums within SUM_EXACT are fine; within SUM_NORMALISE normalised with a warning. */
export const SUM_EXACT = 1e-3;
export const SUM_NORMALISE = 0.05;

/**
 * Checks a raw mixture against the study and returns it normalised over the study's domains (missing domains
 * get 0), or undefined (with an error) when it cannot be used. Unknown domains with weight are reported and
 * their weight left out of the sum; `quietSum` suppresses the per-run "normalised" warning (tables count them).
 */
export function checkMixture(
  study: Study,
  raw: RawMixture,
  sink: DiagnosticSink,
  where: { line: number; key?: string; runId: string; file?: string },
  quietSum = false,
): { mixture?: Record<string, number>; normalised: boolean } {
  const known = new Set(study.domains);
  const at = { ...(where.key !== undefined ? { key: where.key } : {}), ...(where.file !== undefined ? { file: where.file } : {}) };
  const unknown: string[] = [];
  const unknownZero: string[] = [];
  let sum = 0;
  for (const [d, w] of Object.entries(raw)) {
    if (!Number.isFinite(w) || w < 0) {
      sink.error(where.line, `run ${where.runId}: weight of ${d} is ${w}; weights must be finite and >= 0; the run is not used`, at);
      return { normalised: false };
    }
    if (!known.has(d)) {
      (w > 0 ? unknown : unknownZero).push(d);
      continue;
    }
    sum += w;
  }
  if (unknownZero.length > 0) {
    sink.info(where.line, `run ${where.runId}: ${unknownZero.join(', ')} (weight 0) not in the study`, { ...at, hint: 'a misspelt domain name?' });
  }
  if (unknown.length > 0) {
    sink.warning(where.line, `run ${where.runId}: domain${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} not in the study; ignored`, {
      ...at,
      hint: 'add them to the study domains, or rename them to match',
    });
  }
  if (!(sum > 0)) {
    sink.error(where.line, `run ${where.runId}: the mixture has no weight on any study domain; the run is not used`, at);
    return { normalised: false };
  }
  const off = Math.abs(sum - 1);
  if (off > SUM_NORMALISE) {
    sink.error(where.line, `run ${where.runId}: mixture weights sum to ${round(sum)}, more than 5% from 1; the run is not used`, {
      ...at,
      hint: 'weights must sum to 1 (fractions, not percentages)',
    });
    return { normalised: false };
  }
  const normalised = off > SUM_EXACT;
  if (normalised && !quietSum) {
    sink.warning(where.line, `run ${where.runId}: mixture weights sum to ${round(sum)}; normalised to 1`, at);
  }
  const mixture = nameMap<number>();
  for (const d of study.domains) mixture[d] = (Object.prototype.hasOwnProperty.call(raw, d) ? (raw[d] ?? 0) : 0) / sum;
  return { mixture, normalised };
}

function round(x: number): string {
  return Number(x.toPrecision(6)).toString();
}

/** Maps logged status words to a run status. */
export function statusFromWord(word: unknown): 'running' | 'completed' | 'failed' | undefined {
  if (typeof word !== 'string') return undefined;
  const w = word.trim().toLowerCase();
  if (['running', 'started', 'in_progress', 'scheduled', 'pending'].includes(w)) return 'running';
  if (['completed', 'finished', 'done', 'success', 'succeeded', 'complete'].includes(w)) return 'completed';
  if (['failed', 'crashed', 'killed', 'error', 'errored', 'cancelled', 'canceled', 'aborted'].includes(w)) return 'failed';
  return undefined;
}
