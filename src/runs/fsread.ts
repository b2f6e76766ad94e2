// File-system helpers of run discovery: reading files within size limits (problems become diagnostics), listing
// folders, gathering a run's config files. Used by discover.ts and the format descriptors in formats.ts.
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Diagnostic } from '../study/diagnostics';
import type { TextFile } from './hf';
import type { KeyedFile } from './mlflow';

export function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

export interface Listing {
  readonly files: Set<string>;
  readonly dirs: Set<string>;
  /** the sub-folders in `dirs` reached through a symbolic link */
  readonly linkedDirs: Set<string>;
  /** the files in `files` reached through a symbolic link */
  readonly linkedFiles: Set<string>;
}

export class Reader {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    readonly studyDir: string,
    private readonly maxBytes: number,
  ) {}

  rel(abs: string): string {
    const r = toPosix(relative(this.studyDir, abs));
    return r === '' ? '.' : r;
  }

  problem(abs: string, message: string, severity: Diagnostic['severity'] = 'error', hint?: string): void {
    this.diagnostics.push({ severity, file: this.rel(abs), line: 0, message, ...(hint !== undefined ? { hint } : {}) });
  }

  /** The file's bytes, or undefined (with a diagnostic) when it cannot be read or is over the size limit. */
  bytes(abs: string, maxBytes = this.maxBytes): Uint8Array | undefined {
    try {
      const st = statSync(abs);
      if (!st.isFile()) return undefined;
      if (st.size > maxBytes) {
        this.problem(
          abs,
          `file is ${Math.round(st.size / 2 ** 20)} MiB, over the ${Math.round(maxBytes / 2 ** 20)} MiB limit; not read`,
          'warning',
          'exclude it with runs.exclude, or split the log',
        );
        return undefined;
      }
      return readFileSync(abs);
    } catch (e) {
      this.problem(abs, `cannot read: ${e instanceof Error ? e.message : String(e)}`, 'error', 'check the file permissions');
      return undefined;
    }
  }

  /** The file's text, or undefined (with a diagnostic) when it cannot be read. */
  text(abs: string): string | undefined {
    const b = this.bytes(abs);
    return b === undefined ? undefined : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  }

  textFile(abs: string): TextFile | undefined {
    const text = this.text(abs);
    return text === undefined ? undefined : { file: this.rel(abs), text };
  }

  head(abs: string, bytes = 4096): string | undefined {
    const b = this.headBytes(abs, bytes);
    return b === undefined ? undefined : Buffer.from(b).toString('utf8');
  }

  headBytes(abs: string, bytes = 4096): Uint8Array | undefined {
    let fd: number | undefined;
    try {
      fd = openSync(abs, 'r');
      const buf = Buffer.alloc(bytes);
      const n = readSync(fd, buf, 0, bytes, 0);
      return buf.subarray(0, n);
    } catch (e) {
      this.problem(abs, `cannot read: ${e instanceof Error ? e.message : String(e)}`, 'error', 'check the file permissions');
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}

/** Lists a folder, resolving symlinks to what they point at (broken links are skipped). */
export function listFolder(abs: string, reader: Reader): Listing | undefined {
  let entries: Dirent[];
  try {
    entries = readdirSync(abs, { withFileTypes: true });
  } catch (e) {
    reader.problem(abs, `cannot list folder: ${e instanceof Error ? e.message : String(e)}`, 'warning');
    return undefined;
  }
  const files = new Set<string>();
  const dirs = new Set<string>();
  const linkedDirs = new Set<string>();
  const linkedFiles = new Set<string>();
  for (const e of entries) {
    if (e.isFile()) files.add(e.name);
    else if (e.isDirectory()) dirs.add(e.name);
    else if (e.isSymbolicLink()) {
      try {
        const st = statSync(join(abs, e.name));
        if (st.isDirectory()) {
          dirs.add(e.name);
          linkedDirs.add(e.name);
        } else if (st.isFile()) {
          files.add(e.name);
          linkedFiles.add(e.name);
        }
      } catch {
        // broken link: nothing to read
      }
    }
  }
  return { files, dirs, linkedDirs, linkedFiles };
}

export const EMPTY_LISTING: Listing = { files: new Set(), dirs: new Set(), linkedDirs: new Set(), linkedFiles: new Set() };

/** Every file and folder under `abs` (bounded depth), for cache signatures. */
export function treePaths(abs: string, depth = 0, out: string[] = []): string[] {
  if (depth > 8) return out;
  out.push(abs);
  let entries: Dirent[];
  try {
    entries = readdirSync(abs, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(abs, e.name);
    if (e.isDirectory()) treePaths(p, depth + 1, out);
    else out.push(p);
  }
  return out;
}

/** Size and mtime of each file (and the names in each folder) a source is read from. */
export function signatureOf(files: readonly string[]): string {
  const parts: string[] = [];
  for (const f of files) {
    try {
      const st = statSync(f);
      parts.push(st.isDirectory() ? `${f}/:${readdirSync(f).sort().join('|')}` : `${f}:${st.size}:${st.mtimeMs}`);
    } catch {
      parts.push(`${f}:missing`);
    }
  }
  return parts.join('\n');
}

/** All files under a folder (keys relative to it, "/"-separated), for MLflow params/metrics/tags. */
export function keyedFiles(abs: string, reader: Reader, depth = 0, prefix = ''): KeyedFile[] {
  if (depth > 8) return [];
  const listing = listFolder(abs, reader);
  if (!listing) return [];
  const out: KeyedFile[] = [];
  for (const f of [...listing.files].sort()) {
    const p = join(abs, f);
    const text = reader.text(p);
    if (text !== undefined) out.push({ key: prefix + f, file: reader.rel(p), text });
  }
  for (const d of [...listing.dirs].sort()) out.push(...keyedFiles(join(abs, d), reader, depth + 1, `${prefix}${d}/`));
  return out;
}

/** A run folder's own config files: YAML, and JSON whose name says config / args / hparams. */
export function isConfigFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.endsWith('.yaml') || lower.endsWith('.yml') || (lower.endsWith('.json') && (lower.includes('config') || lower.includes('args') || lower.includes('hparams')));
}

export function configFiles(abs: string, files: ReadonlySet<string>, reader: Reader, skip: ReadonlySet<string>): TextFile[] {
  const out: TextFile[] = [];
  for (const f of [...files].sort()) {
    if (skip.has(f) || !isConfigFileName(f)) continue;
    const t = reader.textFile(join(abs, f));
    if (t) out.push(t);
  }
  return out;
}
