import fs from 'node:fs';

/** Linux's USER_HZ: /proc reports CPU times in these ticks. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU seconds of this process and of its children that have been waited for (ffmpeg,
 * pocketsphinx: Node reaps them before their promise resolves), from /proc/self/stat's utime,
 * stime, cutime and cstime. Linux only; the benchmarks run there.
 */
export function processCpuSeconds(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  // After the command name in parentheses, fields[0] is field 3 (state); fields 14–17 follow.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) / CLOCK_TICKS_PER_SECOND;
}
