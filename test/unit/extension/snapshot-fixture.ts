// A small, hand-made study snapshot for the host-logic tests.
import type { StudySnapshot, TrialView } from '../../../src/protocol/snapshot';

const trial = (id: string, status: TrialView['status'], model: string, value: number | undefined, cost: number, time: string, extra: Partial<TrialView> = {}): TrialView => ({
  id,
  status,
  mixture: { web: 0.6, code: 0.4 },
  model,
  steps: 1000,
  ...(value !== undefined ? { value } : {}),
  cost,
  time,
  ...extra,
});

export function snapshotFixture(overrides: Partial<StudySnapshot> = {}): StudySnapshot {
  return {
    studyFile: '/w/demo.mixopt.yaml',
    name: 'demo',
    domains: ['web', 'code'],
    direction: 'minimize',
    objectiveLabel: 'val_loss',
    target: { model: '1B', steps: 1000 },
    models: [
      { name: '60M', params: 6e7 },
      { name: '1B', params: 1e9 },
    ],
    trials: [
      trial('r1', 'external', '60M', 3.1, 0.06, '2026-01-01T00:00:00Z', { runSource: 'runs/r1' }),
      trial('r2', 'completed', '1B', 2.5, 1, '2026-01-02T00:00:00Z'),
      trial('r3', 'completed', '1B', 2.4, 1, '2026-01-03T00:00:00Z'),
      trial('r4', 'failed', '1B', 1.0, 1, '2026-01-04T00:00:00Z'),
      trial('t-new', 'pending', '60M', undefined, 0.06, '2026-01-05T00:00:00Z', { configPath: 'configs/generated/t-new.yaml' }),
      trial('t-sug', 'suggested', '60M', undefined, 0.06, '2026-01-06T00:00:00Z'),
    ],
    budget: {
      unit: '1B runs',
      total: 10,
      used: 3.06,
      byModel: { '60M': 0.06, '1B': 3 },
      burn: [
        { cost: 0.06, model: '60M' },
        { cost: 1.06, model: '1B', bestTarget: 2.5 },
        { cost: 2.06, model: '1B', bestTarget: 2.4 },
        { cost: 3.06, model: '1B', bestTarget: 2.4 },
      ],
      targetRunCost: 1,
      costSource: { kind: 'nominal', label: "nominal costs (each model's cost per run from the study)", reason: 'cost.kind is table', runs: 4, measuredRuns: 0 },
    },
    diagnostics: [],
    observations: 4,
    computedAt: '2026-01-06T00:00:00Z',
    ...overrides,
  };
}
