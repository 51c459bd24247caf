import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InferenceSession } from 'onnxruntime-node';
import sharp from 'sharp';
import { tempDir } from '../helpers/fixtures.js';
import { decodeImage } from '../../src/analysis/image-decoder.js';
import { OcrEngine, fastImageToInput } from '../../src/analysis/ocr/ocr-engine.js';

/** Font families fontconfig knows for a language (empty when fc-list is missing). */
function fontsFor(lang: string): string[] {
  try {
    return execFileSync('fc-list', [`:lang=${lang}`, 'family'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

const cjkFonts = fontsFor('zh');
const latinFonts = fontsFor('en');
const NO_CJK_FONT = cjkFonts.length === 0 ? 'no Chinese font installed (Debian: fonts-wqy-microhei; see fc-list :lang=zh)' : false;
const NO_LATIN_FONT = latinFonts.length === 0 ? 'no Latin font installed (fc-list :lang=en is empty)' : false;

/** Black text lines on white, rendered by sharp's SVG support with fontconfig fonts. */
async function renderText(
  width: number,
  height: number,
  lines: { text: string; x: number; y: number; size: number; family: string }[],
): Promise<Buffer> {
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const body = lines
    .map((l) => `<text x="${l.x}" y="${l.y}" font-family="${l.family}" font-size="${l.size}" fill="black">${escape(l.text)}</text>`)
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>${body}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

type Run = (feeds: Record<string, { dims: readonly number[] }>, ...rest: unknown[]) => Promise<unknown>;

/**
 * Counts onnxruntime session runs (detector and recogniser alike) while `action` runs, by wrapping
 * the run method of the session class the library creates its sessions from.
 */
async function countModelRuns<T>(action: () => Promise<T>): Promise<{ result: T; runs: number[][] }> {
  // The typings describe InferenceSession as a factory interface; at run time it is the class.
  const sessionClass = InferenceSession as unknown as { prototype: { run: Run } };
  const original = sessionClass.prototype.run;
  const runs: number[][] = [];
  sessionClass.prototype.run = function (this: unknown, feeds, ...rest) {
    runs.push([...(Object.values(feeds)[0]?.dims ?? [])]);
    return original.call(this, feeds, ...rest);
  };
  try {
    return { result: await action(), runs };
  } finally {
    sessionClass.prototype.run = original;
  }
}

describe('OCR engine (PaddleOCR v4 via @gutenye/ocr-node)', () => {
  let engine: OcrEngine;
  const temp = tempDir('mediasearch-ocr-');

  before(async () => {
    const started = performance.now();
    engine = await OcrEngine.load();
    console.log(`# OCR models loaded in ${Math.round(performance.now() - started)} ms`);
  });
  after(() => temp.cleanup());

  it('reads English lines exactly, with boxes where they were drawn', { skip: NO_LATIN_FONT }, async (t) => {
    const png = await renderText(640, 180, [
      { text: 'Hello Mediasearch 2024', x: 20, y: 70, size: 40, family: 'DejaVu Sans, sans-serif' },
      { text: 'Open the door please', x: 20, y: 140, size: 32, family: 'DejaVu Sans, sans-serif' },
    ]);
    const image = await decodeImage(png);
    const started = performance.now();
    const lines = await engine.recognise(image, 1.5);
    t.diagnostic(`${Math.round(performance.now() - started)} ms: ${JSON.stringify(lines)}`);
    assert.deepEqual(
      lines.map((l) => l.text),
      ['Hello Mediasearch 2024', 'Open the door please'],
    );
    const [first, second] = lines;
    assert.equal(first!.time, 1.5);
    assert.ok(first!.confidence > 0.8 && first!.confidence <= 1);
    // The first line's glyphs sit between about y=40 (cap height) and y=70 (baseline), from x=20.
    assert.ok(first!.box && first!.box.x >= 5 && first!.box.x <= 35, JSON.stringify(first!.box));
    assert.ok(first!.box!.y >= 25 && first!.box!.y + first!.box!.height <= 90, JSON.stringify(first!.box));
    assert.ok(second!.box!.y > first!.box!.y + first!.box!.height - 5);
  });

  it('reads Chinese text exactly', { skip: NO_CJK_FONT }, async (t) => {
    const png = await renderText(640, 120, [{ text: '你好世界，欢迎使用', x: 20, y: 80, size: 48, family: 'WenQuanYi Micro Hei' }]);
    const started = performance.now();
    const lines = await engine.recognise(await decodeImage(png), 0);
    t.diagnostic(`${Math.round(performance.now() - started)} ms: ${JSON.stringify(lines)}`);
    assert.deepEqual(
      lines.map((l) => l.text),
      ['你好世界，欢迎使用'],
    );
  });

  it('reads an image file by path, boxes in the decoded picture that every analyser sees', { skip: NO_LATIN_FONT }, async () => {
    // 2000 px wide: decoded at the analysis size (1600) and shown to the detector at 960; boxes
    // must come back in the decoded picture's pixels.
    const file = path.join(temp.dir, 'wide.png');
    fs.writeFileSync(
      file,
      await renderText(2000, 400, [{ text: 'Large Banner Text', x: 100, y: 250, size: 120, family: 'DejaVu Sans, sans-serif' }]),
    );
    const decoded = await decodeImage(file);
    const scale = decoded.width / 2000;
    const lines = await engine.recognise(file, 0);
    assert.deepEqual(
      lines.map((l) => l.text),
      ['Large Banner Text'],
    );
    const box = lines[0]!.box!;
    const [left, top, bottom] = [box.x / scale, box.y / scale, (box.y + box.height) / scale];
    assert.ok(left >= 80 && left <= 130, `left ${left}`);
    assert.ok(top >= 130 && top <= 180, `top ${top}`);
    assert.ok(bottom >= 245 && bottom <= 300, `bottom ${bottom}`);
    assert.ok(box.x + box.width <= decoded.width);
  });

  it("converts pictures to the models' input exactly as @gutenye/ocr-common does", () => {
    // The library's ModelBase.imageToInput, which the engine replaces with a typed-array version.
    const reference = (data: Uint8Array, mean: number[], std: number[]) => {
      const r: number[] = [];
      const g: number[] = [];
      const b: number[] = [];
      for (let i = 0; i < data.length; i += 4) {
        r.push((data[i]! / 255 - mean[0]!) / std[0]!);
        g.push((data[i + 1]! / 255 - mean[1]!) / std[1]!);
        b.push((data[i + 2]! / 255 - mean[2]!) / std[2]!);
      }
      return Float32Array.from([...b, ...g, ...r]);
    };
    const data = Uint8Array.from({ length: 4 * 37 * 23 }, (_, i) => (i * 97 + (i >> 3)) % 256);
    for (const [mean, std] of [
      [[0, 0, 0], [1, 1, 1]],
      [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]],
      [[0.485, 0.456, 0.406], [0.229, 0.224, 0.225]],
    ]) {
      const fast = fastImageToInput({ data, width: 37, height: 23 }, { mean: mean!, std: std! });
      assert.deepEqual([fast.width, fast.height], [37, 23]);
      assert.deepEqual(Float32Array.from(fast.data), reference(data, mean!, std!));
    }
  });

  it('finds no lines on a blank picture and never runs the recogniser there', async (t) => {
    const blank = { width: 640, height: 480, data: new Uint8Array(640 * 480 * 3).fill(255) };
    const started = performance.now();
    const { result, runs } = await countModelRuns(() => engine.recognise(blank, 0));
    t.diagnostic(`${Math.round(performance.now() - started)} ms, model runs: ${JSON.stringify(runs)}`);
    assert.deepEqual(result, []);
    assert.deepEqual(runs, [[1, 3, 480, 640]], 'only the detector ran');
  });

  it('runs the recogniser once per detected line', { skip: NO_LATIN_FONT }, async () => {
    const png = await renderText(640, 180, [
      { text: 'First line', x: 20, y: 70, size: 40, family: 'DejaVu Sans, sans-serif' },
      { text: 'Second line', x: 20, y: 140, size: 40, family: 'DejaVu Sans, sans-serif' },
    ]);
    const { result, runs } = await countModelRuns(async () => engine.recognise(await decodeImage(png), 0));
    assert.deepEqual(result.map((l) => l.text), ['First line', 'Second line']);
    assert.equal(runs.length, 3, `detector + 2 recogniser runs, got ${JSON.stringify(runs)}`);
    assert.ok(runs.slice(1).every((dims) => dims[2] === 48), 'recogniser inputs are 48 px line crops');
  });
});
