// The layer rules of eslint.config.mjs bite: ESLint's Node API lints a small source text as if it were a file of a
// layer (lintText with a filePath inside it) and must report each forbidden import, and none for an allowed one.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

// The repository's own configuration, without type information (the texts are not files of the TypeScript project;
// the layer rules need none), so only what the layer rules say is asserted.
const eslint = new ESLint({
  cwd: process.cwd(),
  overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }],
});
const LAYER_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  assert.ok(result, `ESLint returned a result for ${filePath}`);
  const fatal = result.messages.filter((m) => m.fatal);
  assert.deepEqual(fatal, [], `the text for ${filePath} parses`);
  return result.messages.filter((m) => m.ruleId !== null && LAYER_RULES.has(m.ruleId)).map((m) => m.message);
}

/** [file inside the layer, source text, what the message must say] */
const FORBIDDEN: readonly (readonly [string, string, RegExp])[] = [
  // src/core: pure numerics
  ['src/core/probe.ts', "import 'vscode';\n", /only src\/extension imports 'vscode'/],
  ['src/core/probe.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n", /src\/core is pure numerics: no Node builtins/],
  ['src/core/probe.ts', "import * as fs from 'fs';\nexport const f = fs;\n", /no Node builtins/],
  ['src/core/probe.ts', "import fs = require('fs');\nexport const f = fs;\n", /no Node builtins/],
  ['src/core/probe.ts', "export const m = await import('node:worker_threads');\n", /no Node builtins/],
  ['src/core/probe.ts', "import { Chart } from 'chart.js';\nexport const c = Chart;\n", /DOM packages/],
  ['src/core/probe.ts', "import type { StudySnapshot } from '../protocol/snapshot';\nexport type S = StudySnapshot;\n", /src\/core must not import src\/protocol/],
  ['src/core/probe.ts', "export * from '../engine/api';\n", /src\/core must not import src\/engine/],
  ['src/core/probe.ts', "export const m = await import('../runs/discover');\n", /src\/core must not import src\/runs/],
  ['src/core/probe.ts', "import '../../webview/shared';\n", /must not import from outside src\//],
  ['src/core/probe.ts', "import '../../src/study/parse';\n", /src\/core must not import src\/study/],
  // only src/extension imports vscode
  ['src/engine/probe.ts', "import * as vscode from 'vscode';\nexport const v = vscode;\n", /only src\/extension imports 'vscode'/],
  ['src/cli/probe.ts', "import 'vscode';\n", /only src\/extension imports 'vscode'/],
  ['src/runs/probe.ts', "const v: unknown = require('vscode');\nexport { v };\n", /only src\/extension imports 'vscode'/],
  // engine does not import extension (nor cli, bench, scheduler)
  ['src/engine/probe.ts', "import { activate } from '../extension/extension';\nexport const a = activate;\n", /src\/engine must not import src\/extension/],
  ['src/engine/probe.ts', "import '../scheduler/slurm';\n", /src\/engine must not import src\/scheduler/],
  ['src/engine/probe.ts', "import '../cli/main';\n", /src\/engine must not import src\/cli/],
  // study does not import runs; a parser does not reach the engine
  ['src/study/probe.ts', "import type { RunRecord } from '../runs/types';\nexport type R = RunRecord;\n", /src\/study must not import src\/runs/],
  ['src/runs/probe.ts', "import '../engine/engine';\n", /src\/runs must not import src\/engine/],
  ['src/scheduler/probe.ts', "import '../engine/api';\n", /src\/scheduler must not import src\/engine/],
  // src/protocol is shared with the browser
  ['src/protocol/probe.ts', "import { join } from 'node:path';\nexport const j = join;\n", /src\/protocol is shared with the browser/],
  ['src/protocol/probe.ts', "import '../core/names';\n", /src\/protocol must not import src\/core/],
  // the extension does not carry the benchmark or the CLI; depth-aware paths (src/extension/commands/…)
  ['src/extension/commands/probe.ts', "import '../../bench/suite';\n", /src\/extension must not import src\/bench/],
  ['src/extension/commands/probe.ts', "import '../../cli/main';\n", /src\/extension must not import src\/cli/],
  ['src/cli/probe.ts', "import '../../bench/latency';\n", /must not import from outside src\//],
  // webview code talks to the host only through src/protocol
  ['webview/probe.ts', "import '../src/engine/api';\n", /webview code talks to the host only through src\/protocol/],
  ['webview/probe.ts', "import { parseStudy } from '../src/study/parse';\nexport const p = parseStudy;\n", /only through src\/protocol/],
  ['webview/probe.ts', "import 'vscode';\n", /webview code runs in the browser: it cannot import 'vscode'/],
  ['webview/probe.ts', "import 'node:fs';\n", /webview code runs in the browser: no Node builtins/],
  ['webview/probe.ts', "export const m = await import('../src/runs/discover');\n", /only through src\/protocol/],
];

const ALLOWED: readonly (readonly [string, string])[] = [
  ['src/core/probe.ts', "import { nameMap } from './names';\nexport const n = nameMap;\n"],
  ['src/study/probe.ts', "import schema from '../../schemas/mixopt.schema.json';\nimport { nameMap } from '../core/names';\nexport const s = [schema, nameMap];\n"],
  ['src/engine/probe.ts', "import { readFileSync } from 'node:fs';\nimport type { StudySnapshot } from '../protocol/snapshot';\nimport '../runs/discover';\nexport type S = StudySnapshot;\nexport const r = readFileSync;\n"],
  ['src/cli/probe.ts', "import '../bench/suite';\nimport '../engine/api';\nimport '../scheduler/slurm';\n"],
  ['src/extension/commands/probe.ts', "import * as vscode from 'vscode';\nimport '../../engine/api';\nimport '../context';\nexport const v = vscode;\n"],
  ['webview/probe.ts', "import type { StudySnapshot } from '../src/protocol/snapshot';\nimport { Chart } from 'chart.js';\nexport type S = StudySnapshot;\nexport const c = Chart;\n"],
];

describe('eslint layer rules', () => {
  for (const [file, code, says] of FORBIDDEN) {
    test(`${file}: ${code.split('\n')[0]} is an error`, async () => {
      const errors = await layerErrors(file, code);
      assert.equal(errors.length, 1, `one layer error for ${JSON.stringify(code)} in ${file}, got ${JSON.stringify(errors)}`);
      assert.match(errors[0]!, says);
    });
  }
  for (const [file, code] of ALLOWED) {
    test(`${file}: allowed imports give no layer error`, async () => {
      assert.deepEqual(await layerErrors(file, code), []);
    });
  }
});
