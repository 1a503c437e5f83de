/**
 * Lowers the scheduling priority (raises the nice value) of the calling thread only, so that a CPU-heavy
 * background thread (the analysis worker, issue 6) yields the cores to the threads serving users: a radiologist
 * who opens a study as it arrives is served while its analysis runs (bench/viewer/runViewerBench --analysis).
 *
 * Linux only. There the nice value is a per-thread attribute (setpriority(2), NOTES: "under the current
 * Linux/NPTL implementation of POSIX threads, the nice value is a per-thread attribute"), so setpriority on the
 * thread's own id (read from /proc/thread-self, proc(5)) changes this thread and the threads it starts later, and
 * nothing else in the process. Elsewhere the nice value belongs to the whole process (it would slow down every
 * request of the server), so nothing is done. Raising one's own nice value needs no privilege; lowering it back
 * would (CAP_SYS_NICE), which is why it is for threads that end with their work.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The calling thread's kernel thread id (Linux, /proc/thread-self → "<pid>/task/<tid>"); undefined elsewhere. */
export function currentThreadId(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sets the calling thread's nice value to `niceValue` (−20…19; only ever raised: a lower value than the
 * thread's own is left alone). Returns the thread's nice value afterwards, or undefined where nothing could be
 * done (not Linux, no /proc, refused). Never throws: the work runs either way, only at normal priority.
 */
export function lowerThreadPriority(niceValue: number): number | undefined {
  const tid = currentThreadId();
  if (tid === undefined) return undefined;
  try {
    if (getPriority(tid) < niceValue) setPriority(tid, Math.min(19, niceValue));
    return getPriority(tid);
  } catch {
    return undefined;
  }
}
