import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';

/**
 * Just enough of the ONNX protobuf format to hand onnxruntime a graph built in memory from weights
 * another runtime already loaded (face-api's networks ship as TensorFlow.js weights, and running
 * them on onnxruntime's native kernels is several times faster than on tfjs-wasm). Only what those
 * graphs need is written: float, int64 and (for 8-bit graphs, quantise-conv-graph.ts) int8, uint8
 * and int32 initializers, nodes with int, ints, float and string attributes,
 * and float, int64 or uint8 tensor inputs and outputs. onnx-proto, which could do this too, is a development
 * dependency only.
 */

export type AttributeValue = number | number[] | { float: number } | { string: string };

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, AttributeValue>;
}

export type OnnxTensorData = Float32Array | BigInt64Array | Int8Array | Uint8Array | Int32Array;

export interface OnnxTensor {
  name: string;
  dims: number[];
  data: OnnxTensorData;
}

export interface OnnxValue {
  name: string;
  /** Fixed sizes, or a name for a dimension left free; absent, the shape is left to inference. */
  dims?: (number | string)[];
  /** Element type; float when absent. */
  type?: 'float' | 'int64' | 'uint8';
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  opset: number;
}

const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const INT32 = 6;
const INT64 = 7;

function elementType(data: OnnxTensorData): number {
  if (data instanceof Float32Array) return FLOAT;
  if (data instanceof BigInt64Array) return INT64;
  if (data instanceof Int8Array) return INT8;
  if (data instanceof Uint8Array) return UINT8;
  return INT32;
}
const ATTRIBUTE_FLOAT = 1;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_STRING = 3;
const ATTRIBUTE_INTS = 7;

/** Protobuf writer for the wire types ONNX uses: varint (0) and length-delimited (2), floats (5). */
class Writer {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private varint(value: bigint): void {
    // Negative int64s are written as their 64-bit two's complement, ten bytes long.
    let v = BigInt.asUintN(64, value);
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v !== 0n);
    this.push(Uint8Array.from(bytes));
  }

  private key(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  int(field: number, value: number | bigint): this {
    this.key(field, 0);
    this.varint(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, 2);
    this.varint(BigInt(value.length));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: Writer) => void): this {
    const inner = new Writer();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

function writeTensor(w: Writer, tensor: OnnxTensor): void {
  for (const d of tensor.dims) w.int(1, d);
  w.int(2, elementType(tensor.data));
  w.string(8, tensor.name);
  // raw_data is little-endian, which is what typed arrays hold on every platform Node runs on.
  w.bytes(9, new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
}

function writeValueInfo(w: Writer, value: OnnxValue): void {
  w.string(1, value.name);
  w.message(2, (type) =>
    type.message(1, (tensorType) => {
      tensorType.int(1, value.type === 'int64' ? INT64 : value.type === 'uint8' ? UINT8 : FLOAT);
      const dims = value.dims;
      if (dims) {
        tensorType.message(2, (shape) => {
          for (const d of dims) shape.message(1, (dim) => (typeof d === 'number' ? dim.int(1, d) : dim.string(2, d)));
        });
      }
    }),
  );
}

function writeAttribute(w: Writer, name: string, value: AttributeValue): void {
  w.string(1, name);
  if (typeof value === 'number') {
    w.int(3, value).int(20, ATTRIBUTE_INT);
  } else if (Array.isArray(value)) {
    for (const v of value) w.int(8, v);
    w.int(20, ATTRIBUTE_INTS);
  } else if ('float' in value) {
    w.float(2, value.float).int(20, ATTRIBUTE_FLOAT);
  } else {
    w.string(4, value.string).int(20, ATTRIBUTE_STRING);
  }
}

function writeNode(w: Writer, node: OnnxNode, index: number): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, `${node.op}_${index}`);
  w.string(4, node.op);
  for (const [name, value] of Object.entries(node.attributes ?? {})) w.message(5, (a) => writeAttribute(a, name, value));
}

/** The serialised ModelProto of a graph, ready for `InferenceSession.create(bytes)`. */
export function encodeOnnxModel(graph: OnnxGraph): Uint8Array {
  return new Writer()
    .int(1, 8) // IR version 8 (ONNX 1.10+), enough for opset ≤ 17
    .string(2, 'mediasearch')
    .message(8, (opset) => opset.string(1, '').int(2, graph.opset))
    .message(7, (g) => {
      graph.nodes.forEach((node, i) => g.message(1, (n) => writeNode(n, node, i)));
      g.string(2, graph.name);
      for (const tensor of graph.initializers) g.message(5, (t) => writeTensor(t, tensor));
      for (const input of graph.inputs) g.message(11, (v) => writeValueInfo(v, input));
      for (const output of graph.outputs) g.message(12, (v) => writeValueInfo(v, output));
    })
    .finish();
}

/** Collects nodes and weights with generated, unique tensor names. */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private counter = 0;

  /** A fresh tensor name. */
  name(hint: string): string {
    this.counter += 1;
    return `${hint}_${this.counter}`;
  }

  constant(hint: string, dims: number[], data: OnnxTensorData): string {
    const name = this.name(hint);
    this.initializers.push({ name, dims, data });
    return name;
  }

  int64s(hint: string, values: number[]): string {
    return this.constant(hint, [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  /** Adds a node with one output and returns that output's name. */
  op(op: string, inputs: string[], attributes?: Record<string, AttributeValue>): string {
    const output = this.name(op.toLowerCase());
    this.nodes.push({ op, inputs, outputs: [output], ...(attributes ? { attributes } : {}) });
    return output;
  }
}

/**
 * A TensorFlow convolution filter ([h, w, in, out]; depthwise: [h, w, channels, multiplier]) as
 * the ONNX Conv weight ([out, in / group, h, w]).
 */
export function onnxConvWeights(
  shape: readonly number[],
  source: Float32Array,
  depthwise: boolean,
): { dims: number[]; data: Float32Array; group: number } {
  const [kh, kw, cin, cout] = shape as [number, number, number, number];
  const outputs = depthwise ? cin * cout : cout;
  const perGroup = depthwise ? 1 : cin;
  const data = new Float32Array(outputs * perGroup * kh * kw);
  for (let row = 0; row < kh; row++) {
    for (let col = 0; col < kw; col++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) {
          const [out, inGroup] = depthwise ? [i * cout + o, 0] : [o, i];
          data[((out * perGroup + inGroup) * kh + row) * kw + col] = source[((row * kw + col) * cin + i) * cout + o]!;
        }
      }
    }
  }
  return { dims: [outputs, perGroup, kh, kw], data, group: depthwise ? cin : 1 };
}

export interface OnnxSessionOptions {
  /**
   * The graph mixes 8-bit and float convolutions (quantise-conv-graph.ts). onnxruntime's
   * WeightBiasQuantization optimiser would quantise the weights of every float convolution that
   * sits between a DequantizeLinear and a QuantizeLinear on its own, per tensor, which is far less
   * accurate than the per-channel 8-bit layers and undoes the choice to keep them float; it is
   * turned off for such graphs.
   */
  keepFloatConvolutions?: boolean;
}

/**
 * A session for an in-memory graph on one thread: the worker pool already runs one analyser per
 * core, and more threads per session would only make them fight over the same cores.
 */
export function createOnnxSession(graph: OnnxGraph, options: OnnxSessionOptions = {}): Promise<InferenceSession> {
  return InferenceSession.create(encodeOnnxModel(graph), {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    ...(options.keepFloatConvolutions ? { extra: { optimization: { disable_specified_optimizers: 'WeightBiasQuantization' } } } : {}),
  });
}

/** Graph inputs of a picture fed by squarePictureInput. */
export const PICTURE_INPUT = 'pixels';
export const PICTURE_PADS_INPUT = 'pads';

/** The graph input declarations of a picture front (squarePictureInput), for OnnxGraph.inputs. */
export const PICTURE_INPUTS: OnnxValue[] = [
  { name: PICTURE_INPUT, dims: [1, 'height', 'width', 3], type: 'uint8' },
  { name: PICTURE_PADS_INPUT, dims: [4], type: 'int64' },
];

/** The feeds of a picture front: 8-bit RGB pixels ([h, w, 3]) and the zero padding around them (top, left, bottom, right). */
export function pictureFeeds(
  pixels: Uint8Array,
  width: number,
  height: number,
  pads: readonly [number, number, number, number],
): Record<string, OrtTensor> {
  return {
    [PICTURE_INPUT]: new OrtTensor('uint8', pixels, [1, height, width, 3]),
    [PICTURE_PADS_INPUT]: new OrtTensor('int64', BigInt64Array.from(pads, BigInt), [4]),
  };
}

/**
 * face-api's padToSquare(…, isCenterImage=true): round(diff / 2) zeros after the picture on its
 * short side, the rest before. As (top, left, bottom, right).
 */
export function centredSquarePads(width: number, height: number): [number, number, number, number] {
  const diff = Math.abs(height - width);
  const after = Math.round(diff * 0.5);
  const before = diff - after;
  return height < width ? [before, 0, after, 0] : width < height ? [0, before, 0, after] : [0, 0, 0, 0];
}

/**
 * The front of a detector graph that takes the decoded picture itself: 8-bit RGB [1, h, w, 3] of
 * any size, zero-padded by `pads` (top, left, bottom, right, in pixels) to a square, resized
 * bilinearly to size × size the way TensorFlow's resizeBilinear does without align-corners or
 * half-pixel centres (ONNX "asymmetric"), then (x − mean) / divisor per channel. This is the
 * pre-processing face-api does on tfjs before its networks, done natively in the same run.
 * Returns the NCHW float tensor.
 */
export function squarePictureInput(g: GraphBuilder, size: number, mean: readonly number[], divisor: number): string {
  const float = g.op('Cast', [PICTURE_INPUT], { to: FLOAT });
  const nchw = g.op('Transpose', [float], { perm: [0, 3, 1, 2] });
  // pads input: [top, left, bottom, right] → ONNX order [n, c, top, left, n, c, bottom, right].
  const [top, left, bottom, right] = [0, 1, 2, 3].map((i) =>
    g.op('Slice', [PICTURE_PADS_INPUT, g.int64s('start', [i]), g.int64s('end', [i + 1])]),
  ) as [string, string, string, string];
  const zero = g.int64s('zero', [0]);
  const pads = g.op('Concat', [zero, zero, top, left, zero, zero, bottom, right], { axis: 0 });
  const square = g.op('Pad', [nchw, pads]);
  const resized = g.op('Resize', [square, '', '', g.int64s('sizes', [1, 3, size, size])], {
    mode: { string: 'linear' },
    coordinate_transformation_mode: { string: 'asymmetric' },
  });
  const centred = g.op('Sub', [resized, g.constant('mean', [1, 3, 1, 1], Float32Array.from(mean))]);
  return g.op('Div', [centred, g.constant('divisor', [], Float32Array.of(divisor))]);
}
