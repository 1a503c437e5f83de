/**
 * Starts Cornerstone3D once per page: core (WebGL rendering), tools (the tools the
 * toolbar offers are registered here) and the DICOM image loader with its codec web
 * workers (wadors: scheme; JPEG 2000, JPEG-LS, HTJ2K… decode in workers). Called from
 * main.tsx; the result is handed down through React context, never kept in a module.
 */
import { init as coreInit } from '@cornerstonejs/core';
import { init as dicomImageLoaderInit, wadors } from '@cornerstonejs/dicom-image-loader';
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

export interface CornerstoneRuntime {
  /** Hands one instance's WADO-RS metadata to the wadors loader for its image id. */
  registerWadorsMetadata(imageId: string, instance: DicomJsonDataset): void;
}

export function initCornerstone(): CornerstoneRuntime {
  coreInit();
  toolsInit();
  // One core stays with the main thread (and software WebGL in CI); bench/viewer saw no gain from more on 2 cores.
  const workers = Math.max(1, Math.min(4, (navigator.hardwareConcurrency || 2) - 1));
  dicomImageLoaderInit({ maxWebWorkers: workers });
  for (const tool of [WindowLevelTool, PanTool, ZoomTool, StackScrollTool, CrosshairsTool, LengthTool, AngleTool, CobbAngleTool, ProbeTool, HeightTool, EllipticalROITool, ArrowAnnotateTool, CalibrationLineTool]) {
    addTool(tool);
  }
  return {
    registerWadorsMetadata(imageId, instance) {
      wadors.metaDataManager.add(imageId, instance as unknown as Parameters<typeof wadors.metaDataManager.add>[1]);
    },
  };
}
