// Builds examples/pile-regmix/ run logs (MixOpt JSONL) from the RegMix measurements (../shared/data/regmix).
// 768 1M runs and 256 60M runs go to runs/; 4 of the 64 1B runs go to runs/ as the target-model runs already
// paid for, and the other 60 to holdout/ (excluded by the study) so a user can check the recommendation.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const src = process.argv[2] ?? '../shared/data/regmix';
const out = 'examples/pile-regmix';
const TOKENS_PER_STEP = 1048576;
const stepsOf = { '1M': 1000, '60M': 1000, '1B': 25000 };

function readCsv(file) {
  const lines = readFileSync(join(src, file), 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0].split(',');
  return lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => [header[i], v])));
}
function runs(mixFile, lossFile, model, prefix) {
  const losses = new Map(readCsv(lossFile).map((r) => [r.index, r]));
  const rows = [];
  for (const m of readCsv(mixFile)) {
    const l = losses.get(m.index);
    if (!l) continue;
    const mixture = {};
    for (const [k, v] of Object.entries(m)) if (k.startsWith('train_the_pile_')) mixture[k.slice('train_the_pile_'.length)] = Number(v);
    // RegMix prints weights to 3 decimals, so rows sum to 1 only within 0.004: renormalise to a proper mixture.
    const total = Object.values(mixture).reduce((a, b) => a + b, 0);
    for (const k of Object.keys(mixture)) mixture[k] = Number((mixture[k] / total).toFixed(6));
    const metrics = {};
    for (const [k, v] of Object.entries(l)) {
      const match = /^metric\/the_pile_(.+)_val_loss$/.exec(k);
      if (match) metrics[`val_loss/${match[1]}`] = Number(v);
    }
    rows.push({ run: `${prefix}-${m.index}`, step: stepsOf[model], model, mixture, metrics, status: 'completed' });
  }
  return rows;
}
const jsonl = (rows) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
mkdirSync(join(out, 'runs'), { recursive: true });
mkdirSync(join(out, 'holdout'), { recursive: true });
const small = [...runs('train_mixture_1m.csv', 'train_pile_loss_1m.csv', '1M', 'regmix-1m-train'), ...runs('test_mixture_1m.csv', 'test_pile_loss_1m.csv', '1M', 'regmix-1m-test')];
const medium = runs('test_mixture_60m.csv', 'test_pile_loss_60m.csv', '60M', 'regmix-60m-test');
const large = runs('test_mixture_1B.csv', 'test_pile_loss_1B.csv', '1B', 'regmix-1b');
writeFileSync(join(out, 'runs', 'regmix-1m.jsonl'), jsonl(small));
writeFileSync(join(out, 'runs', 'regmix-60m.jsonl'), jsonl(medium));
writeFileSync(join(out, 'runs', 'regmix-1b.jsonl'), jsonl(large.slice(0, 4)));
writeFileSync(join(out, 'holdout', 'regmix-1b-holdout.jsonl'), jsonl(large.slice(4)));
console.log(`1M: ${small.length}, 60M: ${medium.length}, 1B in runs: 4, 1B held out: ${large.length - 4} (tokens/step ${TOKENS_PER_STEP})`);
