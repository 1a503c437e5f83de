/**
 * The demo loader behind `vertebra serve --demo`: on an empty archive, ingests a list of
 * demo sources through the same ingest path as every transport. For now the sources are
 * the real DICOM samples in ../shared/data; the phantom package will add synthetic ones.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArchiveService } from '@vertebra/archive';
import { collectFiles } from './collectFiles.js';
import { ingestFiles, type IngestSummary } from './ingestFiles.js';

/** A folder (or file) of demo DICOM data. */
export interface DemoSource {
  readonly label: string;
  readonly path: string;
}

export interface LoadDemoDataResult {
  /** False when the archive already held studies and nothing was loaded. */
  readonly loaded: boolean;
  readonly summary?: IngestSummary;
}

/** The shared real-sample folders used as demo data, those of them that exist. */
export async function findDemoSources(repoRoot: string): Promise<DemoSource[]> {
  const sharedData = join(repoRoot, '..', 'shared', 'data');
  const candidates = ['ct-abdomen-dicom-jp2k', 'cr-cervical'];
  const found: DemoSource[] = [];
  for (const name of candidates) {
    const path = join(sharedData, name);
    if ((await stat(path).catch(() => undefined))?.isDirectory()) found.push({ label: name, path });
  }
  return found;
}

export async function loadDemoData(options: { archive: ArchiveService; sources: readonly DemoSource[] }): Promise<LoadDemoDataResult> {
  const existing = await options.archive.query({ level: 'STUDY', match: {}, limit: 1 });
  if (existing.rows.length > 0) return { loaded: false };
  const files = await collectFiles(options.sources.map((s) => s.path));
  const summary = await ingestFiles({ archive: options.archive, files, kind: 'demo' });
  return { loaded: true, summary };
}
