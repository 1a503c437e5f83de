/**
 * Whether a volume that is still streaming in should be redrawn now to show progress (ViewerSession): at most once per
 * `intervalMs`, and not when the rest of the volume is expected within `skipWithinMs` anyway. With software WebGL a
 * redraw of the sagittal and coronal views makes the page's thread wait on the GPU process (readback into the
 * viewports' canvases: 0.1–0.6 s on 2 busy cores, bench/viewer traces 2026-11-27) while the series stops being read;
 * a redraw that the final one replaces a moment later only delays it. The rest is estimated from the rate so far
 * (slices since the first one over the time since it came).
 */
export interface StreamingProgress {
  readonly nowMs: number;
  /** When the first slice came in. */
  readonly firstSliceMs: number;
  readonly lastRedrawMs: number;
  readonly slicesLoaded: number;
  readonly slicesTotal: number;
}

export function progressiveRedrawDue(progress: StreamingProgress, intervalMs: number, skipWithinMs: number): boolean {
  const { nowMs, firstSliceMs, lastRedrawMs, slicesLoaded, slicesTotal } = progress;
  if (slicesLoaded >= slicesTotal || nowMs - lastRedrawMs < intervalMs) return false;
  const elapsedMs = nowMs - firstSliceMs;
  if (slicesLoaded <= 1 || elapsedMs <= 0) return true; // no rate yet
  const remainingMs = (elapsedMs / (slicesLoaded - 1)) * (slicesTotal - slicesLoaded);
  return remainingMs > skipWithinMs;
}
