import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../helpers/fixtures.js';
import { pcmBlocks } from '../../src/analysis/speech/pcm-audio.js';
import { JoinedSpeech, speechRegions, type SpeechRegionOptions } from '../../src/analysis/speech/speech-regions.js';
import { toSourceTimes, writeJoinedSpeech } from '../../src/analysis/speech/speech-gate.js';
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

  it('puts both ends of a word across a join into the region holding its middle', () => {
    // Mostly after the join at 2 s: the word belongs to the second region and starts at its start.
    const [late] = toSourceTimes([{ word: 'across', from: 1.95, to: 2.4 }], joined);
    assert.deepEqual(late, { word: 'across', from: 10, to: 10.4 });
    // Mostly before it: the word ends where the first region ends, never minutes later.
    const [early] = toSourceTimes([{ word: 'before', from: 1.6, to: 2.05 }], joined);
    assert.deepEqual(early, { word: 'before', from: 3.6, to: 4 });
  });

  it('never gives a word an end before its start', () => {
    for (const item of toSourceTimes([{ from: 3.4, to: 3.6 }, { from: 4.4, to: 4.6 }], joined)) {
      assert.ok(item.to >= item.from, JSON.stringify(item));
    }
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

describe('PCM files of the speech path', () => {
  const temp = tempDir('mediasearch-pcm-');
  after(() => temp.cleanup());

  /** A file whose sample n is n (mod 32768), so copied stretches can be checked by value. */
  function countingPcm(name: string, samples: number, extraBytes = 0): string {
    const file = path.join(temp.dir, name);
    const data = Buffer.alloc(samples * 2 + extraBytes);
    for (let n = 0; n < samples; n++) data.writeInt16LE(n % 32768, 2 * n);
    fs.writeFileSync(file, data);
    return file;
  }

  it('reads whole blocks across chunk boundaries and leaves out a partial block and a stray byte', async () => {
    // 200 000 samples: not a multiple of the 1536-sample block nor of the reader's chunk size.
    const file = countingPcm('counting.raw', 200_000, 1);
    let expected = 0;
    let blocks = 0;
    for await (const block of pcmBlocks(file, 1536)) {
      assert.equal(block.length, 1536);
      assert.equal(block[0], expected % 32768);
      assert.equal(block[1535], (expected + 1535) % 32768);
      expected += 1536;
      blocks += 1;
    }
    assert.equal(blocks, Math.floor(200_000 / 1536));
  });

  it('gives nothing for audio shorter than one block', async () => {
    const file = countingPcm('short.raw', 1000);
    for await (const block of pcmBlocks(file, 1536)) assert.fail(`unexpected block of ${block.length}`);
  });

  it('joins regions sample for sample, including one that runs to the end of the file', async () => {
    const file = countingPcm('source.raw', 48_000); // 3 s
    const output = path.join(temp.dir, 'joined.raw');
    const joined = await writeJoinedSpeech(file, [{ from: 0.5, to: 1 }, { from: 2.25, to: 3 }], output);
    const bytes = fs.readFileSync(output);
    assert.equal(bytes.length, joined.seconds * 32_000);
    assert.equal(bytes.readInt16LE(0), 8000);
    assert.equal(bytes.readInt16LE(2 * 7999), 15_999);
    assert.equal(bytes.readInt16LE(2 * 8000), 36_000 % 32768);
    assert.equal(bytes.readInt16LE(bytes.length - 2), 47_999 % 32768);
  });
});
