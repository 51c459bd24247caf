import { execFileSync } from 'node:child_process';
export { signPng } from './fixtures.js';

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * `first` seconds of a test pattern, then `second` seconds of a still picture (scaled and padded
 * to 1280x720): one cut at `first`, so what the picture shows (a sign, a face) is a moment that
 * starts there. `stillFirst` swaps the shots: the picture for `second` seconds from 0.
 */
export function videoWithStill(
  picture: string,
  file: string,
  options: { first?: number; second?: number; crop?: string; stillFirst?: boolean } = {},
): void {
  const first = options.first ?? 3;
  const second = options.second ?? 3;
  const crop = options.crop ? `${options.crop},` : '';
  const order = options.stillFirst ? '[b][a]' : '[a][b]';
  ffmpeg([
    '-f', 'lavfi', '-i', `testsrc=size=1280x720:rate=10:duration=${first}`,
    '-loop', '1', '-framerate', '10', '-t', String(second), '-i', picture,
    '-filter_complex',
    `[0:v]format=yuv420p[a];[1:v]${crop}scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2:white,setsar=1,format=yuv420p[b];${order}concat=n=2:v=1[v]`,
    '-map', '[v]', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', file,
  ]);
}
