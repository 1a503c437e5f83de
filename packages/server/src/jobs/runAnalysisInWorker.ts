/**
 * Runs one analysis in a fresh worker_threads Worker (issue 6: never on the thread that
 * serves ingest). The instances' ArrayBuffers are transferred, not copied. The worker's V8
 * heap is capped (resourceLimits); an out-of-memory kill, a crash, an exit without an
 * answer or a run past the time limit all become ANALYSIS_FAILED with a message that says
 * which. Aborting (server shutdown) terminates the worker and rejects with
 * AnalysisAbortedError: the job is abandoned, not failed. The worker thread runs at a lower priority
 * (`niceValue`, default analysisWorkerNice = 10; lowerThreadPriority, Linux): with 2 cores an analysis at normal
 * priority took its share of CPU from a viewer reading the same series (bench/viewer/runViewerBench --analysis).
 *
 * Where the worker's code comes from: from the build (dist/jobs/analysisWorker.js, what
 * `vertebra serve` runs), this module's sibling; from the TypeScript sources (Vitest, which
 * resolves workspace packages to src/), the sibling analysisWorker.ts loaded with
 * sourceModeLoader.mjs (TypeScript's transpileModule, the 'source' export condition).
 */
import { Worker } from 'node:worker_threads';
import type { AnalysisWorkerInput, AnalysisWorkerOutput } from './analysisWorkerProtocol.js';

export interface RunAnalysisInWorkerOptions {
  /** The worker's V8 old-generation heap limit (resourceLimits.maxOldGenerationSizeMb). */
  readonly memoryLimitMb: number;
  /** The worker is terminated after this long. */
  readonly timeoutMs: number;
  /** Aborting terminates the worker (shutdown); the promise rejects with AnalysisAbortedError. */
  readonly signal?: AbortSignal;
  /** The worker thread's nice value (Linux; 0 = the server's own priority). Default analysisWorkerNice. */
  readonly niceValue?: number;
}

/**
 * Nice value of the analysis worker thread: 10, the default of nice(1). A nice-10 thread gets ~1/10 of the CPU
 * time of a nice-0 thread competing for the same core (Linux CFS weights 110 vs 1024), and all of it when the
 * cores are otherwise idle, so an analysis is not slower on a quiet server.
 */
export const analysisWorkerNice = 10;

/** The job was abandoned (shutdown), not failed: it stays unfinished and is queued again at the next start. */
export class AnalysisAbortedError extends Error {
  constructor() {
    super('the analysis was abandoned (the server is shutting down)');
    this.name = 'AnalysisAbortedError';
  }
}

/** The worker entry and the Node options it needs, for the build or the TypeScript sources. */
export function analysisWorkerEntry(moduleUrl: string = import.meta.url): { url: URL; execArgv?: string[] } {
  if (moduleUrl.endsWith('.ts')) {
    return {
      url: new URL('./analysisWorker.ts', moduleUrl),
      execArgv: ['--conditions=source', '--import', new URL('./sourceModeLoader.mjs', moduleUrl).href],
    };
  }
  return { url: new URL('./analysisWorker.js', moduleUrl) };
}

const failed = (message: string): AnalysisWorkerOutput => ({ ok: false, code: 'ANALYSIS_FAILED', message });

/** Each instance's bytes as a whole ArrayBuffer of its own, so that transferring it moves nothing else. */
function ownBuffers(instances: AnalysisWorkerInput['instances']): { instances: AnalysisWorkerInput['instances']; transfer: ArrayBuffer[] } {
  const seen = new Set<ArrayBufferLike>();
  const transfer: ArrayBuffer[] = [];
  const owned = instances.map((instance) => {
    const { bytes } = instance;
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer && !seen.has(bytes.buffer);
    const own = whole ? bytes : bytes.slice();
    seen.add(own.buffer);
    transfer.push(own.buffer as ArrayBuffer);
    return { bytes: own, subject: instance.subject };
  });
  return { instances: owned, transfer };
}

export function runAnalysisInWorker(input: Omit<AnalysisWorkerInput, 'kind' | 'niceValue'>, options: RunAnalysisInWorkerOptions): Promise<AnalysisWorkerOutput> {
  if (options.signal?.aborted) return Promise.reject(new AnalysisAbortedError());
  const entry = analysisWorkerEntry();
  const { instances, transfer } = ownBuffers(input.instances);
  const workerData: AnalysisWorkerInput = { kind: 'vertebra-analysis', seriesInstanceUid: input.seriesInstanceUid, instances, niceValue: options.niceValue ?? analysisWorkerNice };
  return new Promise<AnalysisWorkerOutput>((resolve, reject) => {
    let settled = false;
    const worker = new Worker(entry.url, {
      workerData,
      transferList: transfer,
      resourceLimits: { maxOldGenerationSizeMb: options.memoryLimitMb },
      ...(entry.execArgv === undefined ? {} : { execArgv: entry.execArgv }),
    });
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      outcome();
      void worker.terminate().catch(() => undefined);
    };
    const onAbort = (): void => settle(() => reject(new AnalysisAbortedError()));
    const timer = setTimeout(() => {
      settle(() => resolve(failed(`series ${input.seriesInstanceUid}: the analysis took longer than ${Math.round(options.timeoutMs / 1000)} s and was stopped`)));
    }, options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (output: AnalysisWorkerOutput) => settle(() => resolve(output)));
    worker.once('error', (error: Error & { code?: string }) => {
      const message =
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? `series ${input.seriesInstanceUid}: the analysis worker ran out of memory (limit ${options.memoryLimitMb} MB) and was stopped`
          : `series ${input.seriesInstanceUid}: the analysis worker crashed: ${error.message}`;
      settle(() => resolve(failed(message)));
    });
    worker.once('exit', (code) => {
      settle(() => resolve(failed(`series ${input.seriesInstanceUid}: the analysis worker exited with code ${code} before answering`)));
    });
  });
}
