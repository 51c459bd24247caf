import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { segmentMedia } from '../../src/analysis/segments/segment-media.js';
import { DEFAULT_SHOT_DETECTION, findCuts, measureFrameChanges } from '../../src/analysis/segments/shot-detector.js';
import { probeMedia } from '../../src/media/ffprobe.js';
import { probeImage } from '../../src/media/image-probe.js';
import { SHARED_DATA, sharedDataMissing } from '../helpers/shared-data.js';
import { tempDir } from '../helpers/fixtures.js';

const OPTIONS = { maxSegmentSeconds: 10, keyframeEverySeconds: 5 };

describe('segmenting real media', () => {
  let dir: string;
  let cleanup: () => void;
  let twoShots: string;
  let rotatedJpeg: string;

  before(() => {
    ({ dir, cleanup } = tempDir());
    twoShots = path.join(dir, 'two-shots.mp4');
    // 3 s of test pattern, then 12 s of a different pattern: one cut at 3 s, the second shot split.
    execFileSync('ffmpeg', [
      '-nostdin', '-v', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25:duration=3',
      '-f', 'lavfi', '-i', 'mandelbrot=size=320x240:rate=25',
      '-filter_complex', '[1]trim=duration=12,setpts=PTS-STARTPTS[b];[0][b]concat=n=2:v=1[v]',
      '-map', '[v]', '-pix_fmt', 'yuv420p', twoShots,
    ]);
    rotatedJpeg = path.join(dir, 'rotated.jpg');
  });
  after(() => cleanup());

  it('finds the cut of a generated two-shot video, splits the long shot and writes keyframes', async () => {
    const probe = await probeMedia(twoShots);
    const keyframeDir = path.join(dir, 'kf-two');
    const result = await segmentMedia(twoShots, probe, keyframeDir, OPTIONS);
    assert.equal(result.cuts.length, 1);
    assert.ok(Math.abs(result.cuts[0]! - 3) < 0.05, `cut at ${result.cuts[0]}`);
    assert.deepEqual(result.segments.map((s) => [s.from, s.to]), [[0, result.cuts[0]], [result.cuts[0], 9], [9, 15]].map(([a, b]) => [Math.round(a! * 1000) / 1000, b]));
    for (const segment of result.segments) {
      assert.ok(segment.keyframes.length >= 1);
      for (const k of segment.keyframes) {
        assert.ok(k.frameTime >= segment.from && k.frameTime <= segment.to);
        const meta = await sharp(path.join(keyframeDir, k.file)).metadata();
        assert.equal(meta.format, 'jpeg');
        assert.equal(meta.width, 320);
      }
    }
  });

  it('finds the one cut in grainy 1080p footage, with the grain scored far below any cut (area downscaling)', async () => {
    // Heavy temporal grain over fine test patterns: a sparse downscale would flicker frame to frame.
    const grainy = path.join(dir, 'grainy-1080p.mp4');
    execFileSync('ffmpeg', [
      '-nostdin', '-v', 'error', '-y',
      '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=25:duration=2',
      '-f', 'lavfi', '-i', 'mandelbrot=size=1920x1080:rate=25',
      '-filter_complex',
      '[0]noise=alls=25:allf=t+u,format=yuv420p[a];[1]trim=duration=2,setpts=PTS-STARTPTS,noise=alls=25:allf=t+u,format=yuv420p[b];[a][b]concat=n=2:v=1[v]',
      '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', grainy,
    ]);
    const changes = await measureFrameChanges(grainy);
    const cuts = findCuts(changes);
    assert.equal(cuts.length, 1, `cuts at ${cuts.join(', ')}`);
    assert.ok(Math.abs(cuts[0]! - 2) < 0.05, `cut at ${cuts[0]}`);
    // Area averaging scores this grain at ~0.02; the fast bilinear scaler, sampling sparsely, at ~0.06.
    const largestElsewhere = Math.max(...changes.filter((c) => Math.abs(c.time - cuts[0]!) > 0.01).map((c) => c.score));
    assert.ok(largestElsewhere < DEFAULT_SHOT_DETECTION.minScore / 3, `grain scored up to ${largestElsewhere}`);
  });

  it('an image with EXIF orientation becomes one upright keyframe', async () => {
    // 200×100 pixels stored, orientation 6 (rotate 90° clockwise to display): upright is 100×200.
    await sharp({ create: { width: 200, height: 100, channels: 3, background: '#3366cc' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toFile(rotatedJpeg);
    const probe = await probeImage(rotatedJpeg);
    assert.ok(probe);
    assert.equal(probe.kind, 'image');
    assert.deepEqual([probe.width, probe.height], [100, 200]);
    const result = await segmentMedia(rotatedJpeg, probe, path.join(dir, 'kf-img'), OPTIONS);
    assert.equal(result.segments.length, 1);
    const [keyframe] = result.segments[0]!.keyframes;
    assert.deepEqual([keyframe!.width, keyframe!.height], [100, 200]);
  });

  it('AVIF stills are images, not one-frame videos', async () => {
    const avif = path.join(dir, 'still.avif');
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#ff8800' } }).avif().toFile(avif);
    const probe = await probeImage(avif);
    assert.equal(probe?.kind, 'image');
    assert.equal(probe?.formatName, 'heif');
    assert.equal(await probeImage(twoShots), null);
  });

  it('finds the single cut of cityCC0.mpg near 4.64 s', { skip: sharedDataMissing('videos/cityCC0.mpg') }, async () => {
    const file = path.join(SHARED_DATA, 'videos/cityCC0.mpg');
    const probe = await probeMedia(file);
    const result = await segmentMedia(file, probe, path.join(dir, 'kf-city'), OPTIONS);
    assert.equal(result.cuts.length, 1);
    assert.ok(Math.abs(result.cuts[0]! - 4.64) < 0.1, `cut at ${result.cuts[0]}`);
    assert.equal(result.segments.length, 2);
  });

  it('keeps every keyframe of a video whose picture starts late (short_hamilton_clip.mp4)', {
    skip: sharedDataMissing('faces/face_recognition/short_hamilton_clip.mp4'),
  }, async () => {
    const file = path.join(SHARED_DATA, 'faces/face_recognition/short_hamilton_clip.mp4');
    const probe = await probeMedia(file);
    const result = await segmentMedia(file, probe, path.join(dir, 'kf-ham'), OPTIONS);
    assert.deepEqual(result.cuts.map((c) => Math.round(c * 10) / 10), [1.5, 3.6, 7.9]);
    assert.ok(result.segments.every((s) => s.keyframes.length === 1));
    assert.ok(fs.readdirSync(path.join(dir, 'kf-ham')).every((f) => /^\d{5}\.jpg$/.test(f)));
  });
});
