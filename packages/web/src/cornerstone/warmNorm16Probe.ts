/**
 * Runs vtk.js's one-per-page probe of EXT_texture_norm16 linear filtering (supportsNorm16Linear: a new canvas, a new
 * WebGL 2 context, a test draw and a readPixels; cached for the page) at a moment the caller chooses, instead of where
 * vtk.js first needs it: the first draw of a volume, when its texture gets linear filtering. There the GPU process is
 * busy with the volume's 315 MB float texture (software WebGL), and the probe's getContext, a synchronous call into
 * the GPU process, held the page's thread 0.37 s in the middle of the series download (bench/viewer --profile,
 * 2026-11-27, load 12). Called while the GPU process is idle (after the first-image preview, before the volume is
 * made), the same probe takes milliseconds. Same module as Cornerstone's copy of vtk.js (one vtk.js in the build), so
 * its cache is the one the volume mapper reads. Never throws; does nothing more than vtk.js would do anyway.
 */
import supportsNorm16LinearCached from '@kitware/vtk.js/Rendering/OpenGL/Texture/supportsNorm16Linear.js';

export function warmNorm16Probe(): void {
  try {
    supportsNorm16LinearCached();
  } catch {
    // vtk.js catches its own errors; nothing to do either way
  }
}
