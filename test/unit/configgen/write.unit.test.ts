import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigExistsError, outputPath, writeFileAtomic } from '../../../src/configgen/write';
import type { Study } from '../../../src/study/types';

function withTempDir(body: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'mixopt-write-'));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('writeFileAtomic', () => {
  test('writes the text, creating folders, and leaves no temp file', () => {
    withTempDir((dir) => {
      const path = join(dir, 'configs', 'generated', 't1.yaml');
      writeFileAtomic(path, 'a: 1\n# ünïcode\n');
      assert.equal(readFileSync(path, 'utf8'), 'a: 1\n# ünïcode\n');
      assert.deepEqual(readdirSync(join(dir, 'configs', 'generated')), ['t1.yaml']);
    });
  });

  test('never overwrites without the flag; the old content stays and no temp file is left', () => {
    withTempDir((dir) => {
      const path = join(dir, 'c.yaml');
      writeFileSync(path, 'precious: true\n');
      assert.throws(() => writeFileAtomic(path, 'new: 1\n'), (e: unknown) => e instanceof ConfigExistsError && e.path === path && /already exists/.test(e.message));
      assert.equal(readFileSync(path, 'utf8'), 'precious: true\n');
      assert.deepEqual(readdirSync(dir), ['c.yaml']);
      writeFileAtomic(path, 'new: 1\n', { overwrite: true });
      assert.equal(readFileSync(path, 'utf8'), 'new: 1\n');
      assert.deepEqual(readdirSync(dir), ['c.yaml']);
    });
  });

  test('many writes of different files leave exactly those files', () => {
    withTempDir((dir) => {
      for (let i = 0; i < 50; i++) writeFileAtomic(join(dir, `t${i}.yaml`), `i: ${i}\n`);
      for (let i = 0; i < 50; i++) assert.throws(() => writeFileAtomic(join(dir, `t${i}.yaml`), 'x'), ConfigExistsError);
      const names = readdirSync(dir).sort();
      assert.equal(names.length, 50);
      assert.ok(names.every((n) => /^t\d+\.yaml$/.test(n)));
      assert.equal(readFileSync(join(dir, 't7.yaml'), 'utf8'), 'i: 7\n');
    });
  });

  test('a write into an unwritable place throws and leaves no temp file behind', () => {
    withTempDir((dir) => {
      const blocker = join(dir, 'file');
      writeFileSync(blocker, '');
      assert.throws(() => writeFileAtomic(join(blocker, 'x.yaml'), 'a'));
      assert.deepEqual(readdirSync(dir), ['file']);
    });
  });
});

describe('outputPath', () => {
  test('fills {trial}, {model}, {steps} under the study folder and makes ids safe for file names', () => {
    const study = { config: { output: 'configs/generated/{trial}-{model}-{steps}.yaml' } } as unknown as Study;
    assert.equal(outputPath(study, '/w/s', 't-01', '1B', 25000), '/w/s/configs/generated/t-01-1B-25000.yaml');
    assert.equal(outputPath(study, '/w/s', '../../etc/x', 'a b', 1), '/w/s/configs/generated/.._.._etc_x-a_b-1.yaml');
    const none = {} as unknown as Study;
    assert.equal(outputPath(none, '/w/s', 't', 'm', 1), '/w/s/configs/generated/t.yaml');
  });
});
