// The file-system edge of run reading: walks the study's include globs, recognises each run folder or log file by
// the format descriptors of formats.ts, and has the descriptor read it. Unreadable or corrupt files become
// diagnostics; the rest is still read. Symbolic links to folders are followed only while they stay inside the
// study folder (or an include root), a folder is never entered twice (no loops), and a file reached by two paths
// is read once, by its real path.
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import type { Diagnostic } from '../study/diagnostics';
import type { CsvMapping, Study } from '../study/types';
import { pairTableFiles, parseCsvTable } from './csv';
import { FILE_FORMATS, folderFormatOf } from './formats';
import type { Listing } from './fsread';
import { listFolder, Reader, signatureOf, toPosix } from './fsread';
import type { ParseResult, RunRecord } from './types';

export interface DiscoverResult extends ParseResult {
  /** number of run folders and log files read */
  readonly sources: number;
}

export interface DiscoverOptions {
  /** files larger than this are reported and skipped (default 256 MiB) */
  readonly maxFileBytes?: number;
  /** folder names never walked into */
  readonly skipDirs?: readonly string[];
  /** reuse the parse of sources whose files are unchanged (size and mtime) since the last discovery */
  readonly cache?: DiscoverCache;
}

/**
 * Parse results kept between discoveries (e.g. one per study in the extension), keyed by source and reused while
 * the size and mtime of every file the source was read from are unchanged. A changed study clears it.
 */
export class DiscoverCache {
  private studyKey = '';
  private readonly entries = new Map<string, { signature: string; result: ParseResult }>();
  private readonly touched = new Set<string>();
  /** sources reused / parsed in the last discovery */
  hits = 0;
  misses = 0;

  begin(studyKey: string): void {
    if (studyKey !== this.studyKey) {
      this.entries.clear();
      this.studyKey = studyKey;
    }
    this.touched.clear();
    this.hits = 0;
    this.misses = 0;
  }

  get(key: string, signature: string): ParseResult | undefined {
    this.touched.add(key);
    const e = this.entries.get(key);
    if (e && e.signature === signature) {
      this.hits++;
      return e.result;
    }
    this.misses++;
    return undefined;
  }

  set(key: string, signature: string, result: ParseResult): void {
    this.touched.add(key);
    this.entries.set(key, { signature, result });
  }

  /** Forgets sources not seen in this discovery. */
  end(): void {
    for (const key of [...this.entries.keys()]) if (!this.touched.has(key)) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Static folder a glob starts from, resolved against the study folder. */
function globRoot(studyDir: string, glob: string): string {
  let base: string;
  try {
    const scan = picomatch.scan(glob);
    base = scan.isGlob ? scan.base : glob;
  } catch {
    // not a glob picomatch can read: walk from the study folder, the matcher decides
    base = '';
  }
  return resolve(studyDir, base === '' ? '.' : base);
}

function realpathOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

const DEFAULT_SKIP = ['.git', 'node_modules', '.mixopt', '__pycache__', '.venv', 'venv', '.hg', '.svn', '.trash'];

function isInside(p: string, dirs: readonly string[]): boolean {
  return dirs.some((r) => p === r || p.startsWith(r.endsWith(sep) ? r : r + sep));
}

/**
 * Walks from `roots`, calling `visit` for each folder (returning false stops descent). Never enters a folder
 * twice. A symbolic link to a folder inside the walked tree (W&B's `latest-run`, a link back up) is skipped, so
 * every run is reached by its real path. A link leading out of the tree is followed when its target is inside
 * `allowed` (the study folder); one leaving it (`runs/a/root -> /`) is reported and not followed.
 */
function walk(roots: readonly string[], reader: Reader, skipDirs: ReadonlySet<string>, visit: (abs: string, listing: Listing) => boolean, allowed: readonly string[] = []): void {
  const seen = new Set<string>();
  const realRoots = roots.map(realpathOrSelf);
  const insideTree = (p: string): boolean => isInside(p, realRoots);
  const realAllowed = allowed.map(realpathOrSelf);
  const leaves = (abs: string, d: string): boolean => {
    if (!listingLinked(abs, d)) return false;
    const target = realpathOrSelf(join(abs, d));
    if (isInside(target, realAllowed)) return false;
    reader.problem(join(abs, d), `a link to ${target}, outside the study folder; not followed`, 'info', `to read runs there, add "${toPosix(target)}/**" to runs.include`);
    return true;
  };
  let linked: Listing | undefined;
  const listingLinked = (_abs: string, d: string): boolean => linked?.linkedDirs.has(d) ?? false;
  const stack = [...roots].reverse();
  while (stack.length > 0) {
    const abs = stack.pop() as string;
    let key: string;
    try {
      const st = statSync(abs);
      if (!st.isDirectory()) continue;
      key = `${st.dev}:${st.ino}`;
    } catch {
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    const listing = listFolder(abs, reader);
    if (!listing) continue;
    if (!visit(abs, listing)) continue;
    linked = listing;
    const subdirs = [...listing.dirs]
      .filter((d) => !skipDirs.has(d) && !(listing.linkedDirs.has(d) && insideTree(realpathOrSelf(join(abs, d)))) && !(realAllowed.length > 0 && leaves(abs, d)))
      .sort();
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(join(abs, subdirs[i] as string));
  }
}

/**
 * Matches study-relative paths against globs; absolute globs ("/data/regmix/*.csv") are matched against the
 * absolute path, which `absOf` gives for a relative one.
 */
function matcher(globs: readonly string[], absOf?: (rel: string) => string): (rel: string) => boolean {
  const usable = globs.filter((g) => typeof g === 'string' && g !== '');
  const relative = usable.filter((g) => !isAbsolute(g));
  const absolute = usable.filter((g) => isAbsolute(g)).map(toPosix);
  const mr = relative.length > 0 ? safePicomatch(relative) : undefined;
  const ma = absolute.length > 0 && absOf ? safePicomatch(absolute) : undefined;
  return (rel) => (mr !== undefined && mr(rel)) || (ma !== undefined && absOf !== undefined && ma(absOf(rel)));
}

/** picomatch, with a glob it cannot compile matching nothing instead of throwing (the study parser reports globs). */
function safePicomatch(globs: string | string[]): (path: string) => boolean {
  try {
    return picomatch(globs, { dot: true });
  } catch {
    return () => false;
  }
}

/** Files matched by globs (relative to the study folder), as absolute paths. */
function globFiles(studyDir: string, globs: readonly string[], reader: Reader, skipDirs: ReadonlySet<string>): string[] {
  const isMatch = matcher(globs, (rel) => toPosix(resolve(studyDir, rel)));
  const found: string[] = [];
  const roots = [...new Set(globs.filter((g) => g !== '').map((g) => globRoot(studyDir, g)))];
  const direct = roots.filter((r) => {
    try {
      return statSync(r).isFile();
    } catch {
      return false;
    }
  });
  for (const f of direct) if (isMatch(reader.rel(f)) || globs.some((g) => resolve(studyDir, g) === f)) found.push(f);
  walk(
    roots.filter((r) => !direct.includes(r)),
    reader,
    skipDirs,
    (abs, listing) => {
      for (const f of listing.files) {
        const p = join(abs, f);
        if (isMatch(reader.rel(p))) found.push(p);
      }
      return true;
    },
  );
  return [...new Set(found)].sort();
}

function matchesGlob(glob: string, rel: string): boolean {
  if (glob === '') return false;
  const m = safePicomatch(glob);
  return m(rel) || (!glob.includes('/') && m(rel.slice(rel.lastIndexOf('/') + 1)));
}

function readCsvTables(study: Study, studyDir: string, reader: Reader, skipDirs: ReadonlySet<string>, out: ParseResult[], cache?: DiscoverCache): number {
  let sources = 0;
  for (const mapping of study.runs.csv ?? []) {
    const files = globFiles(studyDir, mapping.files, reader, skipDirs);
    if (files.length === 0) {
      reader.diagnostics.push({ severity: 'warning', file: study.file, line: 0, key: 'runs.csv', message: `no CSV file matches ${mapping.files.join(', ')}` });
      continue;
    }
    const csvMapping: CsvMapping = mapping;
    if (mapping.mixtureFile !== undefined && mapping.metricsFile !== undefined) {
      const mixtureFiles = files.filter((f) => matchesGlob(mapping.mixtureFile as string, reader.rel(f)));
      const metricsFiles = files.filter((f) => matchesGlob(mapping.metricsFile as string, reader.rel(f)));
      const byFolder = new Map<string, { m: string[]; l: string[] }>();
      for (const f of mixtureFiles) {
        const d = f.slice(0, f.lastIndexOf(sep));
        const e = byFolder.get(d) ?? { m: [], l: [] };
        e.m.push(f);
        byFolder.set(d, e);
      }
      for (const f of metricsFiles) {
        const d = f.slice(0, f.lastIndexOf(sep));
        const e = byFolder.get(d) ?? { m: [], l: [] };
        e.l.push(f);
        byFolder.set(d, e);
      }
      for (const { m, l } of byFolder.values()) {
        const { pairs, unpaired } = pairTableFiles(m, l);
        for (const [mf, lf] of pairs) {
          const result = cached(cache, reader, `csv:${mf}|${lf}`, () => [mf, lf], () => {
            const mt = reader.text(mf);
            const lt = reader.text(lf);
            if (mt === undefined || lt === undefined) return undefined;
            return parseCsvTable({ file: reader.rel(mf), text: mt }, { file: reader.rel(lf), text: lt }, csvMapping, study);
          });
          if (!result) continue;
          sources++;
          out.push(result);
        }
        for (const mf of unpaired) reader.problem(mf, `no metrics file (${mapping.metricsFile}) pairs with this mixture file`, 'warning');
      }
    } else {
      for (const f of files) {
        const result = cached(cache, reader, `csv:${f}`, () => [f], () => {
          const text = reader.text(f);
          return text === undefined ? undefined : parseCsvTable({ file: reader.rel(f), text }, undefined, csvMapping, study);
        });
        if (!result) continue;
        sources++;
        out.push(result);
      }
    }
  }
  return sources;
}

/** Reads a source through the cache: reused when its signature is unchanged; cached only when read cleanly. */
function cached(cache: DiscoverCache | undefined, reader: Reader, key: string, files: () => readonly string[], read: () => ParseResult | undefined): ParseResult | undefined {
  if (!cache) return read();
  const signature = signatureOf(files());
  const hit = cache.get(key, signature);
  if (hit) return hit;
  const problems = reader.diagnostics.length;
  const result = read();
  if (result && reader.diagnostics.length === problems) cache.set(key, signature, result);
  return result;
}

/**
 * Finds and reads every run under the study's include globs (minus exclude globs), plus the CSV tables of
 * `runs.csv`. Paths in records and diagnostics are relative to `studyDir`. Duplicate run ids are renamed
 * (`<id>@<source>`) with a warning so no run silently replaces another.
 */
export function discoverRuns(study: Study, studyDir: string, options: DiscoverOptions = {}): DiscoverResult {
  const root = isAbsolute(studyDir) ? studyDir : resolve(studyDir);
  const reader = new Reader(root, options.maxFileBytes ?? 256 * 2 ** 20);
  const skipDirs = new Set(options.skipDirs ?? DEFAULT_SKIP);
  const absOf = (rel: string): string => toPosix(resolve(root, rel));
  const included = matcher(study.runs.include, absOf);
  const excluded = matcher(study.runs.exclude, absOf);
  const csvGlobs = (study.runs.csv ?? []).flatMap((c) => c.files);
  const isCsvTable = matcher(csvGlobs, absOf);
  const results: ParseResult[] = [];
  let sources = 0;
  const roots = [...new Set(study.runs.include.filter((g) => g !== '').map((g) => globRoot(root, g)))];
  const fileRoots: string[] = [];
  const dirRoots: string[] = [];
  for (const r of roots) {
    try {
      if (statSync(r).isFile()) fileRoots.push(r);
      else dirRoots.push(r);
    } catch {
      // an include glob whose folder does not exist yet: nothing to read
    }
  }
  const cache = options.cache;
  cache?.begin(JSON.stringify([study, root, options.maxFileBytes ?? 0]));
  // a file reached through two paths (a link to another log) is read once, by its real path
  const readFiles = new Set<string>();
  const readLooseFile = (p: string): void => {
    const rel = reader.rel(p);
    if (excluded(rel) || isCsvTable(rel)) return;
    const name = p.slice(p.lastIndexOf(sep) + 1);
    const format = FILE_FORMATS.find((f) => f.candidate(name));
    if (!format) return;
    const real = realpathOrSelf(p);
    if (readFiles.has(real)) return;
    readFiles.add(real);
    const result = cached(cache, reader, `file:${real}`, () => [real], () => {
      const head = reader.headBytes(p);
      if (head === undefined) return undefined;
      // a file of another tool is remembered as "no runs" so it is not sniffed again until it changes
      if (!format.detect(name, head)) return { runs: [], diagnostics: [] };
      return format.read(p, reader, study);
    });
    if (!result || (result.runs.length === 0 && result.diagnostics.length === 0)) return;
    sources++;
    results.push(result);
  };
  for (const f of fileRoots) if (included(reader.rel(f))) readLooseFile(f);
  walk(dirRoots, reader, skipDirs, (abs, listing) => {
    const rel = reader.rel(abs);
    if (rel !== '.' && excluded(rel)) return false;
    const format = folderFormatOf({ name: abs.slice(abs.lastIndexOf(sep) + 1), files: listing.files, dirs: listing.dirs });
    if (format !== undefined && included(rel)) {
      const result = cached(cache, reader, `${format.format}:${abs}`, () => format.files(abs, listing), () => format.read({ abs, listing, reader, study }));
      if (result) {
        sources++;
        results.push(result);
      }
      return false;
    }
    for (const f of [...listing.files].sort()) {
      const p = join(abs, f);
      if (included(reader.rel(p))) readLooseFile(p);
    }
    return true;
  }, [root, ...dirRoots]);
  sources += readCsvTables(study, root, reader, skipDirs, results, cache);
  cache?.end();

  const runs: RunRecord[] = [];
  const diagnostics: Diagnostic[] = [...reader.diagnostics];
  const seenIds = new Map<string, string>();
  for (const r of results) {
    diagnostics.push(...r.diagnostics);
    for (const run of r.runs) {
      const first = seenIds.get(run.id);
      if (first !== undefined) {
        const id = `${run.id}@${run.source}`;
        diagnostics.push({
          severity: 'warning',
          file: run.source,
          line: 0,
          message: `run id ${run.id} is also used by ${first}; this one is read as ${id}`,
          hint: 'give every run its own id',
        });
        runs.push({ ...run, id });
        seenIds.set(id, run.source);
      } else {
        seenIds.set(run.id, run.source);
        runs.push(run);
      }
    }
  }
  return { runs, diagnostics, sources };
}
