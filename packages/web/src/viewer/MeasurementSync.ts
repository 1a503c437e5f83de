/**
 * Keeps the open study's measurements on the server (issue 5): a measurement is created
 * (POST, with the annotation UID as id) when the user finishes drawing it, updated (PUT)
 * when it is edited or its statistics change (e.g. after a calibration), deleted (DELETE)
 * when it is removed; saved measurements are drawn again when the study is reopened.
 * Operations on one measurement run in order; edits are coalesced (debounced). The state
 * (saving / saved / error, which ids are on the server) drives the measurement panel.
 */
import { eventTarget } from '@cornerstonejs/core';
import { annotation as annotationApi, Enums as ToolEnums } from '@cornerstonejs/tools';
import type { Measurement, MeasurementInput, VertebraApiClient } from '@vertebra/contracts';
import { annotationToMeasurementInput, measurementToInput, toolTypeByToolName, type AnnotationLike } from './measurementCodec.js';
import type { ViewerSession } from './ViewerSession.js';

export type SyncStatus = 'loading' | 'idle' | 'saving' | 'saved' | 'error';

export interface SyncState {
  readonly status: SyncStatus;
  /** Ids that exist on the server as last saved. */
  readonly savedIds: ReadonlySet<string>;
  /** The value last saved per id (shown until Cornerstone computes it, e.g. for an MPR measurement off the shown slice). */
  readonly savedValues: ReadonlyMap<string, MeasurementInput['value']>;
  readonly error?: string;
}

export interface MeasurementSyncOptions {
  readonly api: VertebraApiClient;
  readonly studyInstanceUid: string;
  readonly session: ViewerSession;
  readonly onState: (state: SyncState) => void;
  /** Quiet time before an edit is saved. */
  readonly debounceMs?: number;
}

/** JSON with sorted keys and numbers to 2 decimals: equal for the same measurement recomputed after a reload (points are stored to 0.001 px, which moves a recomputed angle in the 3rd decimal). */
/** A save waits at most this many times this long for a measurement's final stats (2 s). */
const STATS_WAIT_TRIES = 40;
const STATS_WAIT_MS = 50;

function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number') return Number(v.toFixed(2));
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)));
    return v;
  });
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class MeasurementSync {
  private readonly options: MeasurementSyncOptions;
  /** id → JSON of the input last saved (present = the measurement exists on the server). */
  private readonly saved = new Map<string, string>();
  private readonly savedValues = new Map<string, MeasurementInput['value']>();
  /** How many times a save has waited for an annotation's stats to be recomputed. */
  private readonly statsWaits = new Map<string, number>();
  /** Annotations the user finished drawing (or that were restored): only these are saved. */
  private readonly complete = new Set<string>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly chains = new Map<string, Promise<void>>();
  private pending = 0;
  private status: SyncStatus = 'loading';
  private error: string | undefined;
  private disposed = false;
  private readonly listeners: Array<[string, (event: Event) => void]> = [];

  constructor(options: MeasurementSyncOptions) {
    this.options = options;
  }

  /** Loads the study's measurements, draws them, and starts listening to annotation events. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.disposed) return;
    this.listen(ToolEnums.Events.ANNOTATION_COMPLETED, (detail) => {
      const uid = detail.annotation?.annotationUID;
      if (uid === undefined || !this.isMeasurement(detail.annotation)) return;
      this.complete.add(uid);
      this.schedule(uid, 0);
    });
    this.listen(ToolEnums.Events.ANNOTATION_MODIFIED, (detail) => {
      const uid = detail.annotation?.annotationUID;
      if (uid !== undefined && this.complete.has(uid)) this.schedule(uid, this.options.debounceMs ?? 250);
    });
    this.listen(ToolEnums.Events.ANNOTATION_REMOVED, (detail) => {
      const uid = detail.annotation?.annotationUID;
      this.options.session.render();
      if (uid === undefined || !this.complete.has(uid)) return;
      this.complete.delete(uid);
      const timer = this.timers.get(uid);
      if (timer !== undefined) clearTimeout(timer);
      this.timers.delete(uid);
      this.enqueue(uid, async () => {
        if (!this.saved.has(uid)) return;
        await this.options.api.deleteMeasurement(uid).catch((error: unknown) => {
          if ((error as { status?: number }).status !== 404) throw error;
        });
        this.saved.delete(uid);
        this.savedValues.delete(uid);
      });
    });
    try {
      const measurements = await this.options.api.listMeasurements(this.options.studyInstanceUid, signal);
      if (this.disposed) return;
      this.restore(measurements);
      this.setStatus(this.pending > 0 ? 'saving' : 'idle');
    } catch (error) {
      if (!this.disposed) this.setStatus('error', `could not load saved measurements: ${errorText(error)}`);
    }
  }

  private restore(measurements: readonly Measurement[]): void {
    const byId = new Map(measurements.map((m) => [m.id, m]));
    for (const m of measurements) {
      this.saved.set(m.id, canonical(measurementToInput(m)));
      this.savedValues.set(m.id, m.value ?? null);
    }
    const restored = this.options.session.restoreMeasurements(measurements);
    for (const id of restored) this.complete.add(id);
    // Measurements without a place in this layout stay on the server untouched.
    for (const id of byId.keys()) if (!restored.includes(id)) this.complete.delete(id);
  }

  private isMeasurement(annotation: AnnotationLike | undefined): boolean {
    return annotation?.metadata?.toolName !== undefined && annotation.metadata.toolName in toolTypeByToolName;
  }

  private listen(name: string, handler: (detail: { annotation?: AnnotationLike }) => void): void {
    const listener = (event: Event): void => {
      if (!this.disposed) handler((event as CustomEvent<{ annotation?: AnnotationLike }>).detail ?? {});
    };
    eventTarget.addEventListener(name, listener);
    this.listeners.push([name, listener]);
  }

  private schedule(uid: string, delayMs: number): void {
    const previous = this.timers.get(uid);
    if (previous !== undefined) clearTimeout(previous);
    else this.bump(1);
    this.timers.set(
      uid,
      setTimeout(() => {
        this.timers.delete(uid);
        this.bump(-1);
        this.save(uid);
      }, delayMs),
    );
  }

  /**
   * Saves the annotation's current state if it differs from what the server has. Cornerstone
   * computes a measurement's stats at render time, throttled: right after the mouse is released
   * they can still be those of the last rendered drag position (the annotation is then marked
   * `invalidated`). The save waits for the final stats (a render, then the StatsUpdated
   * modification schedules it again), at most STATS_WAIT_TRIES × STATS_WAIT_MS, since an
   * annotation off the shown slice is not recomputed until it is shown.
   */
  private save(uid: string): void {
    const found = annotationApi.state.getAnnotation(uid) as (AnnotationLike & { invalidated?: boolean }) | undefined;
    if (found === undefined || !this.complete.has(uid)) return;
    const tries = this.statsWaits.get(uid) ?? 0;
    if (found.invalidated === true && tries < STATS_WAIT_TRIES) {
      this.statsWaits.set(uid, tries + 1);
      this.options.session.render();
      this.schedule(uid, STATS_WAIT_MS);
      return;
    }
    this.statsWaits.delete(uid);
    const input = annotationToMeasurementInput(found, this.options.session.codecContext());
    if (input === undefined) return;
    const json = canonical(input);
    this.enqueue(uid, async () => {
      if (this.saved.get(uid) === json) return;
      if (this.saved.has(uid)) await this.options.api.updateMeasurement(uid, input);
      else await this.options.api.createMeasurement(this.options.studyInstanceUid, input);
      this.saved.set(uid, json);
      this.savedValues.set(uid, input.value ?? null);
    });
  }

  private enqueue(uid: string, operation: () => Promise<void>): void {
    this.bump(1);
    const previous = this.chains.get(uid) ?? Promise.resolve();
    const next = previous
      .then(operation)
      .then(
        () => {
          if (this.status === 'error') this.error = undefined;
        },
        (error: unknown) => {
          this.error = `could not save a measurement: ${errorText(error)}`;
        },
      )
      .finally(() => this.bump(-1));
    this.chains.set(uid, next);
  }

  private bump(delta: number): void {
    this.pending += delta;
    if (this.status === 'loading') return;
    if (this.pending > 0) this.setStatus('saving');
    else this.setStatus(this.error === undefined ? 'saved' : 'error', this.error);
  }

  private setStatus(status: SyncStatus, error?: string): void {
    this.status = status;
    this.error = error;
    if (this.disposed) return;
    this.options.onState({ status, savedIds: new Set(this.saved.keys()), savedValues: new Map(this.savedValues), ...(error === undefined ? {} : { error }) });
  }

  /** Saves pending edits now, stops listening and removes this study's annotations from the page. */
  dispose(): void {
    for (const [uid, timer] of this.timers) {
      clearTimeout(timer);
      this.save(uid);
    }
    this.timers.clear();
    this.disposed = true;
    for (const [name, listener] of this.listeners.splice(0)) eventTarget.removeEventListener(name, listener);
    annotationApi.state.removeAllAnnotations();
  }
}
