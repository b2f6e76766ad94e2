// The W&B run file (`run-<id>.wandb`), the only log an offline run (WANDB_MODE=offline) has besides
// requirements.txt. Layout (wandb/sdk/internal/datastore.py, after LevelDB's log format):
//   header: ":W&B" | uint16 magic 0xBEE1 | uint8 version 0     (7 bytes, little-endian)
//   then 32 KiB blocks of chunks: uint32 CRC-32 (IEEE, of the type byte then the data) | uint16 length | uint8 type
//   (1 FULL, 2 FIRST, 3 MIDDLE, 4 LAST) | data; a block's last < 7 bytes are zero padding.
// The joined chunks are `Record` protobufs (wandb_internal.proto): run (name, config), config updates, history rows
// with their step, summary updates, exit. Pure: bytes in, plain values out.
import { Crc32 } from '@aws-crypto/crc32';
import { WANDB_RECORD, toPlain } from './proto';
import type { DiagnosticSink } from './util';
import { isPlainObject, nameMap, nestsDeeper } from './util';

const BLOCK = 32768;
const CHUNK_HEADER = 7;
const FILE_HEADER = 7;
/** One record bigger than this (joined chunks) is not a config or metrics row; it is dropped. */
const MAX_RECORD_BYTES = 16 * 2 ** 20;

export interface WandbLog {
  /** display name given to wandb.init(name=...) */
  name?: string;
  runId?: string;
  /** config as the script gave it (nested objects), without W&B's own `_wandb` key */
  readonly config: Record<string, unknown>;
  /** history rows, in order, each with its `_step` */
  readonly history: Record<string, unknown>[];
  readonly summary: Record<string, unknown>;
  exitCode?: number;
  /** the file ends inside a chunk or record (the run is still being written) */
  truncated: boolean;
  records: number;
}

function isWandbHeader(bytes: Uint8Array): boolean {
  return bytes.length >= FILE_HEADER && bytes[0] === 0x3a && bytes[1] === 0x57 && bytes[2] === 0x26 && bytes[3] === 0x42 && bytes[4] === 0xe1 && bytes[5] === 0xbe;
}

/** Splits the file into records (joined chunks), checking every chunk's CRC; a bad chunk skips to the next block. */
export function scanWandbChunks(bytes: Uint8Array, sink: DiagnosticSink): { records: Uint8Array[]; truncated: boolean } | undefined {
  if (!isWandbHeader(bytes)) {
    if (bytes.length < FILE_HEADER && [0x3a, 0x57, 0x26, 0x42, 0xe1, 0xbe].slice(0, bytes.length).every((b, i) => bytes[i] === b)) return { records: [], truncated: true };
    sink.error(0, 'not a W&B run file (the ":W&B" header is missing)', { hint: 'the file is damaged, or it is not written by wandb' });
    return undefined;
  }
  if (bytes[6] !== 0) sink.warning(0, `W&B run file version ${bytes[6] ?? '?'} is newer than the one MixOpt knows (0); read as version 0`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let parts: Uint8Array[] | undefined;
  let partBytes = 0;
  let bad = 0;
  let p = FILE_HEADER;
  const resync = (why: string): void => {
    if (bad++ === 0) sink.warning(0, `${why} at byte ${p}; skipped to the next 32 KiB block`, { hint: 'the file was damaged; the records around it are used' });
    parts = undefined;
    p = (Math.floor(p / BLOCK) + 1) * BLOCK;
  };
  while (p < bytes.length) {
    const left = BLOCK - (p % BLOCK);
    if (left < CHUNK_HEADER) {
      p += left;
      continue;
    }
    if (p + CHUNK_HEADER > bytes.length) return { records, truncated: true };
    const crc = view.getUint32(p, true);
    const length = view.getUint16(p + 4, true);
    const type = bytes[p + 6] as number;
    if (type === 0 && length === 0 && crc === 0) {
      // zero fill: the writer pre-allocated or padded the block
      p = (Math.floor(p / BLOCK) + 1) * BLOCK;
      continue;
    }
    if (CHUNK_HEADER + length > left || type < 1 || type > 4) {
      resync('a chunk header is invalid');
      continue;
    }
    if (p + CHUNK_HEADER + length > bytes.length) return { records, truncated: true };
    const data = bytes.subarray(p + CHUNK_HEADER, p + CHUNK_HEADER + length);
    if (new Crc32().update(Uint8Array.of(type)).update(data).digest() >>> 0 !== crc) {
      resync('a chunk has a bad checksum');
      continue;
    }
    p += CHUNK_HEADER + length;
    if (type === 1) {
      parts = undefined;
      records.push(data);
    } else if (type === 2) {
      parts = [data];
      partBytes = data.length;
    } else if (parts) {
      partBytes += data.length;
      if (partBytes > MAX_RECORD_BYTES) {
        parts = undefined;
        continue;
      }
      parts.push(data);
      if (type === 4) {
        records.push(Buffer.concat(parts));
        parts = undefined;
      }
    }
  }
  return { records, truncated: parts !== undefined };
}

/** A W&B item's value (JSON text); undefined when it does not parse. */
function itemValue(item: Record<string, unknown>): unknown {
  const json = item['value_json'];
  if (typeof json !== 'string') return undefined;
  try {
    const value = JSON.parse(json) as unknown;
    return nestsDeeper(value) ? undefined : value;
  } catch {
    return undefined;
  }
}

/** The item's key path: key, or nested_key (config.update with nested dicts, summary of nested values). */
function itemPath(item: Record<string, unknown>): string[] {
  const nested = item['nested_key'];
  if (Array.isArray(nested) && nested.length > 0 && nested.every((k) => typeof k === 'string')) return nested;
  return typeof item['key'] === 'string' ? [item['key']] : [];
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (let i = 0; i < path.length - 1 && i < 16; i++) {
    const k = path[i] as string;
    const next = node[k];
    if (isPlainObject(next)) node = next;
    else {
      const created = nameMap<unknown>();
      node[k] = created;
      node = created;
    }
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

function items(value: unknown, field: string): Record<string, unknown>[] {
  if (!isPlainObject(value)) return [];
  const list = value[field];
  return Array.isArray(list) ? list.filter(isPlainObject) : [];
}

/** Reads the run's records into config, history, summary, name and exit code. Never throws. */
export function readWandbLog(bytes: Uint8Array, sink: DiagnosticSink): WandbLog | undefined {
  const scan = scanWandbChunks(bytes, sink);
  if (!scan) return undefined;
  const log: WandbLog = { config: nameMap(), history: [], summary: nameMap(), truncated: scan.truncated, records: 0 };
  let undecodable = 0;
  const applyConfig = (config: unknown): void => {
    for (const item of items(config, 'update')) {
      const path = itemPath(item);
      if (path[0] === '_wandb' || path.length === 0) continue;
      setPath(log.config, path, itemValue(item));
    }
  };
  for (const data of scan.records) {
    let record: Record<string, unknown>;
    try {
      record = toPlain(WANDB_RECORD, WANDB_RECORD.decode(data));
    } catch (e) {
      if (undecodable++ === 0) sink.warning(0, `a record is not a valid W&B Record (${e instanceof Error ? e.message : String(e)}); skipped`);
      continue;
    }
    log.records++;
    const run = record['run'];
    if (isPlainObject(run)) {
      if (typeof run['display_name'] === 'string' && run['display_name'] !== '') log.name = run['display_name'];
      if (typeof run['run_id'] === 'string' && run['run_id'] !== '') log.runId = run['run_id'];
      applyConfig(run['config']);
    }
    if (isPlainObject(record['config'])) applyConfig(record['config']);
    const history = record['history'];
    if (isPlainObject(history)) {
      const row = nameMap<unknown>();
      for (const item of items(history, 'item')) setPath(row, itemPath(item), itemValue(item));
      const step = isPlainObject(history['step']) ? history['step']['num'] : undefined;
      if (row['_step'] === undefined) row['_step'] = typeof step === 'number' ? step : 0;
      log.history.push(row);
    }
    const summary = record['summary'];
    if (isPlainObject(summary)) for (const item of items(summary, 'update')) setPath(log.summary, itemPath(item), itemValue(item));
    const exit = record['exit'];
    if (isPlainObject(exit)) log.exitCode = typeof exit['exit_code'] === 'number' ? exit['exit_code'] : 0;
  }
  return log;
}
