// One study's suggest-and-accept critical section across processes (VS Code windows, the CLI): a lock directory
// `.mixopt/accept.lock` taken with proper-lockfile (atomic mkdir, mtime refresh, release on exit). Next to it,
// `.mixopt/accept.lock.owner` names the holder (host, pid and the lock directory's inode), so a lock left by a
// process that died (kill -9, power loss on a local disk) is taken over at once instead of after the library's
// mtime staleness: a synchronous GP fit inside the lock stops the mtime refresh, so that staleness must be long.
import { readFileSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import * as lockfile from 'proper-lockfile';
import { fileOp } from '../core/faults';

/** mtime staleness of the library: only for holders on another host (their pid cannot be checked). */
const STALE_MS = 10 * 60_000;
/** a lock directory without a matching owner record this old is left over from a crash between mkdir and the record */
const ORPHAN_MS = 30_000;

export class LockTimeoutError extends Error {
  constructor(
    readonly path: string,
    readonly holder: string,
  ) {
    super(`another MixOpt process (${holder}) has held ${path} for too long`);
    this.name = 'LockTimeoutError';
  }
}

interface Owner {
  readonly host: string;
  readonly pid: number;
  readonly ino: number;
  readonly actor: string;
  readonly since: string;
}

function readOwner(path: string): Owner | undefined {
  try {
    const x = JSON.parse(readFileSync(path, 'utf8')) as Partial<Owner>;
    return typeof x.pid === 'number' && typeof x.ino === 'number' && typeof x.host === 'string' ? (x as Owner) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether process `pid` on this host is alive (signal 0 checks without sending anything). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the lock directory when its holder is known to be dead; returns whether it did. */
function breakDeadLock(lockDir: string, ownerPath: string): boolean {
  let ino: number;
  let age: number;
  try {
    const st = statSync(lockDir);
    ino = st.ino;
    age = Date.now() - st.mtimeMs; // set by mkdir, refreshed by the holder: never older than the lock
  } catch {
    return true; // gone meanwhile: try again
  }
  const owner = readOwner(ownerPath);
  const matching = owner !== undefined && owner.ino === ino;
  const dead = matching ? owner.host === hostname() && !processAlive(owner.pid) : age > ORPHAN_MS;
  if (!dead) return false;
  try {
    rmdirSync(lockDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return true;
}

function holderText(ownerPath: string): string {
  const o = readOwner(ownerPath);
  return o ? `${o.actor}, pid ${o.pid} on ${o.host}, since ${o.since}` : 'unknown holder';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `fn` while holding the lock of the `.mixopt` folder `dir`. Waits up to `timeoutMs` for another holder,
 * calling `waiting` once with who it is; throws LockTimeoutError after that.
 */
export async function withStudyLock<T>(dir: string, actor: string, fn: () => Promise<T>, options: { timeoutMs?: number; waiting?: (holder: string) => void } = {}): Promise<T> {
  const lockDir = join(dir, 'accept.lock');
  const ownerPath = join(dir, 'accept.lock.owner');
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  let release: (() => Promise<void>) | undefined;
  let told = false;
  for (let attempt = 0; ; attempt++) {
    try {
      release = await lockfile.lock(dir, { lockfilePath: lockDir, realpath: false, stale: STALE_MS, retries: 0, onCompromised: () => undefined });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
      if (breakDeadLock(lockDir, ownerPath)) continue;
      if (Date.now() > deadline) throw new LockTimeoutError(lockDir, holderText(ownerPath));
      if (!told) {
        told = true;
        options.waiting?.(holderText(ownerPath));
      }
      await sleep(Math.min(200, 10 + attempt * 5) * (0.5 + Math.random()));
    }
  }
  try {
    const owner: Owner = { host: hostname(), pid: process.pid, ino: statSync(lockDir).ino, actor, since: new Date().toISOString() };
    writeFileSync(ownerPath, JSON.stringify(owner));
    fileOp('lock', lockDir);
    return await fn();
  } finally {
    try {
      unlinkSync(ownerPath);
    } catch {
      // another holder's record or none: nothing to remove
    }
    await release().catch(() => undefined);
  }
}
