/**
 * Cornerstone's streaming volume loader (cornerstoneStreamingImageVolume: scheme), with one
 * change: a 16-bit volume is kept as Float32 slices where the GPU would get a 32-bit float
 * texture anyway. Without EXT_texture_norm16 (SwiftShader, many GPUs) vtk.js uploads an
 * Int16/Uint16 volume as FLOAT and converts every slice to a new Float32Array on the page's
 * thread at the next render — for a 300-slice 512² CT ~0.3–0.7 s of the final render, after
 * the last byte came in (bench/viewer, 2026-11-27). Slices that arrive as Float32 are uploaded
 * as they are, and the conversion happens as each slice arrives (createNativeImage writes the
 * rescaled values straight into Float32). The texture is the same; the slices take twice the
 * memory in the page, so only volumes up to `maxFloatVolumeBytes` are kept this way.
 */
import { canRenderFloatTextures, cornerstoneStreamingImageVolumeLoader, getConfiguration, getRenderingCapabilities, type Types } from '@cornerstonejs/core';

/** Largest volume kept as Float32 slices (4 bytes a voxel): ~1000 slices of 512², a third of Cornerstone's 3 GB cache. */
export const maxFloatVolumeBytes = 1024 ** 3;

export interface VolumeTextureFacts {
  /** The data type Cornerstone chose from the headers (generateVolumePropsFromImageIds). */
  readonly dataType: string;
  readonly voxels: number;
  /** EXT_texture_norm16 usable with linear filtering: 16-bit textures stay 16-bit on the GPU. */
  readonly norm16: boolean;
  /** Linear filtering of 32-bit float textures (without it Cornerstone does not pre-scale to float at all). */
  readonly floatLinear: boolean;
  /** Cornerstone's preferSizeOverAccuracy: 16-bit data may go up as half floats. */
  readonly preferSizeOverAccuracy: boolean;
}

/** The data type to keep the volume's slices in: Float32 where the texture is FLOAT anyway, else Cornerstone's choice. */
export function chooseVolumeDataType(facts: VolumeTextureFacts): string {
  const sixteenBit = facts.dataType === 'Int16Array' || facts.dataType === 'Uint16Array';
  if (!sixteenBit || facts.norm16 || !facts.floatLinear || facts.preferSizeOverAccuracy) return facts.dataType;
  return facts.voxels * 4 <= maxFloatVolumeBytes ? 'Float32Array' : facts.dataType;
}

export function streamingVolumeLoader(volumeId: string, options: { imageIds: string[] }): Types.IVolumeLoadObject {
  const loadObject = cornerstoneStreamingImageVolumeLoader(volumeId, options) as unknown as Types.IVolumeLoadObject;
  const promise = loadObject.promise.then((volume) => {
    const capabilities = getRenderingCapabilities();
    const dataType = chooseVolumeDataType({
      dataType: volume.dataType ?? '',
      voxels: volume.dimensions[0] * volume.dimensions[1] * volume.dimensions[2],
      norm16: capabilities.norm16 && capabilities.norm16Linear,
      floatLinear: canRenderFloatTextures(),
      preferSizeOverAccuracy: getConfiguration().rendering?.preferSizeOverAccuracy === true,
    });
    if (dataType !== volume.dataType) {
      // Before any viewport or load uses it: the slices' target type and the texture's input type.
      volume.dataType = dataType as NonNullable<typeof volume.dataType>;
      volume.imageData?.set({ dataType }, true);
    }
    return volume;
  });
  return { ...loadObject, promise };
}
