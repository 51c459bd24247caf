import type { TranscriptPiece } from '../types.js';

/** One recognised word: seconds from the start of the audio and the decoder's posterior. */
export interface RecognisedWord {
  word: string;
  from: number;
  to: number;
  confidence: number;
}

/**
 * Reads what `pocketsphinx_continuous -time yes` prints on stdout: per utterance, the hypothesis
 * text on one line, then one line per word, `<word> <start> <end> <posterior>`, framed by `<s>` and
 * `</s>`. Returns the words of each utterance, fillers removed and alternate pronunciation markers
 * ("the(2)") stripped.
 */
export function parsePocketsphinxTimes(stdout: string): RecognisedWord[][] {
  const utterances: RecognisedWord[][] = [];
  let current: RecognisedWord[] | null = null;
  for (const raw of stdout.split('\n')) {
    const fields = raw.trim().split(/\s+/);
    const timed = fields.length === 4 && fields.slice(1).every((f) => /^-?\d+(\.\d+)?$/.test(f));
    if (!timed) continue; // the hypothesis line repeats the words without times
    const [token, start, end, posterior] = fields as [string, string, string, string];
    if (token === '<s>') {
      current = [];
      utterances.push(current);
      continue;
    }
    if (token === '</s>') {
      current = null;
      continue;
    }
    const word = spokenWord(token);
    if (word === null) continue;
    if (current === null) {
      current = [];
      utterances.push(current);
    }
    current.push({ word, from: Number(start), to: Number(end), confidence: Number(posterior) });
  }
  return utterances.filter((words) => words.length > 0);
}

/** The dictionary word of a token, or null for silence and noise fillers (<sil>, [NOISE], ++UH++). */
function spokenWord(token: string): string | null {
  if (/^(<.*>|\[.*\]|\+\+.*\+\+)$/.test(token)) return null;
  return token.replace(/\(\d+\)$/, '');
}

export interface PieceOptions {
  /** A pause at least this long inside an utterance starts a new piece (a phrase boundary). */
  pauseSeconds: number;
  /** No piece runs longer than this, so a search hit points at a useful place in a long utterance. */
  maxPieceSeconds: number;
}

export const DEFAULT_PIECE_OPTIONS: PieceOptions = { pauseSeconds: 0.3, maxPieceSeconds: 15 };

/**
 * Groups recognised words into transcript pieces: one per utterance, split further at pauses and
 * at the length limit. A piece's confidence is the mean word posterior.
 */
export function wordsToPieces(utterances: RecognisedWord[][], options: PieceOptions = DEFAULT_PIECE_OPTIONS): TranscriptPiece[] {
  const pieces: TranscriptPiece[] = [];
  for (const words of utterances) {
    let group: RecognisedWord[] = [];
    const flush = () => {
      if (group.length === 0) return;
      const confidence = group.reduce((sum, w) => sum + w.confidence, 0) / group.length;
      pieces.push({
        from: group[0]!.from,
        to: group[group.length - 1]!.to,
        text: group.map((w) => w.word).join(' '),
        confidence,
      });
      group = [];
    };
    for (const word of words) {
      const previous = group[group.length - 1];
      const pause = previous ? word.from - previous.to : 0;
      const length = group.length > 0 ? word.to - group[0]!.from : 0;
      if (previous && (pause >= options.pauseSeconds || length > options.maxPieceSeconds)) flush();
      group.push(word);
    }
    flush();
  }
  return pieces;
}
