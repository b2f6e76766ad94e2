// Worker-thread entry of the engine (bundled to dist/worker.js): the extension host never fits on its own thread.
import { parentPort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './api';
import { loadSqlite } from '../runs/sqlite';
import { runEngine } from './engine';
import { toEngineError } from './errors';

// SQLite's WebAssembly compiles off this thread while the first request is on its way (the engine awaits it).
void loadSqlite();

const port = parentPort;
if (!port) throw new Error('worker.ts must run in a worker thread');
const running = new Map<number, AbortController>();

function post(message: FromWorker): void {
  port?.postMessage(message);
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'cancel') {
    running.get(message.id)?.abort();
    return;
  }
  const { id, request } = message;
  const controller = new AbortController();
  running.set(id, controller);
  runEngine(request, {
    signal: controller.signal,
    progress: (text, fraction) => post({ type: 'progress', id, message: text, fraction }),
  })
    .then((result) => post({ type: 'result', id, result }))
    .catch((err: unknown) => post({ type: 'error', id, error: toEngineError(err).value }))
    .finally(() => running.delete(id));
});
