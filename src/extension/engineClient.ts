// Talks to the engine's worker thread (dist/worker.js): request ids, progress, cancellation. The extension host
// never fits on its own thread. A worker that does not stop within a second of a cancel is terminated and a
// fresh one is started on the next request. No vscode import: unit-testable under plain node.
import { Worker } from 'node:worker_threads';
import { EngineError, isEngineErrorValue } from '../engine/api';

export { EngineError };
import type { EngineMethod, EngineRequest, EngineResults, FromWorker, ToWorker } from '../engine/api';

export class EngineCancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'EngineCancelledError';
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  progress?: (message: string, fraction: number) => void;
}

export interface RequestOptions {
  readonly progress?: (message: string, fraction: number) => void;
  readonly signal?: AbortSignal;
}

export class EngineClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly workerPath: string) {}

  // `& EngineRequest`: a request of one method is also one of the union the worker takes (no cast needed)
  request<M extends EngineMethod>(request: EngineRequest<M> & EngineRequest, options: RequestOptions = {}): Promise<EngineResults[M]> {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<EngineResults[M]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(options.progress ? { progress: options.progress } : {}) });
      if (options.signal) {
        if (options.signal.aborted) {
          this.pending.delete(id);
          reject(new EngineCancelledError());
          return;
        }
        options.signal.addEventListener('abort', () => this.cancel(id), { once: true });
      }
      const message: ToWorker = { type: 'request', id, request };
      worker.postMessage(message);
    });
  }

  /**
   * Starts the worker thread now rather than with the first request: loading its bundle and WebAssembly then
   * overlaps with what the host does before asking (finding the studies). Idempotent.
   */
  start(): void {
    this.ensureWorker();
  }

  private cancel(id: number): void {
    const p = this.pending.get(id);
    if (!p || !this.worker) return;
    const message: ToWorker = { type: 'cancel', id };
    this.worker.postMessage(message);
    const worker = this.worker;
    // The fit is synchronous inside the worker: if it does not answer soon, stop the thread.
    setTimeout(() => {
      if (this.pending.has(id) && this.worker === worker) {
        this.pending.delete(id);
        p.reject(new EngineCancelledError());
        this.restart(new EngineCancelledError());
      }
    }, 1000).unref?.();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerPath);
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (e) => this.restart(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => {
      if (this.worker === worker) {
        this.worker = undefined;
        this.failAll(new Error(`the MixOpt engine stopped (exit code ${code})`));
      }
    });
    worker.unref();
    this.worker = worker;
    return worker;
  }

  private onMessage(m: FromWorker): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'progress') {
      p.progress?.(m.message, m.fraction);
      return;
    }
    this.pending.delete(m.id);
    if (m.type === 'result') p.resolve(m.result);
    else if (m.error.code === 'cancelled') p.reject(new EngineCancelledError());
    else p.reject(new EngineError(isEngineErrorValue(m.error) ? m.error : { code: 'internal', message: `the engine sent an unreadable error: ${String(m.error)}` }));
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }

  private restart(error: Error): void {
    const w = this.worker;
    this.worker = undefined;
    this.failAll(error);
    void w?.terminate();
  }

  dispose(): void {
    this.restart(new Error('the MixOpt engine was shut down'));
  }
}
