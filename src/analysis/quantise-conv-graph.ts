import { createHash } from 'node:crypto';
import type { Tensor as OrtTensor } from 'onnxruntime-node';
import { encodeOnnxModel, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxTensorData } from './onnx-graph.js';

/**
 * 8-bit versions of the convolution graphs this project writes in memory (onnx-graph.ts), in
 * ONNX's QDQ form: per-channel symmetric int8 weights, uint8 activations, int32 biases, each
 * quantised convolution wrapped in DequantizeLinear/QuantizeLinear so that onnxruntime fuses it
 * into one QLinearConv. A ReLU6 after a convolution (Clip 0…6) is not written at all: the uint8
 * range of its QuantizeLinear (zero point 0, top at most 6) does the clipping.
 *
 * Activation ranges cannot be guessed from the weights; they are measured once on real pictures
 * (withCalibrationOutputs + RangeRecorder; the calibration script writes them into the source
 * tree) and given back here in the order calibrationTensors lists them.
 */

/** A tensor's smallest and largest value over the calibration pictures. */
export interface ValueRange {
  min: number;
  max: number;
}

/** Activation ranges and the float graph they were measured on. */
export interface CalibratedRanges {
  /** graphFingerprint() of the float graph. */
  graph: string;
  /** Ranges of calibrationTensors(graph), in that order. */
  ranges: readonly ValueRange[];
}

/**
 * SHA-256 of the serialised float graph: ranges measured on one graph say nothing about another
 * (other weights, another input size or pre-processing), even with as many tensors.
 */
export function graphFingerprint(graph: OnnxGraph): string {
  return createHash('sha256').update(encodeOnnxModel(graph)).digest('hex');
}

export interface QuantiseOptions {
  calibration: CalibratedRanges;
  /**
   * The first this many convolutions stay float32. The first layers see the picture at full
   * resolution with few channels; quantising them costs the most accuracy for the least time.
   */
  floatConvolutions?: number;
  /**
   * Convolutions not followed by a ReLU6 (a detector's output heads) stay float32: their outputs
   * are scores and box offsets, where 8-bit steps show directly, and they are small.
   */
  floatHeads?: boolean;
}

interface GraphIndex {
  convolutions: OnnxNode[];
  consumers: Map<string, OnnxNode[]>;
  initializers: Map<string, OnnxTensor>;
}

function indexGraph(graph: OnnxGraph): GraphIndex {
  const consumers = new Map<string, OnnxNode[]>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  }
  return {
    convolutions: graph.nodes.filter((n) => n.op === 'Conv'),
    consumers,
    initializers: new Map(graph.initializers.map((t) => [t.name, t])),
  };
}

function scalar(index: GraphIndex, name: string | undefined): number | undefined {
  const tensor = name === undefined ? undefined : index.initializers.get(name);
  return tensor && tensor.data.length === 1 ? Number(tensor.data[0]) : undefined;
}

/**
 * Convolutions written in 8 bits: weights and bias are initializers, and a ReLU6 after them does
 * not hide a graph output (the raw output would vanish). Others stay float32.
 */
function quantisable(graph: OnnxGraph, index: GraphIndex, conv: OnnxNode): boolean {
  const [, weights, bias] = conv.inputs;
  if (!weights || !bias || !index.initializers.has(weights) || !index.initializers.has(bias)) return false;
  return !(followingRelu6(index, conv) && graph.outputs.some((o) => o.name === conv.outputs[0]));
}

function isRelu6(index: GraphIndex, node: OnnxNode): boolean {
  return node.op === 'Clip' && scalar(index, node.inputs[1]) === 0 && scalar(index, node.inputs[2]) === 6;
}

/** The convolution's only consumer when that is a ReLU6, which its QuantizeLinear then replaces. */
function followingRelu6(index: GraphIndex, conv: OnnxNode): OnnxNode | undefined {
  const next = index.consumers.get(conv.outputs[0]!) ?? [];
  return next.length === 1 && isRelu6(index, next[0]!) ? next[0] : undefined;
}

/**
 * The float tensors whose ranges an 8-bit version needs, in graph order: each convolution's input
 * and, for convolutions not followed by a ReLU6, its output; for those followed by one, the
 * ReLU6's output.
 */
export function calibrationTensors(graph: OnnxGraph): string[] {
  const index = indexGraph(graph);
  const names: string[] = [];
  const add = (name: string) => {
    if (!names.includes(name)) names.push(name);
  };
  for (const conv of index.convolutions) {
    add(conv.inputs[0]!);
    add((followingRelu6(index, conv) ?? conv).outputs[0]!);
  }
  return names;
}

/** The graph with every calibration tensor as an extra output. */
export function withCalibrationOutputs(graph: OnnxGraph): OnnxGraph {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const extra = calibrationTensors(graph).filter((name) => !outputs.has(name));
  return { ...graph, outputs: [...graph.outputs, ...extra.map((name) => ({ name }))] };
}

/** Running minimum and maximum of the calibration tensors over the pictures run so far. */
export class RangeRecorder {
  private readonly ranges: ValueRange[];

  constructor(private readonly names: readonly string[]) {
    this.ranges = names.map(() => ({ min: Infinity, max: -Infinity }));
  }

  add(outputs: Record<string, OrtTensor>): void {
    this.names.forEach((name, i) => {
      const values = outputs[name]?.data as Float32Array | undefined;
      if (!values) throw new Error(`the calibration run has no output ${name}`);
      const range = this.ranges[i]!;
      for (let k = 0; k < values.length; k++) {
        const v = values[k]!;
        if (v < range.min) range.min = v;
        if (v > range.max) range.max = v;
      }
    });
  }

  result(): ValueRange[] {
    return this.ranges.map((r) => ({ ...r }));
  }
}

interface QuantisedActivation {
  name: string;
  scale: string;
  zeroPoint: string;
  scaleValue: number;
}

/** The graph with every convolution after the first `floatConvolutions` in 8-bit QDQ form. */
export function quantiseConvGraph(graph: OnnxGraph, options: QuantiseOptions): OnnxGraph {
  const index = indexGraph(graph);
  const names = calibrationTensors(graph);
  const { ranges } = options.calibration;
  if (options.calibration.graph !== graphFingerprint(graph) || names.length !== ranges.length) {
    throw new Error(
      `the activation ranges of ${graph.name} were measured on a different graph; run \`npm run calibrate:int8\` after changing the graph or its weights`,
    );
  }
  const rangeOf = new Map(names.map((name, i) => [name, ranges[i]!]));
  const floatCount = options.floatConvolutions ?? 0;
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [...graph.initializers];
  let counter = 0;
  const fresh = (hint: string) => `${hint}__q${++counter}`;
  const constant = (hint: string, dims: number[], data: OnnxTensorData) => {
    const name = fresh(hint);
    initializers.push({ name, dims, data });
    return name;
  };
  /** Float tensors of the original graph that only exist in 8-bit form in the new one. */
  const quantised = new Map<string, QuantisedActivation>();
  const onlyQuantised = new Set<string>();

  const quantise = (floatInput: string, output: string, range: ValueRange, relu6: boolean): QuantisedActivation => {
    // After a ReLU6 the values are 0…min(6, max): zero point 0, nothing wasted on negatives.
    const low = relu6 ? 0 : Math.min(0, range.min);
    // A ReLU6 that never fired during calibration still has to clip at 6.
    const high = relu6 ? (range.max > 0 ? Math.min(6, range.max) : 6) : Math.max(0, range.max);
    const scaleValue = high > low ? (high - low) / 255 : 1;
    const zero = Math.min(255, Math.max(0, Math.round(-low / scaleValue)));
    const activation = {
      name: output,
      scale: constant('scale', [], Float32Array.of(scaleValue)),
      zeroPoint: constant('zero_point', [], Uint8Array.of(zero)),
      scaleValue,
    };
    nodes.push({ op: 'QuantizeLinear', inputs: [floatInput, activation.scale, activation.zeroPoint], outputs: [output] });
    return activation;
  };
  const dequantised = (activation: QuantisedActivation) => {
    // One DequantizeLinear per consumer: onnxruntime's QDQ fusion wants node units of their own.
    const output = fresh(`${activation.name}_dq`);
    nodes.push({ op: 'DequantizeLinear', inputs: [activation.name, activation.scale, activation.zeroPoint], outputs: [output] });
    return output;
  };
  const asFloat = (name: string) => (onlyQuantised.has(name) ? dequantised(quantised.get(name)!) : name);
  const as8Bit = (name: string) => {
    let activation = quantised.get(name);
    if (!activation) {
      const range = rangeOf.get(name);
      if (!range) throw new Error(`no calibration range for ${name}`);
      activation = quantise(name, fresh(`${name}_q`), range, false);
      quantised.set(name, activation);
    }
    return activation;
  };

  const skipped = new Set<OnnxNode>();
  for (const node of graph.nodes) {
    if (skipped.has(node)) continue;
    const keepFloat =
      node.op !== 'Conv' ||
      index.convolutions.indexOf(node) < floatCount ||
      !quantisable(graph, index, node) ||
      (options.floatHeads === true && !followingRelu6(index, node));
    if (keepFloat) {
      nodes.push({ ...node, inputs: node.inputs.map((input) => (input ? asFloat(input) : input)) });
      continue;
    }
    const [x, weightName, biasName] = node.inputs as [string, string, string];
    const input = as8Bit(x);
    const { weights, scales } = quantiseWeights(index.initializers.get(weightName)!);
    const outputs = scales.length;
    const bias = index.initializers.get(biasName)!.data as Float32Array;
    const biasScales = Float32Array.from(scales, (s) => s * input.scaleValue);
    const weightsDq = fresh('weights_dq');
    const biasDq = fresh('bias_dq');
    nodes.push({
      op: 'DequantizeLinear',
      inputs: [constant('weights_q', index.initializers.get(weightName)!.dims, weights), constant('weight_scales', [outputs], scales), constant('weight_zero_points', [outputs], new Int8Array(outputs))],
      outputs: [weightsDq],
      attributes: { axis: 0 },
    });
    nodes.push({
      op: 'DequantizeLinear',
      inputs: [constant('bias_q', [outputs], quantiseBias(bias, biasScales)), constant('bias_scales', [outputs], biasScales), constant('bias_zero_points', [outputs], new Int32Array(outputs))],
      outputs: [biasDq],
      attributes: { axis: 0 },
    });
    const relu6 = followingRelu6(index, node);
    const result = (relu6 ?? node).outputs[0]!;
    const convOutput = fresh('conv');
    nodes.push({ ...node, inputs: [dequantised(input), weightsDq, biasDq], outputs: [convOutput] });
    quantised.set(result, quantise(convOutput, fresh(`${result}_q`), rangeOf.get(result)!, relu6 !== undefined));
    onlyQuantised.add(result);
    if (relu6) skipped.add(relu6);
  }
  // A graph output computed in 8 bits is handed out as float under its own name.
  for (const { name } of graph.outputs) {
    const activation = onlyQuantised.has(name) ? quantised.get(name)! : undefined;
    if (activation) nodes.push({ op: 'DequantizeLinear', inputs: [activation.name, activation.scale, activation.zeroPoint], outputs: [name] });
  }
  const used = new Set(nodes.flatMap((n) => n.inputs));
  return { ...graph, name: `${graph.name}_int8`, nodes, initializers: initializers.filter((t) => used.has(t.name)) };
}

/**
 * int32 biases in the scale of weight × input. A channel whose weights are all tiny has a tiny
 * scale, and its bias could overflow int32: it is clamped rather than left to wrap around.
 */
function quantiseBias(bias: Float32Array, scales: Float32Array): Int32Array {
  const limit = 2 ** 31 - 1;
  return Int32Array.from(bias, (b, o) => Math.max(-limit, Math.min(limit, Math.round(b / scales[o]!))));
}

/** Per output channel: int8 weights in −127…127 and the scale that gives them back. */
function quantiseWeights(tensor: OnnxTensor): { weights: Int8Array; scales: Float32Array } {
  const values = tensor.data as Float32Array;
  const outputs = tensor.dims[0]!;
  const perOutput = values.length / outputs;
  const weights = new Int8Array(values.length);
  const scales = new Float32Array(outputs);
  for (let o = 0; o < outputs; o++) {
    let largest = 0;
    for (let k = 0; k < perOutput; k++) largest = Math.max(largest, Math.abs(values[o * perOutput + k]!));
    const scale = largest > 0 ? largest / 127 : 1;
    scales[o] = scale;
    for (let k = 0; k < perOutput; k++) weights[o * perOutput + k] = Math.round(values[o * perOutput + k]! / scale);
  }
  return { weights, scales };
}
