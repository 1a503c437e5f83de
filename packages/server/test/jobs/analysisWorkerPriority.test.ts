/**
 * The analysis worker runs at a lower scheduling priority than the server (runAnalysisInWorker, niceValue,
 * lowerThreadPriority): on Linux (the supported platform) its thread's nice value is raised to analysisWorkerNice
 * and the rest of the process keeps its own.
 * The worker is started for real (source mode); its input is one instance that is not DICOM, so it answers
 * quickly with a failure, which carries the nice value the thread ran at.
 */
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { analysisWorkerNice, runAnalysisInWorker } from '../../src/jobs/runAnalysisInWorker.js';
import { currentThreadId } from '../../src/jobs/lowerThreadPriority.js';

const notDicom = () => [{ bytes: new TextEncoder().encode('not a DICOM file'), subject: 'instance 1.2.3' }];
const limits = { memoryLimitMb: 256, timeoutMs: 60_000 };

describe.runIf(process.platform === 'linux')('analysis worker priority (Linux: per-thread nice value)', () => {
  it('raises the worker thread’s nice value to analysisWorkerNice and leaves this thread’s alone', async () => {
    const tid = currentThreadId();
    expect(tid).toBeGreaterThan(0);
    const before = getPriority(tid);
    const output = await runAnalysisInWorker({ seriesInstanceUid: '1.2.3.4', instances: notDicom() }, limits);
    expect(output.ok).toBe(false);
    expect(output.threadNice).toBe(Math.max(before, analysisWorkerNice));
    expect(getPriority(tid)).toBe(before);
  });

  it('with niceValue 0 the worker keeps the priority it inherited', async () => {
    const before = getPriority(currentThreadId());
    const output = await runAnalysisInWorker({ seriesInstanceUid: '1.2.3.4', instances: notDicom() }, { ...limits, niceValue: 0 });
    expect(output.threadNice).toBe(before);
  });
});
