/**
 * Texture uploads of a Cornerstone streaming volume (BaseStreamingImageVolume, vtkStreamingOpenGLTexture) between
 * redraws, while its slices stream in: ViewerSession calls it every ~100 ms of loading. Without it every slice that came
 * in since the last redraw went up inside the next redraw, the final one after the last byte included, while the page's
 * thread waited on the GPU process (texSubImage3D of a 512² float slice: ~2.5 ms of GPU process time on 2 busy cores,
 * 2026-11-27); between redraws the GPU process copies them on its own core as they come.
 */
import { Enums } from '@cornerstonejs/core';

/**
 * Uploads the slices of a streaming volume that arrived since the last upload to its 3D texture, without drawing:
 * Cornerstone's vtkStreamingOpenGLTexture.update3DFromRaw, which a redraw calls for the slices flagged as updated
 * (texSubImage3D per slice). Only complete slices go up: Cornerstone flags a slice once when its image enters the cache
 * and again after IMAGE_VOLUME_MODIFIED, so a slice uploaded in between would go up twice; the flags of the others are
 * kept for the next upload. Call it after the event that reported a slice (a microtask later), not from its handler.
 * Does nothing (returns true) until the texture exists (preallocateVolumeTexture, or else the first redraw); false where
 * the texture or volume is not Cornerstone's streaming kind or the upload threw (the redraws then upload, as before).
 */
export function streamingTextureUpload(volume: unknown): () => boolean {
  const { vtkOpenGLTexture: texture, cachedFrames } = volume as {
    vtkOpenGLTexture?: { getHandle?: () => unknown; getUpdatedFrames?: () => Array<boolean | null | undefined>; update3DFromRaw?: () => unknown };
    cachedFrames?: unknown;
  };
  return () => {
    if (typeof texture?.getHandle !== 'function' || typeof texture.update3DFromRaw !== 'function' || typeof texture.getUpdatedFrames !== 'function' || !Array.isArray(cachedFrames)) return false;
    if (!texture.getHandle()) return true;
    const flags = texture.getUpdatedFrames();
    const held: number[] = [];
    let due = false;
    for (let i = 0; i < flags.length; i += 1) {
      if (!flags[i]) continue;
      if (cachedFrames[i] === Enums.ImageQualityStatus.FULL_RESOLUTION) due = true;
      else {
        held.push(i);
        flags[i] = false;
      }
    }
    try {
      if (due) texture.update3DFromRaw();
      return true;
    } catch {
      return false;
    } finally {
      for (const i of held) flags[i] = true;
    }
  };
}
