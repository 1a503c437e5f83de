/**
 * One WADO-RS Retrieve Series request (PS3.18 10.4.1.1.1) read as it streams in, as a few
 * concurrent byte ranges where the server offers them (readMultipartRanges): each Part 10
 * instance whose Pixel Data is native little endian is handed over with its frames
 * (readNativeFrames) as soon as its part is complete; instances it cannot pass on as they are
 * (see readNativeFrames) are skipped, and the caller leaves their frames to the regular loader.
 */
import { PartBufferPool } from './PartBufferPool.js';
import { readMultipartRanges } from './readMultipartRanges.js';
import { readNativeFrames, type NativeFrames } from './readNativeFrames.js';

/**
 * An instance's frames as handed over; `release` (single-frame instances) gives the part's buffer back for the next
 * part once the frame was read for the last time (PartBufferPool): nothing may read `frames` after it.
 */
export interface SeriesInstance extends NativeFrames {
  readonly release?: () => void;
}

/** Retrieve Series as Part 10 instances in Explicit VR Little Endian (native pixel data). */
export const seriesAcceptHeader = 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1';

/**
 * Concurrent ranges per series, and the smallest range worth its own request. Two: at load 2–4
 * two whole-series responses at once got 1.5–2.3× the bytes of one through Chromium (bench/viewer,
 * 2026-11-26); at load 8–13 (2026-11-27) the CPU was the limit and 2 or 3 ranges were no faster than
 * one stream (runSeriesDownloadBench: one 1.9–3.0 s, 2 ranges 2.3–4.3 s, 3 ranges 2.2–3.1 s).
 */
export const seriesStreams = 2;
export const minSeriesRangeBytes = 8 * 1024 * 1024;

export async function readSeriesFrames(
  seriesUrl: string,
  options: { fetch?: typeof fetch; signal?: AbortSignal; streams?: number; onInstance: (instance: SeriesInstance) => void },
): Promise<void> {
  const pool = new PartBufferPool();
  await readMultipartRanges(
    seriesUrl,
    {
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      headers: { accept: seriesAcceptHeader },
      streams: options.streams ?? seriesStreams,
      minRangeBytes: minSeriesRangeBytes,
      allocate: (length) => pool.take(length),
    },
    ({ body }) => {
      const native = readNativeFrames(body);
      if (native === undefined) return;
      options.onInstance(native.frames.length === 1 ? { ...native, release: () => pool.give(body) } : native);
    },
  );
}
