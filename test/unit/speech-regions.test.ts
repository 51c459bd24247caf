import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JoinedSpeech, speechRegions, type SpeechRegionOptions } from '../../src/analysis/speech/speech-regions.js';
import { toSourceTimes } from '../../src/analysis/speech/speech-gate.js';
import { levelGain } from '../../src/analysis/speech/voice-activity.js';

const OPTIONS: SpeechRegionOptions = {
  threshold: 0.5,
  releaseThreshold: 0.35,
  minSpeechSeconds: 0.25,
  minSilenceSeconds: 0.2,
  paddingSeconds: 0.3,
};

/** Probabilities at 0.1 s a frame from a picture: '#' speech (0.9), '+' in between (0.4), '.' quiet (0.05). */
function frames(picture: string): number[] {
  return [...picture].map((c) => (c === '#' ? 0.9 : c === '+' ? 0.4 : 0.05));
}

function rounded(regions: { from: number; to: number }[]) {
  return regions.map((r) => ({ from: Math.round(r.from * 100) / 100, to: Math.round(r.to * 100) / 100 }));
}

describe('speech regions from VAD probabilities', () => {
  it('finds nothing in quiet audio', () => {
    assert.deepEqual(speechRegions(frames('..........'), 0.1, OPTIONS), []);
  });

  it('pads speech on both sides and clips the padding to the audio', () => {
    assert.deepEqual(rounded(speechRegions(frames(`###${'.'.repeat(20)}####......`), 0.1, OPTIONS)), [
      { from: 0, to: 0.6 },
      { from: 2, to: 3 },
    ]);
  });

  it('holds speech through dips above the release threshold and short silences', () => {
    // '+' stays above the release threshold; a single quiet frame is shorter than minSilence.
    assert.deepEqual(rounded(speechRegions(frames('....###++###.###.......'), 0.1, OPTIONS)), [{ from: 0.1, to: 1.9 }]);
  });

  it('needs the start threshold to begin: in-between frames alone are not speech', () => {
    assert.deepEqual(speechRegions(frames('..++++++++++..'), 0.1, OPTIONS), []);
  });

  it('drops speech shorter than the minimum and merges regions whose padding meets', () => {
    assert.deepEqual(rounded(speechRegions(frames('..........#...........###....###..........'), 0.1, OPTIONS)), [
      { from: 1.9, to: 3.5 },
    ]);
  });

  it('keeps speech running to the end of the audio', () => {
    assert.deepEqual(rounded(speechRegions(frames('.......#####'), 0.1, OPTIONS)), [{ from: 0.4, to: 1.2 }]);
  });
});

describe('joined speech', () => {
  const joined = new JoinedSpeech([
    { from: 2, to: 4 },
    { from: 10, to: 11.5 },
    { from: 20, to: 21 },
  ]);

  it('adds up the regions and maps joined times back to the source clock', () => {
    assert.equal(joined.seconds, 4.5);
    assert.equal(joined.sourceTime(0), 2);
    assert.equal(joined.sourceTime(1.5), 3.5);
    assert.equal(joined.sourceTime(2), 10);
    assert.equal(joined.sourceTime(3.25), 11.25);
    assert.equal(joined.sourceTime(3.7), 20.2);
  });

  it('keeps both ends of a word in the region where it starts', () => {
    const [word] = toSourceTimes([{ word: 'across', from: 1.8, to: 2.3 }], joined);
    assert.deepEqual(word, { word: 'across', from: 3.8, to: 4 });
  });

  it('leaves times alone when nothing was joined', () => {
    assert.equal(new JoinedSpeech([]).sourceTime(3), 3);
  });
});

describe('level gain in front of the VAD', () => {
  it('lifts quiet audio to the target, leaves loud audio alone and caps the gain', () => {
    assert.equal(levelGain([]), 0);
    assert.equal(levelGain(Array(100).fill(-60)), 35);
    assert.equal(levelGain(Array(100).fill(-10)), 0);
    assert.equal(levelGain(Array(100).fill(-120)), 40);
  });

  it('goes by the loud part of the audio but not by a few clicks', () => {
    const mostlyQuiet = [...Array(90).fill(-70), ...Array(10).fill(-45)];
    assert.equal(levelGain(mostlyQuiet), 20);
    const clicks = [...Array(97).fill(-60), ...Array(3).fill(-3)];
    assert.equal(levelGain(clicks), 35);
  });
});
