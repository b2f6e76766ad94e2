// The file-system edge of run reading: walks the study's include globs, detects each run folder's format by its
// marker files, reads the files the adapters need and hands them the text. Unreadable or corrupt files become
// diagnostics; the rest is still read. Symlinks are followed, but a folder is never entered twice (no loops).
import { closeSync, openSync, readdirSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import type { Diagnostic } from '../study/diagnostics';
import type { CsvMapping, Study } from '../study/types';
import { pairTableFiles, parseCsvTable } from './csv';
import { detectRunFile, detectRunFolder, isCheckpointDir } from './detect';
import type { TextFile } from './hf';
import { parseHfTrainer } from './hf';
import { parseMixoptJsonl } from './jsonl';
import { parseLightningCsv } from './lightning';
import type { KeyedFile } from './mlflow';
import { parseMlflowRun } from './mlflow';
import type { ParseResult, RunFormat, RunRecord } from './types';
import { parseWandbRun } from './wandb';

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

/** Size and mtime of each file (and the names in each folder) a source is read from. */
function signatureOf(files: readonly string[]): string {
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

/** Every file and folder under `abs` (bounded depth), for the signature of an MLflow run's params/metrics/tags. */
function treePaths(abs: string, depth = 0, out: string[] = []): string[] {
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

/** The files a run folder's adapter reads (plus the folder itself), for its cache signature. */
function runFolderFiles(format: RunFormat, abs: string, listing: Listing): string[] {
  const files = [abs, ...[...listing.files].map((f) => join(abs, f))];
  if (format === 'wandb') files.push(...treePaths(join(abs, 'files'), 7));
  if (format === 'mlflow') for (const d of ['params', 'metrics', 'tags']) if (listing.dirs.has(d)) files.push(...treePaths(join(abs, d)));
  if (format === 'hf-trainer') for (const d of listing.dirs) if (isCheckpointDir(d)) files.push(join(abs, d, 'trainer_state.json'));
  return files;
}

const DEFAULT_SKIP = ['.git', 'node_modules', '.mixopt', '__pycache__', '.venv', 'venv', '.hg', '.svn', '.trash'];
/** Output files of HF Trainer that are not the run's config. */
const HF_NOT_CONFIG = new Set([
  'trainer_state.json',
  'all_results.json',
  'train_results.json',
  'eval_results.json',
  'config.json',
  'generation_config.json',
  'tokenizer_config.json',
  'tokenizer.json',
  'special_tokens_map.json',
  'vocab.json',
  'added_tokens.json',
  'model.safetensors.index.json',
  'pytorch_model.bin.index.json',
  'adapter_config.json',
  'preprocessor_config.json',
]);

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

class Reader {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    private readonly studyDir: string,
    private readonly maxBytes: number,
  ) {}

  rel(abs: string): string {
    const r = toPosix(relative(this.studyDir, abs));
    return r === '' ? '.' : r;
  }

  problem(abs: string, message: string, severity: Diagnostic['severity'] = 'error'): void {
    this.diagnostics.push({ severity, file: this.rel(abs), line: 0, message });
  }

  /** The file's text, or undefined (with a diagnostic) when it cannot be read. */
  text(abs: string): string | undefined {
    try {
      const st = statSync(abs);
      if (!st.isFile()) return undefined;
      if (st.size > this.maxBytes) {
        this.problem(abs, `file is ${Math.round(st.size / 2 ** 20)} MiB, over the ${Math.round(this.maxBytes / 2 ** 20)} MiB limit; not read`, 'warning');
        return undefined;
      }
      return readFileSync(abs, 'utf8');
    } catch (e) {
      this.problem(abs, `cannot read: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  textFile(abs: string): TextFile | undefined {
    const text = this.text(abs);
    return text === undefined ? undefined : { file: this.rel(abs), text };
  }

  head(abs: string, bytes = 4096): string | undefined {
    let fd: number | undefined;
    try {
      fd = openSync(abs, 'r');
      const buf = Buffer.alloc(bytes);
      const n = readSync(fd, buf, 0, bytes, 0);
      return buf.subarray(0, n).toString('utf8');
    } catch (e) {
      this.problem(abs, `cannot read: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}

interface Listing {
  readonly files: Set<string>;
  readonly dirs: Set<string>;
  /** the sub-folders in `dirs` reached through a symbolic link */
  readonly linkedDirs: Set<string>;
}

/** Lists a folder, resolving symlinks to what they point at (broken links are skipped). */
function listFolder(abs: string, reader: Reader): Listing | undefined {
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
  for (const e of entries) {
    if (e.isFile()) files.add(e.name);
    else if (e.isDirectory()) dirs.add(e.name);
    else if (e.isSymbolicLink()) {
      try {
        const st = statSync(join(abs, e.name));
        if (st.isDirectory()) {
          dirs.add(e.name);
          linkedDirs.add(e.name);
        } else if (st.isFile()) files.add(e.name);
      } catch {
        // broken link: nothing to read
      }
    }
  }
  return { files, dirs, linkedDirs };
}

/** All files under a folder (keys relative to it, "/"-separated), for MLflow params/metrics/tags. */
function keyedFiles(abs: string, reader: Reader, depth = 0, prefix = ''): KeyedFile[] {
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

function configFiles(abs: string, files: ReadonlySet<string>, reader: Reader, skip: ReadonlySet<string>): TextFile[] {
  const out: TextFile[] = [];
  for (const f of [...files].sort()) {
    const lower = f.toLowerCase();
    if (skip.has(f)) continue;
    const yaml = lower.endsWith('.yaml') || lower.endsWith('.yml');
    const json = lower.endsWith('.json') && (lower.includes('config') || lower.includes('args') || lower.includes('hparams'));
    if (!yaml && !json) continue;
    const t = reader.textFile(join(abs, f));
    if (t) out.push(t);
  }
  return out;
}

/** Reads one detected run folder with its adapter. */
function readRunFolder(format: RunFormat, abs: string, listing: Listing, reader: Reader, study: Study): ParseResult {
  const dir = reader.rel(abs);
  const opt = (name: string): TextFile | undefined => (listing.files.has(name) ? reader.textFile(join(abs, name)) : undefined);
  switch (format) {
    case 'hf-trainer': {
      let trainerState = opt('trainer_state.json');
      let fromCheckpoint = false;
      if (!trainerState && !listing.files.has('all_results.json')) {
        const latest = [...listing.dirs].filter(isCheckpointDir).sort((a, b) => Number(b.slice(11)) - Number(a.slice(11)))[0];
        if (latest !== undefined) {
          const p = join(abs, latest, 'trainer_state.json');
          trainerState = reader.textFile(p);
          fromCheckpoint = true;
        }
      }
      return parseHfTrainer(
        {
          dir,
          ...(trainerState ? { trainerState } : {}),
          ...(listing.files.has('all_results.json') ? { allResults: opt('all_results.json') as TextFile } : {}),
          configs: configFiles(abs, listing.files, reader, HF_NOT_CONFIG),
          fromCheckpoint,
        },
        study,
      );
    }
    case 'lightning-csv': {
      const metricsCsv = opt('metrics.csv');
      const hparams = opt('hparams.yaml');
      return parseLightningCsv(
        { dir, ...(metricsCsv ? { metricsCsv } : {}), ...(hparams ? { hparams } : {}), configs: configFiles(abs, listing.files, reader, new Set(['hparams.yaml'])) },
        study,
      );
    }
    case 'mlflow': {
      const meta = opt('meta.yaml');
      return parseMlflowRun(
        {
          dir,
          ...(meta ? { meta } : {}),
          params: listing.dirs.has('params') ? keyedFiles(join(abs, 'params'), reader) : [],
          metrics: listing.dirs.has('metrics') ? keyedFiles(join(abs, 'metrics'), reader) : [],
          tags: listing.dirs.has('tags') ? keyedFiles(join(abs, 'tags'), reader) : [],
        },
        study,
      );
    }
    case 'wandb': {
      const filesDir = join(abs, 'files');
      const inner = listFolder(filesDir, reader) ?? { files: new Set<string>(), dirs: new Set<string>(), linkedDirs: new Set<string>() };
      const get = (name: string): TextFile | undefined => (inner.files.has(name) ? reader.textFile(join(filesDir, name)) : undefined);
      const config = get('config.yaml');
      const summary = get('wandb-summary.json');
      const history = get('wandb-history.jsonl');
      const metadata = get('wandb-metadata.json');
      return parseWandbRun(
        { dir, ...(config ? { config } : {}), ...(summary ? { summary } : {}), ...(history ? { history } : {}), ...(metadata ? { metadata } : {}) },
        study,
      );
    }
    case 'mixopt-jsonl':
    case 'csv-table':
      return { runs: [], diagnostics: [] };
  }
}

/** Static folder a glob starts from, resolved against the study folder. */
function globRoot(studyDir: string, glob: string): string {
  let base = glob;
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

/**
 * Walks from `roots`, calling `visit` for each folder (returning false stops descent). Never enters a folder
 * twice. A symbolic link to a folder inside the walked tree (W&B's `latest-run`, a link back up) is skipped, so
 * every run is reached by its real path; links leading out of the tree are followed.
 */
function walk(roots: readonly string[], reader: Reader, skipDirs: ReadonlySet<string>, visit: (abs: string, listing: Listing) => boolean): void {
  const seen = new Set<string>();
  const realRoots = roots.map(realpathOrSelf);
  const insideTree = (p: string): boolean => realRoots.some((r) => p === r || p.startsWith(r.endsWith(sep) ? r : r + sep));
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
    const subdirs = [...listing.dirs].filter((d) => !skipDirs.has(d) && !(listing.linkedDirs.has(d) && insideTree(realpathOrSelf(join(abs, d))))).sort();
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
  const readLooseFile = (p: string): void => {
    const rel = reader.rel(p);
    if (excluded(rel) || isCsvTable(rel)) return;
    const name = p.slice(p.lastIndexOf(sep) + 1);
    if (!name.toLowerCase().endsWith('.jsonl')) return;
    const result = cached(cache, reader, `file:${p}`, () => [p], () => {
      const head = reader.head(p);
      if (head === undefined) return undefined;
      // a JSONL file of another tool is remembered as "no runs" so it is not sniffed again until it changes
      if (detectRunFile(name, head) !== 'mixopt-jsonl') return { runs: [], diagnostics: [] };
      const text = reader.text(p);
      return text === undefined ? undefined : parseMixoptJsonl(text, rel, study);
    });
    if (!result || (result.runs.length === 0 && result.diagnostics.length === 0)) return;
    sources++;
    results.push(result);
  };
  for (const f of fileRoots) if (included(reader.rel(f))) readLooseFile(f);
  walk(dirRoots, reader, skipDirs, (abs, listing) => {
    const rel = reader.rel(abs);
    if (rel !== '.' && excluded(rel)) return false;
    const format = detectRunFolder({ name: abs.slice(abs.lastIndexOf(sep) + 1), files: listing.files, dirs: listing.dirs });
    if (format !== undefined && included(rel)) {
      const result = cached(cache, reader, `${format}:${abs}`, () => runFolderFiles(format, abs, listing), () => readRunFolder(format, abs, listing, reader, study));
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
  });
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
