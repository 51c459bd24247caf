import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePocketsphinxTimes, wordsToPieces } from '../../src/analysis/speech/pocketsphinx-output.js';

/** Two utterances as pocketsphinx_continuous -time yes printed them for an espeak-ng recording. */
const OUTPUT = `hello world that weather today
<s> 0.000 0.020 0.999800
hello 0.030 0.310 0.674526
world 0.320 0.780 0.869605
<sil> 0.790 1.150 0.999900
that(2) 1.160 1.300 0.091522
[NOISE] 1.310 1.400 0.500000
weather 1.410 1.620 0.183967
today 1.630 1.950 0.938280
</s> 1.960 2.330 1.000000
my name
<s> 8.120 8.220 0.999300
my 8.230 8.380 0.992329
++UH++ 8.390 8.400 0.100000
name 8.400 8.680 0.953796
</s> 8.690 9.000 1.000000
`;

describe('pocketsphinx output', () => {
  it('reads words with times per utterance, without fillers or pronunciation variants', () => {
    const utterances = parsePocketsphinxTimes(OUTPUT);
    assert.deepEqual(
      utterances.map((u) => u.map((w) => w.word)),
      [['hello', 'world', 'that', 'weather', 'today'], ['my', 'name']],
    );
    assert.deepEqual(utterances[0]![0], { word: 'hello', from: 0.03, to: 0.31, confidence: 0.674526 });
  });

  it('splits utterances at pauses into pieces with mean word confidence', () => {
    const pieces = wordsToPieces(parsePocketsphinxTimes(OUTPUT));
    assert.deepEqual(
      pieces.map((p) => [p.text, p.from, p.to]),
      [
        ['hello world', 0.03, 0.78],
        ['that weather today', 1.16, 1.95],
        ['my name', 8.23, 8.68],
      ],
    );
    assert.ok(Math.abs(pieces[0]!.confidence! - (0.674526 + 0.869605) / 2) < 1e-9);
  });

  it('caps the length of a piece in fluent speech', () => {
    const words = Array.from({ length: 40 }, (_, i) => ({ word: `w${i}`, from: i, to: i + 0.99, confidence: 1 }));
    const pieces = wordsToPieces([words], { pauseSeconds: 0.3, maxPieceSeconds: 10 });
    assert.ok(pieces.length >= 4);
    for (const piece of pieces) assert.ok(piece.to - piece.from <= 10, `${piece.from}..${piece.to}`);
    assert.equal(pieces.map((p) => p.text).join(' '), words.map((w) => w.word).join(' '));
  });

  it('gives nothing for silence', () => {
    assert.deepEqual(parsePocketsphinxTimes(''), []);
    assert.deepEqual(parsePocketsphinxTimes('\n<s> 0.000 0.500 1.000000\n<sil> 0.5 1.0 1.0\n</s> 1.0 1.2 1.0\n'), []);
  });
});
