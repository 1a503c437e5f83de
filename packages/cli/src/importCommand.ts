/**
 * `vertebra import PATH... --data DIR`: recursive import of files through the archive's one
 * ingest path, with a progress bar (TTY) or periodic progress lines on stderr, and a
 * summary of accepted, duplicate and rejected files (each with its reason) and warnings.
 * Exit code: 0 when nothing was rejected, else the catalogue exit code of the first rejection.
 * Each run appends audit events (issue 3): one per study touched, one for rejected files.
 */
import cliProgress from 'cli-progress';
import { errorCatalogue } from '@vertebra/errors';
import type { CliIo } from './CliIo.js';
import { appendCliAudit, patientIdOfStudy, requireSecurityStore, type CliAuditEvent } from './cliAudit.js';
import { collectFiles } from './collectFiles.js';
import { ingestFiles, type IngestProgress, type IngestSummary } from './ingestFiles.js';
import { openCliArchive } from './openCliArchive.js';

export interface ImportCommandOptions {
  readonly paths: readonly string[];
  readonly dataDir: string;
  readonly databaseUrl?: string;
  readonly replace?: boolean;
  readonly concurrency?: number;
  /** Print the summary as JSON on stdout instead of text. */
  readonly json?: boolean;
  /** Milliseconds between progress lines when stderr is not a terminal (default 2000). */
  readonly progressIntervalMs?: number;
}

function progressReporter(io: CliIo, total: number, intervalMs: number): { update(p: IngestProgress): void; stop(p?: IngestProgress): void } {
  if (io.stderrIsTty) {
    const bar = new cliProgress.SingleBar(
      {
        stream: io.stderr as unknown as NodeJS.WritableStream,
        format: 'import [{bar}] {percentage}% {value}/{total} files | {accepted} accepted, {duplicates} duplicates, {rejected} rejected | {eta_formatted} left',
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { accepted: 0, duplicates: 0, rejected: 0 });
    return {
      update: (p) => bar.update(p.done, { accepted: p.accepted, duplicates: p.duplicates, rejected: p.rejected }),
      stop: () => bar.stop(),
    };
  }
  let lastLine = Date.now();
  const line = (p: IngestProgress): void => {
    const percent = p.total === 0 ? 100 : Math.floor((100 * p.done) / p.total);
    io.stderr.write(`import: ${p.done}/${p.total} files (${percent}%), ${p.accepted} accepted, ${p.duplicates} duplicates, ${p.rejected} rejected\n`);
  };
  return {
    update: (p) => {
      const now = Date.now();
      if (now - lastLine >= intervalMs) {
        lastLine = now;
        line(p);
      }
    },
    stop: (p) => {
      if (p) line(p);
    },
  };
}

export function formatImportSummary(summary: IngestSummary, dataDir: string): string {
  const lines = [
    `Imported ${summary.files} file${summary.files === 1 ? '' : 's'} into ${dataDir}:`,
    `  accepted    ${summary.accepted}`,
    ...(summary.replaced > 0 ? [`  replaced    ${summary.replaced}`] : []),
    `  duplicates  ${summary.duplicates}`,
    `  rejected    ${summary.rejected.length}`,
    `  warnings    ${summary.warnings.length}`,
    `  studies     ${summary.studies.length}`,
  ];
  if (summary.rejected.length > 0) {
    lines.push('Rejected:');
    for (const problem of summary.rejected) lines.push(`  ${problem.file}: ${problem.code}: ${problem.message}`);
  }
  if (summary.warnings.length > 0) {
    lines.push('Warnings (by code; --json lists every file):');
    const byCode = new Map<string, { count: number; first: (typeof summary.warnings)[number] }>();
    for (const warning of summary.warnings) {
      const entry = byCode.get(warning.code);
      if (entry) entry.count += 1;
      else byCode.set(warning.code, { count: 1, first: warning });
    }
    for (const [code, { count, first }] of byCode) {
      lines.push(`  ${code} (${count}×), e.g. ${first.file}: ${first.message}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function importCommand(options: ImportCommandOptions, io: CliIo): Promise<number> {
  const files = await collectFiles(options.paths);
  const archive = await openCliArchive({
    dataDir: options.dataDir,
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
  });
  let summary: IngestSummary;
  try {
    const reporter = progressReporter(io, files.length, options.progressIntervalMs ?? 2000);
    let last: IngestProgress = { done: 0, total: files.length, accepted: 0, duplicates: 0, rejected: 0 };
    try {
      summary = await ingestFiles({
        archive,
        files,
        kind: 'import',
        ...(options.replace ? { replace: true } : {}),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        onProgress: (p) => {
          last = p;
          reporter.update(p);
        },
      });
    } finally {
      reporter.stop(last);
    }
    // Issue 3: one audit event per imported study, and one for the rejected files.
    const counts = `${summary.accepted} accepted, ${summary.replaced} replaced, ${summary.duplicates} duplicates, ${summary.rejected.length} rejected of ${summary.files} files`;
    const events: CliAuditEvent[] = [];
    for (const studyInstanceUid of summary.studies) {
      events.push({ action: 'import', studyInstanceUid, patientId: await patientIdOfStudy(archive, studyInstanceUid), detail: `import run: ${counts}` });
    }
    if (summary.rejected.length > 0) events.push({ action: 'import', outcome: 'failure', detail: `import run: ${counts}; first rejection ${summary.rejected[0]?.code ?? ''}` });
    await appendCliAudit(requireSecurityStore(archive), events);
  } finally {
    await archive.close();
  }
  io.stdout.write(options.json ? `${JSON.stringify(summary, null, 2)}\n` : formatImportSummary(summary, options.dataDir));
  const firstRejection = summary.rejected[0];
  return firstRejection === undefined ? 0 : errorCatalogue[firstRejection.code].exitCode;
}
