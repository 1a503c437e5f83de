/**
 * Lists the measurements drawn in the open study (length, angle, Cobb angle, HU probe),
 * refreshed from Cornerstone's annotation events; each can be deleted. Not yet saved to the
 * server (issue 5, next step): they live as long as the page.
 */
import { eventTarget } from '@cornerstonejs/core';
import { annotation, Enums as ToolEnums } from '@cornerstonejs/tools';
import { useEffect, useState } from 'react';
import { measurementToolNames } from '../cornerstone/toolNames.js';
import { formatMeasurement, summarizeMeasurement, type MeasurementSummary } from './summarizeMeasurement.js';

function collect(): MeasurementSummary[] {
  return annotation.state
    .getAllAnnotations()
    .filter((a) => measurementToolNames.has(a.metadata?.toolName ?? ''))
    .map((a) => summarizeMeasurement(a as Parameters<typeof summarizeMeasurement>[0]))
    .filter((s): s is MeasurementSummary => s !== undefined);
}

export function MeasurementPanel(props: { onChanged?: () => void }) {
  const [rows, setRows] = useState<MeasurementSummary[]>([]);
  useEffect(() => {
    let frame = 0;
    let last = '';
    const refresh = (): void => {
      if (frame !== 0) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        const next = collect();
        const key = JSON.stringify(next);
        if (key !== last) {
          last = key;
          setRows(next);
        }
      });
    };
    const events = [
      ToolEnums.Events.ANNOTATION_COMPLETED,
      ToolEnums.Events.ANNOTATION_MODIFIED,
      ToolEnums.Events.ANNOTATION_REMOVED,
      ToolEnums.Events.ANNOTATION_RENDERED,
    ];
    for (const name of events) eventTarget.addEventListener(name, refresh);
    return () => {
      for (const name of events) eventTarget.removeEventListener(name, refresh);
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, []);

  return (
    <section className="measurements" aria-label="Measurements">
      <h2>Measurements</h2>
      {rows.length === 0 && <p className="muted">None yet: pick a tool and draw on an image.</p>}
      <ul>
        {rows.map((row) => (
          <li
            key={row.uid}
            className="measurement"
            data-tool={row.toolName}
            data-value={row.value ?? ''}
            data-unit={row.unit}
            data-index={row.index?.join(',') ?? ''}
            data-world={row.worldLps?.map((v) => v.toFixed(3)).join(',') ?? ''}
            data-points={row.pointsLps.map((p) => p.map((v) => v.toFixed(3)).join(',')).join(';')}
            data-calibration={row.calibration ?? ''}
          >
            <span className="measurement-label">{row.label}</span>
            <span className="measurement-value">{formatMeasurement(row)}</span>
            {row.index !== undefined && <span className="muted"> at ({row.index.join(', ')})</span>}
            {row.calibration !== undefined && <span className="muted small">calibration: {row.calibration}</span>}
            <button
              type="button"
              className="link"
              aria-label={`Delete ${row.label}`}
              onClick={() => {
                annotation.state.removeAnnotation(row.uid);
                props.onChanged?.();
              }}
            >
              ✕
            </button>
          </li>
        ))}
      </ul>
      <p className="muted small">Not saved yet: measurements are kept until the page is closed.</p>
    </section>
  );
}
