import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { tempDir } from '../helpers/fixtures.js';
import { findPocketsphinx } from '../../src/analysis/speech/pocketsphinx-engine.js';
import { selectSpeechEngine } from '../../src/analysis/speech/speech-engine.js';

function installed(program: string, probeArgs: string[]): boolean {
  try {
    execFileSync(program, probeArgs, { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

const pocketsphinx = await findPocketsphinx();
const NO_POCKETSPHINX = pocketsphinx.ok ? false : `pocketsphinx is not usable here: ${pocketsphinx.problem}`;
const NO_ESPEAK = installed('espeak-ng', ['--version']) ? false : 'espeak-ng is not installed (Debian package: espeak-ng)';
const NO_FFMPEG = installed('ffmpeg', ['-version']) ? false : 'ffmpeg is not installed';
const SKIP = NO_POCKETSPHINX || NO_ESPEAK || NO_FFMPEG;

/**
 * Three phrases with 1.5 s pauses. espeak-ng's Klatt voice, because pocketsphinx's acoustic model
 * recognises it far better than the default voice; these phrases came back word for word.
 */
const SPEECH = `<speak>Hello world. <break time='1500ms'/> My name is John. I have a small dog. <break time='1500ms'/> We went to the beach on Sunday.</speak>`;
const KEY_WORDS = ['hello', 'world', 'john', 'dog', 'beach', 'sunday'];

describe('speech engine selection', () => {
  it('can be turned off', async () => {
    assert.deepEqual(await selectSpeechEngine({ engine: 'none' }), { engine: null, reason: 'speech recognition is turned off' });
  });

  it('says what to install when no engine is present', async () => {
    const choice = await selectSpeechEngine({ pocketsphinx: { binary: 'pocketsphinx_not_installed_here' } });
    assert.equal(choice.engine, null);
    assert.match(choice.reason!, /no speech engine installed \(install Debian's pocketsphinx/);
    const missingModel = await selectSpeechEngine({ engine: 'pocketsphinx', pocketsphinx: { modelDir: '/nonexistent/model' } });
    assert.equal(missingModel.engine, null);
    assert.match(missingModel.reason!, /pocketsphinx-en-us|not found on PATH/);
  });

  it('picks pocketsphinx where it is installed', { skip: NO_POCKETSPHINX }, async () => {
    const choice = await selectSpeechEngine();
    assert.equal(choice.engine?.name, 'pocketsphinx/en-us');
    assert.equal(choice.reason, null);
  });
});

describe('pocketsphinx engine', { skip: SKIP }, () => {
  const temp = tempDir('mediasearch-speech-');
  after(() => temp.cleanup());

  it('transcribes synthesised speech with words in order and increasing times', async (t) => {
    const wav = path.join(temp.dir, 'speech.wav');
    execFileSync('espeak-ng', ['-m', '-v', 'en-us+klatt2', '-s', '160', '-w', wav, SPEECH]);
    const { engine } = await selectSpeechEngine({ engine: 'pocketsphinx' });
    const started = performance.now();
    const { pieces, audioSeconds, speechSeconds } = await engine!.transcribe(wav);
    t.diagnostic(`${Math.round(performance.now() - started)} ms for ${audioSeconds.toFixed(1)} s of audio, ${speechSeconds.toFixed(1)} s of it speech`);
    for (const p of pieces) t.diagnostic(`${p.from.toFixed(2)}-${p.to.toFixed(2)} (${p.confidence?.toFixed(2)}): ${p.text}`);

    for (let i = 1; i < pieces.length; i++) assert.ok(pieces[i]!.from >= pieces[i - 1]!.to, 'pieces in time order');
    for (const p of pieces) {
      assert.ok(p.to > p.from && p.confidence !== null && p.confidence >= 0 && p.confidence <= 1);
    }
    // Where each key word was heard: the start of the piece holding it.
    const heardAt = KEY_WORDS.map((word) => pieces.find((p) => p.text.split(' ').some((w) => w.startsWith(word)))?.from);
    t.diagnostic(`key words at: ${KEY_WORDS.map((w, i) => `${w}=${heardAt[i]?.toFixed(2) ?? 'missing'}`).join(' ')}`);
    const found = heardAt.filter((time): time is number => time !== undefined);
    assert.ok(found.length >= 5, `only ${found.length} of ${KEY_WORDS.length} key words recognised`);
    for (let i = 1; i < found.length; i++) assert.ok(found[i]! >= found[i - 1]!, 'key words come back in spoken order');
    // The last phrase follows two 1.5 s pauses.
    const beach = heardAt[KEY_WORDS.indexOf('beach')] ?? heardAt[KEY_WORDS.indexOf('sunday')];
    assert.ok(beach !== undefined && beach > 3, `last phrase at ${beach}`);
  });

  it('gives no pieces for a video without sound', async () => {
    const video = path.join(temp.dir, 'silent-film.mp4');
    execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=160x120:rate=10:duration=1', '-pix_fmt', 'yuv420p', video]);
    const { engine } = await selectSpeechEngine({ engine: 'pocketsphinx' });
    assert.deepEqual(await engine!.transcribe(video), { pieces: [], audioSeconds: 0, speechSeconds: 0 });
  });

  it('hears the same words at the same times with and without the speech gate', async (t) => {
    // Speech between long stretches of room-like noise, so the gate has something to cut.
    const speech = path.join(temp.dir, 'phrases.wav');
    execFileSync('espeak-ng', ['-m', '-v', 'en-us+klatt2', '-s', '160', '-w', speech, SPEECH]);
    const mixed = path.join(temp.dir, 'phrases-in-noise.wav');
    execFileSync('ffmpeg', [
      '-nostdin', '-v', 'error', '-y', '-i', speech,
      '-f', 'lavfi', '-i', 'anoisesrc=color=brown:amplitude=0.01:sample_rate=22050:duration=30',
      '-filter_complex', '[0:a]adelay=8000|8000,apad[s];[s][1:a]amix=inputs=2:duration=shortest:normalize=0', mixed,
    ]);
    const gated = (await selectSpeechEngine({ engine: 'pocketsphinx' })).engine!;
    const ungated = (await selectSpeechEngine({ engine: 'pocketsphinx', gateThreshold: 0 })).engine!;
    const withGate = await gated.transcribe(mixed);
    const withoutGate = await ungated.transcribe(mixed);
    t.diagnostic(`gate passed ${withGate.speechSeconds.toFixed(1)} of ${withGate.audioSeconds.toFixed(1)} s`);
    for (const [name, run] of [['gated', withGate], ['ungated', withoutGate]] as const) {
      t.diagnostic(`${name}: ${run.pieces.map((p) => `${p.from.toFixed(2)}-${p.to.toFixed(2)} ${p.text}`).join(' | ')}`);
    }
    assert.equal(withoutGate.speechSeconds, withoutGate.audioSeconds);
    assert.ok(withGate.speechSeconds > 3 && withGate.speechSeconds < 12, `gate passed ${withGate.speechSeconds} s`);
    const at = (run: typeof withGate, word: string) => run.pieces.find((p) => p.text.split(' ').some((w) => w.startsWith(word)))?.from;
    const heard = KEY_WORDS.filter((word) => at(withoutGate, word) !== undefined);
    assert.ok(heard.length >= 5, `only ${heard.join(', ')} recognised without the gate`);
    for (const word of heard) {
      assert.ok(at(withGate, word) !== undefined, `"${word}" lost behind the gate`);
      const gated = at(withGate, word)!;
      const ungated = at(withoutGate, word)!;
      assert.ok(Math.abs(gated - ungated) < 0.3, `"${word}" at ${gated} gated, ${ungated} ungated`);
      assert.ok(gated > 7.5, `"${word}" at ${gated}: the speech starts 8 s in`);
    }
  });

  it('gives no pieces and does not run the recogniser on audio without speech', async () => {
    const noise = path.join(temp.dir, 'noise.wav');
    execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'anoisesrc=color=pink:amplitude=0.2:duration=20', noise]);
    const { engine } = await selectSpeechEngine({ engine: 'pocketsphinx' });
    assert.deepEqual(await engine!.transcribe(noise), { pieces: [], audioSeconds: 20, speechSeconds: 0 });
  });

  it('reports a file ffmpeg cannot read as a media error', async () => {
    const { engine } = await selectSpeechEngine({ engine: 'pocketsphinx' });
    await assert.rejects(engine!.transcribe(path.join(temp.dir, 'missing.wav')), { name: 'MediaError' });
  });

  it('stops when aborted', async () => {
    const wav = path.join(temp.dir, 'long.wav');
    execFileSync('espeak-ng', ['-v', 'en-us+klatt2', '-w', wav, 'This sentence is long enough to still be decoding when the job is cancelled. '.repeat(4)]);
    const { engine } = await selectSpeechEngine({ engine: 'pocketsphinx' });
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(new Error('cancelled by test')), 300);
    await assert.rejects(engine!.transcribe(wav, { signal: controller.signal }), /cancelled by test/);
    assert.ok(performance.now() - started < 2000);
  });
});
