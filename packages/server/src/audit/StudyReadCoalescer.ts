/**
 * Coalesces repeated successful WADO-RS reads of one study by one user from one address into
 * one audit event per window (issue 3). A viewer fetches a 300-slice CT as 300+ frame requests;
 * the audit trail should say "admin read study X from 10.0.0.5" once, with how many requests,
 * as DICOM PS3.15 A.5.3.2 ("DICOM Instances Accessed": one message per study accessed) and IHE
 * ATNA aggregate them. The first read is recorded at once; further reads in the window are
 * counted and recorded as one summary event when the window closes (or the app closes), so no
 * access goes unrecorded. Failures and denials are never coalesced.
 */
import type { AuditEventInput } from '@vertebra/archive';

interface OpenWindow {
  readonly openedAtMs: number;
  readonly template: AuditEventInput;
  further: number;
}

export class StudyReadCoalescer {
  private readonly windows = new Map<string, OpenWindow>();

  constructor(
    private readonly options: {
      readonly windowMs: number;
      readonly record: (event: AuditEventInput) => void;
      readonly nowMs: () => number;
      readonly nowIso: () => string;
    },
  ) {}

  /** Records the event now, or counts it into the open window of the same actor, source and study. */
  observe(event: AuditEventInput): void {
    if (event.outcome !== 'success' || !event.studyInstanceUid) {
      this.options.record(event);
      return;
    }
    const key = `${event.action}\u0000${event.actor}\u0000${event.source}\u0000${event.studyInstanceUid}`;
    const open = this.windows.get(key);
    if (open !== undefined && this.options.nowMs() - open.openedAtMs < this.options.windowMs) {
      open.further += 1;
      return;
    }
    if (open !== undefined) this.close(key, open);
    this.windows.set(key, { openedAtMs: this.options.nowMs(), template: event, further: 0 });
    this.options.record(event);
  }

  /** Closes the windows older than the window length (all of them with `everything`), recording their summaries. */
  sweep(everything = false): void {
    const nowMs = this.options.nowMs();
    for (const [key, open] of this.windows) {
      if (everything || nowMs - open.openedAtMs >= this.options.windowMs) this.close(key, open);
    }
  }

  private close(key: string, open: OpenWindow): void {
    this.windows.delete(key);
    if (open.further === 0) return;
    const seconds = Math.round(this.options.windowMs / 1000);
    this.options.record({
      ...open.template,
      at: this.options.nowIso(),
      detail: `${open.further} further ${open.template.action} request${open.further === 1 ? '' : 's'} on this study within ${seconds} s of ${open.template.at} (coalesced; first: ${open.template.detail ?? ''})`.slice(0, 2000),
    });
  }
}
