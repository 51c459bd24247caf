import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { SHARED_DATA, sharedDataMissing } from '../helpers/shared-data.js';
import { decodeImage } from '../../src/analysis/image-decoder.js';
import { analyseKeyframeText } from '../../src/analysis/labels/analyse-labels.js';
import { sharedObjectDetector } from '../../src/analysis/labels/object-detector.js';
import { sharedOcrEngine } from '../../src/analysis/ocr/ocr-engine.js';

const PHOTO = 'flickr8k-cn-dev/images/1626754053_81126b67b6.jpg'; // a dog catching a frisbee

describe('keyframe labels and text', { skip: sharedDataMissing(PHOTO) }, () => {
  it('labels objects and reads text per keyframe, at each keyframe time', async (t) => {
    const photo = await decodeImage(path.join(SHARED_DATA, PHOTO));
    const sign = await decodeImage(
      await sharp(
        Buffer.from(
          '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="120"><rect width="100%" height="100%" fill="white"/>' +
            '<text x="20" y="75" font-family="DejaVu Sans, sans-serif" font-size="44" fill="black">Welcome to Paris</text></svg>',
        ),
      )
        .png()
        .toBuffer(),
    );
    const result = await analyseKeyframeText([
      { time: 0, image: photo },
      { time: 2.5, image: sign },
    ]);
    t.diagnostic(JSON.stringify(result));
    assert.ok(result.labels.some((l) => l.time === 0 && l.label === 'dog' && l.labelZh === '狗'));
    assert.ok(result.ocr.some((l) => l.time === 2.5 && l.text === 'Welcome to Paris'));
    assert.ok(result.ocr.every((l) => l.time === 2.5), 'no text read in the photo');
  });

  it('loads each model once per thread', async () => {
    assert.equal(await sharedObjectDetector(), await sharedObjectDetector());
    assert.equal(await sharedOcrEngine(), await sharedOcrEngine());
    assert.deepEqual(await analyseKeyframeText([]), { labels: [], ocr: [] });
  });
});
