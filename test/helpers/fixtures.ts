import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

/** A temporary folder removed by the returned cleanup function. */
export function tempDir(prefix = 'mediasearch-test-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Real media generated with ffmpeg's test sources, so tests need no downloaded files:
 * a 3 s video with two visually different halves, a PNG and a JPEG, a WAV, and corrupt files.
 */
export function generateMediaFixtures(dir: string): {
  video: string;
  png: string;
  jpeg: string;
  audio: string;
  corrupt: string;
  truncatedVideo: string;
} {
  fs.mkdirSync(dir, { recursive: true });
  const video = path.join(dir, 'clip.mp4');
  const png = path.join(dir, 'pattern.png');
  const jpeg = path.join(dir, 'photo.jpg');
  const audio = path.join(dir, 'tone.wav');
  const corrupt = path.join(dir, 'corrupt.mp4');
  const truncatedVideo = path.join(dir, 'truncated.mp4');
  if (!fs.existsSync(video)) {
    ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10:duration=3', '-pix_fmt', 'yuv420p', video]);
    ffmpeg(['-f', 'lavfi', '-i', 'smptebars=size=320x240', '-frames:v', '1', png]);
    ffmpeg(['-f', 'lavfi', '-i', 'mandelbrot=size=320x240', '-frames:v', '1', jpeg]);
    ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', audio]);
    fs.writeFileSync(corrupt, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)));
    const whole = fs.readFileSync(video);
    fs.writeFileSync(truncatedVideo, whole.subarray(0, 200));
  }
  return { video, png, jpeg, audio, corrupt, truncatedVideo };
}

/** A white PNG with black words on it, for OCR to read (DejaVu Sans, 56 px). */
export async function signPng(file: string, words: string, width = 640, height = 360): Promise<void> {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="white"/>` +
    `<text x="40" y="${height / 2 + 20}" font-family="DejaVu Sans, sans-serif" font-size="56" fill="black">${words}</text></svg>`;
  await sharp(Buffer.from(svg)).png().toFile(file);
}

/** 3 s of a test pattern, then 3 s of the sign: one cut at 3 s, so the sign's words are found at 0:03-0:06 only. */
export function videoWithSign(sign: string, file: string): void {
  execFileSync('ffmpeg', [
    '-v', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=10:duration=3',
    '-loop', '1', '-framerate', '10', '-t', '3', '-i', sign,
    '-filter_complex', '[0:v]format=yuv420p[a];[1:v]scale=640:360,format=yuv420p[b];[a][b]concat=n=2:v=1[v]',
    '-map', '[v]', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', file,
  ]);
}
