/**
 * One open hanging protocol in Cornerstone3D: a rendering engine, its viewports (volume
 * viewports for MPR, stack viewports otherwise), their tool groups, and the loading of
 * each series through WADO-RS (metadata → wadors: image ids → streaming volume or stack).
 * It reports progress and render completion per viewport through `onViewportState`; the
 * React layer turns that into the visible progress bar, errors and `data-render-state`.
 */
import {
  cache,
  Enums as CoreEnums,
  eventTarget,
  RenderingEngine,
  setVolumesForViewports,
  volumeLoader,
  type Types,
} from '@cornerstonejs/core';
import {
  CrosshairsTool,
  Enums as ToolEnums,
  PanTool,
  StackScrollTool,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
  type Types as ToolTypes,
} from '@cornerstonejs/tools';
import type { DicomwebClient } from '../dicomweb/DicomwebClient.js';
import { buildImageIds } from '../dicomweb/buildImageIds.js';
import type { CornerstoneRuntime } from '../cornerstone/initCornerstone.js';
import { primaryTools, type PrimaryToolId } from '../cornerstone/toolNames.js';
import type { HangingProtocol, MprOrientation, ViewportSpec } from './chooseHangingProtocol.js';
import { windowToVoiRange, type WindowPreset } from './windowPresets.js';

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
}

const orientationAxis: Record<MprOrientation, CoreEnums.OrientationAxis> = {
  axial: CoreEnums.OrientationAxis.AXIAL,
  sagittal: CoreEnums.OrientationAxis.SAGITTAL,
  coronal: CoreEnums.OrientationAxis.CORONAL,
};

/** Shortest interval between redraws while a volume streams in. */
const progressiveRenderIntervalMs = 500;

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

export class ViewerSession {
  private readonly options: ViewerSessionOptions;
  private readonly sessionId: string;
  private readonly renderingEngine: RenderingEngine;
  private readonly volumeToolGroupId: string;
  private readonly stackToolGroupId: string;
  private readonly volumeIds = new Set<string>();
  private readonly cleanups: Array<() => void> = [];
  private primaryTool: PrimaryToolId = 'windowLevel';
  private destroyed = false;
  private firstImageMarked = false;

  constructor(options: ViewerSessionOptions) {
    this.options = options;
    this.sessionId = `vertebra-${Math.random().toString(36).slice(2, 10)}`;
    this.renderingEngine = new RenderingEngine(this.sessionId);
    this.volumeToolGroupId = `${this.sessionId}-volume`;
    this.stackToolGroupId = `${this.sessionId}-stack`;
  }

  /** Creates the viewports and tool groups and loads every series; resolves when all viewports rendered or failed. */
  async start(): Promise<void> {
    const { protocol, elements } = this.options;
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
          if (first.kind === 'volume') await this.loadVolume(first.seriesInstanceUid, specs);
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

  private async imageIdsFor(seriesInstanceUid: string): Promise<string[]> {
    const { client, studyInstanceUid, runtime } = this.options;
    const instances = await client.seriesMetadata(studyInstanceUid, seriesInstanceUid);
    const { imageIds } = buildImageIds({ client, studyInstanceUid, seriesInstanceUid, instances, register: (id, instance) => runtime.registerWadorsMetadata(id, instance) });
    if (imageIds.length === 0) throw new Error(`series ${seriesInstanceUid} has no images`);
    return [...imageIds];
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

  private async loadVolume(seriesInstanceUid: string, specs: readonly ViewportSpec[]): Promise<void> {
    const viewportIds = specs.map((s) => s.viewportId);
    const imageIds = await this.imageIdsFor(seriesInstanceUid);
    performance.mark('vertebra:metadata-loaded');
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
    const onModified = (event: Event): void => {
      const detail = (event as CustomEvent<{ volumeId: string; framesProcessed?: number; numberOfFrames?: number }>).detail;
      if (detail.volumeId !== volumeId || detail.framesProcessed === undefined) return;
      if (!anyFrameLoaded) performance.mark('vertebra:first-frame-loaded');
      anyFrameLoaded = true;
      const now = performance.now();
      if (now - lastRenderMs >= progressiveRenderIntervalMs && detail.framesProcessed < total) {
        lastRenderMs = now;
        this.renderingEngine.renderViewports([...viewportIds]);
      }
      for (const id of viewportIds) this.report(id, { state: 'loading', framesLoaded: detail.framesProcessed, framesTotal: total });
    };
    eventTarget.addEventListener(CoreEnums.Events.IMAGE_VOLUME_MODIFIED, onModified);
    this.cleanups.push(() => {
      eventTarget.removeEventListener(CoreEnums.Events.IMAGE_LOAD_FAILED, onFailed);
      eventTarget.removeEventListener(CoreEnums.Events.IMAGE_LOAD_ERROR, onFailed);
      eventTarget.removeEventListener(CoreEnums.Events.IMAGE_VOLUME_MODIFIED, onModified);
    });

    const volume = await volumeLoader.createAndCacheVolume(volumeId, { imageIds });
    (volume as unknown as { autoRenderOnLoad: boolean }).autoRenderOnLoad = false;
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
    volume.load();
    await setVolumesForViewports(this.renderingEngine, [{ volumeId }], [...viewportIds]);
    performance.mark('vertebra:viewports-ready');
    await loaded;
    if (this.destroyed) return;
    performance.mark('vertebra:volume-loaded');
    await this.waitForRender(viewportIds);
    for (const id of viewportIds) this.report(id, { state: 'rendered', framesLoaded: total, framesTotal: total });
  }

  private async loadStacks(seriesInstanceUid: string, specs: readonly ViewportSpec[]): Promise<void> {
    const imageIds = await this.imageIdsFor(seriesInstanceUid);
    await Promise.all(
      specs.map(async (spec) => {
        const viewport = this.renderingEngine.getViewport(spec.viewportId) as Types.IStackViewport;
        // One image per viewport when the protocol places single images (radiographs), else the whole stack.
        const ids = spec.imageIndex === undefined ? imageIds : imageIds.slice(Math.min(spec.imageIndex, imageIds.length - 1), Math.min(spec.imageIndex, imageIds.length - 1) + 1);
        this.report(spec.viewportId, { state: 'loading', framesLoaded: 0, framesTotal: ids.length });
        const initialIndex = spec.imageIndex === undefined ? Math.floor(ids.length / 2) : 0;
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

  /** Page (CSS pixel) coordinates of a world point in one viewport, for tests and overlays. */
  worldToPage(viewportId: string, worldLps: readonly [number, number, number]): [number, number] | undefined {
    const viewport = this.renderingEngine.getViewport(viewportId);
    const element = this.options.elements.get(viewportId);
    if (viewport === undefined || element === undefined) return undefined;
    const [x, y] = viewport.worldToCanvas([worldLps[0], worldLps[1], worldLps[2]]);
    const rect = element.getBoundingClientRect();
    return [rect.left + x, rect.top + y];
  }

  destroy(): void {
    this.destroyed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    for (const id of [this.volumeToolGroupId, this.stackToolGroupId]) {
      if (ToolGroupManager.getToolGroup(id) !== undefined) ToolGroupManager.destroyToolGroup(id);
    }
    this.renderingEngine.destroy();
    for (const volumeId of this.volumeIds) cache.removeVolumeLoadObject(volumeId);
  }
}
