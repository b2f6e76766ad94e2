import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isHostNotification, isPanelState, isWebviewCommand } from '../../../src/protocol/messages';
import { Rng } from '../../../src/core/random';

describe('webview messages are validated', () => {
  test('well-formed commands pass', () => {
    for (const m of [
      { method: 'ready' },
      { method: 'refresh' },
      { method: 'refresh', reoptimise: true },
      { method: 'accept', suggestionId: 't-20260101-000000-abc123' },
      { method: 'skip', suggestionId: 'abc' },
      { method: 'suggest', batch: 4 },
      { method: 'openPanel', panel: 'budget' },
    ]) assert.ok(isWebviewCommand(m), JSON.stringify(m));
  });

  test('malformed or hostile commands are dropped', () => {
    for (const m of [
      null,
      'accept',
      [],
      { method: 'accept' },
      { method: 'accept', suggestionId: '../../etc/passwd' },
      { method: 'accept', suggestionId: 'x'.repeat(200) },
      { method: 'suggest', batch: 0 },
      { method: 'suggest', batch: 2.5 },
      { method: 'suggest', batch: 1000 },
      { method: 'suggest', batch: '3' },
      { method: 'openPanel', panel: 'settings' },
      { method: 'ready', extra: true },
      { method: 'refresh', reoptimise: 'yes' },
      { method: 'refresh', reoptimise: true, studyFile: '/etc/passwd' },
      { method: 'runShell', command: 'rm -rf /' },
    ]) assert.equal(isWebviewCommand(m), false, JSON.stringify(m));
  });

  test('random objects never pass as commands unless well-formed', () => {
    const rng = new Rng(7);
    const values: unknown[] = [undefined, null, 0, -1, 1.5, 17, 'accept', 'ready', '', {}, [], true];
    const keys = ['method', 'suggestionId', 'batch', 'panel', 'x'];
    for (let i = 0; i < 2000; i++) {
      const o: Record<string, unknown> = {};
      for (const k of keys) if (rng.next() < 0.5) o[k] = values[Math.floor(rng.next() * values.length)];
      if (isWebviewCommand(o)) {
        // whatever passes must be one of the shapes the host handles
        assert.ok(['ready', 'refresh', 'accept', 'skip', 'suggest', 'openPanel'].includes(o['method']));
        if (o['method'] === 'suggest') assert.ok(Number.isInteger(o['batch']) && o['batch'] >= 1);
      }
    }
  });

  test('host notifications and panel state', () => {
    assert.ok(isHostNotification({ method: 'busy', message: 'fitting' }));
    assert.ok(isHostNotification({ method: 'snapshot', snapshot: {}, busy: false }));
    assert.equal(isHostNotification({ method: 'snapshot', snapshot: null, busy: false }), false);
    assert.ok(isPanelState({ studyFile: '/a.mixopt.yaml', batch: 3 }));
    assert.equal(isPanelState({ studyFile: 3 }), false);
  });
});
