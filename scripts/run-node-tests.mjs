// Runs one tier of tests (named by file suffix: *.unit.test.ts, *.e2e.test.ts) with node's built-in runner.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const tier = process.argv[2] ?? 'unit';
const filter = process.argv[3];
function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') continue;
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith(`.${tier}.test.ts`) && (!filter || p.includes(filter))) out.push(p);
  }
  return out;
}
const files = walk('test', []).sort();
if (files.length === 0) {
  console.error(`[tests] no *.${tier}.test.ts files found`);
  process.exit(1);
}
const concurrency = tier === 'unit' ? '2' : '1';
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
