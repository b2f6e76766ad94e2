// Small helpers shared by the log adapters: diagnostics, safe JSON/YAML parsing, dotted paths, number coercion.
// Nothing here touches the file system.
import { parseDocument } from 'yaml';
import type { Diagnostic, Severity } from '../study/diagnostics';

/** Collects diagnostics for one file. */
export class DiagnosticSink {
  readonly list: Diagnostic[] = [];
  constructor(readonly file: string) {}

  add(severity: Severity, line: number, message: string, extra?: { key?: string; hint?: string; column?: number; file?: string }): void {
    const d: Diagnostic = { severity, file: extra?.file ?? this.file, line, message };
    this.list.push({
      ...d,
      ...(extra?.column !== undefined ? { column: extra.column } : {}),
      ...(extra?.key !== undefined ? { key: extra.key } : {}),
      ...(extra?.hint !== undefined ? { hint: extra.hint } : {}),
    });
  }
  error(line: number, message: string, extra?: { key?: string; hint?: string; column?: number; file?: string }): void {
    this.add('error', line, message, extra);
  }
  warning(line: number, message: string, extra?: { key?: string; hint?: string; column?: number; file?: string }): void {
    this.add('warning', line, message, extra);
  }
  info(line: number, message: string, extra?: { key?: string; hint?: string; column?: number; file?: string }): void {
    this.add('info', line, message, extra);
  }
}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type PlainObject = Record<string, unknown>;

/** An object without a prototype, for maps keyed by names from logs and users ("__proto__", "constructor" are names too). */
export function nameMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * A plain object (Object.prototype, so it compares and prints like any record) holding `entries` as own
 * properties, a "__proto__" name included: what RunRecords carry out of the readers.
 */
export function ownRecord<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [k, v] of entries) {
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, writable: true, enumerable: true, configurable: true });
    else out[k] = v;
  }
  return out;
}

export function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** A finite number from a number or a numeric string ("1e6", " 0.25 "); undefined otherwise. */
export function toFiniteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') {
    const t = value.trim();
    if (t === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
    const n = Number(t);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Line (1-based) of a character offset. */
export function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Nesting deeper than this in a log value is refused: real configs and metrics nest a few levels. */
export const MAX_NESTING = 64;

/**
 * Whether a parsed value nests deeper than `max` (iterative: a value nested 10^6 deep must not overflow the stack
 * here, nor later in JSON.stringify or a recursive walk, which is why the readers check it first).
 */
export function nestsDeeper(value: unknown, max = MAX_NESTING): boolean {
  const stack: { v: unknown; d: number }[] = [{ v: value, d: 0 }];
  let visited = 0;
  while (stack.length > 0) {
    const { v, d } = stack.pop() as { v: unknown; d: number };
    if (typeof v !== 'object' || v === null) continue;
    if (d >= max) return true;
    if (++visited > 1_000_000) return true;
    if (Array.isArray(v)) for (const x of v) stack.push({ v: x, d: d + 1 });
    else for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k)) stack.push({ v: (v as Record<string, unknown>)[k], d: d + 1 });
  }
  return false;
}

/** JSON.parse that never throws: a syntax error (or a stack overflow on absurd nesting) becomes a diagnostic. */
export function parseJsonSafe(text: string, sink: DiagnosticSink, what: string, file?: string): { ok: true; value: unknown } | { ok: false } {
  const body = stripBom(text);
  try {
    const value = JSON.parse(body) as unknown;
    if (nestsDeeper(value)) {
      sink.error(0, `${what} nests deeper than ${MAX_NESTING} levels; not read`, { ...(file !== undefined ? { file } : {}), hint: 'a config or log file of a training run never nests that deep; is the file damaged?' });
      return { ok: false };
    }
    return { ok: true, value };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const position = /position (\d+)/.exec(message);
    const line = position?.[1] !== undefined ? lineOfOffset(body, Number(position[1])) : 0;
    sink.error(line, `${what} is not valid JSON: ${message}`, file !== undefined ? { file } : undefined);
    return { ok: false };
  }
}

/** Aliases allowed in one YAML document: enough for real configs, far too few for an alias bomb. */
const MAX_YAML_ALIASES = 200;

/** YAML parse that never throws: errors become diagnostics with line numbers; alias bombs are refused. */
export function parseYamlSafe(
  text: string,
  sink: DiagnosticSink,
  what: string,
  file?: string,
): { ok: true; value: unknown; locate: (dotted: string) => number } | { ok: false } {
  const at = file !== undefined ? { file } : undefined;
  try {
    const body = stripBom(text);
    const doc = parseDocument(body, { prettyErrors: true, uniqueKeys: false, logLevel: 'silent' });
    if (doc.errors.length > 0) {
      for (const err of doc.errors.slice(0, 5)) {
        const pos = err.linePos?.[0];
        sink.error(pos?.line ?? 0, `${what} is not valid YAML: ${err.message.split('\n')[0] ?? ''}`, { ...at, ...(pos ? { column: pos.col } : {}) });
      }
      return { ok: false };
    }
    const value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) as unknown;
    if (nestsDeeper(value)) {
      sink.error(0, `${what} nests deeper than ${MAX_NESTING} levels; not read`, { ...at, hint: 'a training config never nests that deep; is the file damaged?' });
      return { ok: false };
    }
    /** 1-based line of the value at a dotted path, 0 when not found */
    const locate = (dotted: string): number => {
      try {
        const node = doc.getIn(dotted.split('.'), true) as { range?: [number, number, number] } | undefined;
        return node?.range ? lineOfOffset(body, node.range[0]) : 0;
      } catch {
        return 0;
      }
    };
    return { ok: true, value, locate };
  } catch (e) {
    sink.error(0, `${what} could not be read as YAML: ${e instanceof Error ? e.message : String(e)}`, at);
    return { ok: false };
  }
}

/** Value at a dotted path ("data.mixture"); array indices allowed ("layers.0"). Also accepts a literal dotted key. */
const pathParts = new Map<string, readonly string[]>();

export function getPath(root: unknown, dotted: string): unknown {
  if (!isPlainObject(root) && !Array.isArray(root)) return undefined;
  if (isPlainObject(root) && Object.prototype.hasOwnProperty.call(root, dotted)) return root[dotted];
  let parts = pathParts.get(dotted);
  if (parts === undefined) {
    parts = dotted.split('.');
    if (pathParts.size < 10_000) pathParts.set(dotted, parts);
  }
  let node: unknown = root;
  for (const part of parts) {
    if (Array.isArray(node)) {
      const i = Number(part);
      if (!Number.isInteger(i)) return undefined;
      node = node[i];
    } else if (isPlainObject(node)) {
      if (!Object.prototype.hasOwnProperty.call(node, part)) return undefined;
      node = node[part];
    } else return undefined;
  }
  return node;
}

/** Entries whose literal key starts with `prefix.` (flattened params such as MLflow's "data.mixture.github"). */
export function flattenedChildren(root: unknown, prefix: string): Record<string, unknown> | undefined {
  if (!isPlainObject(root)) return undefined;
  const out = nameMap<unknown>();
  let found = false;
  const head = `${prefix}.`;
  for (const [k, v] of Object.entries(root)) {
    if (k.startsWith(head) && k.length > head.length) {
      out[k.slice(head.length)] = v;
      found = true;
    }
  }
  return found ? out : undefined;
}

/** First value found under a key named `name` anywhere in the tree (breadth first, bounded depth and size). */
export function findKeyDeep(root: unknown, name: string, maxDepth = 8): unknown {
  let level: unknown[] = [root];
  let visited = 0;
  for (let depth = 0; depth <= maxDepth && level.length > 0; depth++) {
    const next: unknown[] = [];
    for (const node of level) {
      if (++visited > 50_000) return undefined;
      if (isPlainObject(node)) {
        for (const [k, v] of Object.entries(node)) {
          if (k === name || k.endsWith(`.${name}`)) return v;
          if (typeof v === 'object' && v !== null) next.push(v);
        }
      } else if (Array.isArray(node)) for (const v of node) if (typeof v === 'object' && v !== null) next.push(v);
    }
    level = next;
  }
  return undefined;
}

/** The first defined value among dotted paths. */
export function firstPath(root: unknown, paths: readonly string[]): { path: string; value: unknown } | undefined {
  for (const p of paths) {
    const v = getPath(root, p);
    if (v !== undefined && v !== null) return { path: p, value: v };
  }
  return undefined;
}

/** Split text into lines, keeping 1-based numbers; handles CRLF and a BOM; reports whether the last line is unterminated. */
export function splitLines(text: string): { lines: string[]; terminated: boolean } {
  const body = stripBom(text);
  const lines = body.split('\n');
  const terminated = body.length === 0 || body.endsWith('\n');
  if (terminated) lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  return { lines, terminated };
}

export function basename(path: string): string {
  const trimmed = path.replace(/[\\/]+$/, '');
  const i = Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\'));
  return i >= 0 ? trimmed.slice(i + 1) : trimmed;
}

export function joinPath(dir: string, name: string): string {
  if (dir === '' || dir === '.') return name;
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}
