import { describe, expect, it } from 'vitest';
import { ProtoWriter, encodeOnnxModel } from './onnx-proto.js';

/** A tiny protobuf reader for the test: field number -> list of raw values (varints or byte slices). */
function decode(bytes: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const fields = new Map<number, (number | Uint8Array)[]>();
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[at++] as number;
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let value: number | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const length = varint();
      value = bytes.subarray(at, at + length);
      at += length;
    } else if (wire === 5) {
      value = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getFloat32(0, true);
      at += 4;
    } else throw new Error(`unexpected wire type ${wire}`);
    fields.set(field, [...(fields.get(field) ?? []), value]);
  }
  return fields;
}

const text = (v: number | Uint8Array | undefined): string => new TextDecoder().decode(v as Uint8Array);

describe('onnx-proto', () => {
  it('writes varints', () => {
    expect([...new ProtoWriter().varint(1).finish()]).toEqual([1]);
    expect([...new ProtoWriter().varint(300).finish()]).toEqual([0xac, 0x02]);
    expect([...new ProtoWriter().varint(2 ** 35).finish()]).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    expect(() => new ProtoWriter().varint(-1)).toThrow(RangeError);
  });

  it('encodes a conv model with its attributes, initializer and typed inputs', () => {
    const weights = Float32Array.of(1, 2, 3, 4);
    const model = decode(
      encodeOnnxModel({
        nodes: [{ opType: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attributes: [{ name: 'group', int: 2 }, { name: 'strides', ints: [2, 2] }] }],
        initializers: [{ name: 'w', dims: [2, 1, 1, 2], data: weights }],
        inputs: [{ name: 'x', dims: [1, 2, 3, 3] }],
        outputs: [{ name: 'y', dims: [1, 2, 2, 1] }],
      }),
    );
    expect(model.get(1)).toEqual([8]);
    expect(decode(model.get(8)?.[0] as Uint8Array).get(2)).toEqual([17]);
    const graph = decode(model.get(7)?.[0] as Uint8Array);
    const node = decode(graph.get(1)?.[0] as Uint8Array);
    expect(node.get(1)?.map(text)).toEqual(['x', 'w']);
    expect(text(node.get(4)?.[0])).toBe('Conv');
    const attributes = node.get(5)?.map((a) => decode(a as Uint8Array)) ?? [];
    expect(attributes.map((a) => text(a.get(1)?.[0]))).toEqual(['group', 'strides']);
    expect(attributes[0]?.get(3)).toEqual([2]);
    expect(attributes[1]?.get(8)).toEqual([2, 2]);
    expect(attributes[1]?.get(20)).toEqual([7]);
    const init = decode(graph.get(5)?.[0] as Uint8Array);
    expect(init.get(1)).toEqual([2, 1, 1, 2]);
    expect(init.get(2)).toEqual([1]);
    expect(new Float32Array((init.get(9)?.[0] as Uint8Array).slice().buffer)).toEqual(weights);
    const input = decode(graph.get(11)?.[0] as Uint8Array);
    expect(text(input.get(1)?.[0])).toBe('x');
    const tensorType = decode(decode(input.get(2)?.[0] as Uint8Array).get(1)?.[0] as Uint8Array);
    const dims = decode(tensorType.get(2)?.[0] as Uint8Array).get(1)?.map((d) => decode(d as Uint8Array).get(1)?.[0]);
    expect(dims).toEqual([1, 2, 3, 3]);
  });
});
