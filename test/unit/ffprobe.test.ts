import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateMediaFixtures, tempDir } from '../helpers/fixtures.js';
import { interpretProbe, probeMedia } from '../../src/media/ffprobe.js';
import { MediaError } from '../../src/media/media-error.js';

type ProbeJson = Parameters<typeof interpretProbe>[0];

/** The shapes below follow what `ffprobe -print_format json -show_format -show_streams` prints. */
const notAttached = { attached_pic: 0 };

function isPermanentMediaError(message?: RegExp) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof MediaError, `expected a MediaError, got ${String(error)}`);
    assert.equal(error.retryable, false);
    if (message) assert.match(error.message, message);
    return true;
  };
}

describe('interpretProbe', () => {
  it('reads a JPEG opened by the image2 demuxer as an image with duration 0', () => {
    const probe = interpretProbe({
      streams: [{ codec_type: 'video', codec_name: 'mjpeg', width: 4032, height: 3024, disposition: notAttached }],
      format: { format_name: 'image2', duration: '0.040000' },
    });
    assert.deepEqual(probe, {
      kind: 'image',
      formatName: 'image2',
      duration: 0,
      width: 4032,
      height: 3024,
      videoCodec: 'mjpeg',
      audioCodec: null,
      rotation: 0,
    });
  });

  it('reads png_pipe, jpeg_pipe and webp_pipe as images', () => {
    for (const [format, codec] of [
      ['png_pipe', 'png'],
      ['jpeg_pipe', 'mjpeg'],
      ['webp_pipe', 'webp'],
    ] as const) {
      const probe = interpretProbe({
        streams: [{ codec_type: 'video', codec_name: codec, width: 32, height: 16, disposition: notAttached }],
        format: { format_name: format },
      });
      assert.equal(probe.kind, 'image', format);
      assert.equal(probe.formatName, format);
      assert.equal(probe.videoCodec, codec);
      assert.equal(probe.duration, 0);
      assert.equal(probe.width, 32);
      assert.equal(probe.height, 16);
    }
  });

  it('reads an (animated) GIF as an image', () => {
    const probe = interpretProbe({
      streams: [{ codec_type: 'video', codec_name: 'gif', width: 100, height: 80, duration: '2.5', nb_frames: '25' }],
      format: { format_name: 'gif', duration: '2.500000' },
    });
    assert.equal(probe.kind, 'image');
    assert.equal(probe.duration, 0);
    assert.equal(probe.videoCodec, 'gif');
  });

  it('reads an MP4 with video and audio as a video', () => {
    const probe = interpretProbe({
      streams: [
        { codec_type: 'video', codec_name: 'h264', width: 1920, height: 1080, duration: '12.000000', disposition: notAttached },
        { codec_type: 'audio', codec_name: 'aac', duration: '12.010000', disposition: notAttached },
      ],
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '12.012000' },
    });
    assert.deepEqual(probe, {
      kind: 'video',
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      duration: 12.012,
      width: 1920,
      height: 1080,
      videoCodec: 'h264',
      audioCodec: 'aac',
      rotation: 0,
    });
  });

  it('does not mistake formats that merely contain an image demuxer name for images', () => {
    const probe = interpretProbe({
      streams: [{ codec_type: 'video', codec_name: 'vp9', width: 640, height: 360 }],
      format: { format_name: 'matroska,webm', duration: '3.0' },
    });
    assert.equal(probe.kind, 'video');
  });

  it('falls back to the stream duration when the container has none', () => {
    const probe = interpretProbe({
      streams: [{ codec_type: 'video', codec_name: 'h264', width: 2, height: 2, duration: '4.5' }],
      format: { format_name: 'mpegts', duration: 'N/A' },
    });
    assert.equal(probe.duration, 4.5);
    const noDuration = interpretProbe({
      streams: [{ codec_type: 'video', codec_name: 'h264', width: 2, height: 2 }],
      format: { format_name: 'h264' },
    });
    assert.equal(noDuration.kind, 'video');
    assert.equal(noDuration.duration, null);
  });

  it('reads an MP3 with attached cover art as audio, ignoring the picture', () => {
    const probe = interpretProbe({
      streams: [
        { codec_type: 'audio', codec_name: 'mp3', duration: '1.044898', disposition: notAttached },
        {
          codec_type: 'video',
          codec_name: 'png',
          width: 500,
          height: 500,
          duration: '1.044900',
          disposition: { attached_pic: 1 },
          tags: { rotate: '90' },
        },
      ],
      format: { format_name: 'mp3', duration: '1.044898' },
    });
    assert.deepEqual(probe, {
      kind: 'audio',
      formatName: 'mp3',
      duration: 1.044898,
      width: null,
      height: null,
      videoCodec: null,
      audioCodec: 'mp3',
      rotation: 0,
    });
  });

  it('reads an audio-only WAV as audio', () => {
    const probe = interpretProbe({
      streams: [{ codec_type: 'audio', codec_name: 'pcm_s16le', duration: '1.000000' }],
      format: { format_name: 'wav', duration: '1.000000' },
    });
    assert.equal(probe.kind, 'audio');
    assert.equal(probe.formatName, 'wav');
    assert.equal(probe.duration, 1);
    assert.equal(probe.audioCodec, 'pcm_s16le');
    assert.equal(probe.videoCodec, null);
    assert.equal(probe.width, null);
  });

  it('throws a permanent MediaError when there is no video or audio stream', () => {
    const shapes: ProbeJson[] = [
      { streams: [], format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2' } },
      {},
      { streams: [{ codec_type: 'subtitle', codec_name: 'subrip' }], format: { format_name: 'srt' } },
      { streams: [{ codec_type: 'data', codec_name: 'bin_data' }], format: { format_name: 'tty' } },
      // Only a cover picture and no audio: nothing to analyse.
      { streams: [{ codec_type: 'video', codec_name: 'png', disposition: { attached_pic: 1 } }], format: { format_name: 'mp3' } },
    ];
    for (const shape of shapes) {
      assert.throws(() => interpretProbe(shape), isPermanentMediaError(/no video, image or audio stream/));
    }
  });

  it('reports "unknown" when the format has no name', () => {
    const probe = interpretProbe({ streams: [{ codec_type: 'audio', codec_name: 'opus' }] });
    assert.equal(probe.formatName, 'unknown');
    assert.equal(probe.kind, 'audio');
  });

  describe('rotation', () => {
    const video = (extra: object): ProbeJson => ({
      streams: [{ codec_type: 'video', codec_name: 'h264', width: 1080, height: 1920, ...extra }],
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '5' },
    });

    it('reads the display matrix rotation from side_data_list', () => {
      assert.equal(interpretProbe(video({ side_data_list: [{ rotation: -90 }] })).rotation, 270, 'normalised to 0..359');
      // The first entry carrying a rotation wins; entries without one are skipped.
      assert.equal(interpretProbe(video({ side_data_list: [{}, { rotation: 180 }, { rotation: 90 }] })).rotation, 180);
    });

    it('falls back to the legacy tags.rotate', () => {
      assert.equal(interpretProbe(video({ tags: { rotate: '90' } })).rotation, 90);
      assert.equal(interpretProbe(video({ tags: { rotate: '270' } })).rotation, 270);
    });

    it('prefers side_data_list over tags.rotate', () => {
      assert.equal(interpretProbe(video({ side_data_list: [{ rotation: 90 }], tags: { rotate: '180' } })).rotation, 90);
    });

    it('is 0 when absent or unreadable', () => {
      assert.equal(interpretProbe(video({})).rotation, 0);
      assert.equal(interpretProbe(video({ side_data_list: [] })).rotation, 0);
      assert.equal(interpretProbe(video({ tags: { rotate: 'sideways' } })).rotation, 0);
    });

    it('applies to images too (EXIF-rotated JPEG)', () => {
      const probe = interpretProbe({
        streams: [{ codec_type: 'video', codec_name: 'mjpeg', width: 40, height: 30, side_data_list: [{ rotation: 90 }] }],
        format: { format_name: 'image2' },
      });
      assert.equal(probe.kind, 'image');
      assert.equal(probe.rotation, 90);
    });
  });
});

describe('probeMedia (real ffprobe)', () => {
  const temp = tempDir('mediasearch-ffprobe-');
  let media: ReturnType<typeof generateMediaFixtures>;

  before(() => {
    media = generateMediaFixtures(path.join(temp.dir, 'media'));
  });
  after(() => temp.cleanup());

  it('reads a video generated by ffmpeg', async () => {
    const probe = await probeMedia(media.video);
    assert.equal(probe.kind, 'video');
    assert.match(probe.formatName, /mp4/);
    assert.equal(probe.width, 320);
    assert.equal(probe.height, 240);
    assert.ok(probe.duration !== null && Math.abs(probe.duration - 3) < 0.2, `duration ${probe.duration}`);
    assert.equal(probe.audioCodec, null);
    assert.equal(typeof probe.videoCodec, 'string');
  });

  it('reads a PNG as an image and a WAV as audio', async () => {
    const png = await probeMedia(media.png);
    assert.equal(png.kind, 'image');
    assert.equal(png.width, 320);
    assert.equal(png.duration, 0);
    const wav = await probeMedia(media.audio);
    assert.equal(wav.kind, 'audio');
    assert.equal(wav.formatName, 'wav');
  });

  it('rejects a corrupt file with a permanent MediaError carrying ffprobe\'s reason', async () => {
    await assert.rejects(
      probeMedia(media.corrupt),
      isPermanentMediaError(/not a readable image, video or audio file \(ffprobe: .+\)/),
    );
  });

  it('rejects a missing file and a text file the same way', async () => {
    await assert.rejects(probeMedia(path.join(temp.dir, 'nope.mp4')), isPermanentMediaError(/ffprobe:/));
    const text = path.join(temp.dir, 'notes.txt');
    fs.writeFileSync(text, 'just some words\n');
    await assert.rejects(probeMedia(text), isPermanentMediaError());
  });

  it('passes an abort through instead of turning it into a MediaError', async () => {
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await assert.rejects(probeMedia(media.video, controller.signal), (error: unknown) => {
      assert.ok(!(error instanceof MediaError), 'an abort is not a media failure');
      return true;
    });
  });
});
