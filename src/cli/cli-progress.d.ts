// cli-progress ships no type definitions; this declares the part of its API the CLI uses.
declare module 'cli-progress' {
  export interface Options {
    format?: string;
    stream?: NodeJS.WritableStream;
    barsize?: number;
    hideCursor?: boolean;
    clearOnComplete?: boolean;
    stopOnComplete?: boolean;
    fps?: number;
    autopadding?: boolean;
    barCompleteChar?: string;
    barIncompleteChar?: string;
  }

  export interface Preset {
    format?: string;
    barCompleteChar: string;
    barIncompleteChar: string;
  }

  export class SingleBar {
    constructor(options: Options, preset?: Preset);
    start(total: number, startValue: number, payload?: Record<string, unknown>): void;
    update(current: number, payload?: Record<string, unknown>): void;
    setTotal(total: number): void;
    stop(): void;
  }

  export const Presets: { legacy: Preset; shades_classic: Preset; shades_grey: Preset; rect: Preset };

  const cliProgress: { SingleBar: typeof SingleBar; Presets: typeof Presets };
  export default cliProgress;
}
