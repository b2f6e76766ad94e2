// TensorBoard event files (`events.out.tfevents.*`, written by TensorFlow, tensorboardX, torch.utils.tensorboard,
// Megatron-LM, NeMo, torchtitan, the HF Trainer's default report_to). A file is a sequence of records:
//   uint64 length (little-endian) | uint32 masked CRC-32C of the 8 length bytes | data[length] | uint32 masked CRC-32C of data
// (tensorflow/core/lib/io/record_writer.cc; mask: rotate right by 15 bits, add 0xa282ead8). Each data is an `Event`
// protobuf; scalars are Summary values with `simple_value` (tensorboardX, TF1) or a scalar `tensor` (TF2,
// torch's new-style scalars). The run's config comes from the hparams plugin's session_start_info where it was
// logged, else from config files beside the events (as for the other formats). Pure: bytes in, records out.
import { crc32c } from '@aws-crypto/crc32c';
import type { Study } from '../study/types';
import { applyRunConfig, RunBuilder } from './builder';
import type { TextFile } from './hf';
import { parseConfigFile } from './hf';
import { TB_EVENT, TB_HPARAMS, toPlain } from './proto';
import type { ParseResult, RunStatus } from './types';
import { DiagnosticSink, isPlainObject } from './util';

export interface BinaryFile {
  /** path as reported in diagnostics */
  readonly file: string;
  readonly bytes: Uint8Array;
}

export interface TfEventsInput {
  /** the run folder (id and source of the record) */
  readonly dir: string;
  /** event files, in the order they were written (their names carry the start time) */
  readonly events: readonly BinaryFile[];
  readonly configs: readonly TextFile[];
}

/** One event record bigger than this is not a scalar log (a graph or an image); it is skipped unread. */
const MAX_RECORD_BYTES = 64 * 2 ** 20;

function masked(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

export interface TfRecordScan {
  readonly records: Uint8Array[];
  /** the file ends inside a record (still being written): read up to the last whole record */
  readonly truncated: boolean;
}

/** Splits a TFRecord file into its records, checking both CRCs; problems go to `sink`. */
export function scanTfRecords(bytes: Uint8Array, sink: DiagnosticSink): TfRecordScan {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let offset = 0;
  let badData = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < 12) return { records, truncated: true };
    const length = view.getBigUint64(offset, true);
    const lengthCrc = view.getUint32(offset + 8, true);
    if (masked(crc32c(bytes.subarray(offset, offset + 8))) !== lengthCrc) {
      sink.error(0, `corrupt record header at byte ${offset} (length checksum does not match); the rest of the file is not read`, {
        hint: 'the file was damaged or is not a TensorBoard event file; the records before this point are used',
      });
      return { records, truncated: false };
    }
    if (length > BigInt(MAX_RECORD_BYTES)) {
      const skip = Number(length) + 16;
      if (offset + skip > bytes.length) return { records, truncated: true };
      offset += skip;
      continue;
    }
    const n = Number(length);
    if (offset + 12 + n + 4 > bytes.length) return { records, truncated: true };
    const data = bytes.subarray(offset + 12, offset + 12 + n);
    const dataCrc = view.getUint32(offset + 12 + n, true);
    if (masked(crc32c(data)) !== dataCrc) {
      if (badData++ === 0) sink.warning(0, `record at byte ${offset} has a bad data checksum; skipped`, { hint: 'the file was damaged; the other records are used' });
    } else records.push(data);
    offset += 12 + n + 4;
  }
  return { records, truncated: false };
}

/** DataType numbers of types.proto that a scalar metric can have. */
const DT_FLOAT = 1;
const DT_DOUBLE = 2;
const DT_INT32 = 3;
const DT_INT64 = 9;

/** The value of a scalar (rank-0 or single-element) tensor of a numeric type, or undefined. */
function tensorScalar(tensor: Record<string, unknown>): number | undefined {
  const shape = tensor['tensor_shape'];
  const dims = isPlainObject(shape) && Array.isArray(shape['dim']) ? (shape['dim'] as unknown[]) : [];
  if (!dims.every((d) => isPlainObject(d) && (d['size'] === undefined || d['size'] === 1))) return undefined;
  const dtype = tensor['dtype'];
  const first = (key: string): number | undefined => {
    const v = tensor[key];
    return Array.isArray(v) && typeof v[0] === 'number' ? v[0] : undefined;
  };
  const content = tensor['tensor_content'];
  const raw = content instanceof Uint8Array && content.length > 0 ? new DataView(content.buffer, content.byteOffset, content.byteLength) : undefined;
  switch (dtype) {
    case DT_FLOAT:
      return first('float_val') ?? (raw && raw.byteLength >= 4 ? raw.getFloat32(0, true) : undefined);
    case DT_DOUBLE:
      return first('double_val') ?? (raw && raw.byteLength >= 8 ? raw.getFloat64(0, true) : undefined);
    case DT_INT32:
      return first('int_val') ?? (raw && raw.byteLength >= 4 ? raw.getInt32(0, true) : undefined);
    case DT_INT64:
      return first('int64_val') ?? (raw && raw.byteLength >= 8 ? Number(raw.getBigInt64(0, true)) : undefined);
    default:
      return undefined;
  }
}

/** hparams plugin content: the session's hparams (flat key -> scalar) and its end status. */
function readHparams(content: unknown): { hparams?: Record<string, unknown>; status?: RunStatus } {
  if (!(content instanceof Uint8Array)) return {};
  const data = toPlain(TB_HPARAMS, TB_HPARAMS.decode(content));
  const out: { hparams?: Record<string, unknown>; status?: RunStatus } = {};
  const start = data['session_start_info'];
  if (isPlainObject(start) && isPlainObject(start['hparams'])) {
    const hparams: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(start['hparams'])) {
      if (!isPlainObject(v)) continue;
      const value = v['number_value'] ?? v['string_value'] ?? v['bool_value'];
      if (value !== undefined) hparams[k] = value;
    }
    out.hparams = hparams;
  }
  const end = data['session_end_info'];
  if (isPlainObject(end)) {
    // tensorboard/plugins/hparams/api.proto Status: 1 SUCCESS, 2 FAILURE, 3 RUNNING
    const status = end['status'];
    if (status === 1) out.status = 'completed';
    else if (status === 2) out.status = 'failed';
    else if (status === 3) out.status = 'running';
  }
  return out;
}

export function parseTfEvents(input: TfEventsInput, study: Study): ParseResult {
  const sink = new DiagnosticSink(input.events[0]?.file ?? input.dir);
  const b = new RunBuilder(study, input.dir, 'tensorboard', input.dir);
  let truncated = false;
  let events = 0;
  let endStatus: RunStatus | undefined;
  for (const f of input.events) {
    const fsink = new DiagnosticSink(f.file);
    const scan = scanTfRecords(f.bytes, fsink);
    if (scan.truncated) {
      truncated = true;
      fsink.info(0, 'the last record is incomplete (the run is still being written); read up to the record before', { hint: 'it is read again when the file changes' });
    }
    let undecodable = 0;
    for (const data of scan.records) {
      let event: Record<string, unknown>;
      try {
        event = toPlain(TB_EVENT, TB_EVENT.decode(data));
      } catch (e) {
        if (undecodable++ === 0) fsink.warning(0, `an event record is not a valid Event message (${e instanceof Error ? e.message : String(e)}); skipped`);
        continue;
      }
      events++;
      const summary = event['summary'];
      if (!isPlainObject(summary) || !Array.isArray(summary['value'])) continue;
      const step = typeof event['step'] === 'number' ? event['step'] : 0;
      const metrics: Record<string, number> = Object.create(null) as Record<string, number>;
      for (const v of summary['value'] as unknown[]) {
        if (!isPlainObject(v)) continue;
        const tag = typeof v['tag'] === 'string' && v['tag'] !== '' ? v['tag'] : typeof v['node_name'] === 'string' ? v['node_name'] : '';
        const meta = v['metadata'];
        const plugin = isPlainObject(meta) && isPlainObject(meta['plugin_data']) ? meta['plugin_data'] : undefined;
        if (plugin?.['plugin_name'] === 'hparams') {
          try {
            const hp = readHparams(plugin['content']);
            if (hp.hparams) applyRunConfig(b, hp.hparams, fsink);
            if (hp.status) endStatus = hp.status;
          } catch (e) {
            fsink.warning(0, `the hparams summary "${tag.slice(0, 60)}" cannot be decoded (${e instanceof Error ? e.message : String(e)}); ignored`);
          }
          continue;
        }
        if (tag === '') continue;
        const value = typeof v['simple_value'] === 'number' ? v['simple_value'] : isPlainObject(v['tensor']) ? tensorScalar(v['tensor']) : undefined;
        if (value !== undefined && Number.isFinite(value)) metrics[tag] = value;
      }
      if (Object.keys(metrics).length > 0) {
        b.addMetrics(step, metrics);
        b.lastStep = Math.max(b.lastStep ?? 0, step);
      }
    }
    sink.list.push(...fsink.list);
  }
  if (events === 0 && !truncated) sink.warning(0, 'no readable event in the TensorBoard event file(s)', { hint: 'was the file written by a SummaryWriter?' });
  for (const c of input.configs) {
    const csink = new DiagnosticSink(c.file);
    const config = parseConfigFile(c, csink);
    if (config !== undefined) applyRunConfig(b, config.value, csink, config.locate);
    sink.list.push(...csink.list);
  }
  if (endStatus) b.status = endStatus;
  else if (truncated) b.status = 'running';
  // steps count from 0 or 1 depending on the framework: max_steps 500 ends at step 499 or 500
  else if (b.plannedSteps !== undefined && b.lastStep !== undefined) b.status = b.lastStep + 1 >= b.plannedSteps ? 'completed' : 'running';
  const { run } = b.build(sink);
  return { runs: [run], diagnostics: sink.list };
}
