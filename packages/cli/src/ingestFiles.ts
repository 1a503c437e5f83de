/**
 * Ingests files through the archive's one ingest path (`ArchiveService.ingest`), a few
 * in flight at once, and tallies the outcomes: the shared engine of `vertebra import`
 * and the demo loader. Inputs are file paths or in-memory objects (generated phantom data,
 * labelled like a path). A file that cannot be read is counted as rejected with its reason;
 * nothing here stops the run early.
 */
import { readFile } from 'node:fs/promises';
import type { ArchiveService, IngestResult, IngestSourceKind } from '@vertebra/archive';
import { toVertebraError, type ErrorCode } from '@vertebra/errors';

export interface IngestFileProblem {
  readonly file: string;
  readonly code: ErrorCode;
  readonly message: string;
}

export interface IngestFileWarning {
  readonly file: string;
  readonly code: string;
  readonly message: string;
}

export interface IngestSummary {
  readonly files: number;
  readonly accepted: number;
  readonly replaced: number;
  readonly duplicates: number;
  readonly rejected: readonly IngestFileProblem[];
  readonly warnings: readonly IngestFileWarning[];
  readonly studies: readonly string[];
}

export interface IngestProgress {
  readonly done: number;
  readonly total: number;
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: number;
}

/** An object already in memory (e.g. a generated phantom file); `label` names it in results like a path. */
export interface InMemoryIngestFile {
  readonly label: string;
  readonly bytes: Uint8Array;
}

/** A file path to read, or an object already in memory. */
export type IngestInput = string | InMemoryIngestFile;

export interface IngestFilesOptions {
  readonly archive: ArchiveService;
  readonly files: readonly IngestInput[];
  readonly kind: IngestSourceKind;
  readonly replace?: boolean;
  /** Files in flight at once (default 4). */
  readonly concurrency?: number;
  readonly onProgress?: (progress: IngestProgress) => void;
}

export async function ingestFiles(options: IngestFilesOptions): Promise<IngestSummary> {
  const { archive, files, kind } = options;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, 64));
  let accepted = 0;
  let replaced = 0;
  let duplicates = 0;
  let done = 0;
  const rejected: IngestFileProblem[] = [];
  const warnings: IngestFileWarning[] = [];
  const studies = new Set<string>();
  let next = 0;

  /** Messages often start with the subject (the file path): keep only the problem. */
  const problem = (file: string, message: string): string => (message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message);

  const ingestOne = async (input: IngestInput): Promise<IngestResult | IngestFileProblem> => {
    const file = typeof input === 'string' ? input : input.label;
    let bytes: Uint8Array;
    try {
      bytes = typeof input === 'string' ? await readFile(input) : input.bytes;
    } catch (error) {
      return { file, code: 'REQUEST_INVALID_PARAMETER', message: `cannot read the file: ${(error as Error).message}` };
    }
    try {
      return await archive.ingest({ bytes, source: { kind, label: file }, ...(options.replace ? { replace: true } : {}) });
    } catch (error) {
      const vertebraError = toVertebraError(error, 'INTERNAL');
      return { file, code: vertebraError.code, message: problem(file, vertebraError.message) };
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const index = next++;
      const input = files[index];
      if (input === undefined) return;
      const file = typeof input === 'string' ? input : input.label;
      const result = await ingestOne(input);
      if ('file' in result) {
        rejected.push(result);
      } else {
        for (const warning of result.warnings) warnings.push({ file, code: warning.code, message: problem(file, warning.message) });
        if (result.outcome === 'rejected') {
          rejected.push({ file, code: result.error?.code ?? 'INTERNAL', message: problem(file, result.error?.message ?? 'rejected') });
        } else {
          studies.add(result.studyInstanceUid);
          if (result.outcome === 'stored') accepted += 1;
          else if (result.outcome === 'replaced') replaced += 1;
          else duplicates += 1;
        }
      }
      done += 1;
      options.onProgress?.({ done, total: files.length, accepted: accepted + replaced, duplicates, rejected: rejected.length });
    }
  };

  await Promise.all(Array.from({ length: Math.min(concurrency, Math.max(files.length, 1)) }, () => worker()));
  const order = new Map(files.map((input, index) => [typeof input === 'string' ? input : input.label, index]));
  const byFile = (a: { file: string }, b: { file: string }): number => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0);
  rejected.sort(byFile);
  warnings.sort(byFile);
  return { files: files.length, accepted, replaced, duplicates, rejected, warnings, studies: [...studies].sort() };
}
