/**
 * Starts Cornerstone3D once per page: core (WebGL rendering), tools (the tools the
 * toolbar offers are registered here), the DICOM image loader with its codec web
 * workers (wadors: scheme; JPEG 2000, JPEG-LS, HTJ2K… decode in workers; prefetched native
 * frames of a volume are made into images on the page's thread, createNativeImage) and the
 * streaming volume loader (streamingVolumeLoader). Called from main.tsx; the result is handed
 * down through React context, never kept in a module.
 */
import { Enums as CoreEnums, imageLoader, init as coreInit, volumeLoader, type Types } from '@cornerstonejs/core';
import { createImage, init as dicomImageLoaderInit, wadors } from '@cornerstonejs/dicom-image-loader';
import {
  addTool,
  AngleTool,
  ArrowAnnotateTool,
  CobbAngleTool,
  EllipticalROITool,
  HeightTool,
  CrosshairsTool,
  init as toolsInit,
  LengthTool,
  PanTool,
  ProbeTool,
  StackScrollTool,
  WindowLevelTool,
  ZoomTool,
} from '@cornerstonejs/tools';
import type { DicomJsonDataset } from '../dicomweb/dicomJson.js';
import { CalibrationLineTool } from './CalibrationLineTool.js';
import { createNativeImage } from './createNativeImage.js';
import { streamingVolumeLoader } from './streamingVolumeLoader.js';

/** Frames fetched ahead of the loader (FramePrefetcher): a promise when the id was queued there. */
export interface FrameSource {
  /** `release`, where given, is called once the frame's bytes were read for the last time (their buffer is then reused). */
  take(imageId: string): Promise<{ readonly pixelData: Uint8Array; readonly transferSyntaxUid: string; readonly release?: () => void } | undefined> | undefined;
}

export interface CornerstoneRuntime {
  /** Hands one instance's WADO-RS metadata to the wadors loader for its image id. */
  registerWadorsMetadata(imageId: string, instance: DicomJsonDataset): void;
  /** Lets the wadors: loader take frames from `source` before fetching them itself; returns the unregistration. */
  addFrameSource(source: FrameSource): () => void;
}

/**
 * The wadors: loader, first asking the frame sources: a prefetched native grayscale frame that a
 * volume asked for becomes its image right here (createNativeImage), any other prefetched frame
 * goes to the dicom-image-loader's createImage (decoded in its workers, as after its own fetch);
 * a frame no source has, or one a source could not fetch, goes through the loader's own request.
 */
function wadorsLoaderWithSources(sources: ReadonlySet<FrameSource>): Types.ImageLoaderFn {
  return (imageId, options = {}) => {
    let prefetched: ReturnType<FrameSource['take']>;
    for (const source of sources) {
      prefetched = source.take(imageId);
      if (prefetched !== undefined) break;
    }
    if (prefetched === undefined) return wadors.loadImage(imageId, options);
    const start = performance.now();
    const promise = prefetched.then(async (part) => {
      if (part === undefined) return wadors.loadImage(imageId, options).promise;
      const native = createNativeImage(imageId, part.pixelData, part.transferSyntaxUid, options);
      // The native image holds a converted copy: the frame's buffer can take the next part (PartBufferPool). The
      // worker path may still read it, so it is left alone there.
      if (native !== undefined) part.release?.();
      const image = native ?? ((await createImage(imageId, part.pixelData, part.transferSyntaxUid, options)) as Types.IImage);
      return Object.assign(image, {
        loadTimeInMS: performance.now() - start,
        transferSyntaxUID: part.transferSyntaxUid,
        imageQualityStatus: CoreEnums.ImageQualityStatus.FULL_RESOLUTION,
      });
    });
    return { promise } as Types.IImageLoadObject;
  };
}

export function initCornerstone(): CornerstoneRuntime {
  // One WebGL context per rendering engine instead of Cornerstone's pool of 7: the volume viewports of an MPR all
  // draw in the pool's first context anyway, and with software WebGL every context is served by the same GPU-process
  // thread, so the other six only cost their creation (the seven took ~0.1 s of the page's thread at study open on
  // 2 busy cores, bench/viewer trace 2026-11-27) and their memory. Stack viewports share the one context, as before Cornerstone 4.
  coreInit({ rendering: { webGlContextCount: 1 } } as Parameters<typeof coreInit>[0]);
  toolsInit();
  // One core stays with the main thread (and software WebGL in CI); bench/viewer saw no gain from more on 2 cores.
  const workers = Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1));
  dicomImageLoaderInit({ maxWebWorkers: workers });
  const frameSources = new Set<FrameSource>();
  imageLoader.registerImageLoader('wadors', wadorsLoaderWithSources(frameSources));
  volumeLoader.registerVolumeLoader('cornerstoneStreamingImageVolume', streamingVolumeLoader as unknown as Types.VolumeLoaderFn);
  for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool, CrosshairsTool, LengthTool, AngleTool, CobbAngleTool, ProbeTool, HeightTool, EllipticalROITool, ArrowAnnotateTool, CalibrationLineTool]) {
    addTool(tool);
  }
  return {
    registerWadorsMetadata(imageId, instance) {
      wadors.metaDataManager.add(imageId, instance as unknown as Parameters<typeof wadors.metaDataManager.add>[1]);
    },
    addFrameSource(source) {
      frameSources.add(source);
      return () => frameSources.delete(source);
    },
  };
}
