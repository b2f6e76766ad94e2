import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkMixture, matchMetric, matchModel, mixtureFromConfig, modelFromName, readMixtureValue } from '../../../src/runs/match';
import { DiagnosticSink } from '../../../src/runs/util';
import { makeStudy } from './study-fixture';

describe('matchMetric', () => {
  const study = makeStudy();
  test('maps the names frameworks log onto the study metric', () => {
    for (const logged of ['val_loss/github', 'VAL_LOSS/GITHUB', 'eval_github_loss', 'eval/github_loss', 'val/github_loss', 'metric/the_pile_github_val_loss', 'validation_loss_github']) {
      assert.equal(matchMetric(study, logged), 'val_loss/github', logged);
    }
  });
  test('keeps domains apart, including one whose name contains another', () => {
    const s = makeStudy({ domains: ['pubmed', 'pubmed_central', 'github'] });
    assert.equal(matchMetric(s, 'eval_pubmed_central_loss'), 'val_loss/pubmed_central');
    assert.equal(matchMetric(s, 'eval_pubmed_loss'), 'val_loss/pubmed');
  });
  test('does not map other splits, other quantities or domain-less names', () => {
    for (const logged of ['train_loss', 'train/github_loss', 'test_github_loss', 'eval_github_accuracy', 'eval_loss', 'github', 'loss']) {
      assert.equal(matchMetric(study, logged), undefined, logged);
    }
  });
  test('a single-metric study maps eval_loss but not a per-domain loss', () => {
    const s = makeStudy({ objective: { metrics: ['val_loss'], aggregate: { kind: 'mean' }, direction: 'minimize' } });
    assert.equal(matchMetric(s, 'eval_loss'), 'val_loss');
    assert.equal(matchMetric(s, 'eval_github_loss'), undefined);
  });
});

describe('matchModel', () => {
  const study = makeStudy();
  test('by name, case-insensitively, returning the study spelling and params', () => {
    assert.deepEqual(matchModel(study, '60m', undefined), { model: '60M', params: 6e7 });
  });
  test('by parameter count within a factor 1.5', () => {
    assert.equal(matchModel(study, 'llama-tiny', 1.1e9).model, '1B');
    assert.equal(matchModel(study, undefined, 5.2e7).model, '60M');
  });
  test('keeps an unknown name when nothing matches', () => {
    assert.deepEqual(matchModel(study, '7B', 7e9), { model: '7B', params: 7e9 });
  });
  test('model named in a file name', () => {
    assert.equal(modelFromName(study, 'test_mixture_1B.csv'), '1B');
    assert.equal(modelFromName(study, 'train_pile_loss_1m.csv'), '1M');
    assert.equal(modelFromName(study, 'mixtures.csv'), undefined);
  });
});

describe('mixture shapes', () => {
  const study = makeStudy({
    config: { template: 't', output: 'o', mixtureKey: 'data.mixture', mixtureShape: 'auto', paths: { wikipedia_en: '/corpora/wiki-2023/text_document' } },
  });
  test('map, list of {name, weight}, flat [w, path, ...] and a whitespace string agree', () => {
    const expected = { pile_cc: 0.5, github: 0.3, wikipedia_en: 0.2 };
    const sink = new DiagnosticSink('f');
    // mixtures read from logs are prototype-free maps; compared by their entries
    assert.deepEqual({ ...readMixtureValue(study, { pile_cc: 0.5, github: 0.3, wikipedia_en: 0.2 }, sink, 'k') }, expected);
    assert.deepEqual({ ...readMixtureValue(study, [{ name: 'pile_cc', weight: 0.5 }, { domain: 'github', weight: '0.3' }, { name: 'wikipedia_en', proportion: 0.2 }], sink, 'k') }, expected);
    assert.deepEqual({ ...readMixtureValue(study, [0.5, '/data/pile_cc_text_document', '0.3', '/data/github/text', 0.2, '/corpora/wiki-2023/text_document'], sink, 'k') }, expected);
    assert.deepEqual({ ...readMixtureValue(study, '0.5 /d/pile_cc 0.3 /d/github 0.2 /corpora/wiki-2023/text_document', sink, 'k') }, expected);
    assert.equal(sink.list.length, 0);
  });
  test('flattened params (data.mixture.github) are read as a map', () => {
    const sink = new DiagnosticSink('f');
    const raw = mixtureFromConfig(study, { 'data.mixture.github': '0.4', 'data.mixture.arxiv': '0.6', other: 1 }, sink);
    assert.deepEqual({ ...raw }, { github: 0.4, arxiv: 0.6 });
  });
  test('a bad entry is an error with its key, not an exception', () => {
    const sink = new DiagnosticSink('f');
    assert.equal(readMixtureValue(study, { github: 'lots' }, sink, 'data.mixture'), undefined);
    assert.equal(sink.list[0]?.key, 'data.mixture.github');
    assert.equal(readMixtureValue(study, [0.5, 3], sink, 'data.mixture'), undefined);
    assert.equal(readMixtureValue(study, true, sink, 'data.mixture'), undefined);
    assert.equal(sink.list.length, 3);
  });
});

describe('checkMixture', () => {
  const study = makeStudy();
  const where = { line: 3, runId: 'r' };
  test('within 1e-3: normalised silently; missing domains get 0', () => {
    const sink = new DiagnosticSink('f');
    const r = checkMixture(study, { pile_cc: 0.6, github: 0.4005 }, sink, where);
    assert.equal(sink.list.length, 0);
    assert.ok(Math.abs(Object.values(r.mixture ?? {}).reduce((a, b) => a + b, 0) - 1) < 1e-12);
    assert.equal(r.mixture?.['arxiv'], 0);
  });
  test('within 5%: normalised with a warning', () => {
    const sink = new DiagnosticSink('f');
    const r = checkMixture(study, { pile_cc: 0.6, github: 0.37 }, sink, where);
    assert.equal(sink.list.length, 1);
    assert.equal(sink.list[0]?.severity, 'warning');
    assert.ok(Math.abs((r.mixture?.['pile_cc'] ?? 0) - 0.6 / 0.97) < 1e-12);
  });
  test('beyond 5%, negative, or no study domain: excluded with an error', () => {
    const cases: Record<string, number>[] = [{ pile_cc: 0.6, github: 0.6 }, { pile_cc: 1.1, github: -0.1 }, { books: 1 }];
    for (const raw of cases) {
      const sink = new DiagnosticSink('f');
      const r = checkMixture(study, raw, sink, where);
      assert.equal(r.mixture, undefined);
      assert.ok(sink.list.some((d) => d.severity === 'error' && d.line === 3), JSON.stringify(raw));
    }
  });
  test('unknown domains with weight are reported', () => {
    const sink = new DiagnosticSink('f');
    const r = checkMixture(study, { pile_cc: 0.5, github: 0.5, books3: 0.0004, youtube: 0 }, sink, where);
    assert.ok(r.mixture);
    assert.deepEqual(sink.list.map((d) => d.severity).sort(), ['info', 'warning']);
    const warning = sink.list.find((d) => d.severity === 'warning');
    assert.match(warning?.message ?? '', /books3/);
    assert.doesNotMatch(warning?.message ?? '', /youtube/);
    assert.match(sink.list.find((d) => d.severity === 'info')?.message ?? '', /youtube/);
  });
});
