import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keepHandNotes } from '../../../src/cli/bench';

test('re-running the replay rewrites RESULTS.md above the hand-written notes and keeps them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixopt-md-'));
  const path = join(dir, 'RESULTS.md');
  assert.equal(keepHandNotes('# new table\n', path), '# new table\n', 'no file yet: only the generated part');
  writeFileSync(path, '# old table\n| a |\n\n## Notes (written by hand after the run)\nKeep me.\n');
  const merged = keepHandNotes('# new table\n| b |\n', path);
  assert.equal(merged, '# new table\n| b |\n\n## Notes (written by hand after the run)\nKeep me.\n');
  writeFileSync(path, '# old table without notes\n');
  assert.equal(keepHandNotes('# new\n', path), '# new\n');
});
