/**
 * The study viewer: series browser, toolbar (primary mouse tool, CT window presets, reset,
 * keyboard shortcuts with a help panel), the viewports of the hanging protocol chosen by
 * modality, per-viewport loading progress and errors, and the measurement panel.
 * `data-viewer-state` on the root (loading / ready / error) and `data-render-state` on each
 * viewport say when pixels are on screen, so tests never sleep.
 */
import { eventTarget } from '@cornerstonejs/core';
import { annotation as annotationApi, Enums as ToolEnums } from '@cornerstonejs/tools';
import type { CalibrationSource, SeriesAnalysis, VertebraApiClient } from '@vertebra/contracts';
import { useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { AnalysisOverlay } from '../analysis/AnalysisOverlay.js';
import { analysesPending, describeStudyAnalyses } from '../analysis/describeAnalysis.js';
import { CalibrationLineTool } from '../cornerstone/CalibrationLineTool.js';
import type { CornerstoneRuntime } from '../cornerstone/initCornerstone.js';
import { primaryTools, type PrimaryToolId } from '../cornerstone/toolNames.js';
import type { DicomwebClient } from '../dicomweb/DicomwebClient.js';
import type { DicomJsonDataset } from '../dicomweb/dicomJson.js';
import type { SeriesSummary, StudySummary } from '../dicomweb/StudySummary.js';
import { chooseHangingProtocol } from './chooseHangingProtocol.js';
import { MeasurementPanel } from './MeasurementPanel.js';
import { parseWadorsImageId } from './measurementCodec.js';
import { MeasurementSync, type SyncState } from './MeasurementSync.js';
import type { ResolvedCalibration } from './resolveCalibration.js';
import { ViewerSession, type ViewportState } from './ViewerSession.js';
import { windowPresets } from './windowPresets.js';

/** A calibration line the user just drew, waiting for its true length. */
interface CalibrationDraft {
  readonly annotationUid: string;
  readonly viewportId: string | undefined;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly points: readonly [readonly [number, number], readonly [number, number]];
  readonly pixelLength: number;
}

type SeriesState =
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly study: StudySummary | undefined; readonly series: readonly SeriesSummary[] }
  | { readonly status: 'error'; readonly message: string };

type AnalysesState =
  | { readonly status: 'loading' }
  | { readonly status: 'ready'; readonly analyses: readonly SeriesAnalysis[] }
  | { readonly status: 'error'; readonly message: string };

/** How often the viewer asks again while an analysis of the study is queued or running. */
const analysisPollIntervalMs = 2000;
/** A study with no analysis yet (just received: the server queues a CT series once it has been quiet a few seconds) is asked again this often, this many times. */
const emptyAnalysisPollIntervalMs = 5000;
const emptyAnalysisPolls = 12;
/** Keyboard shortcut that shows / hides the analysis overlay. */
const overlayToggleKey = 'g';

export interface ViewerTestHooks {
  jumpToWorld(worldLps: [number, number, number]): void;
  worldToPage(viewportId: string, worldLps: [number, number, number]): [number, number] | undefined;
  /** (column, row) of the image in a stack viewport, pixel centres at integers → page pixels. */
  imageToPage(viewportId: string, image: [number, number]): [number, number] | undefined;
}

declare global {
  interface Window {
    vertebraViewer?: ViewerTestHooks;
  }
}

export function StudyViewer(props: { client: DicomwebClient; runtime: CornerstoneRuntime; api: VertebraApiClient; studyInstanceUid: string }) {
  const { client, runtime, api, studyInstanceUid } = props;
  const [analysesState, setAnalysesState] = useState<AnalysesState>({ status: 'loading' });
  const [overlayVisible, setOverlayVisible] = useState(true);
  const [syncState, setSyncState] = useState<SyncState | undefined>(undefined);
  const [calibrations, setCalibrations] = useState<Record<string, ResolvedCalibration>>({});
  const [calibrationDraft, setCalibrationDraft] = useState<CalibrationDraft | undefined>(undefined);
  const [calibrationError, setCalibrationError] = useState<string | undefined>(undefined);
  const [frames, setFrames] = useState<Record<string, { index: number; total: number; recommendedFps?: number }>>({});
  const [cine, setCine] = useState<{ playing: boolean; fps: number | undefined }>({ playing: false, fps: undefined });
  const [seriesState, setSeriesState] = useState<SeriesState>({ status: 'loading' });
  const [preferredSeries, setPreferredSeries] = useState<string | undefined>(undefined);
  const [viewportStates, setViewportStates] = useState<Record<string, ViewportState>>({});
  const [tool, setTool] = useState<PrimaryToolId>('windowLevel');
  const [showHelp, setShowHelp] = useState(false);
  const elements = useRef(new Map<string, HTMLDivElement>());
  const cineToggle = useRef<(() => void) | undefined>(undefined);
  const session = useRef<ViewerSession | undefined>(undefined);
  const metadataRequests = useRef(new Map<string, Promise<DicomJsonDataset[]>>());

  useEffect(() => {
    performance.mark('vertebra:study-open');
    // PHI access is audited (issue 3): the server records who opened which study.
    api.markStudyViewed(studyInstanceUid).catch(() => undefined);
    const abort = new AbortController();
    const seriesList = client.listSeries(studyInstanceUid, abort.signal);
    // The series metadata of the default hanging protocol is asked for at once, ahead of React's render and the viewer set-up.
    seriesList
      .then((series) => {
        for (const spec of chooseHangingProtocol(series).viewports) {
          if (metadataRequests.current.has(spec.seriesInstanceUid)) continue;
          const request = client.seriesMetadata(studyInstanceUid, spec.seriesInstanceUid);
          request.catch(() => metadataRequests.current.delete(spec.seriesInstanceUid)); // the viewer asks again and reports it
          metadataRequests.current.set(spec.seriesInstanceUid, request);
        }
      })
      .catch(() => undefined);
    Promise.all([client.getStudy(studyInstanceUid, abort.signal), seriesList])
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
  }, [api, client, studyInstanceUid]);

  useEffect(() => {
    // The study's analyses (state and results), asked again while a job is queued or running.
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let emptyAnswers = 0;
    const poll = (): void => {
      api
        .listAnalyses(studyInstanceUid, abort.signal)
        .then((analyses) => {
          if (abort.signal.aborted) return;
          setAnalysesState({ status: 'ready', analyses });
          if (analysesPending(analyses)) timer = setTimeout(poll, analysisPollIntervalMs);
          else if (analyses.length === 0 && ++emptyAnswers < emptyAnalysisPolls) timer = setTimeout(poll, emptyAnalysisPollIntervalMs);
        })
        .catch((error: unknown) => {
          if (!abort.signal.aborted) setAnalysesState({ status: 'error', message: error instanceof Error ? error.message : String(error) });
        });
    };
    poll();
    return () => {
      abort.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [api, studyInstanceUid]);

  const analyses = analysesState.status === 'ready' ? analysesState.analyses : [];
  const analysisLines = describeStudyAnalyses(analyses);
  const hasOverlay = analysisLines.some((d) => d.state === 'done');

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
      metadataRequests: metadataRequests.current,
      onViewportState: (viewportId, state) => setViewportStates((s) => ({ ...s, [viewportId]: state })),
      loadUserCalibration: async (seriesInstanceUid) => (await api.getCalibration(seriesInstanceUid))?.mmPerPixel,
      onCalibration: (viewportId, calibration) => setCalibrations((c) => ({ ...c, [viewportId]: calibration })),
      onFrame: (viewportId, frame) => setFrames((f) => ({ ...f, [viewportId]: frame })),
    });
    session.current = current;
    const sync = new MeasurementSync({ api, studyInstanceUid, session: current, onState: setSyncState });
    const syncAbort = new AbortController();
    // A finished calibration line asks for its true length (the dialog below).
    const onCalibrationLine = (event: Event): void => {
      const drawn = (event as CustomEvent<{ annotation?: { annotationUID?: string; metadata?: { toolName?: string; referencedImageId?: string }; data?: { handles?: { points?: number[][] } } } }>).detail?.annotation;
      if (drawn?.metadata?.toolName !== CalibrationLineTool.toolName || drawn.annotationUID === undefined) return;
      const imageId = drawn.metadata.referencedImageId;
      const ref = imageId === undefined ? undefined : parseWadorsImageId(imageId);
      const [a, b] = drawn.data?.handles?.points ?? [];
      if (imageId === undefined || ref === undefined || a === undefined || b === undefined) {
        annotationApi.state.removeAnnotation(drawn.annotationUID);
        return;
      }
      const [p, q] = [a, b].map((w) => current.worldToImage(imageId, w)) as [[number, number], [number, number]];
      setCalibrationError(undefined);
      setCalibrationDraft({
        annotationUid: drawn.annotationUID,
        viewportId: current.viewportOfImage(imageId),
        studyInstanceUid: ref.studyInstanceUid,
        seriesInstanceUid: ref.seriesInstanceUid,
        sopInstanceUid: ref.sopInstanceUid,
        points: [p, q],
        pixelLength: Math.hypot(q[0] - p[0], q[1] - p[1]),
      });
    };
    eventTarget.addEventListener(ToolEnums.Events.ANNOTATION_COMPLETED, onCalibrationLine);
    window.vertebraViewer = {
      jumpToWorld: (world) => current.jumpToWorld(world),
      worldToPage: (viewportId, world) => current.worldToPage(viewportId, world),
      imageToPage: (viewportId, image) => current.imageToPage(viewportId, image),
    };
    current
      .start()
      .then(() => sync.start(syncAbort.signal))
      .catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      setViewportStates(Object.fromEntries(protocol.viewports.map((v) => [v.viewportId, { state: 'error', framesLoaded: 0, framesTotal: 0, error: message } satisfies ViewportState])));
    });
    setTool('windowLevel');
    return () => {
      if (session.current === current) session.current = undefined;
      delete window.vertebraViewer;
      eventTarget.removeEventListener(ToolEnums.Events.ANNOTATION_COMPLETED, onCalibrationLine);
      syncAbort.abort();
      sync.dispose();
      current.destroy();
      setCalibrationDraft(undefined);
      setCalibrations({});
      setFrames({});
      setCine({ playing: false, fps: undefined });
    };
  }, [client, runtime, api, studyInstanceUid, protocol]);

  const applyCalibration = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const draft = calibrationDraft;
    if (draft === undefined) return;
    const knownLengthMm = Number(new FormData(event.currentTarget).get('knownLengthMm'));
    api
      .putCalibration(draft.seriesInstanceUid, {
        studyInstanceUid: draft.studyInstanceUid,
        sopInstanceUid: draft.sopInstanceUid,
        knownLengthMm,
        pixelLength: draft.pixelLength,
        points: draft.points.map((p) => [Number(p[0].toFixed(3)), Number(p[1].toFixed(3))]),
      })
      .then((saved) => {
        annotationApi.state.removeAnnotation(draft.annotationUid);
        setCalibrationDraft(undefined);
        session.current?.setUserCalibration(saved.seriesInstanceUid, saved.mmPerPixel);
      })
      .catch((error: unknown) => setCalibrationError(error instanceof Error ? error.message : String(error)));
  };

  const cancelCalibration = (): void => {
    if (calibrationDraft !== undefined) annotationApi.state.removeAnnotation(calibrationDraft.annotationUid);
    setCalibrationDraft(undefined);
  };

  const removeUserCalibration = (seriesInstanceUid: string): void => {
    api
      .deleteCalibration(seriesInstanceUid)
      .then(() => session.current?.setUserCalibration(seriesInstanceUid, undefined))
      .catch((error: unknown) => setCalibrationError(error instanceof Error ? error.message : String(error)));
  };

  const cineViewportId = protocol?.name === 'cine' ? protocol.viewports[0]?.viewportId : undefined;
  const cineFrame = cineViewportId === undefined ? undefined : frames[cineViewportId];
  const cineFps = cine.fps ?? Math.round(cineFrame?.recommendedFps ?? 15);
  const toggleCine = (): void => {
    if (cineViewportId === undefined) return;
    if (cine.playing) session.current?.stopCine(cineViewportId);
    else session.current?.playCine(cineViewportId, cineFps);
    setCine((c) => ({ ...c, playing: !c.playing }));
  };
  const changeCineFps = (fps: number): void => {
    if (!Number.isFinite(fps) || fps < 1 || fps > 60) return;
    setCine((c) => ({ ...c, fps }));
    if (cine.playing && cineViewportId !== undefined) session.current?.playCine(cineViewportId, fps);
  };

  cineToggle.current = cineViewportId === undefined ? undefined : toggleCine;

  const calibrationOf = (imageId: string | undefined): CalibrationSource => session.current?.codecContext().calibrationOf(imageId) ?? 'pixel-spacing';

  useEffect(() => {
    session.current?.setPrimaryTool(tool);
  }, [tool, protocol]);

  const isCt = protocol?.name === 'ct-mpr' || (seriesState.status === 'ready' && seriesState.series.some((s) => s.modality === 'CT'));
  const hasStacks = protocol?.viewports.some((v) => v.kind === 'stack') ?? false;
  const availableTools = primaryTools.filter((t) => (!t.mprOnly || protocol?.name === 'ct-mpr') && (!t.stackOnly || hasStacks));

  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement || event.ctrlKey || event.metaKey || event.altKey) return;
      const key = event.key.toLowerCase();
      const match = availableTools.find((t) => t.key === key);
      if (match !== undefined) return setTool(match.id);
      if (key === 'r') return session.current?.reset();
      if (key === ' ' && cineToggle.current !== undefined) {
        event.preventDefault();
        return cineToggle.current();
      }
      if (key === '?') return setShowHelp((s) => !s);
      if (key === overlayToggleKey) return setOverlayVisible((v) => !v);
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
        {analysesState.status === 'error' && (
          <p className="analysis-status" data-analysis-state="error">
            analysis: unavailable ({analysesState.message})
          </p>
        )}
        {analysisLines.map((d) => (
          <p key={d.seriesInstanceUid} className="analysis-status" data-analysis-state={d.state} data-series-uid={d.seriesInstanceUid}>
            {d.text}
          </p>
        ))}
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
          {cineViewportId !== undefined && (
            <span className="cine-controls" data-cine={cine.playing ? 'playing' : 'stopped'}>
              <span className="separator" />
              <button type="button" className="cine-toggle" onClick={toggleCine} title="Play / pause (space)">
                {cine.playing ? '❚❚ Pause' : '▶ Play'}
              </button>
              <label>
                <input type="number" name="fps" min={1} max={60} value={cineFps} onChange={(event) => changeCineFps(Number(event.target.value))} aria-label="Frames per second" /> fps
              </label>
              <span className="muted">
                frame {cineFrame === undefined ? '–' : cineFrame.index + 1}/{cineFrame?.total ?? '–'}
              </span>
            </span>
          )}
          <span className="separator" />
          {hasOverlay && (
            <button type="button" className="overlay-toggle" aria-pressed={overlayVisible} data-overlay={overlayVisible ? 'on' : 'off'} onClick={() => setOverlayVisible((v) => !v)} title={`Analysis overlay: labels and measured lines (${overlayToggleKey.toUpperCase()})`}>
              Overlay
            </button>
          )}
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
              <li><kbd>{overlayToggleKey.toUpperCase()}</kbd> show / hide the analysis overlay (vertebra labels, endplates, heights, the Cobb, kyphosis and lordosis lines they were measured on, slips, canal AP diameters)</li>
              {cineViewportId !== undefined && <li><kbd>Space</kbd> play / pause cine</li>}
              <li>Wheel: scroll slices · middle drag: pan · right drag: zoom · left drag: current tool</li>
            </ul>
          </div>
        )}
        {protocol?.name === 'empty' && <p className="muted">This study has no images to show.</p>}
        <div className={`viewport-grid count-${protocol?.viewports.length ?? 0} protocol-${protocol?.name ?? "none"}`}>
          {protocol?.viewports.map((spec) => {
            const state = viewportStates[spec.viewportId] ?? { state: 'loading', framesLoaded: 0, framesTotal: 0 };
            return (
              <div key={spec.viewportId} className="viewport-cell" data-viewport-id={spec.viewportId} data-render-state={state.state} data-calibration={calibrations[spec.viewportId]?.source ?? ''} data-frame-index={frames[spec.viewportId]?.index ?? ''}>
                <div
                  className="vt-viewport-element"
                  ref={(element) => {
                    if (element === null) elements.current.delete(spec.viewportId);
                    else elements.current.set(spec.viewportId, element);
                  }}
                />
                <AnalysisOverlay
                  viewportId={spec.viewportId}
                  element={elements.current.get(spec.viewportId)}
                  getView={() => session.current?.overlayView(spec.viewportId)}
                  analyses={analyses}
                  active={overlayVisible && state.state === 'rendered'}
                />
                <div className="viewport-label">{spec.label}</div>
                {calibrations[spec.viewportId] !== undefined && (
                  <div className="viewport-calibration" title="What lengths in this view rest on">
                    {calibrations[spec.viewportId]?.description}
                    {calibrations[spec.viewportId]?.source === 'user' && (
                      <button type="button" className="link" onClick={() => removeUserCalibration(spec.seriesInstanceUid)} title="Remove the user calibration of this series">
                        remove
                      </button>
                    )}
                  </div>
                )}
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
      {calibrationDraft !== undefined && (
        <form className="calibration-dialog" role="dialog" aria-label="Calibrate" onSubmit={applyCalibration}>
          <h2>Calibrate series</h2>
          <p>
            The line is {calibrationDraft.pixelLength.toFixed(1)} px long. Its true length (mm), e.g. a ruler or a calibration sphere:
          </p>
          <input type="number" name="knownLengthMm" min="0.1" step="any" required autoFocus aria-label="Known length in mm" />
          <div>
            <button type="submit">Apply calibration</button>
            <button type="button" onClick={cancelCalibration}>
              Cancel
            </button>
          </div>
          {calibrationError !== undefined && (
            <p className="error" role="alert">
              {calibrationError}
            </p>
          )}
        </form>
      )}
      <MeasurementPanel {...(syncState === undefined ? {} : { sync: syncState })} exportUrl={api.exportUrl(studyInstanceUid)} calibrationOf={calibrationOf} />
    </section>
  );
}
