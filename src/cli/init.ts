// `mixopt init`: the extension's "New study" from the terminal. Finds the training configs with a data mixture
// in a folder (never one inside a run's output folder), asks what it cannot find (on a terminal; flags
// otherwise), and writes a commented <name>.mixopt.yaml with target steps, never over an existing file.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { folderFormatOf } from '../runs/formats';
import { listFolder, Reader } from '../runs/fsread';
import { formatDiagnostic } from '../study/diagnostics';
import { parseStudy } from '../study/parse';
import type { MixtureFound } from '../study/scaffold';
import { findMixtures, insideRunFolder, parseModels, studyYaml } from '../study/scaffold';

interface Io {
  out(text: string): void;
  err(text: string): void;
}

/** Asks one question and returns the answer ('' for Enter); undefined when there is no terminal to ask on. */
export type Ask = (question: string) => Promise<string>;

export const INIT_USAGE = `mixopt init [folder] [options]   write a study file from the training configs in folder (default: .)

  --template <file>       the training config to write trials from (default: the one with the most domains)
  --name <name>           study name (default: the folder's name)
  --models <list>         model sizes you train, target last: "60M=6e7,1B=1e9"
  --metric <name>         metric to minimise as your runs log it; {domain} makes one per domain (default eval_loss)
  --target-steps <n>      steps of a target run (default: the template's max_steps)
  --budget <n>            budget in runs of the target model (default 20)
  --runs <glob>           where the run logs are (default "**")
  --yes                   take the defaults without asking`;

const SKIP = new Set(['.git', 'node_modules', '.mixopt', '__pycache__', '.venv', 'venv', 'dist']);
const MAX_FILES = 400;
const MAX_BYTES = 200_000;

/** YAML configs under `root` that are not study files and not inside a run's output folder. */
export function templateCandidates(root: string): { path: string; text: string }[] {
  const reader = new Reader(root, MAX_BYTES);
  const runFolders = new Map<string, boolean>();
  const isRunFolder = (relDir: string): boolean => {
    const known = runFolders.get(relDir);
    if (known !== undefined) return known;
    const listing = listFolder(join(root, relDir), reader);
    const is = listing !== undefined && folderFormatOf({ name: basename(relDir), files: listing.files, dirs: listing.dirs }) !== undefined;
    runFolders.set(relDir, is);
    return is;
  };
  const out: { path: string; text: string }[] = [];
  const stack = [root];
  const seen = new Set<string>();
  while (stack.length > 0 && out.length < MAX_FILES) {
    const dir = stack.pop() as string;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const abs = join(dir, e.name);
      const rel = relative(root, abs).split('\\').join('/');
      if (e.isDirectory()) {
        if (!SKIP.has(e.name) && !seen.has(abs) && !insideRunFolder(`${rel}/x`, isRunFolder)) {
          seen.add(abs);
          stack.push(abs);
        }
        continue;
      }
      if (!e.isFile() || !/\.ya?ml$/i.test(e.name) || /\.mixopt\.ya?ml$/i.test(e.name)) continue;
      if (insideRunFolder(rel, isRunFolder)) continue;
      try {
        if (statSync(abs).size > MAX_BYTES) continue;
        out.push({ path: rel, text: readFileSync(abs, 'utf8') });
      } catch {
        // unreadable: not a candidate
      }
    }
  }
  return out;
}

function terminalAsk(): Ask | undefined {
  if (!process.stdin.isTTY) return undefined;
  return async (question) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    try {
      return (await rl.question(question)).trim();
    } finally {
      rl.close();
    }
  };
}

class InitError extends Error {
  constructor(
    message: string,
    readonly code: 1 | 2,
  ) {
    super(message);
  }
}

async function answer(ask: Ask | undefined, question: string, fallback: string | undefined, flag: string, check: (v: string) => boolean): Promise<string> {
  if (!ask) {
    if (fallback === undefined) throw new InitError(`mixopt init: ${flag} is needed (no terminal to ask on)`, 2);
    return fallback;
  }
  for (let tries = 0; tries < 5; tries++) {
    const typed = await ask(`${question}${fallback !== undefined ? ` [${fallback}]` : ''}: `);
    const value = typed === '' && fallback !== undefined ? fallback : typed;
    if (value !== '' && check(value)) return value;
  }
  throw new InitError(`mixopt init: no usable answer for ${flag}`, 2);
}

function parseInitArgs(argv: readonly string[]) {
  return parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        template: { type: 'string' },
        name: { type: 'string' },
        models: { type: 'string' },
        metric: { type: 'string' },
        'target-steps': { type: 'string' },
        budget: { type: 'string' },
        runs: { type: 'string' },
        yes: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
}

/** `ask`: the prompt to use (tests); null for none; by default the terminal's when stdin is one. */
export async function runInit(argv: readonly string[], io: Io, askOverride?: Ask | null): Promise<number> {
  let parsed: ReturnType<typeof parseInitArgs>;
  try {
    parsed = parseInitArgs(argv);
  } catch (e) {
    io.err(`${e instanceof Error ? e.message : String(e)}\n\n${INIT_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(INIT_USAGE);
    return 0;
  }
  if (positionals.length > 1) {
    io.err(`mixopt init: unexpected argument "${positionals[1]}"\n\n${INIT_USAGE}`);
    return 2;
  }
  const root = resolve(positionals[0] ?? '.');
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    io.err(`${positionals[0] ?? '.'}: no such folder`);
    return 1;
  }
  const ask = values.yes ? undefined : askOverride === null ? undefined : (askOverride ?? terminalAsk());
  try {
    let chosen: MixtureFound | undefined;
    if (values.template !== undefined) {
      const rel = relative(root, resolve(values.template)).split('\\').join('/');
      if (insideRunFolder(rel)) throw new InitError(`${values.template} is inside a run's output folder: it is what that run used, not a template for new trials (pass your training config)`, 1);
      let text: string;
      try {
        text = readFileSync(resolve(values.template), 'utf8');
      } catch (e) {
        throw new InitError(`${values.template}: cannot read (${e instanceof Error ? e.message : String(e)})`, 1);
      }
      chosen = findMixtures([{ path: rel, text }])[0];
      if (!chosen) throw new InitError(`${values.template}: no data mixture found (a map of domain: weight, or a list of {name, weight}, summing to 1)`, 1);
    } else {
      const found = findMixtures(templateCandidates(root));
      chosen = found[0];
      if (found.length > 1 && ask) {
        io.out('Training configs with a data mixture:');
        found.slice(0, 20).forEach((m, i) => io.out(`  ${i + 1}. ${m.file}  ${m.key} (${m.domains.length} domains)`));
        const pick = await answer(ask, 'Which one is the template for new trials', '1', '--template', (v) => Number.isInteger(Number(v)) && Number(v) >= 1 && Number(v) <= Math.min(20, found.length));
        chosen = found[Number(pick) - 1];
      }
    }
    let domains = chosen?.domains ?? [];
    if (domains.length === 0) {
      io.out('No training config with a data mixture found.');
      const typed = await answer(ask, 'Domain names, comma separated', undefined, '--template (a config with the mixture)', (v) => v.split(',').filter((d) => d.trim() !== '').length >= 2);
      domains = typed.split(',').map((d) => d.trim()).filter(Boolean);
    } else io.out(`Template: ${chosen?.file} (mixture at ${chosen?.key}: ${domains.length} domains)`);
    const modelsText = values.models ?? (await answer(ask, 'Model sizes you train (name=params), the target last', '60M=6e7, 1B=1e9', '--models', (v) => parseModels(v) !== undefined));
    const models = parseModels(modelsText);
    if (!models) throw new InitError(`--models "${modelsText}": use name=params pairs, e.g. 60M=6e7,1B=1e9`, 2);
    const metric = values.metric ?? (await answer(ask, 'Metric to minimise as your runs log it ({domain} makes one per domain)', 'eval_loss', '--metric', () => true));
    const stepsText = values['target-steps'] ?? (await answer(ask, `Steps of a run of the target model (${models[models.length - 1]?.name})`, chosen?.steps !== undefined ? String(chosen.steps) : undefined, '--target-steps', (v) => Number.isInteger(Number(v)) && Number(v) > 0));
    const targetSteps = Number(stepsText);
    if (!Number.isInteger(targetSteps) || targetSteps <= 0) throw new InitError(`--target-steps "${stepsText}" must be a whole number above 0`, 2);
    const budgetText = values.budget ?? (await answer(ask, 'Budget, in runs of the target model', '20', '--budget', (v) => Number(v) > 0));
    const budget = Number(budgetText);
    if (!(budget > 0)) throw new InitError(`--budget "${budgetText}" must be a number above 0`, 2);
    const name = (values.name ?? basename(root)).replace(/[^A-Za-z0-9_-]+/g, '-') || 'study';
    const text = studyYaml({
      name,
      domains,
      metrics: metric.includes('{domain}') ? domains.map((d) => metric.replaceAll('{domain}', d)) : [metric],
      models,
      targetModel: (models[models.length - 1] as { name: string }).name,
      targetSteps,
      budgetTargetRuns: budget,
      runsInclude: [values.runs ?? '**'],
      writtenBy: '`mixopt init`',
      ...(chosen ? { template: chosen.file, mixtureKey: chosen.key } : {}),
      ...(chosen?.modelKey ? { modelKey: chosen.modelKey } : {}),
      ...(chosen?.stepsKey ? { stepsKey: chosen.stepsKey } : {}),
    });
    let target = join(root, `${name}.mixopt.yaml`);
    for (let i = 2; existsSync(target); i++) target = join(root, `${name}-${i}.mixopt.yaml`);
    const check = parseStudy(text, target);
    const errors = check.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      for (const d of errors) io.err(formatDiagnostic(d));
      throw new InitError('mixopt init: the study built from these answers does not validate; nothing written', 1);
    }
    try {
      writeFileSync(target, text, { flag: 'wx' });
    } catch (e) {
      throw new InitError(`cannot write ${target}: ${e instanceof Error ? e.message : String(e)}`, 1);
    }
    io.out(`Wrote ${relative(process.cwd(), target) || target}. Next: mixopt status ${relative(process.cwd(), target) || target}`);
    return 0;
  } catch (e) {
    if (e instanceof InitError) {
      io.err(e.message);
      return e.code;
    }
    throw e;
  }
}
