// Types of the vtk.js modules imported directly (vtk.js ships none for them).
declare module '@kitware/vtk.js/Rendering/OpenGL/Texture/supportsNorm16Linear.js' {
  /** Whether EXT_texture_norm16 textures filter linearly on this device (probed once per page, then cached). */
  export default function supportsNorm16LinearCached(): boolean;
}
