/**
 * Creates a streaming volume's 3D texture (WebGL 2 texStorage3D, as vtk.js's Texture.create3DFromRaw does) on the
 * WebGL context of its volume viewports before their first draw, with the parameters Cornerstone's
 * vtkStreamingOpenGLVolumeMapper would give it there (size, data type, one component, no half floats), so that the
 * mapper finds it made and only uploads slices to it. With software WebGL (SwiftShader) allocating the 315 MB float
 * texture of a 300-slice 512² CT takes the GPU process ~0.5 s on 2 busy cores (2026-11-27); issued here it runs
 * while the page sets up the viewports and reads the series, instead of inside the first draw, where the page's thread
 * waits for it (the series stream stalls meanwhile). Slices can go up to it as they arrive (ViewerSession).
 * Only Float32 volumes (streamingVolumeLoader's choice where the texture is 32-bit float anyway): their texture format
 * does not depend on EXT_texture_norm16. Returns false where it did nothing (another data type, another rendering
 * engine, no context yet): the first draw then creates the texture, as before.
 */
import type { RenderingEngine, Types } from '@cornerstonejs/core';

interface StreamingTexture {
  getHandle(): unknown;
  setOpenGLRenderWindow(renderWindow: unknown): void;
  enableUseHalfFloat(use: boolean): void;
  setOglNorm16Ext(ext: unknown): void;
  resetFormatAndType(): void;
  setTextureParameters(parameters: { width: number; height: number; depth: number; numberOfComponents: number; dataType: string }): void;
  create3DFromRaw(parameters: { width: number; height: number; depth: number; numComps: number; dataType: string; data: null }): boolean;
}

interface ContextPool {
  getContextIndexForViewport(viewportId: string): number | undefined;
  getContextByIndex(index: number): { context: { getOpenGLRenderWindow?: () => { getContext?: () => unknown } | undefined } } | null;
}

export function preallocateVolumeTexture(renderingEngine: RenderingEngine, viewportIds: readonly string[], volume: Types.IImageVolume): boolean {
  try {
    if (volume.dataType !== 'Float32Array') return false;
    const texture = (volume as unknown as { vtkOpenGLTexture?: Partial<StreamingTexture> }).vtkOpenGLTexture;
    const methods = ['getHandle', 'setOpenGLRenderWindow', 'enableUseHalfFloat', 'setOglNorm16Ext', 'resetFormatAndType', 'setTextureParameters', 'create3DFromRaw'] as const;
    if (texture === undefined || methods.some((m) => typeof texture[m] !== 'function')) return false;
    const ready = texture as StreamingTexture;
    if (ready.getHandle()) return false;
    // The volume viewports of one rendering engine share one WebGL context (ContextPoolRenderingEngine: index 0);
    // RenderingEngine hands everything to the engine of the configured mode.
    const engine = (renderingEngine as unknown as { _implementation?: unknown })._implementation ?? renderingEngine;
    const pool = (engine as { contextPool?: Partial<ContextPool> }).contextPool;
    if (typeof pool?.getContextIndexForViewport !== 'function' || typeof pool.getContextByIndex !== 'function') return false;
    const indices = new Set(viewportIds.map((id) => pool.getContextIndexForViewport?.(id)));
    const [index] = [...indices];
    if (indices.size !== 1 || index === undefined) return false;
    const renderWindow = pool.getContextByIndex(index)?.context.getOpenGLRenderWindow?.();
    if (renderWindow?.getContext?.() == null) return false;
    // What the mapper compares its texture with: the image data's size, data type and components.
    const imageData = volume.imageData as unknown as { getDimensions?: () => number[]; get?: (key: string) => Record<string, unknown> } | undefined;
    const [width, height, depth] = imageData?.getDimensions?.() ?? [];
    const dataType = imageData?.get?.('dataType').dataType;
    const components = imageData?.get?.('numberOfComponents').numberOfComponents ?? 1;
    if (dataType !== 'Float32Array' || components !== 1 || width === undefined || height === undefined || depth === undefined) return false;
    ready.setOpenGLRenderWindow(renderWindow);
    ready.enableUseHalfFloat(false);
    ready.setOglNorm16Ext(null);
    ready.resetFormatAndType();
    ready.setTextureParameters({ width, height, depth, numberOfComponents: 1, dataType });
    return ready.create3DFromRaw({ width, height, depth, numComps: 1, dataType, data: null }) === true;
  } catch {
    return false;
  }
}
