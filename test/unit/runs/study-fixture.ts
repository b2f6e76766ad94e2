// A hand-built Study for the adapter tests (the study parser is tested on its own).
import type { Study } from '../../../src/study/types';

export const PILE_DOMAINS = [
  'arxiv', 'freelaw', 'nih_exporter', 'pubmed_central', 'wikipedia_en', 'dm_mathematics', 'github', 'philpapers',
  'stackexchange', 'enron_emails', 'gutenberg_pg_19', 'pile_cc', 'ubuntu_irc', 'europarl', 'hackernews',
  'pubmed_abstracts', 'uspto_backgrounds',
];

export function makeStudy(overrides: Partial<Study> = {}): Study {
  return {
    file: 'study.mixopt.yaml',
    name: 'test',
    domains: ['pile_cc', 'github', 'arxiv', 'wikipedia_en'],
    objective: { metrics: ['val_loss/{domain}'], aggregate: { kind: 'mean' }, direction: 'minimize' },
    fidelities: {
      models: [
        { name: '1M', params: 1e6 },
        { name: '60M', params: 6e7 },
        { name: '1B', params: 1e9 },
      ],
      steps: [],
      target: { model: '1B', steps: 25000 },
    },
    cost: { kind: 'flops', tokensPerStep: 1048576 },
    budget: { total: 40, unit: 'target_runs' },
    constraints: { bounds: {}, fixed: {}, availableTokens: {}, maxEpochs: 4 },
    runs: { include: ['runs/**'], exclude: ['**/tmp/**'] },
    config: {
      template: 'configs/base.yaml',
      output: 'configs/generated/{trial}.yaml',
      mixtureKey: 'data.mixture',
      modelKey: 'model.name',
      stepsKey: 'trainer.max_steps',
      mixtureShape: 'auto',
    },
    optimizer: { acquisition: 'auto', batch: 1, seed: 0, kernel: 'matern52', ard: true, fidelityKernel: 'rbf' },
    ...overrides,
  };
}

export function regmixStudy(): Study {
  return makeStudy({
    domains: PILE_DOMAINS,
    objective: {
      metrics: ['val_loss/arxiv', 'val_loss/github', 'val_loss/pile_cc'],
      aggregate: { kind: 'mean' },
      direction: 'minimize',
    },
    runs: {
      include: [],
      exclude: [],
      csv: [
        {
          files: ['data/*.csv'],
          mixtureFile: '*mixture*.csv',
          metricsFile: '*pile_loss*.csv',
          join: 'index',
          weightColumn: 'train_the_pile_{domain}',
          metricColumns: { 'val_loss/{domain}': 'metric/the_pile_{domain}_val_loss' },
        },
      ],
    },
  });
}
