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
}

export type AnalysisWorkerOutput =
  | { readonly ok: true; readonly result: SpineAnalysisResult; readonly slices: number }
  | { readonly ok: false; readonly code: string; readonly message: string };
