/** A vertebra's display name: its label, or #index when unlabelled. */
import type { VertebraResult } from './SpineAnalysisResult.js';

export function levelName(v: VertebraResult): string {
  return v.label ?? `#${v.index}`;
}
