// Converts the RegMix measurements (../shared/data/regmix, see its PROVENANCE.md) into a generic replay table:
// fidelity, params, cost, objective, objective/<domain> (13), then one column per Pile domain. `objective` is the
// mean of the 13 validation losses the example study uses (examples/pile-regmix/pile.mixopt.yaml, built the same
// way by scripts/make-example.mjs); `objective/<domain>` is that domain's validation loss alone (the suite's
// per-domain tables: `--objective-column objective/pile_cc`); weights are renormalised to sum 1 (RegMix prints
// them to 3 decimals).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The 13 validation losses RegMix measured (no loss for nih_exporter, philpapers, enron_emails, europarl). */
export const REGMIX_METRICS = [
  'arxiv',
  'freelaw',
  'pubmed_central',
  'wikipedia_en',
  'dm_mathematics',
  'github',
  'stackexchange',
  'gutenberg_pg_19',
  'pile_cc',
  'ubuntu_irc',
  'hackernews',
  'pubmed_abstracts',
  'uspto_backgrounds',
] as const;

export const REGMIX_LEVELS = [
  { label: '1M', params: 1e6, cost: 0.001, files: [['train_mixture_1m.csv', 'train_pile_loss_1m.csv'], ['test_mixture_1m.csv', 'test_pile_loss_1m.csv']] },
  { label: '60M', params: 6e7, cost: 0.06, files: [['test_mixture_60m.csv', 'test_pile_loss_60m.csv']] },
  { label: '1B', params: 1e9, cost: 1, files: [['test_mixture_1B.csv', 'test_pile_loss_1B.csv']] },
] as const;

const MIXTURE_PREFIX = 'train_the_pile_';

function readCsv(path: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(path, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const [first, ...rest] = lines;
  if (first === undefined) throw new Error(`${path}: empty file`);
  return { header: first.split(','), rows: rest.map((l) => l.split(',')) };
}

function number(text: string | undefined, where: string): number {
  const v = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(v)) throw new Error(`${where}: "${text ?? ''}" is not a number`);
  return v;
}

/** The replay table as CSV text, and how many rows each fidelity got. Throws with the file and line on bad data. */
export function makeRegmixTable(dataDir: string): { csv: string; counts: Record<string, number>; domains: string[] } {
  let domains: string[] | undefined;
  const out: string[] = [];
  const counts: Record<string, number> = {};
  for (const level of REGMIX_LEVELS) {
    for (const [mixtureFile, lossFile] of level.files) {
      const mixture = readCsv(join(dataDir, mixtureFile));
      const loss = readCsv(join(dataDir, lossFile));
      const fileDomains = mixture.header.filter((h) => h.startsWith(MIXTURE_PREFIX)).map((h) => h.slice(MIXTURE_PREFIX.length));
      if (!domains) domains = fileDomains;
      else if (fileDomains.join() !== domains.join()) throw new Error(`${mixtureFile}: domains differ from the other mixture files`);
      const weightAt = domains.map((dom) => mixture.header.indexOf(MIXTURE_PREFIX + dom));
      const metricAt = REGMIX_METRICS.map((m) => {
        const at = loss.header.indexOf(`metric/the_pile_${m}_val_loss`);
        if (at < 0) throw new Error(`${lossFile}: no column metric/the_pile_${m}_val_loss`);
        return at;
      });
      const mixtureIndexAt = mixture.header.indexOf('index');
      const lossIndexAt = loss.header.indexOf('index');
      const losses = new Map<string, { row: string[]; line: number }>();
      loss.rows.forEach((row, k) => losses.set(row[lossIndexAt] ?? '', { row, line: k + 2 }));
      mixture.rows.forEach((row, k) => {
        const index = row[mixtureIndexAt] ?? '';
        const matched = losses.get(index);
        if (!matched) return;
        const weights = weightAt.map((at) => number(row[at], `${mixtureFile}:${k + 2}`));
        const total = weights.reduce((a, b) => a + b, 0);
        const values = metricAt.map((at) => number(matched.row[at], `${lossFile}:${matched.line}`));
        const objective = values.reduce((a, b) => a + b, 0) / values.length;
        out.push([level.label, level.params, level.cost, objective.toPrecision(10), ...values.map((v) => v.toPrecision(10)), ...weights.map((w) => Number((w / total).toFixed(6)))].join(','));
        counts[level.label] = (counts[level.label] ?? 0) + 1;
      });
    }
  }
  if (!domains) throw new Error(`${dataDir}: no mixture files`);
  const header = ['fidelity', 'params', 'cost', 'objective', ...REGMIX_METRICS.map((m) => `objective/${m}`), ...domains].join(',');
  return { csv: `${header}\n${out.join('\n')}\n`, counts, domains };
}
