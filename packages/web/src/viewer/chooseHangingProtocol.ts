/**
 * Spine hanging protocols by modality (issue 5): CT → axial, sagittal and coronal MPR of
 * the largest CT series; radiographs (CR/DX) → up to three images side by side (one per
 * series, or the images of a single series); anything else → one stack viewport.
 * MR and XA/RF cine protocols are still to come and fall back to a stack viewport.
 */
import type { SeriesSummary } from '../dicomweb/StudySummary.js';

export type MprOrientation = 'axial' | 'sagittal' | 'coronal';

export interface ViewportSpec {
  /** Stable id, also the DOM data-viewport-id. */
  readonly viewportId: string;
  readonly kind: 'volume' | 'stack';
  readonly seriesInstanceUid: string;
  readonly orientation?: MprOrientation;
  /** For stack viewports showing one image of a series: its index in the sorted series. */
  readonly imageIndex?: number;
  readonly label: string;
}

export interface HangingProtocol {
  readonly name: 'ct-mpr' | 'radiographs' | 'single-stack' | 'empty';
  readonly viewports: readonly ViewportSpec[];
}

/** Fewer slices than this cannot make a useful MPR volume. */
export const minimumSlicesForMpr = 3;
const radiographModalities = new Set(['CR', 'DX']);
const maxRadiographViewports = 3;

function byInstancesDescending(a: SeriesSummary, b: SeriesSummary): number {
  return (b.instanceCount ?? 0) - (a.instanceCount ?? 0);
}

function seriesLabel(series: SeriesSummary): string {
  const parts = [series.modality, series.seriesNumber === undefined ? '' : `#${series.seriesNumber}`, series.description].filter((p) => p !== '');
  return parts.join(' ');
}

/**
 * @param series the study's series (any order)
 * @param preferredSeriesUid a series the user picked in the series browser; the protocol is built around it
 */
export function chooseHangingProtocol(series: readonly SeriesSummary[], preferredSeriesUid?: string): HangingProtocol {
  const preferred = series.find((s) => s.seriesInstanceUid === preferredSeriesUid);
  const imaging = series.filter((s) => !['SR', 'SEG', 'PR', 'KO', 'DOC', 'RTSTRUCT'].includes(s.modality));
  if (imaging.length === 0 && preferred === undefined) return { name: 'empty', viewports: [] };

  const ctCandidates = imaging.filter((s) => s.modality === 'CT' && (s.instanceCount ?? minimumSlicesForMpr) >= minimumSlicesForMpr).sort(byInstancesDescending);
  const ct = preferred === undefined ? ctCandidates[0] : ctCandidates.find((s) => s === preferred);
  if (ct !== undefined) {
    const label = seriesLabel(ct);
    return {
      name: 'ct-mpr',
      viewports: (['axial', 'sagittal', 'coronal'] as const).map((orientation) => ({
        viewportId: `mpr-${orientation}`,
        kind: 'volume' as const,
        seriesInstanceUid: ct.seriesInstanceUid,
        orientation,
        label: `${orientation} · ${label}`,
      })),
    };
  }

  const radiographs = imaging.filter((s) => radiographModalities.has(s.modality));
  if (radiographs.length > 0 && (preferred === undefined || radiographModalities.has(preferred.modality))) {
    const ordered = preferred === undefined ? radiographs : [preferred, ...radiographs.filter((s) => s !== preferred)];
    if (ordered.length === 1) {
      const only = ordered[0] as SeriesSummary;
      const count = Math.min(Math.max(only.instanceCount ?? 1, 1), maxRadiographViewports);
      return {
        name: 'radiographs',
        viewports: Array.from({ length: count }, (_, i) => ({
          viewportId: `radiograph-${i + 1}`,
          kind: 'stack' as const,
          seriesInstanceUid: only.seriesInstanceUid,
          imageIndex: i,
          label: `${seriesLabel(only)} · image ${i + 1}`,
        })),
      };
    }
    return {
      name: 'radiographs',
      viewports: ordered.slice(0, maxRadiographViewports).map((s, i) => ({
        viewportId: `radiograph-${i + 1}`,
        kind: 'stack' as const,
        seriesInstanceUid: s.seriesInstanceUid,
        imageIndex: 0,
        label: seriesLabel(s),
      })),
    };
  }

  const single = preferred ?? [...imaging].sort(byInstancesDescending)[0];
  if (single === undefined) return { name: 'empty', viewports: [] };
  return { name: 'single-stack', viewports: [{ viewportId: 'stack-1', kind: 'stack', seriesInstanceUid: single.seriesInstanceUid, label: seriesLabel(single) }] };
}
