/**
 * Worker-thread entry of an analysis job (issue 6): assembles the series into one volume
 * (assembleVolumeAsync: decoding and PS3.3 C.7.6.2 geometry, in @vertebra/dicom) and runs
 * the classical CT spine analysis (analyzeSpineCt) on it, then posts one
 * AnalysisWorkerOutput. Expected failures (undecodable pixels, a series that is not one
 * volume) are answered with their catalogue code; anything else thrown is answered as
 * ANALYSIS_FAILED. A crash or an out-of-memory kill is seen by the runner instead.
 * Runs only when started as a worker with our worker data: importing it elsewhere does nothing.
 * With `niceValue` in the worker data the thread first lowers its own priority (lowerThreadPriority, Linux: this
 * thread only), so that the decoding and analysis take the cores only when the threads serving users leave them.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { analyzeSpineCt } from '@vertebra/analysis';
import { assembleVolumeAsync } from '@vertebra/dicom';
import { isVertebraError } from '@vertebra/errors';
import type { AnalysisWorkerInput, AnalysisWorkerOutput } from './analysisWorkerProtocol.js';
import { lowerThreadPriority } from './lowerThreadPriority.js';

async function analyze(input: AnalysisWorkerInput): Promise<AnalysisWorkerOutput> {
  try {
    const assembled = await assembleVolumeAsync(input.instances, { subject: `series ${input.seriesInstanceUid}` });
    const result = analyzeSpineCt(assembled.volume);
    return { ok: true, result, slices: assembled.slices.length };
  } catch (error) {
    if (isVertebraError(error)) return { ok: false, code: error.code, message: error.message };
    return { ok: false, code: 'ANALYSIS_FAILED', message: `series ${input.seriesInstanceUid}: the analysis failed unexpectedly: ${(error as Error)?.message ?? String(error)}` };
  }
}

const input = workerData as Partial<AnalysisWorkerInput> | undefined;
if (!isMainThread && parentPort !== null && input?.kind === 'vertebra-analysis') {
  const port = parentPort;
  const threadNice = input.niceValue === undefined ? undefined : lowerThreadPriority(input.niceValue);
  void analyze(input as AnalysisWorkerInput).then((output) => port.postMessage(threadNice === undefined ? output : { ...output, threadNice }));
}
