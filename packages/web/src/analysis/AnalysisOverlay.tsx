/**
 * The analysis overlay of one viewport: an SVG layer over the Cornerstone element drawing the
 * finished spine analyses whose frame of reference the viewport shares (planOverlay chooses
 * what, the viewport's own world → canvas transform says where). Redrawn after every render
 * and camera change of the viewport (scroll, pan, zoom, crosshairs). Every label carries its
 * level, its centroid in LPS mm and its canvas position as data attributes; every measured line
 * its kind, part, level and value (angle lines: also how the analysis found them, and the
 * measured ends within the drawn line, in canvas pixels). Measured values (Cobb, kyphosis,
 * lordosis, slip, canal AP diameters) are written beside their line; heights are in each line's
 * title.
 */
import { Enums as CoreEnums } from '@cornerstonejs/core';
import type { SeriesAnalysis } from '@vertebra/contracts';
import { useEffect, useState } from 'react';
import type { OverlayViewport } from '../viewer/ViewerSession.js';
import { planOverlay, type OverlaySegmentKind, type SpineResult } from './planOverlay.js';

export interface AnalysisOverlayProps {
  readonly viewportId: string;
  readonly element: HTMLDivElement | undefined;
  /** The viewport's current view (undefined until it has a camera). */
  readonly getView: () => OverlayViewport | undefined;
  readonly analyses: readonly SeriesAnalysis[];
  /** Draw only when the viewport shows its data. */
  readonly active: boolean;
}

/** Finished analyses with a spine, drawn in a view of the same frame of reference (or the same series when the result names none). */
export function analysesForView(analyses: readonly SeriesAnalysis[], view: Pick<OverlayViewport, 'frameOfReferenceUid' | 'seriesInstanceUid'>): Array<{ analysis: SeriesAnalysis; result: SpineResult }> {
  const out: Array<{ analysis: SeriesAnalysis; result: SpineResult }> = [];
  for (const analysis of analyses) {
    const result = analysis.result;
    if (analysis.state !== 'done' || result === null || result.status !== 'ok') continue;
    const shares = analysis.frameOfReferenceUid !== null ? analysis.frameOfReferenceUid === view.frameOfReferenceUid : analysis.seriesInstanceUid === view.seriesInstanceUid;
    if (shares) out.push({ analysis, result });
  }
  return out;
}

const fmt = (v: number): string => v.toFixed(1);

/** Colours of the measured lines the stylesheet does not style (inline): sagittal angles yellow, slips red, canal AP diameters magenta. */
const lineStyle: Partial<Record<OverlaySegmentKind, { stroke: string; strokeWidth: number }>> = {
  kyphosis: { stroke: '#ffe24f', strokeWidth: 2 },
  lordosis: { stroke: '#ffe24f', strokeWidth: 2 },
  slip: { stroke: '#ff5f5f', strokeWidth: 3 },
  'canal-ap': { stroke: '#ff5cf0', strokeWidth: 3 },
};
const textStyle: Partial<Record<OverlaySegmentKind, { fill: string }>> = {
  kyphosis: { fill: '#fff0a0' },
  lordosis: { fill: '#fff0a0' },
  slip: { fill: '#ffb0b0' },
  'canal-ap': { fill: '#ffc0f8' },
};

export function AnalysisOverlay(props: AnalysisOverlayProps) {
  const { element, active } = props;
  const [, setTick] = useState(0);

  useEffect(() => {
    if (element === undefined || !active) return;
    let frame = 0;
    const schedule = (): void => {
      if (frame !== 0) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setTick((t) => t + 1);
      });
    };
    const events = [CoreEnums.Events.IMAGE_RENDERED, CoreEnums.Events.CAMERA_MODIFIED];
    for (const name of events) element.addEventListener(name, schedule);
    const resize = new ResizeObserver(schedule);
    resize.observe(element);
    schedule();
    return () => {
      for (const name of events) element.removeEventListener(name, schedule);
      resize.disconnect();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [element, active]);

  const view = active ? props.getView() : undefined;
  if (view === undefined) return null;
  const matching = analysesForView(props.analyses, view);
  if (matching.length === 0) return null;
  const project = (p: readonly [number, number, number]): [number, number] => view.worldToCanvas(p);

  return (
    <svg className="analysis-overlay" data-overlay-viewport={props.viewportId} aria-label="Analysis overlay">
      {matching.map(({ analysis, result }) => {
        const plan = planOverlay(result, view);
        const canal = plan.canalLps.map((p) => project(p).map(fmt).join(',')).join(' ');
        return (
          <g key={analysis.seriesInstanceUid} data-series-uid={analysis.seriesInstanceUid}>
            {canal !== '' && <polyline className="overlay-canal" data-kind="canal" points={canal} />}
            {plan.segments.map((s) => {
              const [x1, y1] = project(s.fromLps);
              const [x2, y2] = project(s.toLps);
              const level = result.vertebrae.find((v) => v.index === s.vertebraIndex)?.label ?? `#${s.vertebraIndex}`;
              // Sagittal angle values beside the line's left end (anterior in a sagittal view, clear of the labels), the rest beside its right end.
              const atLeft = s.kind === 'kyphosis' || s.kind === 'lordosis';
              const measured = s.measuredLps?.map((p) => project(p).map(fmt).join(',')).join(' ');
              return (
                <g
                  key={`${s.kind}-${s.vertebraIndex}-${s.part}`}
                  className={`overlay-${s.kind}`}
                  data-kind={s.kind}
                  data-part={s.part}
                  data-level={level}
                  {...(s.value === undefined ? {} : { 'data-value': s.value.toFixed(2) })}
                  {...(s.source === undefined ? {} : { 'data-source': s.source })}
                  {...(measured === undefined ? {} : { 'data-measured': measured })}
                >
                  <line x1={fmt(x1)} y1={fmt(y1)} x2={fmt(x2)} y2={fmt(y2)} style={lineStyle[s.kind]} />
                  {s.text !== undefined && s.kind !== 'height' && (
                    <text x={fmt(atLeft ? Math.min(x1, x2) - 6 : Math.max(x1, x2) + 6)} y={fmt(atLeft ? (x1 < x2 ? y1 : y2) : (y1 + y2) / 2)} textAnchor={atLeft ? 'end' : 'start'} style={textStyle[s.kind]}>
                      {s.text}
                    </text>
                  )}
                  {s.text !== undefined && <title>{`${level} ${s.part} ${s.kind}: ${s.text}`}</title>}
                </g>
              );
            })}
            {plan.labels.map((l) => {
              const [x, y] = project(l.anchorLps);
              return (
                <g
                  key={`label-${l.vertebraIndex}`}
                  className={l.inSlice ? 'overlay-label' : 'overlay-label out-of-slice'}
                  data-level={l.level}
                  data-vertebra-index={l.vertebraIndex}
                  data-in-slice={l.inSlice}
                  data-world={l.anchorLps.map((c) => c.toFixed(2)).join(',')}
                  data-canvas={`${fmt(x)},${fmt(y)}`}
                >
                  <circle cx={fmt(x)} cy={fmt(y)} r={3} />
                  <text x={fmt(x + 8)} y={fmt(y + 4)}>
                    {l.text}
                  </text>
                </g>
              );
            })}
          </g>
        );
      })}
    </svg>
  );
}
