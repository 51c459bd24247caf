import type * as tfjs from '@tensorflow/tfjs';
import { onnxConvWeights, type GraphBuilder } from '../onnx-graph.js';

/** A node of a TensorFlow.js graph model's `modelTopology.node` list. */
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttr>;
}

interface TfAttr {
  s?: string;
  i?: string;
  b?: boolean;
  f?: number;
  list?: { s?: string[]; i?: string[] };
  tensor?: unknown;
}

/**
 * Rewrites the convolutional part of a TensorFlow.js graph model (NHWC) as an ONNX graph (NCHW),
 * so that onnxruntime's native kernels can run it: about four times faster than tfjs-wasm on one
 * core. Only the operations of MobileNet-style detectors are covered (convolutions with fused bias
 * and ReLU, depthwise convolutions, hard-swish arithmetic with scalars, squeeze-excite means,
 * bilinear upsampling, concatenation, ReLU/ReLU6/sigmoid); anything else throws, so a model that
 * needs more is refused at load time rather than computed wrongly. Weights come from the loaded
 * GraphModel (already dequantised from float16), so both runtimes compute with the same numbers.
 *
 * The nodes are added to `g`; the graph input `input` is NHWC (as the TensorFlow model takes it),
 * and the returned names are the requested outputs' NCHW tensors, for the caller to finish the
 * graph with.
 */
export function convertGraphModel(
  g: GraphBuilder,
  nodes: readonly TfNode[],
  weights: Record<string, tfjs.Tensor | tfjs.Tensor[]>,
  input: string,
  outputs: readonly string[],
): string[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const emitted = new Map<string, string>();
  const zero = g.constant('zero', [], Float32Array.of(0));
  const six = g.constant('six', [], Float32Array.of(6));

  const constant = (name: string): tfjs.Tensor => {
    const entry = weights[name];
    const tensor = Array.isArray(entry) ? entry[0] : entry;
    if (!tensor) throw new Error(`graph model constant ${name} has no weights`);
    return tensor;
  };
  const floats = (name: string) => constant(name).dataSync() as Float32Array;
  const ints = (name: string) => Array.from(constant(name).dataSync());
  const isConst = (name: string) => byName.get(baseName(name))?.op === 'Const';

  /** NHWC axis → NCHW axis. */
  const axisToNchw = (axis: number) => [0, 2, 3, 1][axis < 0 ? axis + 4 : axis]!;

  const convolution = (node: TfNode, x: string, depthwise: boolean): string => {
    const inputs = node.input ?? [];
    const filters = constant(inputs[1]!);
    const weights = onnxConvWeights(filters.shape, filters.dataSync() as Float32Array, depthwise);
    const strides = listInts(node, 'strides');
    const dilations = listInts(node, 'dilations');
    if ((attrString(node, 'data_format') ?? 'NHWC') !== 'NHWC') throw new Error(`${node.name}: only NHWC convolutions are supported`);
    const fused = listStrings(node, 'fused_ops');
    const hasBias = fused[0] === 'BiasAdd';
    const activation = fused.slice(hasBias ? 1 : 0);
    if (fused.length > 0 && !hasBias) throw new Error(`${node.name}: unsupported fused ops ${fused.join(',')}`);
    const args = [x, g.constant('w', weights.dims, weights.data)];
    if (hasBias) args.push(g.constant('b', [weights.dims[0]!], floats(inputs[2]!)));
    const padding = attrString(node, 'padding');
    if (padding !== 'SAME' && padding !== 'VALID') throw new Error(`${node.name}: unsupported padding ${padding}`);
    let y = g.op('Conv', args, {
      kernel_shape: weights.dims.slice(2),
      strides: [strides[1] ?? 1, strides[2] ?? 1],
      dilations: [dilations[1] ?? 1, dilations[2] ?? 1],
      auto_pad: { string: padding === 'SAME' ? 'SAME_UPPER' : 'VALID' },
      group: weights.group,
    });
    for (const op of activation) {
      if (op === 'Relu') y = g.op('Relu', [y]);
      else if (op === 'Relu6') y = g.op('Clip', [y, zero, six]);
      else throw new Error(`${node.name}: unsupported fused activation ${op}`);
    }
    return y;
  };

  /** A scalar constant operand of an elementwise op, or the emitted tensor. */
  const operand = (name: string): string => {
    if (!isConst(name)) return emit(name);
    const tensor = constant(baseName(name));
    if (tensor.size !== 1) throw new Error(`constant ${name} of an elementwise op is not a scalar`);
    return g.constant('scalar', [], Float32Array.of(tensor.dataSync()[0]!));
  };

  const scalarValue = (name: string): number | undefined => {
    if (!isConst(name)) return undefined;
    const tensor = constant(baseName(name));
    return tensor.size === 1 ? tensor.dataSync()[0] : undefined;
  };
  const nodeOf = (name: string) => (isConst(name) ? undefined : byName.get(baseName(name)));

  /** `relu6(x + 3)`: returns x. */
  const relu6PlusThree = (name: string): string | undefined => {
    const relu6 = nodeOf(name);
    if (relu6?.op !== 'Relu6') return undefined;
    const add = nodeOf(relu6.input![0]!);
    if ((add?.op !== 'Add' && add?.op !== 'AddV2') || add.input!.length !== 2) return undefined;
    const [a, b] = add.input! as [string, string];
    if (scalarValue(b) === 3) return a;
    if (scalarValue(a) === 3) return b;
    return undefined;
  };

  /**
   * MobileNet v3's hard swish as TensorFlow spells it out, `(c · x) · relu6(x + 3)` with c = 1/6
   * (stored as float16, so 0.166626), becomes ONNX's HardSwish, `x · relu6(x + 3) / 6`, times
   * the scalar 6c: the same function in two passes over the tensor instead of four. Returns x and
   * the scale, or undefined when the node is not that pattern.
   */
  const hardSwish = (node: TfNode): { x: string; scale: number } | undefined => {
    const [a, b] = (node.input ?? []) as [string, string];
    for (const [left, right] of [
      [a, b],
      [b, a],
    ] as const) {
      const x = relu6PlusThree(right);
      const scaled = x === undefined ? undefined : nodeOf(left);
      if (x === undefined || scaled?.op !== 'Mul') continue;
      const [s0, s1] = scaled.input! as [string, string];
      const c = baseName(s1) === baseName(x) ? scalarValue(s0) : baseName(s0) === baseName(x) ? scalarValue(s1) : undefined;
      if (c !== undefined && Math.abs(c * 6 - 1) < 1e-3) return { x, scale: c * 6 };
    }
    return undefined;
  };

  function emit(name: string): string {
    const key = baseName(name);
    if (name !== key && !name.endsWith(':0')) throw new Error(`output ${name} of a multi-output op is not supported`);
    const done = emitted.get(key);
    if (done) return done;
    let result: string;
    if (key === input) {
      result = g.op('Transpose', [input], { perm: [0, 3, 1, 2] });
    } else {
      const node = byName.get(key);
      if (!node) throw new Error(`graph model has no node ${key}`);
      const inputs = node.input ?? [];
      switch (node.op) {
        case 'Identity':
          result = emit(inputs[0]!);
          break;
        case '_FusedConv2D':
        case 'Conv2D':
          result = convolution(node, emit(inputs[0]!), false);
          break;
        case 'FusedDepthwiseConv2dNative':
        case 'DepthwiseConv2dNative':
          result = convolution(node, emit(inputs[0]!), true);
          break;
        case 'Mul': {
          const swish = hardSwish(node);
          if (swish) {
            result = g.op('HardSwish', [emit(swish.x)]);
            if (swish.scale !== 1) result = g.op('Mul', [result, g.constant('scale', [], Float32Array.of(swish.scale))]);
          } else {
            result = g.op('Mul', [operand(inputs[0]!), operand(inputs[1]!)]);
          }
          break;
        }
        case 'Add':
        case 'AddV2':
        case 'Sub':
          result = g.op(node.op === 'AddV2' ? 'Add' : node.op, [operand(inputs[0]!), operand(inputs[1]!)]);
          break;
        case 'Relu':
        case 'Sigmoid':
          result = g.op(node.op, [emit(inputs[0]!)]);
          break;
        case 'Relu6':
          result = g.op('Clip', [emit(inputs[0]!), zero, six]);
          break;
        case 'Mean': {
          if (!node.attr?.keep_dims?.b) throw new Error(`${node.name}: only keep_dims means are supported`);
          const axes = ints(inputs[1]!).map(axisToNchw);
          result = g.op('ReduceMean', [emit(inputs[0]!), g.int64s('axes', axes)], { keepdims: 1 });
          break;
        }
        case 'ResizeBilinear': {
          if (node.attr?.align_corners?.b || node.attr?.half_pixel_centers?.b) {
            throw new Error(`${node.name}: only align_corners=false, half_pixel_centers=false is supported`);
          }
          // TensorFlow's legacy bilinear resize samples at dst × (in / out): ONNX's "asymmetric" mode.
          result = g.op('Resize', [emit(inputs[0]!), '', '', g.int64s('sizes', ints(inputs[1]!))], {
            mode: { string: 'linear' },
            coordinate_transformation_mode: { string: 'asymmetric' },
            axes: [2, 3],
          });
          break;
        }
        case 'ConcatV2': {
          const parts = inputs.slice(0, -1).map((i) => emit(i));
          const axis = ints(inputs[inputs.length - 1]!)[0]!;
          result = g.op('Concat', parts, { axis: axisToNchw(axis) });
          break;
        }
        default:
          throw new Error(`graph model op ${node.op} (${node.name}) is not supported by the ONNX conversion`);
      }
    }
    emitted.set(key, result);
    return result;
  }

  return outputs.map((output) => emit(output));
}

function baseName(name: string): string {
  const colon = name.lastIndexOf(':');
  return colon > 0 && /^\d+$/.test(name.slice(colon + 1)) ? name.slice(0, colon) : name;
}

function attrString(node: TfNode, key: string): string | undefined {
  const s = node.attr?.[key]?.s;
  return s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8');
}

function listStrings(node: TfNode, key: string): string[] {
  return (node.attr?.[key]?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
}

function listInts(node: TfNode, key: string): number[] {
  return (node.attr?.[key]?.list?.i ?? []).map(Number);
}
