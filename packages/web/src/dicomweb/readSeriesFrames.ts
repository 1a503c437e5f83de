/**
 * One WADO-RS Retrieve Series request (PS3.18 10.4.1.1.1) read as it streams in: each Part 10
 * instance whose Pixel Data is native little endian is handed over with its frames
 * (readNativeFrames) as soon as its part is complete (readMultipartStream); instances it cannot
 * pass on as they are (see readNativeFrames) are skipped, and the caller leaves their frames to
 * the regular loader.
 */
import { readMultipartStream } from './readMultipartStream.js';
import { readNativeFrames, type NativeFrames } from './readNativeFrames.js';

/** Retrieve Series as Part 10 instances in Explicit VR Little Endian (native pixel data). */
export const seriesAcceptHeader = 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.1';

export async function readSeriesFrames(seriesUrl: string, options: { fetch?: typeof fetch; signal?: AbortSignal; onInstance: (instance: NativeFrames) => void }): Promise<void> {
  const fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
  const response = await fetchFn(seriesUrl, { headers: { accept: seriesAcceptHeader }, ...(options.signal === undefined ? {} : { signal: options.signal }) });
  if (!response.ok || response.body === null) throw new Error(`Retrieve Series answered ${response.status}`);
  await readMultipartStream(response.body, response.headers.get('content-type') ?? '', ({ body }) => {
    const native = readNativeFrames(body);
    if (native !== undefined) options.onInstance(native);
  });
}
