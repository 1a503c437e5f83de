/**
 * Lists the measurements drawn in the open study (length, angle, Cobb angle, HU probe),
 * refreshed from Cornerstone's annotation events, with the calibration each one used and
 * whether it is saved on the server (MeasurementSync); each can be deleted, and the study's
 * measurements can be downloaded as JSON (REST export).
 */
import { eventTarget } from '@cornerstonejs/core';
import { annotation, Enums as ToolEnums } from '@cornerstonejs/tools';
import type { CalibrationSource } from '@vertebra/contracts';
import { useEffect, useState } from 'react';
import { measurementToolNames } from '../cornerstone/toolNames.js';
import type { SyncState } from './MeasurementSync.js';
import { formatMeasurement, summarizeMeasurement, type MeasurementSummary } from './summarizeMeasurement.js';

function collect(): MeasurementSummary[] {
  return annotation.state
    .getAllAnnotations()
    .filter((a) => measurementToolNames.has(a.metadata?.toolName ?? ''))
    .map((a) => summarizeMeasurement(a as Parameters<typeof summarizeMeasurement>[0]))
    .filter((s): s is MeasurementSummary => s !== undefined);
}

const calibrationLabels: Record<CalibrationSource, string> = {
  none: 'none (px)',
  'pixel-spacing': 'pixel spacing',
  detector: 'detector (ImagerPixelSpacing)',
  'magnification-corrected': 'magnification corrected',
  user: 'user',
};

export interface MeasurementPanelProps {
  readonly sync?: SyncState;
  /** JSON download of the study's measurements. */
  readonly exportUrl?: string;
  /** Calibration of the image an annotation is on (angles and probes; lengths read it from their unit). */
  readonly calibrationOf?: (imageId: string | undefined) => CalibrationSource;
}

export function MeasurementPanel(props: MeasurementPanelProps) {
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
      ToolEnums.Events.ANNOTATION_ADDED,
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

  const sync = props.sync;
  return (
    <section className="measurements" aria-label="Measurements" data-sync-state={sync?.status ?? 'off'}>
      <h2>Measurements</h2>
      {rows.length === 0 && <p className="muted">None yet: pick a tool and draw on an image.</p>}
      <ul>
        {rows.map((row) => {
          const calibration = row.calibration ?? props.calibrationOf?.(row.referencedImageId);
          const saved = sync?.savedIds.has(row.uid) ?? false;
          const savedValue = sync?.savedValues.get(row.uid);
          return (
            <li
              key={row.uid}
              className="measurement"
              data-uid={row.uid}
              data-tool={row.toolName}
              data-value={row.value ?? ''}
              data-unit={row.unit}
              data-index={row.index?.join(',') ?? ''}
              data-world={row.worldLps?.map((v) => v.toFixed(3)).join(',') ?? ''}
              data-points={row.pointsLps.map((p) => p.map((v) => v.toFixed(3)).join(',')).join(';')}
              data-calibration={calibration ?? ''}
              data-saved={saved ? 'true' : 'false'}
              data-saved-value={savedValue?.value ?? ''}
            >
              <span className="measurement-label">{row.label}</span>
              <span className="measurement-value">
                {row.value === undefined && savedValue !== undefined && savedValue !== null
                  ? `${savedValue.value.toFixed(savedValue.unit === 'deg' || savedValue.unit === 'mm' ? 1 : 2)} ${savedValue.unit === 'deg' ? '°' : savedValue.unit}`
                  : formatMeasurement(row)}
              </span>
              {row.index !== undefined && <span className="muted"> at ({row.index.join(', ')})</span>}
              {row.detail !== undefined && <span className="muted small">{row.detail}</span>}
              {calibration !== undefined && <span className="muted small">calibration: {calibrationLabels[calibration]}</span>}
              {sync !== undefined && <span className="muted small" title={saved ? 'saved on the server' : 'not saved yet'}>{saved ? '✓ saved' : '…'}</span>}
              <button type="button" className="link" aria-label={`Delete ${row.label}`} onClick={() => annotation.state.removeAnnotation(row.uid)}>
                ✕
              </button>
            </li>
          );
        })}
      </ul>
      {sync?.status === 'error' && (
        <p className="error" role="alert">
          {sync.error}
        </p>
      )}
      <p className="muted small">
        {sync === undefined ? 'Not saved: no server connection.' : sync.status === 'saving' ? 'Saving…' : sync.status === 'loading' ? 'Loading saved measurements…' : 'Saved on the server.'}
        {props.exportUrl !== undefined && (
          <>
            {' '}
            <a className="export-measurements" href={props.exportUrl} download>
              Export JSON
            </a>
          </>
        )}
      </p>
    </section>
  );
}
