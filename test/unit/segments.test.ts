import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SHOT_DETECTION, findCuts, parseFrameChanges, type FrameChange } from '../../src/analysis/segments/shot-detector.js';
import { imageSegments, planSegments } from '../../src/analysis/segments/segment-planner.js';

/** Synthetic change scores at 25 fps: a quiet background with the given spikes. */
function changes(seconds: number, spikes: Record<number, number>, background = 0.01): FrameChange[] {
  return Array.from({ length: Math.round(seconds * 25) }, (_, i) => {
    const time = i / 25;
    const spike = Object.entries(spikes).find(([t]) => Math.abs(Number(t) - time) < 0.02);
    return { time, score: spike ? spike[1] : background };
  });
}

describe('shot detection', () => {
  it('parses ffmpeg metadata=print output', () => {
    const output = [
      'frame:0    pts:0       pts_time:0',
      'lavfi.scene_score=0.000000',
      'frame:1    pts:3600    pts_time:0.04',
      'lavfi.scene_score=0.412711',
      'garbage line',
    ].join('\n');
    assert.deepEqual(parseFrameChanges(output), [
      { time: 0, score: 0 },
      { time: 0.04, score: 0.412711 },
    ]);
  });

  it('finds a hard cut and an isolated weak cut in dark footage, not noise', () => {
    const cuts = findCuts(changes(10, { 2: 0.5, 6: 0.2 }));
    assert.deepEqual(cuts, [2, 6]);
  });

  it('ignores motion spikes inside sustained movement', () => {
    // Handheld camera: every frame changes by ~0.05, one jerk reaches 0.19 (cockatoo.mp4-like).
    assert.deepEqual(findCuts(changes(10, { 5: 0.19 }, 0.05)), []);
  });

  it('keeps shots at least minShotSeconds long, preferring the stronger of two close cuts', () => {
    const cuts = findCuts(changes(10, { 3: 0.45, 3.2: 0.9 }));
    assert.deepEqual(cuts, [3.2]);
    assert.ok(DEFAULT_SHOT_DETECTION.minShotSeconds >= 0.2);
  });
});

describe('segment planning', () => {
  it('splits at cuts and splits long shots into equal bounded pieces', () => {
    const segments = planSegments(20, [4], { maxSegmentSeconds: 10, keyframeEverySeconds: 5 });
    assert.deepEqual(
      segments.map((s) => [s.from, s.to]),
      [[0, 4], [4, 12], [12, 20]],
    );
    assert.deepEqual(segments.map((s) => s.index), [0, 1, 2]);
    for (const s of segments) {
      assert.ok(s.to - s.from <= 10 + 1e-9);
      assert.ok(s.keyframeTimes.length >= 1);
      for (const t of s.keyframeTimes) assert.ok(t > s.from && t < s.to);
    }
    assert.deepEqual(segments[1]!.keyframeTimes, [6, 10]);
  });

  it('drops cuts outside the video and handles zero duration', () => {
    assert.deepEqual(planSegments(3, [-1, 0, 5]).map((s) => [s.from, s.to]), [[0, 3]]);
    assert.deepEqual(planSegments(0, []), [{ index: 0, from: 0, to: 0, keyframeTimes: [0] }]);
  });

  it('an image is one segment at 0', () => {
    assert.deepEqual(imageSegments(), [{ index: 0, from: 0, to: 0, keyframeTimes: [0] }]);
  });
});
