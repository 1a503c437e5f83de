/** Cylindrical stand-ins for cervical bodies and the dens in the dens-detection tests (HU). */
export const CORTEX_HU = 1000;

/** Cylinder along z (axis at x = y = 0) with a 1 mm cortex on its wall and both ends; null outside. */
export function densCylinder(x: number, y: number, z: number, radius: number, z0: number, z1: number, core: number): number | null {
  const r = Math.hypot(x, y);
  if (r > radius || z < z0 || z > z1) return null;
  return r > radius - 1 || z < z0 + 1 || z > z1 - 1 ? CORTEX_HU : core;
}
