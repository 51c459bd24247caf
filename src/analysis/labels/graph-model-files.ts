import fs from 'node:fs/promises';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import type { TfNode } from './graph-model-onnx.js';

type Tf = typeof tfjs;

interface GraphModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: object;
  userDefinedMetadata?: Record<string, object>;
  modelInitializer?: object;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tfjs.io.WeightsManifestEntry[] }[];
}

/**
 * Loads a TensorFlow.js graph model (model.json + its weight shards) from local files. tfjs'
 * own loaders read URLs through fetch, which cannot open files in Node, so the artifacts are
 * assembled here and handed over in memory. The signature is kept because callers read the
 * input size from it, as @vladmandic/human does.
 */
export async function loadGraphModelFromFiles(tf: Tf, modelJsonPath: string): Promise<tfjs.GraphModel> {
  return (await loadGraphModelWithTopology(tf, modelJsonPath)).model;
}

/** The model and its topology's node list (for rewriting part of it as an ONNX graph). */
export async function loadGraphModelWithTopology(tf: Tf, modelJsonPath: string): Promise<{ model: tfjs.GraphModel; nodes: TfNode[] }> {
  const json = JSON.parse(await fs.readFile(modelJsonPath, 'utf8')) as GraphModelJson;
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${modelJsonPath} is not a TensorFlow.js graph model (no modelTopology/weightsManifest)`);
  }
  const directory = path.dirname(modelJsonPath);
  const shardPaths = json.weightsManifest.flatMap((group) => group.paths);
  const shards = await Promise.all(shardPaths.map((shard) => fs.readFile(path.join(directory, shard))));
  // Weight specs are laid out back to back across the shards in manifest order.
  const weights = Buffer.concat(shards);
  const artifacts: tfjs.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
    modelInitializer: json.modelInitializer,
  };
  const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
  return { model, nodes: (json.modelTopology as { node?: TfNode[] }).node ?? [] };
}
