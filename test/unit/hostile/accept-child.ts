// Child process for the crash and race tests. Usage: accept-child <study> <crashAt> [rounds] [trialId]
// crashAt >= 1: kill -9 itself right after the crashAt-th file operation of accept (core/faults.ts), printing the
// operation first; 0: no crash. Without rounds it accepts once (trialId, else a fresh suggestion). With rounds, it
// reads one line per round from stdin, "fresh" or a trial id, accepts it and prints one JSON line:
// {ok, trial, ...} or {ok: false, code, message}.
import { createInterface } from 'node:readline';
import { setFileOpHook } from '../../../src/core/faults';
import { runEngine } from '../../../src/engine/engine';
import { EngineError } from '../../../src/engine/api';

const [studyArg, crashText, roundsText, trialArg] = process.argv.slice(2);
if (studyArg === undefined) throw new Error('usage: accept-child <study> <crashAt> [rounds] [trialId]');
const studyFile: string = studyArg;
const crashAt = Number(crashText ?? 0);
let ops = 0;
setFileOpHook((op, path) => {
  ops++;
  if (crashAt > 0 && ops === crashAt) {
    process.stdout.write(`${JSON.stringify({ crashed: op, path })}\n`);
    process.kill(process.pid, 'SIGKILL');
  }
});

async function once(trialId: string | undefined): Promise<string> {
  try {
    const actor = `child:${process.pid}`;
    const r = await runEngine({ method: 'accept', params: trialId !== undefined ? { studyFile, trialId, actor } : { studyFile, fresh: { batch: 1, index: 0 }, actor } });
    return JSON.stringify({ ok: true, trial: r.trialId, config: r.configPath, ops, recovered: r.recovered ?? [] });
  } catch (e) {
    return JSON.stringify(e instanceof EngineError ? { ok: false, code: e.code, message: e.message } : { ok: false, code: 'thrown', message: String(e) });
  }
}

const rounds = Number(roundsText ?? 0);
if (rounds <= 0) {
  void once(trialArg).then((line) => process.stdout.write(`${line}\n`));
} else {
  process.stdout.write('ready\n');
  const rl = createInterface({ input: process.stdin });
  let done = 0;
  rl.on('line', (text) => {
    void once(text.trim() === 'fresh' ? undefined : text.trim()).then((line) => {
      process.stdout.write(`${line}\n`);
      if (++done >= rounds) rl.close();
    });
  });
}
