import { selectSpeechEngine } from '../../analysis/speech/speech-engine.js';
import type { TranscribeResult, TranscribeTask } from '../worker-tasks.js';

export async function transcribe(task: TranscribeTask, signal?: AbortSignal): Promise<TranscribeResult> {
  const choice = await selectSpeechEngine({ engine: task.engine, gateThreshold: task.gate });
  if (!choice.engine) return { engine: null, pieces: [], audioSeconds: 0, speechSeconds: 0, skipped: choice.reason };
  const transcript = await choice.engine.transcribe(task.path, signal ? { signal } : {});
  return { engine: choice.engine.name, ...transcript, skipped: null };
}
