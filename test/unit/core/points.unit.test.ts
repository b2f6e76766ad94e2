import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { distinctValues, mixturesAt, pointsFromRows, rowsAt, selectRows, validatePointSet, validateValues } from '../../../src/core/points';
import { CoreInputError } from '../../../src/core/types';

describe('point sets', () => {
  test('pointsFromRows lays rows out as w_0..w_{d-1}, s, z; a short w reads 0, a long one is cut at d', () => {
    const points = pointsFromRows(2, [
      { w: [0.25, 0.75], s: 0.5, z: 1 },
      { w: [1], s: 0, z: 0.25 },
      { w: [0.1, 0.2, 0.7], s: 1, z: 1 },
    ]);
    assert.equal(points.n, 3);
    assert.equal(points.d, 2);
    assert.deepEqual(Array.from(points.data), [0.25, 0.75, 0.5, 1, 1, 0, 0, 0.25, 0.1, 0.2, 1, 1]);
  });

  test('mixturesAt and rowsAt put mixtures at one fidelity, equal to pointsFromRows', () => {
    const ws = Float64Array.from([0.2, 0.8, 0.6, 0.4]);
    const packed = mixturesAt(2, ws, 2, 0.3, 0.9);
    assert.deepEqual(Array.from(packed.data), [0.2, 0.8, 0.3, 0.9, 0.6, 0.4, 0.3, 0.9]);
    const rows = [{ w: ws.subarray(0, 2) }, { w: ws.subarray(2, 4) }];
    assert.deepEqual(rowsAt(2, rows, 0.3, 0.9), packed);
    assert.deepEqual(pointsFromRows(2, rows.map((r) => ({ w: r.w, s: 0.3, z: 0.9 }))), packed);
    assert.equal(mixturesAt(2, ws, 1, 1, 1).n, 1);
  });

  test('selectRows copies the rows in the order asked', () => {
    const points = pointsFromRows(1, [0, 1, 2, 3].map((i) => ({ w: [i / 10], s: i, z: -i })));
    const picked = selectRows(points, [3, 1]);
    assert.deepEqual(Array.from(picked.data), [0.3, 3, -3, 0.1, 1, -1]);
    picked.data[0] = 9;
    assert.equal(points.data[9], 0.3, 'a copy');
    assert.equal(selectRows(points, []).n, 0);
  });

  test('distinctValues counts levels of a column to 1e-9, up to the cap', () => {
    const points = pointsFromRows(1, [0, 0.5, 0.5 + 1e-12, 1, 0].map((s) => ({ w: [1], s, z: 1 })));
    assert.equal(distinctValues(points, 1, 10), 3);
    assert.equal(distinctValues(points, 1, 2), 2);
    assert.equal(distinctValues(points, 2, 10), 1);
  });

  test('validation names the first bad row and column', () => {
    const points = pointsFromRows(2, [{ w: [0.5, 0.5], s: 1, z: 1 }, { w: [0.5, NaN], s: 1, z: 1 }]);
    assert.throws(() => validatePointSet(points, 'here'), (e: unknown) => e instanceof CoreInputError && e.message === 'here: row 1, column w[1] is NaN');
    const badZ = pointsFromRows(2, [{ w: [0.5, 0.5], s: 1, z: Infinity }]);
    assert.throws(() => validatePointSet(badZ, 'here'), /row 0, column z is Infinity/);
    assert.throws(() => validatePointSet(pointsFromRows(2, []), 'here', 3), /expected 3 domains, got 2/);
    assert.throws(() => validatePointSet({ n: 2, d: 2, data: new Float64Array(7) }, 'here'), /expected n\*\(d\+2\) = 8/);
    assert.doesNotThrow(() => validatePointSet(pointsFromRows(2, [{ w: [0.5, 0.5], s: 0, z: 1 }]), 'here', 2));
    assert.throws(() => validateValues(Float64Array.from([1, NaN]), 2, 'y'), /y: row 1, column y is NaN/);
    assert.throws(() => validateValues(Float64Array.from([1]), 2, 'y'), /1 values for 2 points/);
  });
});
