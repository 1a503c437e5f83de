/**
 * Fetches the uncompressed frames of a volume ahead of Cornerstone's loader and hands each
 * frame's bytes over when the loader asks for it. Two ways:
 * - prefetchSeries: the whole series as one WADO-RS Retrieve Series response (PS3.18 10.4.1.1.1,
 *   application/dicom in Explicit VR Little Endian, so the server decodes compressed instances as
 *   for frames), read as it streams in (readSeriesFrames) — as a few concurrent byte ranges of that
 *   response where the server offers them (readMultipartRanges) — each instance's frames taken from
 *   its Pixel Data (readNativeFrames). One response instead of one request per slice: in headless
 *   Chromium on 2 busy cores (bench/viewer, 2026-11-26) 300 slices took 0.7–2.7 s and 0.95–1.9 CPU-s
 *   this way against 2.5–7.4 s and 3.4–4.9 CPU-s as 300 frame requests.
 * - prefetch: one WADO-RS frames request per frame (PS3.18 10.4.1.1.3, the wadors: loader's URL
 *   and Accept header), a few at a time in the order given, the part cut out from its headers
 *   (extractSingleFramePart) where the loader scans every pixel byte for the boundary.
 * A frame that could not be fetched this way resolves undefined and is left to the regular loader.
 */
import { extractSingleFramePart, type FramePart } from '../dicomweb/extractSingleFramePart.js';
import { readSeriesFrames, type SeriesInstance } from '../dicomweb/readSeriesFrames.js';

/** Reads a Retrieve Series response and hands over each instance's frames; rejects when it cannot. */
export type SeriesReader = (seriesUrl: string, signal: AbortSignal, onInstance: (instance: SeriesInstance) => void) => Promise<void>;

/** On the calling thread. */
export const readSeriesInThread: SeriesReader = (seriesUrl, signal, onInstance) => readSeriesFrames(seriesUrl, { signal, onInstance });

/** What Cornerstone's wadors loader asks for: uncompressed frames, any stored transfer syntax. */
export const frameAcceptHeader = 'multipart/related; type=application/octet-stream; transfer-syntax=*';

const frameImageId = /^wadors:(.+\/series\/[^/]+)\/instances\/([^/]+)\/frames\/(\d+)$/;

export interface FramePrefetcherOptions {
  /** Requests in flight at once (the browser's per-host connection limit is 6). */
  readonly concurrency?: number;
  readonly fetch?: typeof fetch;
  /**
   * How Retrieve Series responses are read (default: on the page's thread). Reading them in a Web
   * Worker took ~0.35 CPU-s off the main thread per 300-slice load but did not shorten it (bench/viewer,
   * 2026-11-26 17:02, 4 runs each at load 10–12), so the simpler in-thread reader stays. Tried again on
   * 2026-11-27 (worker fetching and parsing, frame buffers transferred, so that the series keeps streaming
   * while the page's thread waits on the GPU process): at load 8 on 2 cores, 6 runs each, 4.8 s and 4.8
   * CPU-s median against 4.1 s and 4.5 CPU-s in-thread; not kept.
   */
  readonly readSeries?: SeriesReader;
}

export class FramePrefetcher {
  private readonly pending = new Map<string, Promise<FramePart | undefined>>();
  private readonly resolvers = new Map<string, (part: FramePart | undefined) => void>();
  private readonly queue: string[] = [];
  private readonly abort = new AbortController();
  private readonly concurrency: number;
  private readonly fetchFn: typeof fetch;
  private readonly readSeries: SeriesReader;
  private running = 0;

  constructor(options: FramePrefetcherOptions = {}) {
    this.concurrency = Math.max(1, options.concurrency ?? 6);
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.readSeries = options.readSeries ?? readSeriesInThread;
  }

  /** Queues `wadors:` image ids (fetched in this order); ids already queued are skipped. */
  prefetch(imageIds: readonly string[]): void {
    if (this.abort.signal.aborted) return;
    for (const imageId of imageIds) {
      if (this.pending.has(imageId) || !imageId.startsWith('wadors:')) continue;
      this.pending.set(imageId, new Promise((resolve) => this.resolvers.set(imageId, resolve)));
      this.queue.push(imageId);
    }
    while (this.running < this.concurrency && this.queue.length > 0) void this.runWorker();
  }

  /**
   * Queues the frames of `imageIds` (wadors: frame URLs) to come from one Retrieve Series
   * request per series; ids of another form go to `prefetch`.
   */
  prefetchSeries(imageIds: readonly string[]): void {
    if (this.abort.signal.aborted) return;
    const bySeries = new Map<string, Map<string, string>>();
    const others: string[] = [];
    for (const imageId of imageIds) {
      if (this.pending.has(imageId)) continue;
      const match = frameImageId.exec(imageId);
      if (match === null) {
        others.push(imageId);
        continue;
      }
      const [, seriesUrl, sopInstanceUid, frame] = match as unknown as [string, string, string, string];
      this.pending.set(imageId, new Promise((resolve) => this.resolvers.set(imageId, resolve)));
      let frames = bySeries.get(seriesUrl);
      if (frames === undefined) bySeries.set(seriesUrl, (frames = new Map()));
      frames.set(`${sopInstanceUid}/${Number(frame)}`, imageId);
    }
    for (const [seriesUrl, frames] of bySeries) void this.fetchSeries(seriesUrl, frames);
    if (others.length > 0) this.prefetch(others);
  }

  /**
   * The frame of `imageId` once fetched (undefined: fetch it the regular way), or undefined
   * at once when it was never queued. Each frame is handed over once, then forgotten.
   */
  take(imageId: string): Promise<FramePart | undefined> | undefined {
    const part = this.pending.get(imageId);
    if (part !== undefined) this.pending.delete(imageId);
    return part;
  }

  /** Stops fetching; every frame not yet fetched resolves undefined. */
  cancel(): void {
    this.abort.abort();
    this.queue.length = 0;
    for (const resolve of this.resolvers.values()) resolve(undefined);
    this.resolvers.clear();
    this.pending.clear();
  }

  private async runWorker(): Promise<void> {
    this.running += 1;
    try {
      for (let imageId = this.queue.shift(); imageId !== undefined; imageId = this.queue.shift()) {
        this.settle(imageId, await this.fetchFrame(imageId));
      }
    } finally {
      this.running -= 1;
    }
  }

  private settle(imageId: string, part: FramePart | undefined): void {
    this.resolvers.get(imageId)?.(part);
    this.resolvers.delete(imageId);
  }

  /** `frames`: "SOP Instance UID/frame number" → image id; whatever the response lacks settles undefined. */
  private async fetchSeries(seriesUrl: string, frames: Map<string, string>): Promise<void> {
    try {
      await this.readSeries(seriesUrl, this.abort.signal, (native) => {
        native.frames.forEach((pixelData, k) => {
          const key = `${native.sopInstanceUid}/${k + 1}`;
          const imageId = frames.get(key);
          if (imageId === undefined) return;
          frames.delete(key);
          // A single-frame instance's buffer goes back to the reader once its image is made (initCornerstone).
          this.settle(imageId, { pixelData, transferSyntaxUid: native.transferSyntaxUid, ...(native.release === undefined ? {} : { release: native.release }) });
        });
      });
    } catch {
      // settled below: the regular loader fetches what is missing
    } finally {
      for (const imageId of frames.values()) this.settle(imageId, undefined);
    }
  }

  private async fetchFrame(imageId: string): Promise<FramePart | undefined> {
    try {
      const response = await this.fetchFn(imageId.slice('wadors:'.length), { headers: { accept: frameAcceptHeader }, signal: this.abort.signal });
      if (!response.ok) return undefined;
      const body = new Uint8Array(await response.arrayBuffer());
      return extractSingleFramePart(body, response.headers.get('content-type') ?? 'application/octet-stream');
    } catch {
      return undefined;
    }
  }
}
