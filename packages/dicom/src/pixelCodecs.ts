/**
 * The compressed-pixel codecs (libjpeg, CharLS, OpenJPEG, OpenJPH compiled to one
 * WebAssembly module by dcmjs-codecs). The module instantiates asynchronously once per
 * process (dcmjs-codecs keeps it); `loadPixelCodecs()` must have resolved before
 * `decodeFrame` meets a JPEG-family transfer syntax. Native, deflated and RLE data
 * decode without it.
 */
import { createRequire } from 'node:module';
import { VertebraError } from '@vertebra/errors';

const require = createRequire(import.meta.url);

export interface CodecContextAttributes {
  width: number;
  height: number;
  bitsAllocated: number;
  bitsStored: number;
  samplesPerPixel: number;
  pixelRepresentation: number;
  planarConfiguration: number;
  photometricInterpretation: string;
  encodedBuffer?: Uint8Array;
  decodedBuffer?: Uint8Array;
}

export interface CodecContext {
  getEncodedBuffer(): Uint8Array | undefined;
  getDecodedBuffer(): Uint8Array | undefined;
  getPhotometricInterpretation(): string | undefined;
  getPlanarConfiguration(): number | undefined;
  getBitsStored(): number | undefined;
}

export interface NativeCodecsApi {
  initializeAsync(options?: { webAssemblyModulePathOrUrl?: string; logCodecsInfo?: boolean; logCodecsTrace?: boolean }): Promise<void>;
  isInitialized(): boolean;
  decodeJpeg(context: CodecContext, parameters?: { convertColorspaceToRgb?: boolean }): CodecContext;
  encodeJpeg(context: CodecContext, parameters?: Record<string, unknown>): CodecContext;
  decodeJpegLs(context: CodecContext, parameters?: Record<string, unknown>): CodecContext;
  encodeJpegLs(context: CodecContext, parameters?: Record<string, unknown>): CodecContext;
  decodeJpeg2000(context: CodecContext, parameters?: Record<string, unknown>): CodecContext;
  encodeJpeg2000(context: CodecContext, parameters?: Record<string, unknown>): CodecContext;
  decodeHtJpeg2000(context: CodecContext, parameters?: Record<string, unknown>): CodecContext;
  encodeHtJpeg2000(context: CodecContext, parameters?: Record<string, unknown>): CodecContext;
  decodeRle(context: CodecContext, parameters?: Record<string, unknown>): CodecContext;
  encodeRle(context: CodecContext, parameters?: Record<string, unknown>): CodecContext;
}

interface DcmjsCodecsModule {
  NativeCodecs: NativeCodecsApi;
  Context: new (attributes: Partial<CodecContextAttributes>) => CodecContext;
  log: { setLevel(level: string): void };
}

export function codecsModule(): DcmjsCodecsModule {
  return require('dcmjs-codecs') as DcmjsCodecsModule;
}

/** Loads the codec WebAssembly (about 50 ms, once per process; later calls return at once). */
export async function loadPixelCodecs(): Promise<void> {
  const { NativeCodecs, log } = codecsModule();
  if (NativeCodecs.isInitialized()) return;
  log.setLevel('silent');
  try {
    await NativeCodecs.initializeAsync({ logCodecsInfo: false, logCodecsTrace: false });
  } catch (error) {
    throw new VertebraError('INTERNAL', `cannot load the pixel codec WebAssembly module: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

export function pixelCodecsLoaded(): boolean {
  return codecsModule().NativeCodecs.isInitialized();
}

/** The codecs, or a DICOM_DECODE_FAILED naming what to do when they are not loaded yet. */
export function loadedCodecs(transferSyntaxUid: string, subjectOptions: { subject?: string }): DcmjsCodecsModule {
  const module = codecsModule();
  if (!module.NativeCodecs.isInitialized()) {
    throw new VertebraError('DICOM_DECODE_FAILED', `decoding transfer syntax ${transferSyntaxUid} needs the codec module: await loadPixelCodecs() once before decodeFrame (or use decodeFrameAsync)`, subjectOptions);
  }
  return module;
}
