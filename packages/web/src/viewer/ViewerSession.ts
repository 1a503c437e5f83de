/**
 * One open hanging protocol in Cornerstone3D: a rendering engine, its viewports (volume
 * viewports for MPR, stack viewports otherwise), their tool groups, and the loading of
 * each series through WADO-RS (metadata → wadors: image ids → streaming volume or stack).
 * A CT opens with its middle slice painted on a 2D canvas over the axial view (one frame,
 * before any WebGL set-up), then the volume streams in middle-out and replaces it.
 * It reports progress and render completion per viewport through `onViewportState`; the
 * React layer turns that into the visible progress bar, errors and `data-render-state`.
 */
import {
  cache,
  Enums as CoreEnums,
  eventTarget,
  imageLoader,
  metaData,
  RenderingEngine,
  setVolumesForViewports,
  utilities as coreUtilities,
  volumeLoader,
  type Types,
} from '@cornerstonejs/core';
import {
  CrosshairsTool,
  Enums as ToolEnums,
  PanTool,
  StackScrollTool,
  annotation as annotationApi,
  ToolGroupManager,
  utilities as toolUtilities,
  WindowLevelTool,
  ZoomTool,
  type Types as ToolTypes,
} from '@cornerstonejs/tools';
import type { CalibrationSource, Measurement } from '@vertebra/contracts';
import type { DicomwebClient } from '../dicomweb/DicomwebClient.js';
import { buildImageIds } from '../dicomweb/buildImageIds.js';
import { numberValue, type DicomJsonDataset } from '../dicomweb/dicomJson.js';
import type { CornerstoneRuntime } from '../cornerstone/initCornerstone.js';
import { preallocateVolumeTexture } from '../cornerstone/preallocateVolumeTexture.js';
import { progressiveRedrawDue } from '../cornerstone/progressiveRedrawDue.js';
import { streamingTextureUpload } from '../cornerstone/streamingTextureUpload.js';
import { warmNorm16Probe } from '../cornerstone/warmNorm16Probe.js';
import { primaryTools, type PrimaryToolId } from '../cornerstone/toolNames.js';
import type { HangingProtocol, MprOrientation, ViewportSpec } from './chooseHangingProtocol.js';
import { FramePrefetcher } from './FramePrefetcher.js';
import { middleOutOrder } from './middleOutOrder.js';
import { chooseSliceDisplay, chooseVoiWindow, displayedSize, fitRect, renderSliceToRgba } from './renderSliceToRgba.js';
import { windowToVoiRange, type WindowPreset } from './windowPresets.js';
import { parseWadorsImageId, toolNameByToolType, type CodecContext } from './measurementCodec.js';
import { readImageSpacing, resolveCalibration, toCornerstoneCalibration, type ImageSpacingInfo, type ResolvedCalibration } from './resolveCalibration.js';

export type ViewportRenderState = 'loading' | 'rendered' | 'error';

export interface ViewportState {
  readonly state: ViewportRenderState;
  readonly framesLoaded: number;
  readonly framesTotal: number;
  readonly error?: string;
}

export interface ViewerSessionOptions {
  readonly client: DicomwebClient;
  readonly runtime: CornerstoneRuntime;
  readonly studyInstanceUid: string;
  readonly protocol: HangingProtocol;
  /** The viewport elements by viewport id (rendered by React before the session starts). */
  readonly elements: ReadonlyMap<string, HTMLDivElement>;
  readonly onViewportState: (viewportId: string, state: ViewportState) => void;
  /** WADO-RS series metadata requests already under way (started as soon as the series list arrived), by series. */
  readonly metadataRequests?: ReadonlyMap<string, Promise<DicomJsonDataset[]>>;
  /** The series' user calibration (mm per pixel) saved on the server, if any; asked once per stack series. */
  readonly loadUserCalibration?: (seriesInstanceUid: string) => Promise<number | undefined>;
  /** The calibration each stack viewport's lengths rest on, whenever it is set or changes. */
  readonly onCalibration?: (viewportId: string, calibration: ResolvedCalibration) => void;
  /** Stack viewports: the image shown (0-based index of total), and the clip's recommended frame rate when the header has one. */
  readonly onFrame?: (viewportId: string, frame: { readonly index: number; readonly total: number; readonly recommendedFps?: number }) => void;
}

const orientationAxis: Record<MprOrientation, CoreEnums.OrientationAxis> = {
  axial: CoreEnums.OrientationAxis.AXIAL,
  sagittal: CoreEnums.OrientationAxis.SAGITTAL,
  coronal: CoreEnums.OrientationAxis.CORONAL,
};

/**
 * Shortest interval between redraws while a volume streams in (each redraw of three MPR views costs ~100 ms with software WebGL).
 * bench/viewer, 2026-11-26: no redraw at all while streaming cost ~0.5 CPU-s less per 300-slice load than one a second.
 */
const progressiveRenderIntervalMs = 2000;

/** No progress redraw when the rest of the volume is expected within this long (progressiveRedrawDue): the final draw follows. */
const progressiveRenderSkipWithinMs = 1000;

/**
 * Shortest interval between uploads of the slices that came in to the volume's texture while it streams in, without a
 * redraw (streamingTextureUpload). Without them every slice that arrived since the last redraw went up in the final
 * render, after the last byte, on the critical path; with them the GPU process copies them meanwhile, on its own core.
 */
const textureUploadIntervalMs = 100;

const referenceLineColors: Record<string, string> = {
  'mpr-axial': 'rgb(255, 80, 80)',
  'mpr-sagittal': 'rgb(240, 220, 60)',
  'mpr-coronal': 'rgb(80, 200, 80)',
};

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) {
    const detail = error as { error?: { message?: unknown }; message?: unknown; status?: unknown };
    if (typeof detail.message === 'string') return detail.message;
    if (typeof detail.error?.message === 'string') return detail.error.message;
    if (typeof detail.status === 'number') return `HTTP ${detail.status}`;
  }
  return String(error);
}

export interface OverlayViewport {
  readonly seriesInstanceUid: string;
  readonly frameOfReferenceUid?: string;
  readonly viewPlaneNormal: readonly [number, number, number];
  readonly pointOnPlaneLps: readonly [number, number, number];
  /** Thickness of the shown slab (volume viewports), mm: the overlay draws measured segments within half of it. */
  readonly slabThicknessMm?: number;
  worldToCanvas(world: readonly [number, number, number]): [number, number];
}

/** The first-image preview of a volume: drawn settles when its slice is on screen (or failed). */
interface Preview {
  /** The volume viewport it covers. */
  readonly viewportId: string | undefined;
  readonly drawn: Promise<void>;
  remove(): void;
}

const noPreview: Preview = { viewportId: undefined, drawn: Promise.resolve(), remove: () => undefined };

/** Shortest interval between progress reports (the progress bar) while a volume streams in. */
const progressReportIntervalMs = 100;

/** Longest wait for the preview before the viewports and the volume are set up regardless. */
const previewHeadStartMs = 1500;

function settledWithin(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Draws a decoded Cornerstone image, aspect kept and centred, on a canvas sized to its box. */
function paintPreview(canvas: HTMLCanvasElement, image: Types.IImage): void {
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(canvas.clientWidth * ratio));
  canvas.height = Math.max(1, Math.round(canvas.clientHeight * ratio));
  const { rows, columns } = image;
  const pixels = image.getPixelData() as ArrayLike<number>;
  const scaled = image.preScale?.scaled === true;
  const slope = scaled ? 1 : (image.slope ?? 1);
  const intercept = scaled ? 0 : (image.intercept ?? 0);
  const values = slope === 1 && intercept === 0 ? pixels : Float32Array.from(pixels as ArrayLike<number>, (v) => v * slope + intercept);
  const first = (v: number | number[] | undefined): number | undefined => (Array.isArray(v) ? v[0] : v);
  const voi = chooseVoiWindow({
    ...(first(image.windowCenter) === undefined ? {} : { headerCenter: first(image.windowCenter) as number }),
    ...(first(image.windowWidth) === undefined ? {} : { headerWidth: first(image.windowWidth) as number }),
    min: image.minPixelValue * slope + intercept,
    max: image.maxPixelValue * slope + intercept,
  });
  // Turned like the volume view that replaces it (a prone or feet-first series is stored mirrored).
  const plane = metaData.get('imagePlaneModule', image.imageId) as { rowCosines?: number[]; columnCosines?: number[] } | undefined;
  const transform = chooseSliceDisplay(plane?.rowCosines, plane?.columnCosines);
  const shown = displayedSize(transform, { columns, rows, columnSpacingMm: image.columnPixelSpacing || 1, rowSpacingMm: image.rowPixelSpacing || 1 });
  const slice = new ImageData(shown.width, shown.height);
  renderSliceToRgba(values, voi, slice.data, { stored: { columns, rows }, transform });
  const source = document.createElement('canvas');
  source.width = shown.width;
  source.height = shown.height;
  source.getContext('2d')?.putImageData(slice, 0, 0);
  const context = canvas.getContext('2d');
  if (context === null) return;
  context.fillStyle = '#000';
  context.fillRect(0, 0, canvas.width, canvas.height);
  const rect = fitRect({ canvasWidth: canvas.width, canvasHeight: canvas.height, imageWidthMm: shown.widthMm, imageHeightMm: shown.heightMm });
  context.imageSmoothingEnabled = true;
  context.drawImage(source, rect.x, rect.y, rect.width, rect.height);
}

export class ViewerSession {
  private readonly options: ViewerSessionOptions;
  private readonly sessionId: string;
  private readonly renderingEngine: RenderingEngine;
  private readonly volumeToolGroupId: string;
  private readonly stackToolGroupId: string;
  private readonly volumeIds = new Set<string>();
  private readonly cleanups: Array<() => void> = [];
  private primaryTool: PrimaryToolId = 'windowLevel';
  /** Header spacing facts of every image id loaded into a stack viewport. */
  private readonly imageSpacing = new Map<string, ImageSpacingInfo>();
  /** Image ids shown per stack viewport. */
  private readonly stackImageIds = new Map<string, readonly string[]>();
  private readonly userCalibrations = new Map<string, number>();
  private readonly imageCalibration = new Map<string, ResolvedCalibration>();
  /** Frames per second from CineRate (0018,0040), RecommendedDisplayFrameRate (0008,2144) or FrameTime (0018,1063), per series. */
  private readonly recommendedFps = new Map<string, number>();
  private destroyed = false;
  private firstImageMarked = false;
  /** Image ids of each series (its metadata registered once). */
  private readonly seriesImageIds = new Map<string, Promise<string[]>>();
  /** WADO-RS series metadata requests started by start(), by series. */
  private readonly metadataRequests = new Map<string, Promise<DicomJsonDataset[]>>();
  /** Volume frames fetched ahead of Cornerstone's loader (which takes them from here). */
  private readonly frames = new FramePrefetcher();

  constructor(options: ViewerSessionOptions) {
    this.options = options;
    this.sessionId = `vertebra-${Math.random().toString(36).slice(2, 10)}`;
    this.renderingEngine = new RenderingEngine(this.sessionId);
    this.volumeToolGroupId = `${this.sessionId}-volume`;
    this.stackToolGroupId = `${this.sessionId}-stack`;
  }

  /** Creates the viewports and tool groups and loads every series; resolves when all viewports rendered or failed. */
  async start(): Promise<void> {
    const { protocol, elements, client, studyInstanceUid } = this.options;
    const removeFrameSource = this.options.runtime.addFrameSource(this.frames);
    this.cleanups.push(() => {
      removeFrameSource();
      this.frames.cancel();
    });
    // Series metadata first: its round trip overlaps the viewport and tool set-up below.
    for (const spec of protocol.viewports) {
      if (this.metadataRequests.has(spec.seriesInstanceUid)) continue;
      const request = this.options.metadataRequests?.get(spec.seriesInstanceUid) ?? client.seriesMetadata(studyInstanceUid, spec.seriesInstanceUid);
      request.catch(() => undefined); // awaited (and reported) by imageIdsFor
      this.metadataRequests.set(spec.seriesInstanceUid, request);
    }
    // CT: the middle slice on a plain 2D canvas before anything else is set up; its frame goes
    // first and alone (with the volume's requests in flight, its decode would queue behind
    // theirs on the main thread). The volume viewports and the volume follow.
    const volumeSpecs = protocol.viewports.filter((s) => s.kind === 'volume');
    const previews = new Map<string, Preview>();
    const firstVolume = volumeSpecs[0];
    if (firstVolume !== undefined) {
      const seriesSpecs = volumeSpecs.filter((s) => s.seriesInstanceUid === firstVolume.seriesInstanceUid);
      const preview = await this.imageIdsFor(firstVolume.seriesInstanceUid).then(
        (imageIds) => this.showPreview(seriesSpecs, imageIds),
        () => noPreview, // loadVolume reports the error
      );
      previews.set(firstVolume.seriesInstanceUid, preview);
      await settledWithin(preview.drawn, previewHeadStartMs);
      if (this.destroyed) return;
      // The volume's frames start now; the viewports and tool groups are set up meanwhile.
      await this.prefetchFrames(firstVolume.seriesInstanceUid).catch(() => undefined);
      // vtk.js's texture-format probe while the GPU process is idle, not inside the first volume draw.
      warmNorm16Probe();
    }
    const inputs: Types.PublicViewportInput[] = [];
    for (const spec of protocol.viewports) {
      const element = elements.get(spec.viewportId);
      if (element === undefined) throw new Error(`no element for viewport ${spec.viewportId}`);
      element.oncontextmenu = (event) => event.preventDefault();
      inputs.push(
        spec.kind === 'volume'
          ? {
              viewportId: spec.viewportId,
              type: CoreEnums.ViewportType.ORTHOGRAPHIC,
              element,
              defaultOptions: { orientation: orientationAxis[spec.orientation ?? 'axial'], background: [0, 0, 0] as Types.Point3 },
            }
          : { viewportId: spec.viewportId, type: CoreEnums.ViewportType.STACK, element, defaultOptions: { background: [0, 0, 0] as Types.Point3 } },
      );
    }
    this.renderingEngine.setViewports(inputs);
    this.createToolGroups(protocol.viewports);

    const bySeries = new Map<string, ViewportSpec[]>();
    for (const spec of protocol.viewports) {
      const list = bySeries.get(`${spec.kind}:${spec.seriesInstanceUid}`) ?? [];
      list.push(spec);
      bySeries.set(`${spec.kind}:${spec.seriesInstanceUid}`, list);
    }
    await Promise.all(
      [...bySeries.values()].map(async (specs) => {
        const first = specs[0] as ViewportSpec;
        try {
          if (first.kind === 'volume') await this.loadVolume(first.seriesInstanceUid, specs, previews.get(first.seriesInstanceUid) ?? noPreview);
          else await this.loadStacks(first.seriesInstanceUid, specs);
        } catch (error) {
          for (const spec of specs) this.report(spec.viewportId, { state: 'error', framesLoaded: 0, framesTotal: 0, error: errorText(error) });
        }
      }),
    );
  }

  /** Performance mark 'vertebra:first-image' (User Timing) when the first loaded pixels are drawn; read by bench/viewer. */
  private markFirstImage(): void {
    if (this.firstImageMarked || this.destroyed) return;
    this.firstImageMarked = true;
    performance.mark('vertebra:first-image');
  }

  private report(viewportId: string, state: ViewportState): void {
    if (!this.destroyed) this.options.onViewportState(viewportId, state);
  }

  private imageIdsFor(seriesInstanceUid: string): Promise<string[]> {
    let ids = this.seriesImageIds.get(seriesInstanceUid);
    if (ids === undefined) {
      ids = this.loadImageIds(seriesInstanceUid);
      this.seriesImageIds.set(seriesInstanceUid, ids);
    }
    return ids.then((list) => [...list]);
  }

  private async loadImageIds(seriesInstanceUid: string): Promise<string[]> {
    const { client, studyInstanceUid, runtime } = this.options;
    const instances = await (this.metadataRequests.get(seriesInstanceUid) ?? client.seriesMetadata(studyInstanceUid, seriesInstanceUid));
    const { imageIds } = buildImageIds({
      client,
      studyInstanceUid,
      seriesInstanceUid,
      instances,
      register: (id, instance) => {
        runtime.registerWadorsMetadata(id, instance);
        this.imageSpacing.set(id, readImageSpacing(instance));
        if (!this.recommendedFps.has(seriesInstanceUid)) {
          const frameTimeMs = numberValue(instance, '00181063');
          const fps = numberValue(instance, '00180040') ?? numberValue(instance, '00082144') ?? (frameTimeMs !== undefined && frameTimeMs > 0 ? 1000 / frameTimeMs : undefined);
          if (fps !== undefined && fps > 0 && fps <= 120) this.recommendedFps.set(seriesInstanceUid, fps);
        }
      },
    });
    if (imageIds.length === 0) throw new Error(`series ${seriesInstanceUid} has no images`);
    performance.mark('vertebra:metadata-loaded');
    return [...imageIds];
  }

  /** Queues the frames of a volume series not yet in Cornerstone's cache on the prefetcher (one series request). */
  private async prefetchFrames(seriesInstanceUid: string): Promise<void> {
    const imageIds = await this.imageIdsFor(seriesInstanceUid);
    if (this.destroyed) return;
    this.frames.prefetchSeries(imageIds.filter((id) => cache.getImageLoadObject(id) === undefined));
  }

  /** Resolves after the next IMAGE_RENDERED of each viewport (render() is asked for here). */
  private waitForRender(viewportIds: readonly string[]): Promise<void> {
    const waits = viewportIds.map(
      (viewportId) =>
        new Promise<void>((resolve) => {
          const element = this.options.elements.get(viewportId);
          if (element === undefined) return resolve();
          const onRendered = (): void => {
            element.removeEventListener(CoreEnums.Events.IMAGE_RENDERED, onRendered);
            resolve();
          };
          element.addEventListener(CoreEnums.Events.IMAGE_RENDERED, onRendered);
        }),
    );
    this.renderingEngine.renderViewports([...viewportIds]);
    return Promise.all(waits).then(() => undefined);
  }

  private async loadVolume(seriesInstanceUid: string, specs: readonly ViewportSpec[], preview: Preview): Promise<void> {
    const viewportIds = specs.map((s) => s.viewportId);
    const imageIds = await this.imageIdsFor(seriesInstanceUid);
    const total = imageIds.length;
    for (const id of viewportIds) this.report(id, { state: 'loading', framesLoaded: 0, framesTotal: total });
    const volumeId = `cornerstoneStreamingImageVolume:${this.sessionId}:${seriesInstanceUid}`;
    this.volumeIds.add(volumeId);

    const failures: string[] = [];
    const onFailed = (event: Event): void => {
      const detail = (event as CustomEvent<{ imageId?: string; error?: unknown }>).detail;
      if (detail?.imageId !== undefined && imageIds.includes(detail.imageId)) failures.push(`${errorText(detail.error)} (${detail.imageId.split('/instances/')[1] ?? detail.imageId})`);
    };
    eventTarget.addEventListener(CoreEnums.Events.IMAGE_LOAD_FAILED, onFailed);
    eventTarget.addEventListener(CoreEnums.Events.IMAGE_LOAD_ERROR, onFailed);
    let anyFrameLoaded = false;
    const onRendered = (): void => {
      if (anyFrameLoaded) this.markFirstImage();
    };
    for (const id of viewportIds) this.options.elements.get(id)?.addEventListener(CoreEnums.Events.IMAGE_RENDERED, onRendered);
    this.cleanups.push(() => {
      for (const id of viewportIds) this.options.elements.get(id)?.removeEventListener(CoreEnums.Events.IMAGE_RENDERED, onRendered);
    });
    // Progressive display, throttled: Cornerstone's own auto-render redraws every 2 % of the
    // frames, which with software WebGL costs more than the loading itself.
    let lastRenderMs = Number.NEGATIVE_INFINITY;
    let lastUploadMs = Number.NEGATIVE_INFINITY;
    let firstFrameMs = Number.NEGATIVE_INFINITY;
    /**
     * Whether the first redraw waits a whole interval after the first slice: where the texture was allocated ahead
     * (preallocateVolumeTexture) and slices go up between redraws. A redraw at the first slice showed one line in the
     * sagittal and coronal views and made the page wait on the GPU process (texture, shaders) while the series
     * stalled; without the texture made ahead it is what creates it, so it stays.
     */
    let deferFirstRender = false;
    /** Uploads the slices loaded since the last upload or redraw; false once it cannot (then only redraws upload). */
    let uploadSlices: (() => boolean) | undefined;
    let lastReportMs = Number.NEGATIVE_INFINITY;
    /** The view hidden under the first-image preview: not redrawn until the volume is complete. */
    let coveredViewportId: string | undefined;
    const onModified = (event: Event): void => {
      const detail = (event as CustomEvent<{ volumeId: string; framesProcessed?: number; numberOfFrames?: number }>).detail;
      if (detail.volumeId !== volumeId || detail.framesProcessed === undefined) return;
      const now = performance.now();
      if (!anyFrameLoaded) {
        performance.mark('vertebra:first-frame-loaded');
        firstFrameMs = now;
        if (deferFirstRender) lastRenderMs = now;
      }
      anyFrameLoaded = true;
      const progress = { nowMs: now, firstSliceMs: firstFrameMs, lastRedrawMs: lastRenderMs, slicesLoaded: detail.framesProcessed, slicesTotal: total };
      if (progressiveRedrawDue(progress, progressiveRenderIntervalMs, progressiveRenderSkipWithinMs)) {
        lastRenderMs = now;
        lastUploadMs = now;
        this.renderingEngine.renderViewports(viewportIds.filter((id) => id !== coveredViewportId));
      } else if (now - lastUploadMs >= textureUploadIntervalMs && detail.framesProcessed < total && uploadSlices !== undefined) {
        lastUploadMs = now;
        queueMicrotask(() => {
          if (!this.destroyed && uploadSlices?.() === false) uploadSlices = undefined;
        });
      }
      // The progress bar is React state: one update per frame re-rendered the viewer 300 times per load.
      if (now - lastReportMs < progressReportIntervalMs) return;
      lastReportMs = now;
      for (const id of viewportIds) this.report(id, { state: 'loading', framesLoaded: detail.framesProcessed, framesTotal: total });
    };
    eventTarget.addEventListener(CoreEnums.Events.IMAGE_VOLUME_MODIFIED, onModified);
    this.cleanups.push(() => {
      eventTarget.removeEventListener(CoreEnums.Events.IMAGE_LOAD_FAILED, onFailed);
      eventTarget.removeEventListener(CoreEnums.Events.IMAGE_LOAD_ERROR, onFailed);
      eventTarget.removeEventListener(CoreEnums.Events.IMAGE_VOLUME_MODIFIED, onModified);
    });

    // The axial view stays under the first-image preview until the volume is complete.
    coveredViewportId = preview.viewportId;

    await this.prefetchFrames(seriesInstanceUid);
    const volume = await volumeLoader.createAndCacheVolume(volumeId, { imageIds });
    performance.mark('vertebra:volume-created');
    (volume as unknown as { autoRenderOnLoad: boolean }).autoRenderOnLoad = false;
    uploadSlices = streamingTextureUpload(volume);
    // The texture is allocated now, while the viewports are set up and the series streams in, not inside the first draw.
    if (preallocateVolumeTexture(this.renderingEngine, viewportIds, volume)) {
      performance.mark('vertebra:texture-allocated');
      deferFirstRender = uploadSlices !== undefined;
    }
    // Slices are requested middle-out. BaseStreamingImageVolume.loadImages queues the requests in
    // reverse, so they are handed over last-first.
    const streaming = volume as unknown as { getImageLoadRequests: (priority: number) => unknown[] };
    const requestsInImageOrder = streaming.getImageLoadRequests.bind(volume);
    streaming.getImageLoadRequests = (priority) => {
      const requests = requestsInImageOrder(priority);
      return middleOutOrder(requests.length).map((i) => requests[i]).reverse();
    };
    const loaded = new Promise<void>((resolve, reject) => {
      const onCompleted = (event: Event): void => {
        if ((event as CustomEvent<{ volumeId: string }>).detail.volumeId !== volumeId) return;
        eventTarget.removeEventListener(CoreEnums.Events.IMAGE_VOLUME_LOADING_COMPLETED, onCompleted);
        if (failures.length > 0) reject(new Error(`${failures.length} of ${total} images failed to load: ${failures[0]}`));
        else resolve();
      };
      eventTarget.addEventListener(CoreEnums.Events.IMAGE_VOLUME_LOADING_COMPLETED, onCompleted);
      this.cleanups.push(() => eventTarget.removeEventListener(CoreEnums.Events.IMAGE_VOLUME_LOADING_COMPLETED, onCompleted));
    });
    loaded.catch(() => preview.remove()); // the viewports show the error instead
    volume.load();
    await setVolumesForViewports(this.renderingEngine, [{ volumeId }], [...viewportIds]);
    performance.mark('vertebra:viewports-ready');
    await loaded;
    if (this.destroyed) return;
    performance.mark('vertebra:volume-loaded');
    await this.waitForRender(viewportIds);
    preview.remove();
    for (const id of viewportIds) this.report(id, { state: 'rendered', framesLoaded: total, framesTotal: total });
  }

  /**
   * Paints the middle slice of a series on a plain 2D canvas laid over the axial (or first)
   * volume viewport: one frame request, drawn with the header's window as soon as it is decoded,
   * without waiting for WebGL or the volume. The layer lets the mouse through to the MPR view
   * below and is removed once the volume is drawn.
   */
  private showPreview(specs: readonly ViewportSpec[], imageIds: readonly string[]): Preview {
    const target = specs.find((s) => s.orientation === 'axial') ?? specs[0];
    const host = target === undefined ? undefined : this.options.elements.get(target.viewportId);
    const middle = imageIds[Math.floor(imageIds.length / 2)];
    if (target === undefined || host?.parentElement == null || middle === undefined) return noPreview;
    const canvas = document.createElement('canvas');
    canvas.className = 'vt-viewport-element vt-preview';
    canvas.dataset.previewOf = target.viewportId;
    host.parentElement.insertBefore(canvas, host.nextSibling);
    let removed = false;
    const remove = (): void => {
      removed = true;
      canvas.remove();
    };
    this.cleanups.push(remove);
    const drawn = imageLoader
      .loadAndCacheImage(middle, { priority: -5, requestType: CoreEnums.RequestType.Interaction })
      .then((image) => {
        performance.mark('vertebra:preview-loaded');
        if (removed || this.destroyed) return;
        paintPreview(canvas, image);
        return new Promise<void>((resolve) =>
          requestAnimationFrame(() => {
            if (!removed) this.markFirstImage();
            resolve();
          }),
        );
      })
      .catch(() => remove()); // the volume load reports the error
    return { viewportId: target.viewportId, drawn, remove };
  }

  private async loadStacks(seriesInstanceUid: string, specs: readonly ViewportSpec[]): Promise<void> {
    const userCalibration = this.options.loadUserCalibration?.(seriesInstanceUid).catch(() => undefined);
    const imageIds = await this.imageIdsFor(seriesInstanceUid);
    const mmPerPixel = await userCalibration;
    if (mmPerPixel !== undefined) this.userCalibrations.set(seriesInstanceUid, mmPerPixel);
    for (const imageId of imageIds) this.calibrateImage(imageId, seriesInstanceUid, false);
    await Promise.all(
      specs.map(async (spec) => {
        const viewport = this.renderingEngine.getViewport(spec.viewportId) as Types.IStackViewport;
        // One image per viewport when the protocol places single images (radiographs), else the whole stack.
        const ids = spec.imageIndex === undefined ? imageIds : imageIds.slice(Math.min(spec.imageIndex, imageIds.length - 1), Math.min(spec.imageIndex, imageIds.length - 1) + 1);
        this.report(spec.viewportId, { state: 'loading', framesLoaded: 0, framesTotal: ids.length });
        this.stackImageIds.set(spec.viewportId, ids);
        this.reportCalibration(spec.viewportId);
        const initialIndex = spec.imageIndex === undefined && spec.startAtFirst !== true ? Math.floor(ids.length / 2) : 0;
        const element = this.options.elements.get(spec.viewportId);
        const fps = this.recommendedFps.get(seriesInstanceUid);
        const onNewImage = (event: Event): void => {
          const index = (event as CustomEvent<{ imageIdIndex?: number }>).detail?.imageIdIndex;
          if (typeof index === 'number' && !this.destroyed) this.options.onFrame?.(spec.viewportId, { index, total: ids.length, ...(fps === undefined ? {} : { recommendedFps: fps }) });
        };
        element?.addEventListener(CoreEnums.Events.STACK_NEW_IMAGE, onNewImage);
        this.cleanups.push(() => element?.removeEventListener(CoreEnums.Events.STACK_NEW_IMAGE, onNewImage));
        this.options.onFrame?.(spec.viewportId, { index: initialIndex, total: ids.length, ...(fps === undefined ? {} : { recommendedFps: fps }) });
        await viewport.setStack(ids, initialIndex);
        if (this.destroyed) return;
        await this.waitForRender([spec.viewportId]);
        this.markFirstImage();
        this.report(spec.viewportId, { state: 'rendered', framesLoaded: ids.length, framesTotal: ids.length });
      }),
    );
  }

  private createToolGroups(specs: readonly ViewportSpec[]): void {
    const volumeSpecs = specs.filter((s) => s.kind === 'volume');
    const stackSpecs = specs.filter((s) => s.kind === 'stack');
    const setup = (groupId: string, group: ToolTypes.IToolGroup, withCrosshairs: boolean): void => {
      for (const tool of primaryTools) {
        if (tool.mprOnly && !withCrosshairs) continue;
        if (tool.stackOnly && withCrosshairs) continue;
        if (tool.toolName === CrosshairsTool.toolName) {
          group.addTool(tool.toolName, {
            getReferenceLineColor: (viewportId: string) => referenceLineColors[viewportId] ?? 'rgb(200, 200, 200)',
            getReferenceLineControllable: () => true,
            getReferenceLineDraggableRotatable: () => true,
            getReferenceLineSlabThicknessControlsOn: () => false,
          });
        } else {
          group.addTool(tool.toolName);
        }
      }
      if (!group.hasTool(StackScrollTool.toolName)) group.addTool(StackScrollTool.toolName);
      void groupId;
    };
    if (volumeSpecs.length > 0) {
      const group = ToolGroupManager.createToolGroup(this.volumeToolGroupId);
      if (group === undefined) throw new Error('could not create the MPR tool group');
      setup(this.volumeToolGroupId, group, volumeSpecs.length > 1);
      for (const spec of volumeSpecs) group.addViewport(spec.viewportId, this.sessionId);
    }
    if (stackSpecs.length > 0) {
      const group = ToolGroupManager.createToolGroup(this.stackToolGroupId);
      if (group === undefined) throw new Error('could not create the stack tool group');
      setup(this.stackToolGroupId, group, false);
      for (const spec of stackSpecs) group.addViewport(spec.viewportId, this.sessionId);
    }
    for (const group of this.toolGroups()) {
      group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Auxiliary }] });
      group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Secondary }] });
      group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Wheel }] });
      for (const tool of primaryTools) {
        if (!group.hasTool(tool.toolName)) continue;
        if (tool.measurement) group.setToolPassive(tool.toolName);
        if (tool.toolName === CrosshairsTool.toolName) group.setToolEnabled(tool.toolName);
      }
      group.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }] });
    }
  }

  private toolGroups(): ToolTypes.IToolGroup[] {
    return [this.volumeToolGroupId, this.stackToolGroupId]
      .map((id) => ToolGroupManager.getToolGroup(id))
      .filter((g): g is ToolTypes.IToolGroup => g !== undefined);
  }

  /** Binds the primary mouse button to a tool; the previous primary tool keeps its other role. */
  setPrimaryTool(id: PrimaryToolId): void {
    const previous = primaryTools.find((t) => t.id === this.primaryTool);
    const next = primaryTools.find((t) => t.id === id);
    if (next === undefined) return;
    for (const group of this.toolGroups()) {
      if (!group.hasTool(next.toolName)) continue;
      if (previous !== undefined && group.hasTool(previous.toolName)) {
        if (previous.toolName === CrosshairsTool.toolName) group.setToolEnabled(previous.toolName);
        else group.setToolPassive(previous.toolName);
        if (previous.toolName === PanTool.toolName) group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Auxiliary }] });
        if (previous.toolName === ZoomTool.toolName) group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Secondary }] });
      }
      group.setToolActive(next.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }] });
    }
    this.primaryTool = id;
    this.renderingEngine.render();
  }

  /** Applies a CT window preset to every viewport. */
  applyWindowPreset(preset: WindowPreset): void {
    const voiRange = windowToVoiRange(preset);
    for (const viewport of this.renderingEngine.getViewports()) {
      (viewport as Types.IVolumeViewport | Types.IStackViewport).setProperties({ voiRange });
      viewport.render();
    }
  }

  /** Resets camera and display properties of every viewport. */
  reset(): void {
    for (const viewport of this.renderingEngine.getViewports()) {
      viewport.resetCamera();
      (viewport as Types.IStackViewport).resetProperties?.();
      viewport.render();
    }
  }

  /** Moves every volume viewport's slice through a world point (LPS mm) without panning. */
  jumpToWorld(worldLps: readonly [number, number, number]): void {
    for (const viewport of this.renderingEngine.getViewports()) {
      const camera = viewport.getCamera();
      const normal = camera.viewPlaneNormal;
      const focal = camera.focalPoint;
      const position = camera.position;
      if (normal === undefined || focal === undefined || position === undefined) continue;
      const delta = (worldLps[0] - focal[0]) * normal[0] + (worldLps[1] - focal[1]) * normal[1] + (worldLps[2] - focal[2]) * normal[2];
      viewport.setCamera({
        focalPoint: [focal[0] + delta * normal[0], focal[1] + delta * normal[1], focal[2] + delta * normal[2]],
        position: [position[0] + delta * normal[0], position[1] + delta * normal[1], position[2] + delta * normal[2]],
      });
      viewport.render();
    }
  }

  /**
   * What an overlay needs to draw world (LPS mm) geometry in a viewport: its view plane, frame of
   * reference, series and world → canvas transform (CSS pixels of the viewport element).
   * Undefined before the viewport has a camera, and for projection images (radiographs,
   * fluoroscopy), whose pixels are not a plane of the patient frame.
   */
  overlayView(viewportId: string): OverlayViewport | undefined {
    if (this.destroyed) return undefined;
    const { protocol } = this.options;
    const spec = protocol.viewports.find((v) => v.viewportId === viewportId);
    if (spec === undefined || protocol.name === 'radiographs' || protocol.name === 'cine') return undefined;
    const viewport = this.renderingEngine.getViewport(viewportId);
    if (viewport === undefined) return undefined;
    const camera = viewport.getCamera();
    const normal = camera.viewPlaneNormal;
    const focal = camera.focalPoint;
    if (normal === undefined || focal === undefined) return undefined;
    let frameOfReferenceUid: string | undefined;
    try {
      frameOfReferenceUid = viewport.getFrameOfReferenceUID() || undefined;
    } catch {
      frameOfReferenceUid = undefined; // no image or volume yet
    }
    return {
      seriesInstanceUid: spec.seriesInstanceUid,
      ...(frameOfReferenceUid === undefined ? {} : { frameOfReferenceUid }),
      viewPlaneNormal: [normal[0], normal[1], normal[2]],
      pointOnPlaneLps: [focal[0], focal[1], focal[2]],
      ...('getSlabThickness' in viewport && typeof viewport.getSlabThickness === 'function' ? { slabThicknessMm: (viewport.getSlabThickness as () => number).call(viewport) } : {}),
      worldToCanvas: (world) => {
        const [x, y] = viewport.worldToCanvas([world[0], world[1], world[2]]);
        return [x, y];
      },
    };
  }

  /** Page (CSS pixel) coordinates of a world point in one viewport, for tests and overlays. */
  worldToPage(viewportId: string, worldLps: readonly [number, number, number]): [number, number] | undefined {
    const viewport = this.renderingEngine.getViewport(viewportId);
    const element = this.options.elements.get(viewportId);
    if (viewport === undefined || element === undefined) return undefined;
    const [x, y] = viewport.worldToCanvas([worldLps[0], worldLps[1], worldLps[2]]);
    const rect = element.getBoundingClientRect();
    return [rect.left + x, rect.top + y];
  }

  /**
   * Sets the calibratedPixelSpacing Cornerstone reads for one projection image (see
   * resolveCalibration.ts); `live` re-renders the viewports showing it, whose length
   * annotations Cornerstone then recomputes (IMAGE_SPACING_CALIBRATED).
   */
  private calibrateImage(imageId: string, seriesInstanceUid: string, live: boolean): void {
    const info = this.imageSpacing.get(imageId);
    if (info === undefined) return;
    const user = this.userCalibrations.get(seriesInstanceUid);
    const resolved = resolveCalibration(info, user === undefined ? undefined : { mmPerPixel: user });
    this.imageCalibration.set(imageId, resolved);
    const calibration = toCornerstoneCalibration(info, resolved);
    if (calibration === undefined) return;
    if (live) toolUtilities.calibrateImageSpacing(imageId, this.renderingEngine, calibration as unknown as Parameters<typeof toolUtilities.calibrateImageSpacing>[2]);
    else coreUtilities.calibratedPixelSpacingMetadataProvider.add(imageId, calibration as unknown as Parameters<typeof coreUtilities.calibratedPixelSpacingMetadataProvider.add>[1]);
  }

  private reportCalibration(viewportId: string): void {
    const first = this.stackImageIds.get(viewportId)?.[0];
    const resolved = first === undefined ? undefined : this.imageCalibration.get(first);
    if (resolved !== undefined && !this.destroyed) this.options.onCalibration?.(viewportId, resolved);
  }

  /** Applies (or, with undefined, removes) the user calibration of a series to every image of it on screen. */
  setUserCalibration(seriesInstanceUid: string, mmPerPixel: number | undefined): void {
    if (mmPerPixel === undefined) this.userCalibrations.delete(seriesInstanceUid);
    else this.userCalibrations.set(seriesInstanceUid, mmPerPixel);
    for (const [viewportId, ids] of this.stackImageIds) {
      let touched = false;
      for (const imageId of ids) {
        if (parseWadorsImageId(imageId)?.seriesInstanceUid !== seriesInstanceUid) continue;
        this.calibrateImage(imageId, seriesInstanceUid, true);
        touched = true;
      }
      if (touched) this.reportCalibration(viewportId);
    }
  }

  /**
   * World (LPS mm) → (column, row) on an image, pixel centres at integers (the contract's
   * image space; Cornerstone's own image coordinates put them at +0.5).
   */
  worldToImage(imageId: string, world: readonly number[]): [number, number] {
    const [x, y] = coreUtilities.worldToImageCoords(imageId, [world[0] ?? 0, world[1] ?? 0, world[2] ?? 0]) as unknown as [number, number];
    return [x - 0.5, y - 0.5];
  }

  imageToWorld(imageId: string, image: readonly [number, number]): [number, number, number] {
    const world = coreUtilities.imageToWorldCoords(imageId, [image[0] + 0.5, image[1] + 0.5] as Types.Point2);
    return world === undefined ? [0, 0, 0] : [world[0], world[1], world[2]];
  }

  /** Page (CSS pixel) coordinates of an image point (column, row) of the image shown in a stack viewport; for tests. */
  imageToPage(viewportId: string, image: readonly [number, number]): [number, number] | undefined {
    const viewport = this.renderingEngine.getViewport(viewportId) as Types.IStackViewport | undefined;
    const imageId = viewport?.getCurrentImageId();
    return imageId === undefined ? undefined : this.worldToPage(viewportId, this.imageToWorld(imageId, image));
  }

  /** Plays a stack viewport as a loop at `fps` frames per second (Cornerstone's cine utility). */
  playCine(viewportId: string, fps: number): void {
    const element = this.options.elements.get(viewportId);
    if (element !== undefined && !this.destroyed) toolUtilities.cine.playClip(element, { framesPerSecond: fps, loop: true });
  }

  stopCine(viewportId: string): void {
    const element = this.options.elements.get(viewportId);
    if (element !== undefined) toolUtilities.cine.stopClip(element);
  }

  /** Redraws every viewport (annotations removed from the state are not redrawn by Cornerstone itself). */
  render(): void {
    if (!this.destroyed) this.renderingEngine.render();
  }

  /** The series shown in a viewport. */
  seriesOfViewport(viewportId: string): string | undefined {
    return this.options.protocol.viewports.find((v) => v.viewportId === viewportId)?.seriesInstanceUid;
  }

  /** The viewport whose element an annotation was drawn in (stack: by image id). */
  viewportOfImage(imageId: string): string | undefined {
    for (const [viewportId, ids] of this.stackImageIds) if (ids.includes(imageId)) return viewportId;
    return undefined;
  }

  /** What measurementCodec needs to turn this session's annotations into measurements. */
  codecContext(): CodecContext {
    const volume = this.options.protocol.viewports.find((v) => v.kind === 'volume');
    return {
      isStackImage: (imageId) => this.viewportOfImage(imageId) !== undefined,
      worldToImage: (imageId, world) => this.worldToImage(imageId, world),
      calibrationOf: (imageId): CalibrationSource => (imageId === undefined ? 'pixel-spacing' : (this.imageCalibration.get(imageId)?.source ?? 'pixel-spacing')),
      ...(volume === undefined ? {} : { volumeSeriesInstanceUid: volume.seriesInstanceUid }),
    };
  }

  /**
   * Draws saved measurements again: image-space ones on the stack viewport showing their
   * frame, world-space ones in the volume viewports of the same frame of reference whose
   * view plane matches. Returns the ids that found a place.
   */
  restoreMeasurements(measurements: readonly Measurement[]): string[] {
    const restored: string[] = [];
    const textBox = { hasMoved: false, worldPosition: [0, 0, 0], worldBoundingBox: { topLeft: [0, 0, 0], topRight: [0, 0, 0], bottomLeft: [0, 0, 0], bottomRight: [0, 0, 0] } };
    for (const m of measurements) {
      const toolName = toolNameByToolType[m.toolType];
      if (annotationApi.state.getAnnotation(m.id) !== undefined) continue;
      if (m.coordinateSpace === 'image') {
        const frame = m.frame ?? 1;
        let placed = false;
        for (const [viewportId, ids] of this.stackImageIds) {
          const index = ids.findIndex((id) => {
            const ref = parseWadorsImageId(id);
            return ref?.seriesInstanceUid === m.seriesInstanceUid && ref.sopInstanceUid === m.sopInstanceUid && ref.frame === frame;
          });
          if (index < 0) continue;
          const imageId = ids[index] as string;
          const viewport = this.renderingEngine.getViewport(viewportId) as Types.IStackViewport | undefined;
          if (viewport === undefined) continue;
          const reference = { ...(viewport.getViewReference({ sliceIndex: index }) as Record<string, unknown>) };
          delete reference.volumeId;
          const points = m.points.map((p) => this.imageToWorld(imageId, [p[0] ?? 0, p[1] ?? 0]));
          annotationApi.state.addAnnotation(
            {
              annotationUID: m.id,
              highlighted: false,
              invalidated: true,
              isLocked: false,
              isVisible: true,
              metadata: { ...reference, toolName, referencedImageId: imageId },
              data: { handles: { points, activeHandleIndex: null, textBox }, cachedStats: {}, label: m.label ?? '' },
            } as unknown as Parameters<typeof annotationApi.state.addAnnotation>[0],
            viewport.element,
          );
          placed = true;
          break;
        }
        if (placed) restored.push(m.id);
        continue;
      }
      const normal = m.view?.viewPlaneNormal;
      for (const viewport of this.renderingEngine.getViewports()) {
        if (this.stackImageIds.has(viewport.id)) continue;
        const camera = viewport.getCamera();
        const vpn = camera.viewPlaneNormal;
        if (normal !== undefined && vpn !== undefined && Math.abs(vpn[0] * normal[0] + vpn[1] * normal[1] + vpn[2] * normal[2]) < 0.999) continue;
        if (m.view?.frameOfReferenceUid !== undefined && viewport.getFrameOfReferenceUID() !== m.view.frameOfReferenceUid) continue;
        const first = m.points[0] ?? [0, 0, 0];
        annotationApi.state.addAnnotation(
          {
            annotationUID: m.id,
            highlighted: false,
            invalidated: true,
            isLocked: false,
            isVisible: true,
            metadata: {
              toolName,
              FrameOfReferenceUID: viewport.getFrameOfReferenceUID(),
              viewPlaneNormal: normal ?? vpn,
              ...(m.view?.viewUp === undefined ? {} : { viewUp: m.view.viewUp }),
              cameraFocalPoint: [...first],
            },
            data: { handles: { points: m.points.map((p) => [...p]), activeHandleIndex: null, textBox }, cachedStats: {}, label: m.label ?? '' },
          } as unknown as Parameters<typeof annotationApi.state.addAnnotation>[0],
          viewport.element,
        );
        restored.push(m.id);
        break;
      }
    }
    this.renderingEngine.render();
    return restored;
  }

  destroy(): void {
    for (const viewportId of this.stackImageIds.keys()) this.stopCine(viewportId);
    this.destroyed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    for (const id of [this.volumeToolGroupId, this.stackToolGroupId]) {
      if (ToolGroupManager.getToolGroup(id) !== undefined) ToolGroupManager.destroyToolGroup(id);
    }
    this.renderingEngine.destroy();
    for (const volumeId of this.volumeIds) cache.removeVolumeLoadObject(volumeId);
  }
}
