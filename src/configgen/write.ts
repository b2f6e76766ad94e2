// The file-system edge of config writing: atomic writes that never overwrite an existing file silently. The one
// atomic write of the project (the fit cache uses it too).
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { fileOp } from '../core/faults';
import type { Study } from '../study/types';

export class ConfigExistsError extends Error {
  constructor(readonly path: string) {
    super(`${path} already exists; MixOpt does not overwrite it`);
    this.name = 'ConfigExistsError';
  }
}

/** Where a trial's config goes: the study's config.output pattern ({trial}, {model}, {steps}) under the study folder. */
export function outputPath(study: Study, studyDir: string, trialId: string, model: string, steps: number): string {
  const pattern = study.config?.output ?? 'configs/generated/{trial}.yaml';
  // one path segment: no separators, and never `.` or `..` (a model named `..` in a ledger line must not climb)
  const safe = (s: string): string => {
    const x = s.replace(/[^A-Za-z0-9_.-]/g, '_');
    return /^\.*$/.test(x) ? x.replace(/\./g, '_') || '_' : x;
  };
  const rel = pattern.replaceAll('{trial}', safe(trialId)).replaceAll('{model}', safe(model)).replaceAll('{steps}', String(steps));
  return resolve(studyDir, rel);
}

/**
 * Writes `text` to `path` atomically: a temp file in the same folder, fsync, then a hard link (which fails if the
 * target exists, so no race can overwrite) or, with overwrite, a rename. A crash leaves either the old file or
 * the new one, never half of one (and at most a temp file, which removeStaleTemps removes). Hand-written rather than
 * npm's write-file-atomic: that one always renames (it cannot refuse an existing target) and has no crash seam.
 */
export function writeFileAtomic(path: string, text: string, options: { overwrite?: boolean } = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  fileOp('mkdir', dir);
  if (!options.overwrite && existsSync(path)) throw new ConfigExistsError(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx');
  fileOp('create', temp);
  try {
    const buffer = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
    fileOp('write', temp);
    fsyncSync(fd);
    fileOp('fsync', temp);
  } finally {
    closeSync(fd);
  }
  try {
    if (options.overwrite) {
      renameSync(temp, path);
      fileOp('rename', path);
    } else {
      try {
        linkSync(temp, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ConfigExistsError(path);
        throw e;
      }
      fileOp('link', path);
      unlinkSync(temp);
      fileOp('unlink', temp);
    }
  } finally {
    if (existsSync(temp)) unlinkSync(temp);
  }
}

/** `.<name>.<pid>.<hex>.tmp`: the temp files writeFileAtomic makes. */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/**
 * Removes temp files that writeFileAtomic left in `dir` when its process died between creating and removing them
 * (a live process's temp files are kept). `alive` tells whether a pid runs. Returns the removed paths.
 */
export function removeStaleTemps(dir: string, alive: (pid: number) => boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(join(dir, name));
    } catch {
      // gone meanwhile, or not ours to remove: leave it
    }
  }
  return removed;
}

/** Whether the config at `path` was written for `trialId`: its own `mixopt_trial:` line names it. */
export function configNamesTrial(path: string, trialId: string): boolean {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return false;
  }
  return text.split(/\r?\n/).some((line) => {
    const m = /^mixopt_trial:\s*(['"]?)([^'"#\s]+)\1\s*(#.*)?$/.exec(line);
    return m?.[2] === trialId;
  });
}
