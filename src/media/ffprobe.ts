import { MediaError } from './media-error.js';
import { ProcessError, runProcess } from './run-process.js';
import type { MediaProbe, MediaType } from '../types.js';

interface FfprobeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  duration?: string;
  nb_frames?: string;
  disposition?: { attached_pic?: number };
  tags?: { rotate?: string };
  side_data_list?: { rotation?: number }[];
}

interface FfprobeOutput {
  streams?: FfprobeStream[];
  format?: { format_name?: string; duration?: string };
}

/** Demuxers ffmpeg uses for still images; a file read by one of these is an image. */
const IMAGE_FORMATS = /(^|,)(image2|[a-z0-9]+_pipe|gif|apng|webp|png|bmp|tiff)(,|$)/;

/** Asks ffprobe what a file is. Anything ffprobe cannot read is a permanent MediaError. */
export async function probeMedia(file: string, signal?: AbortSignal): Promise<MediaProbe> {
  let output: FfprobeOutput;
  try {
    const { stdout } = await runProcess(
      'ffprobe',
      ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '--', file],
      { timeoutMs: 60_000, signal },
    );
    output = JSON.parse(stdout) as FfprobeOutput;
  } catch (error) {
    if (signal?.aborted) throw error;
    // A missing ffprobe or one that ran out of time says nothing about the file: try again later.
    if (error instanceof ProcessError && error.exitCode === null) {
      throw new MediaError(error.message, { retryable: true, cause: error });
    }
    const reason = error instanceof ProcessError ? lastMeaningfulLine(error.stderr) : String(error);
    throw new MediaError(`the file is not a readable image, video or audio file (ffprobe: ${reason})`, {
      cause: error,
    });
  }
  return interpretProbe(output);
}

export function interpretProbe(output: FfprobeOutput): MediaProbe {
  const streams = output.streams ?? [];
  const formatName = output.format?.format_name ?? 'unknown';
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const audio = streams.find((s) => s.codec_type === 'audio');
  const duration =
    parseDuration(output.format?.duration) ?? parseDuration(video?.duration) ?? parseDuration(audio?.duration);

  let kind: MediaType;
  // GIFs count as images (their first frame is analysed), like every still-image demuxer.
  if (video) kind = IMAGE_FORMATS.test(formatName) ? 'image' : 'video';
  else if (audio) kind = 'audio';
  else throw new MediaError('the file has no video, image or audio stream that ffmpeg can decode');
  const rotation =
    video?.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation ?? Number(video?.tags?.rotate ?? 0);
  return {
    kind,
    formatName,
    duration: kind === 'image' ? 0 : duration,
    width: video?.width ?? null,
    height: video?.height ?? null,
    videoCodec: video?.codec_name ?? null,
    audioCodec: audio?.codec_name ?? null,
    rotation: Number.isFinite(rotation) ? ((Math.round(rotation) % 360) + 360) % 360 : 0,
  };
}

function parseDuration(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  const value = Number(raw);
  return Number.isFinite(value) && value >= 0 ? value : null;
}

function lastMeaningfulLine(stderr: string): string {
  const lines = stderr.trim().split('\n').filter(Boolean);
  return lines[lines.length - 1]?.replace(/^.*?: /, '') ?? 'unknown format';
}
