// MLflow's SQLite tracking store (`mlflow.db`, the default since MLflow 3.7), read-only. Tables used (MLflow's
// mlflow/store/tracking/dbmodels/models.py): runs (run_uuid, name, status, lifecycle_stage, experiment_id),
// experiments (experiment_id, name), params / tags (key, value, run_uuid) and metrics (key, value, timestamp,
// step, is_nan, run_uuid). The database is opened from a copy of its bytes in memory; nothing is written back.
import type { Database, SqlJsStatic, SqlValue } from 'sql.js';
import type { Study } from '../study/types';
import { applyRunConfig, RunBuilder } from './builder';
import { paramValue } from './mlflow';
import type { BinaryFile } from './tfevents';
import type { ParseResult, RunRecord, RunStatus } from './types';
import { DiagnosticSink, nameMap } from './util';

/** Metric rows read from one database at most: far above a real study; checked before reading them. */
export const MAX_MLFLOW_METRIC_ROWS = 2_000_000;

const STATUS: Readonly<Record<string, RunStatus>> = { RUNNING: 'running', SCHEDULED: 'running', FINISHED: 'completed', FAILED: 'failed', KILLED: 'failed' };
const REQUIRED = ['runs', 'params', 'metrics', 'tags'];

function rows(db: Database, sql: string): SqlValue[][] {
  return db.exec(sql)[0]?.values ?? [];
}

const str = (v: SqlValue | undefined): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));

export function isSqliteFile(head: Uint8Array): boolean {
  return Buffer.from(head.subarray(0, 16)).toString('latin1') === 'SQLite format 3\u0000';
}

export function parseMlflowDb(input: BinaryFile, study: Study, sql: SqlJsStatic): ParseResult {
  const sink = new DiagnosticSink(input.file);
  let db: Database | undefined;
  try {
    db = new sql.Database(input.bytes);
    const tables = new Set(rows(db, "SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => str(r[0])));
    const missing = REQUIRED.filter((t) => !tables.has(t));
    if (missing.length > 0) {
      sink.warning(0, `an SQLite database without MLflow's ${missing.join(', ')} table${missing.length > 1 ? 's' : ''}; not read as an MLflow store`, {
        hint: 'exclude it with runs.exclude if it is not an MLflow tracking database',
      });
      return { runs: [], diagnostics: sink.list };
    }
    const count = Number(rows(db, 'SELECT COUNT(*) FROM metrics')[0]?.[0] ?? 0);
    if (count > MAX_MLFLOW_METRIC_ROWS) {
      sink.error(0, `the MLflow store has ${count} metric rows, over the ${MAX_MLFLOW_METRIC_ROWS} MixOpt reads; not read`, {
        hint: 'point runs.include at a store with this study\'s runs only, or delete old runs with `mlflow gc`',
      });
      return { runs: [], diagnostics: sink.list };
    }
    const builders = new Map<string, RunBuilder>();
    const params = new Map<string, Record<string, unknown>>();
    const tags = new Map<string, Record<string, unknown>>();
    const runRows = rows(db, 'SELECT run_uuid, name, status, lifecycle_stage FROM runs ORDER BY start_time, run_uuid');
    const nameCount = new Map<string, number>();
    for (const r of runRows) nameCount.set(str(r[1]), (nameCount.get(str(r[1])) ?? 0) + 1);
    let deleted = 0;
    for (const [uuidValue, nameValue, statusValue, stage] of runRows) {
      const uuid = str(uuidValue);
      if (str(stage) === 'deleted') {
        deleted++;
        continue;
      }
      const name = str(nameValue);
      const id = name === '' ? uuid : (nameCount.get(name) ?? 0) > 1 ? `${name} (${uuid.slice(0, 8)})` : name;
      const b = new RunBuilder(study, id, 'mlflow', input.file);
      const status = STATUS[str(statusValue).toUpperCase()];
      if (status) b.status = status;
      builders.set(uuid, b);
      params.set(uuid, nameMap());
      tags.set(uuid, nameMap());
    }
    if (deleted > 0) sink.info(0, `${deleted} run${deleted > 1 ? 's are' : ' is'} deleted in MLflow (lifecycle_stage deleted); not used`);
    for (const [uuid, key, value] of rows(db, 'SELECT run_uuid, key, value FROM params')) {
      const p = params.get(str(uuid));
      if (p) p[str(key)] = paramValue(str(value));
    }
    for (const [uuid, key, value] of rows(db, 'SELECT run_uuid, key, value FROM tags')) {
      const t = tags.get(str(uuid));
      if (t) t[str(key)] = str(value);
    }
    let nan = 0;
    for (const [uuid, key, value, step, isNan] of rows(db, 'SELECT run_uuid, key, value, step, is_nan FROM metrics ORDER BY step, timestamp')) {
      const b = builders.get(str(uuid));
      if (!b) continue;
      const v = typeof value === 'number' ? value : Number(value);
      const s = typeof step === 'number' ? step : Number(step ?? 0);
      if (isNan === 1 || !Number.isFinite(v)) {
        nan++;
        continue;
      }
      if (!Number.isFinite(s) || s < 0) continue;
      b.addMetrics(s, { [str(key)]: v });
      b.lastStep = Math.max(b.lastStep ?? 0, s);
    }
    if (nan > 0) sink.info(0, `${nan} metric value${nan > 1 ? 's are' : ' is'} NaN or infinite; left out`);
    const runs: RunRecord[] = [];
    for (const [uuid, b] of builders) {
      const rsink = new DiagnosticSink(input.file);
      applyRunConfig(b, params.get(uuid), rsink);
      applyRunConfig(b, tags.get(uuid), rsink);
      const { run } = b.build(rsink);
      for (const d of rsink.list) sink.list.push({ ...d, key: d.key ?? `runs[${uuid}]` });
      runs.push(run);
    }
    return { runs, diagnostics: sink.list };
  } catch (e) {
    sink.error(0, `cannot read the MLflow SQLite store: ${e instanceof Error ? e.message : String(e)}`, {
      hint: 'the file is damaged or still being written; MixOpt reads it again when it changes',
    });
    return { runs: [], diagnostics: sink.list };
  } finally {
    db?.close();
  }
}
