/**
 * The study viewer: series browser, toolbar (primary mouse tool, CT window presets, reset,
 * keyboard shortcuts with a help panel), the viewports of the hanging protocol chosen by
 * modality, per-viewport loading progress and errors, and the measurement panel.
 * `data-viewer-state` on the root (loading / ready / error) and `data-render-state` on each
 * viewport say when pixels are on screen, so tests never sleep.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { CornerstoneRuntime } from '../cornerstone/initCornerstone.js';
import { primaryTools, type PrimaryToolId } from '../cornerstone/toolNames.js';
import type { DicomwebClient } from '../dicomweb/DicomwebClient.js';
import type { SeriesSummary, StudySummary } from '../dicomweb/StudySummary.js';
import { chooseHangingProtocol } from './chooseHangingProtocol.js';
import { MeasurementPanel } from './MeasurementPanel.js';
import { ViewerSession, type ViewportState } from './ViewerSession.js';
import { windowPresets } from './windowPresets.js';

type SeriesState =
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly study: StudySummary | undefined; readonly series: readonly SeriesSummary[] }
  | { readonly status: 'error'; readonly message: string };

export interface ViewerTestHooks {
  jumpToWorld(worldLps: [number, number, number]): void;
  worldToPage(viewportId: string, worldLps: [number, number, number]): [number, number] | undefined;
}

declare global {
  interface Window {
    vertebraViewer?: ViewerTestHooks;
  }
}

export function StudyViewer(props: { client: DicomwebClient; runtime: CornerstoneRuntime; studyInstanceUid: string }) {
  const { client, runtime, studyInstanceUid } = props;
  const [seriesState, setSeriesState] = useState<SeriesState>({ status: 'loading' });
  const [preferredSeries, setPreferredSeries] = useState<string | undefined>(undefined);
  const [viewportStates, setViewportStates] = useState<Record<string, ViewportState>>({});
  const [tool, setTool] = useState<PrimaryToolId>('windowLevel');
  const [showHelp, setShowHelp] = useState(false);
  const elements = useRef(new Map<string, HTMLDivElement>());
  const session = useRef<ViewerSession | undefined>(undefined);

  useEffect(() => {
    performance.mark('vertebra:study-open');
    const abort = new AbortController();
    Promise.all([client.getStudy(studyInstanceUid, abort.signal), client.listSeries(studyInstanceUid, abort.signal)])
      .then(([study, series]) =>
        setSeriesState(
          study === undefined && series.length === 0
            ? { status: 'error', message: `Study ${studyInstanceUid} is not in the archive.` }
            : { status: 'ready', study, series },
        ),
      )
      .catch((error: unknown) => {
        if (!abort.signal.aborted) setSeriesState({ status: 'error', message: error instanceof Error ? error.message : String(error) });
      });
    return () => abort.abort();
  }, [client, studyInstanceUid]);

  const protocol = useMemo(
    () => (seriesState.status === 'ready' ? chooseHangingProtocol(seriesState.series, preferredSeries) : undefined),
    [seriesState, preferredSeries],
  );

  useEffect(() => {
    if (protocol === undefined || protocol.viewports.length === 0) return;
    setViewportStates(Object.fromEntries(protocol.viewports.map((v) => [v.viewportId, { state: 'loading', framesLoaded: 0, framesTotal: 0 } satisfies ViewportState])));
    const current = new ViewerSession({
      client,
      runtime,
      studyInstanceUid,
      protocol,
      elements: elements.current,
      onViewportState: (viewportId, state) => setViewportStates((s) => ({ ...s, [viewportId]: state })),
    });
    session.current = current;
    window.vertebraViewer = {
      jumpToWorld: (world) => current.jumpToWorld(world),
      worldToPage: (viewportId, world) => current.worldToPage(viewportId, world),
    };
    current.start().catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      setViewportStates(Object.fromEntries(protocol.viewports.map((v) => [v.viewportId, { state: 'error', framesLoaded: 0, framesTotal: 0, error: message } satisfies ViewportState])));
    });
    setTool('windowLevel');
    return () => {
      if (session.current === current) session.current = undefined;
      delete window.vertebraViewer;
      current.destroy();
    };
  }, [client, runtime, studyInstanceUid, protocol]);

  useEffect(() => {
    session.current?.setPrimaryTool(tool);
  }, [tool, protocol]);

  const isCt = protocol?.name === 'ct-mpr' || (seriesState.status === 'ready' && seriesState.series.some((s) => s.modality === 'CT'));
  const availableTools = primaryTools.filter((t) => !t.mprOnly || protocol?.name === 'ct-mpr');

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement || event.ctrlKey || event.metaKey || event.altKey) return;
      const key = event.key.toLowerCase();
      const match = availableTools.find((t) => t.key === key);
      if (match !== undefined) return setTool(match.id);
      if (key === 'r') return session.current?.reset();
      if (key === '?') return setShowHelp((s) => !s);
      const preset = isCt ? windowPresets[Number(key) - 1] : undefined;
      if (preset !== undefined) session.current?.applyWindowPreset(preset);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [availableTools, isCt]);

  const states = protocol?.viewports.map((v) => viewportStates[v.viewportId]?.state ?? 'loading') ?? [];
  const viewerState =
    seriesState.status === 'error' || states.includes('error')
      ? 'error'
      : protocol?.name === 'empty'
        ? 'empty'
        : seriesState.status === 'ready' && states.length > 0 && states.every((s) => s === 'rendered')
          ? 'ready'
          : 'loading';

  useEffect(() => {
    // User Timing for bench/viewer: every viewport of the protocol has its full data drawn.
    if (viewerState === 'ready') performance.mark('vertebra:all-rendered');
  }, [viewerState]);

  return (
    <section className="study-viewer" data-viewer-state={viewerState} data-protocol={protocol?.name ?? ''}>
      <aside className="series-browser" aria-label="Series">
        <a href="#/" className="back">
          ← Worklist
        </a>
        {seriesState.status === 'ready' && seriesState.study !== undefined && (
          <div className="study-info">
            <strong>{seriesState.study.patientName || '(no name)'}</strong>
            <span>{seriesState.study.patientId}</span>
            <span>
              {seriesState.study.studyDate} {seriesState.study.description}
            </span>
          </div>
        )}
        <h2>Series</h2>
        {seriesState.status === 'loading' && <p className="muted">Loading series…</p>}
        {seriesState.status === 'error' && (
          <p className="error" role="alert">
            {seriesState.message}
          </p>
        )}
        {seriesState.status === 'ready' && (
          <ul>
            {seriesState.series.map((s) => {
              const shown = protocol?.viewports.some((v) => v.seriesInstanceUid === s.seriesInstanceUid) ?? false;
              return (
                <li key={s.seriesInstanceUid}>
                  <button type="button" className={shown ? 'series shown' : 'series'} data-series-uid={s.seriesInstanceUid} onClick={() => setPreferredSeries(s.seriesInstanceUid)}>
                    <img src={client.thumbnailUrl(s.studyInstanceUid, s.seriesInstanceUid)} alt="" width={64} height={64} loading="lazy" />
                    <span>
                      {s.modality} {s.seriesNumber ?? ''} {s.description}
                      <br />
                      <span className="muted">{s.instanceCount ?? '?'} {s.instanceCount === 1 ? 'image' : 'images'}</span>
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        )}
      </aside>
      <div className="viewer-main">
        <div className="toolbar" role="toolbar" aria-label="Tools">
          {availableTools.map((t) => (
            <button key={t.id} type="button" data-tool={t.id} aria-pressed={tool === t.id} title={`${t.label} (${t.key.toUpperCase()})`} onClick={() => setTool(t.id)}>
              {t.label}
            </button>
          ))}
          {isCt && <span className="separator" />}
          {isCt &&
            windowPresets.map((p, i) => (
              <button key={p.id} type="button" data-preset={p.id} title={`W ${p.windowWidth} / L ${p.windowCenter} (${i + 1})`} onClick={() => session.current?.applyWindowPreset(p)}>
                {p.label}
              </button>
            ))}
          <span className="separator" />
          <button type="button" onClick={() => session.current?.reset()} title="Reset view (R)">
            Reset
          </button>
          <button type="button" aria-pressed={showHelp} onClick={() => setShowHelp((s) => !s)} title="Keyboard shortcuts (?)">
            ?
          </button>
        </div>
        {showHelp && (
          <div className="help" role="dialog" aria-label="Keyboard shortcuts">
            <h2>Keyboard and mouse</h2>
            <ul>
              {availableTools.map((t) => (
                <li key={t.id}>
                  <kbd>{t.key.toUpperCase()}</kbd> {t.label}
                </li>
              ))}
              {isCt && windowPresets.map((p, i) => <li key={p.id}><kbd>{i + 1}</kbd> {p.label} window</li>)}
              <li><kbd>R</kbd> reset view</li>
              <li>Wheel: scroll slices · middle drag: pan · right drag: zoom · left drag: current tool</li>
            </ul>
          </div>
        )}
        {protocol?.name === 'empty' && <p className="muted">This study has no images to show.</p>}
        <div className={`viewport-grid count-${protocol?.viewports.length ?? 0} protocol-${protocol?.name ?? "none"}`}>
          {protocol?.viewports.map((spec) => {
            const state = viewportStates[spec.viewportId] ?? { state: 'loading', framesLoaded: 0, framesTotal: 0 };
            return (
              <div key={spec.viewportId} className="viewport-cell" data-viewport-id={spec.viewportId} data-render-state={state.state}>
                <div
                  className="vt-viewport-element"
                  ref={(element) => {
                    if (element === null) elements.current.delete(spec.viewportId);
                    else elements.current.set(spec.viewportId, element);
                  }}
                />
                <div className="viewport-label">{spec.label}</div>
                {state.state === 'loading' && (
                  <div className="viewport-progress" role="progressbar" aria-valuemin={0} aria-valuemax={state.framesTotal} aria-valuenow={state.framesLoaded}>
                    <div style={{ width: state.framesTotal > 0 ? `${(100 * state.framesLoaded) / state.framesTotal}%` : '0%' }} />
                    <span>
                      Loading {state.framesLoaded}/{state.framesTotal || '…'}
                    </span>
                  </div>
                )}
                {state.state === 'error' && (
                  <div className="viewport-error" role="alert">
                    {state.error}
                  </div>
                )}
              </div>
            );
          })}
        </div>
      </div>
      <MeasurementPanel />
    </section>
  );
}
