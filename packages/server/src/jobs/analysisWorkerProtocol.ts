/**
 * Messages between the analysis job runner and its worker thread (issue 6). The main thread
 * sends the series' stored Part 10 bytes (their ArrayBuffers transferred, not copied); the
 * worker answers once, with the analysis or with the error catalogue's code and message.
 */
import type { SpineAnalysisResult } from '@vertebra/analysis';

export interface AnalysisWorkerInput {
  /** Marks the worker data as ours (the entry does nothing for anything else). */
  readonly kind: 'vertebra-analysis';
  readonly seriesInstanceUid: string;
  readonly instances: readonly { readonly bytes: Uint8Array; readonly subject: string }[];
  /** The worker thread's nice value while it decodes and analyses (lowerThreadPriority, Linux); absent: left as it is. */
  readonly niceValue?: number;
}

/** `threadNice`: the nice value the worker thread ran at, where it could be read (Linux). */
export type AnalysisWorkerOutput =
  | { readonly ok: true; readonly result: SpineAnalysisResult; readonly slices: number; readonly threadNice?: number }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly threadNice?: number };
