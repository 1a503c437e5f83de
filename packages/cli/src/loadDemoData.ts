/**
 * The demo loader behind `vertebra serve --demo`: on an empty archive, ingests the demo
 * sources through the same ingest path as every transport (`ingestFiles` →
 * `ArchiveService.ingest`). Phantom sources are generated in memory (issue 4) and ingested
 * case by case, so only one case's bytes are held at a time; folder sources are read from disk.
 */
import type { ArchiveService } from '@vertebra/archive';
import { generatePhantomCase } from '@vertebra/phantom';
import { collectFiles } from './collectFiles.js';
import type { DemoSource } from './findDemoSources.js';
import { ingestFiles, type IngestInput, type IngestSummary } from './ingestFiles.js';

export interface LoadDemoDataOptions {
  readonly archive: ArchiveService;
  readonly sources: readonly DemoSource[];
  /** Receives one progress line per source (without newline). */
  readonly onProgress?: (line: string) => void;
}

export interface DemoSourceResult {
  readonly label: string;
  /** Milliseconds spent generating the phantom case (0 for folders). */
  readonly generateMs: number;
  readonly ingestMs: number;
  readonly summary: IngestSummary;
}

export interface LoadDemoDataResult {
  /** False when the archive already held studies and nothing was loaded. */
  readonly loaded: boolean;
  /** The sources together (absent when nothing was loaded). */
  readonly summary?: IngestSummary;
  readonly sources?: readonly DemoSourceResult[];
}

function combine(summaries: readonly IngestSummary[]): IngestSummary {
  return {
    files: summaries.reduce((n, s) => n + s.files, 0),
    accepted: summaries.reduce((n, s) => n + s.accepted, 0),
    replaced: summaries.reduce((n, s) => n + s.replaced, 0),
    duplicates: summaries.reduce((n, s) => n + s.duplicates, 0),
    rejected: summaries.flatMap((s) => s.rejected),
    warnings: summaries.flatMap((s) => s.warnings),
    studies: [...new Set(summaries.flatMap((s) => s.studies))].sort(),
  };
}

export async function loadDemoData(options: LoadDemoDataOptions): Promise<LoadDemoDataResult> {
  const { archive, sources } = options;
  const existing = await archive.query({ level: 'STUDY', match: {}, limit: 1 });
  if (existing.rows.length > 0) return { loaded: false };
  options.onProgress?.(`demo: empty archive: loading ${sources.length} demo source${sources.length === 1 ? '' : 's'} (phantom patients are generated first)`);
  const results: DemoSourceResult[] = [];
  for (const [index, source] of sources.entries()) {
    const started = performance.now();
    let inputs: IngestInput[];
    if ('phantom' in source) {
      const generated = generatePhantomCase(source.phantom);
      // groundTruth.json stays out of the archive: only DICOM objects are ingested.
      inputs = generated.files.filter((f) => f.path.endsWith('.dcm')).map((f) => ({ label: `phantom:${f.path}`, bytes: f.bytes }));
    } else {
      inputs = await collectFiles([source.path]);
    }
    const generateMs = 'phantom' in source ? performance.now() - started : 0;
    const ingestStarted = performance.now();
    const summary = await ingestFiles({ archive, files: inputs, kind: 'demo' });
    const ingestMs = performance.now() - ingestStarted;
    results.push({ label: source.label, generateMs, ingestMs, summary });
    options.onProgress?.(
      `demo: [${index + 1}/${sources.length}] ${source.label}: ${summary.accepted} instances, ${summary.studies.length} ` +
        `stud${summary.studies.length === 1 ? 'y' : 'ies'}${summary.rejected.length > 0 ? `, ${summary.rejected.length} rejected` : ''}` +
        ` (${'phantom' in source ? `generated ${(generateMs / 1000).toFixed(1)} s, ` : ''}ingested ${(ingestMs / 1000).toFixed(1)} s)`,
    );
  }
  return { loaded: true, summary: combine(results.map((r) => r.summary)), sources: results };
}
