/**
 * A minimal ONNX model writer: just enough protobuf (varints, length-delimited fields) to encode a ModelProto
 * with one graph of nodes, float initializers and float tensor inputs/outputs. Field numbers follow onnx.proto
 * (IR version 8, default-domain opset 17).
 */

/** Protobuf wire types used here. */
const VARINT = 0;
const FIXED32 = 5;
const LENGTH_DELIMITED = 2;

/** Appends protobuf fields to a growing byte buffer. */
export class ProtoWriter {
  private bytes: number[] = [];

  /** A base-128 varint of a non-negative safe integer. */
  varint(value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`ProtoWriter.varint: expected a non-negative safe integer but received ${value}`);
    let v = value;
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
    return this;
  }

  private tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  /** An int32/int64/enum field (non-negative values only, which is all ONNX needs here). */
  int(field: number, value: number): this {
    return this.tag(field, VARINT).varint(value);
  }

  /** A float field (fixed32, little-endian). */
  float(field: number, value: number): this {
    const buffer = new DataView(new ArrayBuffer(4));
    buffer.setFloat32(0, value, true);
    this.tag(field, FIXED32);
    for (let i = 0; i < 4; i++) this.bytes.push(buffer.getUint8(i));
    return this;
  }

  /** A bytes field. */
  raw(field: number, data: Uint8Array): this {
    this.tag(field, LENGTH_DELIMITED).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  /** A string field (UTF-8). */
  string(field: number, value: string): this {
    return this.raw(field, new TextEncoder().encode(value));
  }

  /** An embedded message field. */
  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.raw(field, inner.finish());
  }

  /** The bytes written so far. */
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** ONNX TensorProto.DataType.FLOAT. */
export const ONNX_FLOAT = 1;

/** An attribute of a node: an int, a float or a list of ints. */
export type OnnxAttribute = { name: string; int: number } | { name: string; float: number } | { name: string; ints: readonly number[] };

/** One graph node. */
export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  attributes?: readonly OnnxAttribute[];
}

/** A float tensor stored in the model (weights). */
export interface OnnxInitializer {
  name: string;
  dims: readonly number[];
  data: Float32Array;
}

/** A float graph input or output with a static shape. */
export interface OnnxValue {
  name: string;
  dims: readonly number[];
}

/** A whole single-graph model. */
export interface OnnxModel {
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxInitializer[];
  inputs: readonly OnnxValue[];
  outputs: readonly OnnxValue[];
  /** Default 17. */
  opset?: number;
  graphName?: string;
}

// AttributeProto.AttributeType values.
const ATTRIBUTE_FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

function writeAttribute(w: ProtoWriter, a: OnnxAttribute): void {
  w.string(1, a.name);
  if ('int' in a) w.int(3, a.int).int(20, ATTRIBUTE_INT);
  else if ('float' in a) w.float(2, a.float).int(20, ATTRIBUTE_FLOAT);
  else {
    for (const v of a.ints) w.int(8, v);
    w.int(20, ATTRIBUTE_INTS);
  }
}

function writeValueInfo(w: ProtoWriter, v: OnnxValue): void {
  w.string(1, v.name);
  // TypeProto { tensor_type (1): { elem_type (1), shape (2): { dim (1): { dim_value (1) } } } }
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, ONNX_FLOAT);
      tensor.message(2, (shape) => {
        for (const d of v.dims) shape.message(1, (dim) => dim.int(1, d));
      });
    }),
  );
}

/**
 * Encodes `model` as ONNX ModelProto bytes, ready for `InferenceSession.create(bytes)`.
 *
 * @example
 * const bytes = encodeOnnxModel({
 *   nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }],
 *   initializers: [], inputs: [{ name: 'x', dims: [4] }], outputs: [{ name: 'y', dims: [4] }],
 * });
 */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, 8); // ir_version
  w.string(2, 'amc-benchmarks'); // producer_name
  w.message(7, (graph) => {
    for (const node of model.nodes) {
      graph.message(1, (n) => {
        for (const input of node.inputs) n.string(1, input);
        for (const output of node.outputs) n.string(2, output);
        if (node.name !== undefined) n.string(3, node.name);
        n.string(4, node.opType);
        for (const a of node.attributes ?? []) n.message(5, (attribute) => writeAttribute(attribute, a));
      });
    }
    graph.string(2, model.graphName ?? 'graph');
    for (const init of model.initializers) {
      graph.message(5, (t) => {
        for (const d of init.dims) t.int(1, d);
        t.int(2, ONNX_FLOAT);
        t.string(8, init.name);
        t.raw(9, new Uint8Array(init.data.buffer, init.data.byteOffset, init.data.byteLength));
      });
    }
    for (const input of model.inputs) graph.message(11, (v) => writeValueInfo(v, input));
    for (const output of model.outputs) graph.message(12, (v) => writeValueInfo(v, output));
  });
  w.message(8, (opset) => opset.string(1, '').int(2, model.opset ?? 17)); // opset_import
  return w.finish();
}
