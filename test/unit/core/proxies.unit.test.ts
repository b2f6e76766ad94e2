// The size axis shared by the engine and the benchmarks, and the rule on the spend below the target.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SIZE_SPAN_DECADES, sizeCoordinate } from '../../../src/core/fidelityScale';
import { cheaperRunsAllowed, PROXY_SPEND_RATIO } from '../../../src/core/proxies';

describe('sizeCoordinate', () => {
  test('RegMix 1M / 60M / 1B span the three decades: 0, 1 - log(1e9/6e7) / log(1e3), 1', () => {
    assert.equal(SIZE_SPAN_DECADES, 3);
    assert.equal(sizeCoordinate(1e6, 1e6, 1e9), 0);
    assert.ok(Math.abs(sizeCoordinate(6e7, 1e6, 1e9) - (1 - Math.log(1e9 / 6e7) / Math.log(1e3))) < 1e-12);
    assert.equal(sizeCoordinate(1e9, 1e6, 1e9), 1);
  });

  test('a lone proxy sits by its distance in decades, not at 0', () => {
    const s = sizeCoordinate(6e7, 6e7, 1e9);
    assert.ok(Math.abs(s - sizeCoordinate(6e7, 1e6, 1e9)) < 1e-15, 'the same place whatever the smallest size');
    assert.ok(s > 0.55 && s < 0.65, `60M of 1B at ${s}`);
    assert.ok(sizeCoordinate(2e7, 2e7, 1e9) < s, 'a smaller proxy is further away');
  });

  test('a study spanning more than three decades is normalised by its own span', () => {
    assert.equal(sizeCoordinate(1e5, 1e5, 1e9), 0);
    assert.ok(Math.abs(sizeCoordinate(1e7, 1e5, 1e9) - 0.5) < 1e-12);
  });

  test('degenerate inputs are the target (1), never NaN', () => {
    for (const [p, lo, t] of [[0, 1e6, 1e9], [1e6, 0, 1e9], [1e6, 1e6, Number.NaN], [2e9, 1e6, 1e9]] as const) {
      const s = sizeCoordinate(p, lo, t);
      assert.ok(s >= 0 && s <= 1, `${p} ${lo} ${t}: ${s}`);
    }
  });
});

describe('cheaperRunsAllowed', () => {
  test('before any target run, proxies may take half a target run', () => {
    assert.equal(PROXY_SPEND_RATIO, 0.5);
    assert.equal(cheaperRunsAllowed({ target: 0, cheaper: 0 }, 1), true);
    assert.equal(cheaperRunsAllowed({ target: 0, cheaper: 0.49 }, 1), true);
    assert.equal(cheaperRunsAllowed({ target: 0, cheaper: 0.5 }, 1), false);
  });

  test('then half of what the target got', () => {
    assert.equal(cheaperRunsAllowed({ target: 4, cheaper: 1.9 }, 1), true);
    assert.equal(cheaperRunsAllowed({ target: 4, cheaper: 2 }, 1), false);
    assert.equal(cheaperRunsAllowed({ target: 4, cheaper: 2 }, 1, 1), true, 'another ratio');
  });
});
