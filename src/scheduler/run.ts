// The scheduler's process edge: runs a program with arguments (never through a shell) and collects its output.
import { execFile } from 'node:child_process';
import type { CommandResult, CommandRunner } from './types';

/** execFile with a time limit; never rejects (a program that cannot start gives spawnError). */
export const runCommand: CommandRunner = (file, args, options) =>
  new Promise<CommandResult>((resolve) => {
    execFile(
      file,
      [...args],
      { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 60_000, maxBuffer: 8 * 1024 * 1024, windowsHide: true, shell: false },
      (error, stdout, stderr) => {
        const e = error as (NodeJS.ErrnoException & { code?: unknown }) | null;
        if (e && typeof e.code === 'string') {
          resolve({ code: 127, stdout: String(stdout), stderr: String(stderr), spawnError: e.code === 'ENOENT' ? `${file} not found` : `${file}: ${e.message}` });
          return;
        }
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
