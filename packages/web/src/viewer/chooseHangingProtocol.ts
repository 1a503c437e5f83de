/**
 * Spine hanging protocols by modality (issue 5): CT → axial, sagittal and coronal MPR of
 * the largest CT series; radiographs (CR/DX) → up to three images side by side (one per
 * series, or the images of a single series); MR → sagittal T2, sagittal T1 and axial T2 side by
 * side (recognised from SeriesDescription: T1/T2, sag/ax/tra; else the largest MR series);
 * XA/RF (fluoroscopy, multi-frame) → one stack viewport played as cine from the first frame;
 * anything else → one stack viewport.
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
  /** Stack viewports: open on the first image (cine) instead of the middle one. */
  readonly startAtFirst?: boolean;
  readonly label: string;
}

export interface HangingProtocol {
  readonly name: 'ct-mpr' | 'radiographs' | 'mr-spine' | 'cine' | 'single-stack' | 'empty';
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

  const mr = imaging.filter((s) => s.modality === 'MR');
  if (mr.length >= 2 && (preferred === undefined || preferred.modality === 'MR')) {
    const isT1 = (s: SeriesSummary): boolean => /(^|[^a-z0-9])t1/i.test(s.description);
    const isT2 = (s: SeriesSummary): boolean => /(^|[^a-z0-9])t2/i.test(s.description);
    const isSagittal = (s: SeriesSummary): boolean => /sag/i.test(s.description);
    const isAxial = (s: SeriesSummary): boolean => /(^|[^a-z])(ax|tra)/i.test(s.description);
    const wanted: Array<[string, (s: SeriesSummary) => boolean]> = [
      ['sagittal T2', (s) => isSagittal(s) && isT2(s)],
      ['sagittal T1', (s) => isSagittal(s) && isT1(s)],
      ['axial T2', (s) => isAxial(s) && isT2(s)],
    ];
    const bySize = [...mr].sort(byInstancesDescending);
    const chosen: SeriesSummary[] = [];
    for (const [, matches] of wanted) {
      const found = bySize.find((s) => matches(s) && !chosen.includes(s));
      if (found !== undefined) chosen.push(found);
    }
    for (const s of bySize) if (chosen.length < maxRadiographViewports && !chosen.includes(s)) chosen.push(s);
    const ordered = preferred === undefined || chosen[0] === preferred ? chosen : [preferred, ...chosen.filter((s) => s !== preferred)].slice(0, maxRadiographViewports);
    return {
      name: 'mr-spine',
      viewports: ordered.map((s, i) => ({ viewportId: `mr-${i + 1}`, kind: 'stack' as const, seriesInstanceUid: s.seriesInstanceUid, label: seriesLabel(s) })),
    };
  }

  const fluoroscopy = imaging.filter((s) => s.modality === 'XA' || s.modality === 'RF');
  if (fluoroscopy.length > 0 && (preferred === undefined || fluoroscopy.includes(preferred))) {
    const clip = preferred ?? ([...fluoroscopy].sort(byInstancesDescending)[0] as SeriesSummary);
    return { name: 'cine', viewports: [{ viewportId: 'cine-1', kind: 'stack', seriesInstanceUid: clip.seriesInstanceUid, startAtFirst: true, label: seriesLabel(clip) }] };
  }

  const single = preferred ?? [...imaging].sort(byInstancesDescending)[0];
  if (single === undefined) return { name: 'empty', viewports: [] };
  return { name: 'single-stack', viewports: [{ viewportId: 'stack-1', kind: 'stack', seriesInstanceUid: single.seriesInstanceUid, label: seriesLabel(single) }] };
}
