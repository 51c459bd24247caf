import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Box, FaceDetection } from '../../src/analysis/types.js';
import { assignMinCost } from '../../src/analysis/face/assignment.js';
import {
  faceDistance,
  iou,
  l2Normalise,
  linkFaceTracks,
  representativeEmbedding,
} from '../../src/analysis/face/face-tracker.js';
import { seededRandom } from '../helpers/seeded-random.js';

/*
 * Everything below is synthetic: hand-made boxes and pseudo-random 128-d "descriptors" built to
 * look like face-api's (norm ~1.5, same person within ~0.15, different people ~2 apart). They test
 * the linking logic only; the real recogniser is exercised in test/integration/face-analyser.test.ts.
 */

const random = seededRandom;

function syntheticIdentity(seed: number): Float32Array {
  const next = random(seed);
  const v = new Float32Array(128).map(() => next() * 2 - 1);
  const unit = l2Normalise(v)!;
  return unit.map((x) => x * 1.5);
}

/** A sighting of the identity: small per-frame noise, as from pose and lighting changes. */
function sighting(identity: Float32Array, seed: number, noise = 0.012): Float32Array {
  const next = random(seed);
  return identity.map((x) => x + (next() * 2 - 1) * noise);
}

function syntheticDetection(time: number, box: Box, descriptor: Float32Array | null, quality = 0.8): FaceDetection {
  return { time, box, score: 0.9, descriptor, quality, usable: descriptor !== null };
}

const box = (x: number, y = 100, size = 80): Box => ({ x, y, width: size, height: size });
const norm = (v: Float32Array) => Math.hypot(...v);

const alice = syntheticIdentity(1);
const bob = syntheticIdentity(2);

describe('synthetic identities (sanity of the test data)', () => {
  it('look like face-api descriptors: same person close, different people far', () => {
    assert.ok(faceDistance(sighting(alice, 10), sighting(alice, 11)) < 0.2);
    assert.ok(faceDistance(alice, bob) > 1.5);
  });
});

describe('linkFaceTracks', () => {
  it('follows one person moving across the frame as one track', () => {
    const detections = Array.from({ length: 10 }, (_, i) =>
      syntheticDetection(i * 0.5, box(50 + i * 20), sighting(alice, 100 + i)),
    );
    const tracks = linkFaceTracks(detections);
    assert.equal(tracks.length, 1);
    assert.equal(tracks[0]!.start, 0);
    assert.equal(tracks[0]!.end, 4.5);
    assert.equal(tracks[0]!.detections.length, 10);
    assert.ok(faceDistance(tracks[0]!.embedding!, l2Normalise(alice)!) < 0.05);
  });

  it('keeps two people apart when they cross, even where their boxes overlap most', () => {
    // Alice walks right, Bob walks left; at t=2 their boxes coincide, so at t=2.5 both new boxes
    // overlap both previous boxes equally and only the descriptors can tell who is who.
    const detections: FaceDetection[] = [];
    for (let i = 0; i <= 8; i++) {
      const t = i * 0.5;
      detections.push(syntheticDetection(t, box(100 + i * 40), sighting(alice, 200 + i)));
      detections.push(syntheticDetection(t, box(420 - i * 40), sighting(bob, 300 + i)));
    }
    const tracks = linkFaceTracks(detections);
    assert.equal(tracks.length, 2);
    for (const track of tracks) {
      assert.equal(track.detections.length, 9);
      const reference = faceDistance(track.detections[0]!.descriptor!, alice) < 0.5 ? alice : bob;
      for (const d of track.detections) assert.ok(faceDistance(d.descriptor!, reference) < 0.5, `swap at t=${d.time}`);
    }
  });

  it('bridges a gap up to maxGap and splits beyond it', () => {
    const seen = (t: number, i: number) => syntheticDetection(t, box(100 + i), sighting(alice, 400 + i));
    const bridged = linkFaceTracks([seen(0, 0), seen(0.5, 1), seen(2, 2), seen(2.5, 3)], { maxGap: 1.5 });
    assert.equal(bridged.length, 1);
    assert.deepEqual([bridged[0]!.start, bridged[0]!.end], [0, 2.5]);

    const split = linkFaceTracks([seen(0, 0), seen(0.5, 1), seen(2.5, 2), seen(3, 3)], { maxGap: 1.5 });
    assert.equal(split.length, 2);
    assert.deepEqual(
      split.map((t) => [t.start, t.end]),
      [
        [0, 0.5],
        [2.5, 3],
      ],
    );
  });

  it('links unusable detections by box overlap, keeps them, and leaves them out of the embedding', () => {
    const usable = syntheticDetection(0, box(100), sighting(alice, 500), 0.9);
    const blurred = syntheticDetection(0.5, box(104), null, 0.2);
    const usableAgain = syntheticDetection(1, box(108), sighting(alice, 501), 0.7);
    const tracks = linkFaceTracks([usable, blurred, usableAgain]);
    assert.equal(tracks.length, 1);
    assert.equal(tracks[0]!.detections.length, 3);
    assert.ok(tracks[0]!.detections.includes(blurred));
    assert.equal(tracks[0]!.quality, 0.9);
    assert.deepEqual(tracks[0]!.embedding, representativeEmbedding([usable, usableAgain]));
  });

  it('gives a track of only unusable detections a null embedding', () => {
    const tracks = linkFaceTracks([syntheticDetection(0, box(10, 10, 20), null, 0.1)]);
    assert.equal(tracks.length, 1);
    assert.equal(tracks[0]!.embedding, null);
  });

  it('does not link overlapping boxes whose descriptors belong to different people', () => {
    const tracks = linkFaceTracks([
      syntheticDetection(0, box(100), sighting(alice, 600)),
      syntheticDetection(0.5, box(102), sighting(bob, 601)),
    ]);
    assert.equal(tracks.length, 2);
  });

  /** The identity moved by exactly `distance` (Euclidean) in a pseudo-random direction. */
  const drifted = (identity: Float32Array, distance: number, seed: number) => {
    const next = random(seed);
    const direction = l2Normalise(new Float32Array(128).map(() => next() * 2 - 1))!;
    return identity.map((x, i) => x + direction[i]! * distance);
  };

  it('links a face whose descriptor drifted just past the identity limit when it stays in place, and only then', () => {
    const first = sighting(alice, 800);
    const turned = drifted(first, 0.57, 801);
    assert.ok(Math.abs(faceDistance(first, turned) - 0.57) < 1e-4);
    const inPlace = linkFaceTracks([syntheticDetection(0, box(100), first), syntheticDetection(0.5, box(110), turned)]);
    assert.equal(inPlace.length, 1, '0.57 apart, boxes overlapping: one track');
    const elsewhere = linkFaceTracks([syntheticDetection(0, box(100), first), syntheticDetection(0.5, box(500), turned)]);
    assert.equal(elsewhere.length, 2, '0.57 apart across the frame: identity alone decides, two tracks');
    const tooFar = linkFaceTracks([syntheticDetection(0, box(100), first), syntheticDetection(0.5, box(110), drifted(first, 0.62, 802))]);
    assert.equal(tooFar.length, 2, '0.62 apart: two tracks even in place');
    const strict = linkFaceTracks([syntheticDetection(0, box(100), first), syntheticDetection(0.5, box(110), turned)], { maxDescriptorDistanceInPlace: 0.55 });
    assert.equal(strict.length, 2, 'the in-place allowance is a setting');
  });

  it('prefers the identity-confirmed partner over one that only drifted in place', () => {
    const first = sighting(alice, 900);
    const tracks = linkFaceTracks([
      syntheticDetection(0, box(100), first),
      syntheticDetection(0.5, box(100), drifted(first, 0.58, 901)),
      syntheticDetection(0.5, box(160), sighting(alice, 902)),
    ]);
    const continued = tracks.find((t) => t.detections.length === 2)!;
    assert.equal(continued.detections[1]!.box.x, 160, 'the close descriptor wins although the other box overlaps more');
  });

  it('never gives up an identity-confirmed link for two in-place ones', () => {
    // X walks to where Y stood while Z steps into X's place; Y and Z each lie 0.57 from X, so each
    // could continue the other track "in place". Only X continues X.
    const x = sighting(alice, 950);
    const y = drifted(x, 0.57, 951);
    const z = drifted(x, 0.57, 952);
    assert.ok(faceDistance(y, z) > 0.6, 'Y and Z are not alike');
    const tracks = linkFaceTracks([
      syntheticDetection(0, box(100), x),
      syntheticDetection(0, box(300), y),
      syntheticDetection(0.5, box(300), sighting(alice, 953)),
      syntheticDetection(0.5, box(100), z),
    ]);
    const xTrack = tracks.find((t) => t.detections[0]!.box.x === 100 && t.start === 0)!;
    assert.deepEqual(xTrack.detections.map((d) => d.box.x), [100, 300], 'X keeps its own track');
    assert.equal(tracks.length, 3, 'Y ends, Z starts a track of its own');
  });

  it('prefers the closer descriptor when two identity links compete', () => {
    const first = sighting(alice, 960);
    const tracks = linkFaceTracks([
      syntheticDetection(0, box(100), first),
      syntheticDetection(0.5, box(400), drifted(first, 0.5, 961)),
      syntheticDetection(0.5, box(700), drifted(first, 0.05, 962)),
    ]);
    const continued = tracks.find((t) => t.detections.length === 2)!;
    assert.equal(continued.detections[1]!.box.x, 700, 'distance 0.05 wins over 0.5 when neither box overlaps');
  });

  it('relinks the same person across a cut by descriptor when the boxes do not overlap', () => {
    const tracks = linkFaceTracks([
      syntheticDetection(0, box(20), sighting(alice, 700)),
      syntheticDetection(0.5, box(500, 20, 200), sighting(alice, 701)),
    ]);
    assert.equal(tracks.length, 1);
  });

  it('makes each face of an image (all at t=0) its own track', () => {
    const tracks = linkFaceTracks([
      syntheticDetection(0, box(300), sighting(alice, 800)),
      syntheticDetection(0, box(10), sighting(alice, 801)),
      syntheticDetection(0, box(150), null),
    ]);
    assert.equal(tracks.length, 3);
    assert.deepEqual(
      tracks.map((t) => [t.start, t.end, t.detections[0]!.box.x]),
      [
        [0, 0, 10],
        [0, 0, 150],
        [0, 0, 300],
      ],
    );
  });

  it('returns no tracks for no detections', () => {
    assert.deepEqual(linkFaceTracks([]), []);
  });
});

describe('representativeEmbedding', () => {
  it('is unit-norm and weighted towards the better faces', () => {
    const good = syntheticDetection(0, box(0), sighting(alice, 900), 1);
    const poor = syntheticDetection(0.5, box(0), sighting(bob, 901), 0.05);
    const embedding = representativeEmbedding([good, poor])!;
    assert.ok(Math.abs(norm(embedding) - 1) < 1e-5);
    assert.ok(faceDistance(embedding, l2Normalise(alice)!) < faceDistance(embedding, l2Normalise(bob)!));
  });

  it('ignores descriptors flagged unusable', () => {
    const kept = syntheticDetection(0, box(0), sighting(alice, 902));
    const flagged = { ...syntheticDetection(0.5, box(0), sighting(bob, 903)), usable: false };
    assert.ok(faceDistance(representativeEmbedding([kept, flagged])!, l2Normalise(kept.descriptor!)!) < 1e-6);
  });
});

describe('iou and assignMinCost', () => {
  it('computes box overlap', () => {
    assert.equal(iou(box(0, 0, 10), box(0, 0, 10)), 1);
    assert.equal(iou(box(0, 0, 10), box(20, 0, 10)), 0);
    assert.ok(Math.abs(iou(box(0, 0, 10), box(5, 0, 10)) - 50 / 150) < 1e-9);
  });

  it('finds the optimal assignment where greedy picking would not, and respects forbidden pairs', () => {
    // Greedy takes row0→col0 (cost 1) and leaves row1 with cost 10; optimal total is 2 + 2.
    assert.deepEqual(
      assignMinCost([
        [1, 2],
        [2, 10],
      ]),
      [1, 0],
    );
    assert.deepEqual(
      assignMinCost([
        [1, Infinity],
        [Infinity, Infinity],
      ]),
      [0, -1],
    );
    assert.deepEqual(assignMinCost([[5], [1], [3]]), [-1, 0, -1]);
    assert.deepEqual(assignMinCost([]), []);
  });
});
