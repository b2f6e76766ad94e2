// A snapshot whose trials carry the given ids (for the CSV export and tooltip cases).
import type { StudySnapshot } from '../../../src/protocol/snapshot';
import { snapshotFixture } from '../extension/snapshot-fixture';

export function minimalSnapshot(ids: readonly string[]): StudySnapshot {
  return snapshotFixture({ trials: ids.map((id) => ({ id, status: 'external', mixture: { web: 0.5, code: 0.5 }, model: '60M', steps: 1000, cost: 0.06 })) });
}
