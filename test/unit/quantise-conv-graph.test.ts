import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { GraphBuilder, createOnnxSession, type OnnxGraph } from '../../src/analysis/onnx-graph.js';
import {
  RangeRecorder,
  calibrationTensors,
  graphFingerprint,
  quantiseConvGraph,
  withCalibrationOutputs,
  type CalibratedRanges,
} from '../../src/analysis/quantise-conv-graph.js';

/** Deterministic pseudo-random numbers in [−1, 1) (a linear congruential generator). */
function randoms(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

const SIDE = 16;

/**
 * A small MobileNet-like graph of the kind the project writes (ssd-onnx.ts): 3 × 3 convolution,
 * depthwise 3 × 3, pointwise 1 × 1, each followed by ReLU6, then a 1 × 1 head without activation.
 */
function smallNetwork(options: { unbiasedDepthwise?: boolean } = {}): OnnxGraph {
  const g = new GraphBuilder();
  const zero = g.constant('zero', [], Float32Array.of(0));
  const six = g.constant('six', [], Float32Array.of(6));
  let seed = 1;
  const conv = (x: string, outputs: number, inputs: number, kernel: number, group = 1, bias = true) =>
    g.op('Conv', [x, g.constant('w', [outputs, inputs / group, kernel, kernel], randoms(outputs * (inputs / group) * kernel * kernel, seed++).map((v) => v * 0.5)), bias ? g.constant('b', [outputs], randoms(outputs, seed++).map((v) => v * 0.1)) : ''], {
      kernel_shape: [kernel, kernel],
      auto_pad: { string: 'SAME_UPPER' },
      group,
    });
  const relu6 = (x: string) => g.op('Clip', [x, zero, six]);
  let x = relu6(conv('x', 8, 3, 3));
  // Without a bias the transform leaves a convolution float32, here between two 8-bit ones.
  const early = relu6(conv(x, 8, 8, 3, 8, !options.unbiasedDepthwise));
  x = relu6(conv(early, 16, 8, 1));
  g.nodes.push({ op: 'Conv', inputs: [x, g.constant('w', [4, 16, 1, 1], randoms(64, 99).map((v) => v * 0.3)), g.constant('b', [4], Float32Array.of(0.1, -0.2, 0, 0.3))], outputs: ['y'], attributes: { kernel_shape: [1, 1] } });
  // A second head on an earlier layer, as SSD predicts from two depths: that layer feeds two convolutions.
  g.nodes.push({ op: 'Conv', inputs: [early, g.constant('w', [2, 8, 1, 1], randoms(16, 98).map((v) => v * 0.3)), g.constant('b', [2], Float32Array.of(0.05, -0.05))], outputs: ['z'], attributes: { kernel_shape: [1, 1] } });
  return {
    name: 'small',
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [{ name: 'x', dims: [1, 3, SIDE, SIDE] }],
    outputs: [
      { name: 'y', dims: [1, 4, SIDE, SIDE] },
      { name: 'z', dims: [1, 2, SIDE, SIDE] },
    ],
    opset: 13,
  };
}

function input(seed: number): Record<string, Tensor> {
  return { x: new Tensor('float32', randoms(3 * SIDE * SIDE, seed), [1, 3, SIDE, SIDE]) };
}

/** Both heads' outputs, one after the other. */
async function output(session: InferenceSession, seed: number): Promise<Float32Array> {
  const out = await session.run(input(seed));
  return Float32Array.from([...(out.y!.data as Float32Array), ...(out.z!.data as Float32Array)]);
}

async function calibrated(graph: OnnxGraph): Promise<CalibratedRanges> {
  const names = calibrationTensors(graph);
  const session = await createOnnxSession(withCalibrationOutputs(graph));
  const recorder = new RangeRecorder(names);
  for (let seed = 100; seed < 120; seed++) recorder.add(await session.run(input(seed), names));
  await session.release();
  return { graph: graphFingerprint(graph), ranges: recorder.result() };
}

/** Mean and largest absolute difference of two sessions' outputs over a few inputs not used for calibration. */
async function difference(a: InferenceSession, b: InferenceSession): Promise<{ mean: number; worst: number }> {
  let worst = 0;
  let total = 0;
  let count = 0;
  for (let seed = 500; seed < 505; seed++) {
    const [x, y] = [await output(a, seed), await output(b, seed)];
    x.forEach((v, i) => {
      const error = Math.abs(v - y[i]!);
      worst = Math.max(worst, error);
      total += error;
      count += 1;
    });
  }
  return { mean: total / count, worst };
}

describe('8-bit convolution graphs', () => {
  it('lists the input of every convolution and each layer output (after its ReLU6) for calibration', () => {
    const graph = smallNetwork();
    const names = calibrationTensors(graph);
    const clips = graph.nodes.filter((n) => n.op === 'Clip').map((n) => n.outputs[0]);
    assert.deepEqual(names, ['x', ...clips, 'y', 'z']);
  });

  it('gives outputs close to float32 on inputs it was not calibrated on, with ReLU6 folded into the activation range', async (t) => {
    const graph = smallNetwork();
    const calibration = await calibrated(graph);
    const quantised = quantiseConvGraph(graph, { calibration });
    const ops = quantised.nodes.map((n) => n.op);
    assert.equal(ops.filter((op) => op === 'Clip').length, 0, 'every ReLU6 is replaced by its QuantizeLinear');
    assert.equal(ops.filter((op) => op === 'Conv').length, 5);
    assert.ok(quantised.initializers.some((t) => t.data instanceof Int8Array), 'weights are stored as int8');
    const reference = await createOnnxSession(graph);
    const eightBit = await createOnnxSession(quantised);
    const { mean, worst } = await difference(reference, eightBit);
    await Promise.all([reference.release(), eightBit.release()]);
    const y = calibration.ranges.at(-2)!;
    const span = y.max - y.min;
    t.diagnostic(`mean error ${mean.toFixed(4)}, largest ${worst.toFixed(4)}, range of y ${span.toFixed(2)}`);
    // Three 8-bit layers: errors of a few quantisation steps of the output range, not more.
    assert.ok(mean < span * 0.005, `mean error ${mean.toFixed(4)} of a ${span.toFixed(2)} range`);
    assert.ok(worst < span * 0.1, `largest error ${worst.toFixed(4)} of a ${span.toFixed(2)} range`);
    assert.ok(worst > 0, 'the 8-bit graph is not the float one');
  });

  it('keeps the first convolutions and the heads float32 when asked', async () => {
    const graph = smallNetwork();
    const quantised = quantiseConvGraph(graph, { calibration: await calibrated(graph), floatConvolutions: 1, floatHeads: true });
    const convs = quantised.nodes.filter((n) => n.op === 'Conv');
    const floatWeights = new Set(graph.initializers.map((t) => t.name));
    assert.equal(convs[0]!.inputs[0], 'x', 'the first convolution reads the float input directly');
    assert.ok(floatWeights.has(convs[0]!.inputs[1]!), 'and keeps its float weights');
    assert.ok(floatWeights.has(convs.at(-1)!.inputs[1]!), 'the head keeps its float weights');
    assert.ok(!floatWeights.has(convs[1]!.inputs[1]!), 'the second convolution has dequantised int8 weights');
    const session = await createOnnxSession(quantised, { keepFloatConvolutions: true });
    assert.equal((await output(session, 7)).length, 6 * SIDE * SIDE);
    await session.release();
  });

  it('keeps a float layer between 8-bit ones float only with keepFloatConvolutions', async (t) => {
    const graph = smallNetwork({ unbiasedDepthwise: true });
    const quantised = quantiseConvGraph(graph, { calibration: await calibrated(graph) });
    const depthwise = quantised.nodes.filter((n) => n.op === 'Conv')[1]!;
    assert.equal(quantised.nodes.find((n) => n.outputs.includes(depthwise.inputs[0]!))?.op, 'DequantizeLinear', 'it reads an 8-bit layer');
    // onnxruntime's WeightBiasQuantization would quantise its weights per tensor behind our back.
    const reference = await createOnnxSession(graph);
    const kept = await createOnnxSession(quantised, { keepFloatConvolutions: true });
    const rewritten = await createOnnxSession(quantised);
    const [withOption, without] = [await difference(reference, kept), await difference(reference, rewritten)];
    await Promise.all([reference.release(), kept.release(), rewritten.release()]);
    t.diagnostic(`mean error with the float layer kept ${withOption.mean.toFixed(5)}, left to onnxruntime ${without.mean.toFixed(5)}`);
    assert.ok(withOption.mean < without.mean, 'keepFloatConvolutions keeps the float layer float');
  });

  it('refuses ranges measured on another graph, even one with as many tensors, saying how to measure them again', async () => {
    const graph = smallNetwork();
    const calibration = await calibrated(graph);
    const retrained = { ...graph, initializers: graph.initializers.map((t) => (t.name.startsWith('b') ? { ...t, data: (t.data as Float32Array).map((v) => v + 0.01) } : t)) };
    assert.equal(calibrationTensors(retrained).length, calibration.ranges.length);
    assert.throws(() => quantiseConvGraph(retrained, { calibration }), /different graph.*calibrate:int8/);
    assert.throws(() => quantiseConvGraph(graph, { calibration: { ...calibration, ranges: calibration.ranges.slice(1) } }), /different graph/);
  });
});
