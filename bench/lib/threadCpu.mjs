// CPU time per thread of a process (Linux /proc/<pid>/task/*/stat: utime + stime, in clock
// ticks of 10 ms), grouped by thread name: separates the JS main thread from V8's GC helpers
// and the libuv pool in a diagnostics run. Returns null where /proc is not available.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10;

/** @param {number | 'self'} pid @returns {Map<string, number> | null} CPU ms by thread name */
export function threadCpuMs(pid = 'self') {
  try {
    const result = new Map();
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let stat;
      try {
        stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      } catch {
        continue; // the thread ended meanwhile
      }
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      const name = String(tid) === String(pid === 'self' ? process.pid : pid) ? 'main' : stat.slice(open + 1, close).replace(/[0-9]+$/, '#');
      const fields = stat.slice(close + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      result.set(name, (result.get(name) ?? 0) + ms);
    }
    return result;
  } catch {
    return null;
  }
}

/** CPU ms by thread name spent between two threadCpuMs() snapshots. */
export function threadCpuDelta(before, after) {
  const delta = new Map();
  if (!before || !after) return delta;
  for (const [name, ms] of after) delta.set(name, ms - (before.get(name) ?? 0));
  return delta;
}

/** Total CPU ms of a process (all threads), or NaN. */
export function processCpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return Number.NaN;
  }
}
