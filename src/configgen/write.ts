// The file-system edge of config writing: atomic writes that never overwrite an existing file silently.
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
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
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, '_');
  const rel = pattern.replaceAll('{trial}', safe(trialId)).replaceAll('{model}', safe(model)).replaceAll('{steps}', String(steps));
  return resolve(studyDir, rel);
}

/**
 * Writes `text` to `path` atomically: a temp file in the same folder, fsync, then a hard link (which fails if the
 * target exists, so no race can overwrite) or, with overwrite, a rename. A crash leaves either the old file or
 * the new one, never half of one.
 */
export function writeConfigAtomic(path: string, text: string, options: { overwrite?: boolean } = {}): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  if (!options.overwrite && existsSync(path)) throw new ConfigExistsError(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx');
  try {
    const buffer = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < buffer.length) offset += writeSync(fd, buffer, offset, buffer.length - offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (options.overwrite) renameSync(temp, path);
    else {
      try {
        linkSync(temp, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new ConfigExistsError(path);
        throw e;
      }
      unlinkSync(temp);
    }
  } finally {
    if (existsSync(temp)) unlinkSync(temp);
  }
}
