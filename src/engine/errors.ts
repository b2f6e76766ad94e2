// Every failure leaves the engine as an EngineError with a code (api.ts), so the CLI and the extension decide by
// code, never by a message's wording. File-system refusals (EACCES, ENOSPC, EROFS, ...) are the user's
// environment, not a bug: they become write-failed / read-failed with the path and what to do.
import { ConfigExistsError } from '../configgen/write';
import type { Diagnostic } from '../study/diagnostics';
import { EngineError } from './api';
import type { EngineErrorValue } from './api';

export class EngineCancelled extends EngineError {
  constructor() {
    super({ code: 'cancelled', message: 'cancelled' });
    this.name = 'EngineCancelled';
  }
}

/** Study-file errors that stop an action (accept, mark); the message lists them with file and line. */
export class StudyInputError extends EngineError {
  constructor(
    message: string,
    readonly diagnostics: readonly Diagnostic[] = [],
  ) {
    super({ code: 'study-input', message });
    this.name = 'StudyInputError';
  }
}

const FIXES: Readonly<Record<string, string>> = {
  EACCES: 'give your user write permission on it (chmod u+w, or check the owner), or move the study to a folder you own',
  EPERM: 'the operation is not permitted here: check the permissions and attributes of the folder',
  EROFS: 'the file system is mounted read-only: copy the study to a writable folder',
  ENOSPC: 'the disk is full: free some space and try again',
  EDQUOT: 'your disk quota is used up: free some space and try again',
  ENOTDIR: 'a part of the path is a file, not a folder: rename it or change the path in the study',
  EISDIR: 'the path is a folder, not a file: change the path in the study',
  EMFILE: 'too many open files: close some programs and try again',
  ENAMETOOLONG: 'the path is too long: shorten config.output or the study folder',
  ENOENT: 'a folder on the path does not exist: create it or fix the path',
  ELOOP: 'the path runs through a loop of symbolic links: fix the links',
  EEXIST: 'a file is in the way of a folder MixOpt needs: rename or remove it',
};

const WRITE_CALLS = new Set(['open', 'write', 'mkdir', 'link', 'rename', 'unlink', 'fsync', 'close', 'symlink', 'copyfile', 'ftruncate']);

interface ErrnoLike {
  readonly code: string;
  readonly syscall?: string;
  readonly path?: string;
  readonly dest?: string;
}

function errnoOf(e: unknown): ErrnoLike | undefined {
  if (!(e instanceof Error)) return undefined;
  const x = e as Error & Partial<ErrnoLike>;
  return typeof x.code === 'string' && /^E[A-Z]+$/.test(x.code) && (x.syscall !== undefined || x.path !== undefined) ? (x as ErrnoLike) : undefined;
}

/** The engine's view of any thrown value: an EngineError with a code. */
export function toEngineError(e: unknown): EngineError {
  if (e instanceof EngineError) return e;
  if (e instanceof ConfigExistsError) return new EngineError({ code: 'config-exists', message: e.message, path: e.path, hint: 'pass --overwrite (or choose Overwrite) to replace it' });
  const errno = errnoOf(e);
  if (errno) {
    const path = errno.dest ?? errno.path ?? '(unknown path)';
    const writing = errno.syscall === undefined || WRITE_CALLS.has(errno.syscall);
    const fix = FIXES[errno.code] ?? 'check the path and its permissions';
    const value: EngineErrorValue = {
      code: writing ? 'write-failed' : 'read-failed',
      message: `cannot ${writing ? 'write' : 'read'} ${path}: ${errno.code}${errno.syscall ? ` (${errno.syscall})` : ''}`,
      path,
      hint: fix,
    };
    return new EngineError(value);
  }
  const message = e instanceof Error ? e.message : String(e);
  return new EngineError({ code: 'internal', message, ...(e instanceof Error && e.stack ? { detail: e.stack } : {}) });
}
