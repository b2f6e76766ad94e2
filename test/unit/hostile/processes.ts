// Child processes of the crash and race tests (node --import tsx accept-child.ts ...), with line-by-line replies.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const CHILD = join(process.cwd(), 'test', 'unit', 'hostile', 'accept-child.ts');

export interface ChildReply {
  readonly ok?: boolean;
  readonly trial?: string;
  readonly config?: string;
  readonly code?: string;
  readonly message?: string;
  readonly ops?: number;
  readonly crashed?: string;
  readonly recovered?: readonly string[];
}

/** Runs the child once to its end; returns its JSON lines and how it ended. */
export function runChild(args: readonly string[]): { replies: ChildReply[]; status: number | null; signal: NodeJS.Signals | null; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, ...args], { encoding: 'utf8', timeout: 120_000 });
  const replies = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as ChildReply);
  return { replies, status: r.status, signal: r.signal, stderr: r.stderr };
}

/** A long-lived child that answers one JSON line per line it is sent. */
export class RoundChild {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: string[] = [];
  private waiter: (() => void) | undefined;
  stderr = '';

  constructor(args: readonly string[]) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args]);
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.proc.stdout }).on('line', (l) => {
      this.lines.push(l);
      this.waiter?.();
    });
  }

  async next(timeoutMs = 120_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    while (this.lines.length === 0) {
      if (Date.now() > until) throw new Error(`child gave no answer in ${timeoutMs} ms; stderr: ${this.stderr}`);
      await new Promise<void>((r) => {
        this.waiter = r;
        setTimeout(r, 200);
      });
    }
    return this.lines.shift()!;
  }

  send(line: string): void {
    this.proc.stdin.write(`${line}\n`);
  }

  end(): void {
    this.proc.stdin.end();
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }
}
