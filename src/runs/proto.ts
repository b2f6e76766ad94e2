// Protobuf message shapes of the binary logs, as protobufjs reflection JSON. Only the fields MixOpt reads are
// declared (the decoder skips the others). Field numbers are the public ones:
// - TensorBoard: tensorflow/core/util/event.proto (Event), tensorflow/core/framework/summary.proto (Summary,
//   SummaryMetadata), tensor.proto (TensorProto), types.proto (DataType), and
//   tensorboard/plugins/hparams/plugin_data.proto (HParamsPluginData, SessionStartInfo, SessionEndInfo).
// - W&B: wandb/proto/wandb_internal.proto (Record, HistoryRecord, SummaryRecord, ConfigRecord, RunRecord,
//   RunExitRecord), checked against the descriptors of wandb 0.30's wandb_internal_pb2.
import protobuf from 'protobufjs/light.js';
import type { Type } from 'protobufjs';

/** google.protobuf.Value by hparam name (a map field: declared apart, as IMapField, for the type checker) */
const HPARAMS_MAP: protobuf.IMapField = { keyType: 'string', type: 'HParamValue', id: 1 };

const root = protobuf.Root.fromJSON({
  nested: {
    tb: {
      nested: {
        Event: {
          fields: {
            wall_time: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            file_version: { type: 'string', id: 3 },
            summary: { type: 'Summary', id: 5 },
          },
        },
        Summary: { fields: { value: { rule: 'repeated', type: 'Value', id: 1 } } },
        Value: {
          fields: {
            tag: { type: 'string', id: 1 },
            node_name: { type: 'string', id: 7 },
            simple_value: { type: 'float', id: 2 },
            tensor: { type: 'TensorProto', id: 8 },
            metadata: { type: 'SummaryMetadata', id: 9 },
          },
        },
        SummaryMetadata: { fields: { plugin_data: { type: 'PluginData', id: 1 } } },
        PluginData: { fields: { plugin_name: { type: 'string', id: 1 }, content: { type: 'bytes', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dim', id: 2 } } },
        Dim: { fields: { size: { type: 'int64', id: 1 } } },
        TensorProto: {
          fields: {
            dtype: { type: 'int32', id: 1 },
            tensor_shape: { type: 'TensorShapeProto', id: 2 },
            tensor_content: { type: 'bytes', id: 4 },
            float_val: { rule: 'repeated', type: 'float', id: 5 },
            double_val: { rule: 'repeated', type: 'double', id: 6 },
            int_val: { rule: 'repeated', type: 'int32', id: 7 },
            int64_val: { rule: 'repeated', type: 'int64', id: 10 },
            half_val: { rule: 'repeated', type: 'int32', id: 13 },
          },
        },
        HParamsPluginData: {
          fields: {
            version: { type: 'int32', id: 1 },
            session_start_info: { type: 'SessionStartInfo', id: 3 },
            session_end_info: { type: 'SessionEndInfo', id: 4 },
          },
        },
        SessionStartInfo: { fields: { hparams: HPARAMS_MAP } },
        // google.protobuf.Value, without struct_value / list_value (hparams are scalars; nesting is not followed)
        HParamValue: {
          fields: {
            null_value: { type: 'int32', id: 1 },
            number_value: { type: 'double', id: 2 },
            string_value: { type: 'string', id: 3 },
            bool_value: { type: 'bool', id: 4 },
          },
        },
        SessionEndInfo: { fields: { status: { type: 'int32', id: 1 } } },
      },
    },
    wandb: {
      nested: {
        Record: {
          fields: {
            num: { type: 'int64', id: 1 },
            history: { type: 'HistoryRecord', id: 2 },
            summary: { type: 'SummaryRecord', id: 3 },
            config: { type: 'ConfigRecord', id: 5 },
            run: { type: 'RunRecord', id: 17 },
            exit: { type: 'RunExitRecord', id: 18 },
          },
        },
        Item: {
          fields: {
            key: { type: 'string', id: 1 },
            nested_key: { rule: 'repeated', type: 'string', id: 2 },
            value_json: { type: 'string', id: 16 },
          },
        },
        HistoryStep: { fields: { num: { type: 'int64', id: 1 } } },
        HistoryRecord: { fields: { item: { rule: 'repeated', type: 'Item', id: 1 }, step: { type: 'HistoryStep', id: 2 } } },
        SummaryRecord: { fields: { update: { rule: 'repeated', type: 'Item', id: 1 }, remove: { rule: 'repeated', type: 'Item', id: 2 } } },
        ConfigRecord: { fields: { update: { rule: 'repeated', type: 'Item', id: 1 }, remove: { rule: 'repeated', type: 'Item', id: 2 } } },
        RunRecord: {
          fields: {
            run_id: { type: 'string', id: 1 },
            project: { type: 'string', id: 3 },
            config: { type: 'ConfigRecord', id: 4 },
            summary: { type: 'SummaryRecord', id: 5 },
            display_name: { type: 'string', id: 8 },
            starting_step: { type: 'int64', id: 14 },
          },
        },
        RunExitRecord: { fields: { exit_code: { type: 'int32', id: 1 }, runtime: { type: 'int32', id: 2 } } },
      },
    },
  },
});

export const TB_EVENT: Type = root.lookupType('tb.Event');
export const TB_HPARAMS: Type = root.lookupType('tb.HParamsPluginData');
export const WANDB_RECORD: Type = root.lookupType('wandb.Record');

/** Plain-object conversion: int64 as numbers, bytes as Uint8Array (Buffer), unset fields left out. */
export function toPlain(type: Type, message: protobuf.Message): Record<string, unknown> {
  return type.toObject(message, { longs: Number, defaults: false });
}
