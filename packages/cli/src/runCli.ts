/**
 * The `vertebra` command line: parses arguments (commander) and dispatches to the
 * command functions. Expected failures (VertebraError) become one line on stderr and the
 * catalogue's exit code (sysexits.h); usage errors exit 64; only unexpected errors print
 * a stack trace (exit 70).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { roles } from '@vertebra/archive';
import { errorCatalogue, isVertebraError } from '@vertebra/errors';
import type { CliIo } from './CliIo.js';
import { auditCommand } from './auditCommand.js';
import { exportCommand } from './exportCommand.js';
import { importCommand } from './importCommand.js';
import { findDemoSources } from './findDemoSources.js';
import { lsCommand } from './lsCommand.js';
import { tokenCommand } from './tokenCommand.js';
import { userCommand } from './userCommand.js';

export interface RunCliOptions {
  /** Arguments after the program name, e.g. ['import', 'dir', '--data', 'x']. */
  readonly args: readonly string[];
  readonly io: CliIo;
  /** Repository root; demo data is looked up in <repoRoot>/../shared/data. */
  readonly repoRoot: string;
  /** The process environment (VERTEBRA_ADMIN_PASSWORD for `serve`); read here, not deeper. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const usageExitCode = 64;

function parsePort(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('expected a TCP port number 0-65535 (0 = any free port)');
  return Number(value);
}

/** 'off' becomes -1 (commander treats a parser's null as "no value"); mapped to null below. */
function parseDimsePort(value: string): number {
  if (value === 'off' || value === 'none') return -1;
  return parsePort(value);
}

/** `--dimse-allow AE[@host][,AE[@host]…]`, repeatable: the DIMSE peers allowed to associate. */
function parseDimseAllow(value: string, previous: ReadonlyArray<{ aeTitle: string; host?: string }>): Array<{ aeTitle: string; host?: string }> {
  const peers = [...previous];
  for (const item of value.split(',')) {
    const entry = item.trim();
    if (entry === '') continue;
    const at = entry.lastIndexOf('@');
    const aeTitle = (at < 0 ? entry : entry.slice(0, at)).trim();
    const host = at < 0 ? undefined : entry.slice(at + 1).trim();
    if (!/^[\x20-\x5b\x5d-\x7e]{1,16}$/.test(aeTitle) || host === '') {
      throw new InvalidArgumentError(`"${entry}": expected AE[@host], an AE title of 1-16 characters without backslash`);
    }
    peers.push(host === undefined ? { aeTitle } : { aeTitle, host });
  }
  return peers;
}

/** `--move-destination AE=host:port[:tls][,…]`, repeatable: where C-MOVE may send (PS3.4 C.4.2). */
function parseMoveDestinations(
  value: string,
  previous: Readonly<Record<string, { host: string; port: number; tls?: boolean }>>,
): Record<string, { host: string; port: number; tls?: boolean }> {
  const destinations = { ...previous };
  for (const item of value.split(',')) {
    const entry = item.trim();
    if (entry === '') continue;
    const match = /^([\x20-\x3c\x3e-\x5b\x5d-\x7e]{1,16})=(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})(:tls)?$/.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65535) {
      throw new InvalidArgumentError(`"${entry}": expected AE=host:port or AE=host:port:tls (an AE title of 1-16 characters, a TCP port 1-65535)`);
    }
    const host = match[2]!.replace(/^\[(.*)\]$/, '$1');
    destinations[match[1]!.trim()] = match[4] ? { host, port, tls: true } : { host, port };
  }
  return destinations;
}

function parsePositiveInteger(value: string): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return Number(value);
}

function parseConcurrency(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 64) throw new InvalidArgumentError('expected a number 1-64');
  return Number(value);
}

function buildProgram(options: RunCliOptions, setExitCode: (code: number) => void): Command {
  const { io } = options;
  const program = new Command('vertebra')
    .description('Vertebra: spinal imaging archive and tools')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });
  const dbOption = ['--database-url <url>', 'PostgreSQL URL for the metadata index (default: SQLite in the data directory)'] as const;

  program
    .command('serve')
    .description('serve the archive over DICOMweb (HTTP) and DIMSE')
    .requiredOption('--data <dir>', 'data directory of the archive (created if missing)')
    .option('--port <n>', 'HTTP port (0 = any free port)', parsePort, 8042)
    .option('--dimse-port <n>', "DIMSE port (0 = any free port, 'off' disables)", parseDimsePort, 11112)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--ae-title <title>', 'AE title of the DIMSE SCP')
    .option('--demo', 'load demo data into an empty archive')
    .option('--dimse-allow <AE[@host],...>', 'DIMSE peers allowed to associate (repeatable); without it every association is rejected', parseDimseAllow, [])
    .option('--move-destination <AE=host:port[:tls],...>', 'C-MOVE destinations (repeatable); :tls opens DICOM TLS associations to it', parseMoveDestinations, {})
    .option('--tls-cert <file>', 'PEM certificate: serve HTTPS and DICOM TLS (PS3.15 B.1/B.9)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--tls-ca <file>', 'PEM CA that client certificates must chain to')
    .option('--tls-require-client-cert', 'refuse TLS peers (HTTPS and DIMSE) without a certificate from --tls-ca')
    .option('--no-analysis', 'do not analyse received CT series (stored analyses are still served)')
    .option(...dbOption)
    .action(async (opts: {
      data: string;
      port: number;
      dimsePort: number;
      host: string;
      aeTitle?: string;
      demo?: boolean;
      databaseUrl?: string;
      dimseAllow: Array<{ aeTitle: string; host?: string }>;
      moveDestination: Record<string, { host: string; port: number; tls?: boolean }>;
      tlsCert?: string;
      tlsKey?: string;
      tlsCa?: string;
      tlsRequireClientCert?: boolean;
      analysis: boolean;
    }) => {
      const tlsUsage =
        (opts.tlsCert === undefined) !== (opts.tlsKey === undefined) || ((opts.tlsCa !== undefined || opts.tlsRequireClientCert) && opts.tlsCert === undefined)
          ? 'error: --tls-cert and --tls-key go together, and --tls-ca / --tls-require-client-cert need them'
          : opts.tlsRequireClientCert && opts.tlsCa === undefined
            ? 'error: --tls-require-client-cert needs --tls-ca'
            : undefined;
      if (tlsUsage !== undefined) {
        io.stderr.write(`${tlsUsage}\n`);
        throw new CommanderError(usageExitCode, 'vertebra.tlsUsage', tlsUsage);
      }
      const adminPassword = options.env?.VERTEBRA_ADMIN_PASSWORD;
      // Loaded on demand: the server stack (Fastify, DIMSE, image codecs) is not needed by the other commands.
      const { serveCommand } = await import('./serveCommand.js');
      setExitCode(
        await serveCommand(
          {
            dataDir: opts.data,
            httpPort: opts.port,
            dimsePort: opts.dimsePort < 0 ? null : opts.dimsePort,
            host: opts.host,
            ...(opts.aeTitle === undefined ? {} : { aeTitle: opts.aeTitle }),
            ...(opts.databaseUrl === undefined ? {} : { databaseUrl: opts.databaseUrl }),
            allowedPeers: opts.dimseAllow,
            remoteAes: opts.moveDestination,
            ...(opts.tlsCert === undefined || opts.tlsKey === undefined
              ? {}
              : {
                  tls: {
                    certFile: opts.tlsCert,
                    keyFile: opts.tlsKey,
                    ...(opts.tlsCa === undefined ? {} : { caFile: opts.tlsCa }),
                    ...(opts.tlsRequireClientCert ? { requireClientCert: true } : {}),
                  },
                }),
            ...(adminPassword === undefined || adminPassword === '' ? {} : { adminPassword }),
            ...(opts.analysis === false ? { analysis: false } : {}),
            ...(opts.demo ? { demoSources: await findDemoSources({ repoRoot: options.repoRoot }) } : {}),
            ...(existsSync(join(options.repoRoot, 'packages/web/dist/index.html')) ? { webDistDir: join(options.repoRoot, 'packages/web/dist') } : {}),
          },
          io,
        ),
      );
    });

  program
    .command('import')
    .description('import DICOM files and folders (recursive) into the archive')
    .argument('<paths...>', 'files or folders')
    .requiredOption('--data <dir>', 'data directory of the archive (created if missing)')
    .option('--replace', 'replace a different object stored under the same SOP Instance UID')
    .option('--concurrency <n>', 'files in flight at once', parseConcurrency, 16)
    .option('--json', 'print the summary as JSON')
    .option(...dbOption)
    .action(async (paths: string[], opts: { data: string; replace?: boolean; concurrency: number; json?: boolean; databaseUrl?: string }) => {
      setExitCode(
        await importCommand(
          {
            paths,
            dataDir: opts.data,
            concurrency: opts.concurrency,
            ...(opts.replace ? { replace: true } : {}),
            ...(opts.json ? { json: true } : {}),
            ...(opts.databaseUrl === undefined ? {} : { databaseUrl: opts.databaseUrl }),
          },
          io,
        ),
      );
    });

  program
    .command('ls')
    .description('list patients, studies and series')
    .requiredOption('--data <dir>', 'data directory of the archive')
    .option('--json', 'print JSON instead of a table')
    .option(...dbOption)
    .action(async (opts: { data: string; json?: boolean; databaseUrl?: string }) => {
      setExitCode(
        await lsCommand(
          { dataDir: opts.data, ...(opts.json ? { json: true } : {}), ...(opts.databaseUrl === undefined ? {} : { databaseUrl: opts.databaseUrl }) },
          io,
        ),
      );
    });

  program
    .command('export')
    .description("write a study's instances, byte-identical, with a manifest")
    .argument('<studyUid>', 'Study Instance UID')
    .requiredOption('--data <dir>', 'data directory of the archive')
    .requiredOption('--out <dir>', 'output folder (created; existing files are never overwritten)')
    .option('--deidentify', "de-identify (DICOM PS3.15 Basic Profile, modified dates) with the archive's key; every file is checked")
    .option(...dbOption)
    .action(async (studyUid: string, opts: { data: string; out: string; deidentify?: boolean; databaseUrl?: string }) => {
      setExitCode(
        await exportCommand(
          {
            studyInstanceUid: studyUid,
            dataDir: opts.data,
            outDir: opts.out,
            ...(opts.deidentify ? { deidentify: true } : {}),
            ...(opts.databaseUrl === undefined ? {} : { databaseUrl: opts.databaseUrl }),
          },
          io,
        ),
      );
    });

  // Issue 3: users, API tokens and the audit trail, in the archive's security store.
  const archiveOptions = (command: Command): Command =>
    command.requiredOption('--data <dir>', 'data directory of the archive').option(...dbOption);
  const archiveOf = (opts: { data: string; databaseUrl?: string }): { dataDir: string; databaseUrl?: string } => ({
    dataDir: opts.data,
    ...(opts.databaseUrl === undefined ? {} : { databaseUrl: opts.databaseUrl }),
  });
  const user = program
    .command('user')
    .description(`local users and their roles (${roles.join(', ')})`);
  archiveOptions(
    user
      .command('add')
      .description('add a user; the password comes from --password-stdin or a prompt (twice, no echo), never from the command line')
      .argument('<name>', 'user name: 1-64 characters of letters, digits, . _ -')
      .requiredOption('--role <role>', roles.join(' | '))
      .option('--password-stdin', 'read the password as one line from stdin'),
  ).action(async (name: string, opts: { data: string; databaseUrl?: string; role: string; passwordStdin?: boolean }) => {
    setExitCode(await userCommand({ action: 'add', username: name, role: opts.role, ...(opts.passwordStdin ? { passwordStdin: true } : {}), ...archiveOf(opts) }, io));
  });
  archiveOptions(user.command('list').description('list users and roles (never passwords or hashes)').option('--json', 'print JSON')).action(
    async (opts: { data: string; databaseUrl?: string; json?: boolean }) => {
      setExitCode(await userCommand({ action: 'list', ...(opts.json ? { json: true } : {}), ...archiveOf(opts) }, io));
    },
  );
  archiveOptions(user.command('remove').description('remove a user with their tokens and sessions (never the last admin)').argument('<name>', 'user name')).action(
    async (name: string, opts: { data: string; databaseUrl?: string }) => {
      setExitCode(await userCommand({ action: 'remove', username: name, ...archiveOf(opts) }, io));
    },
  );
  archiveOptions(
    user
      .command('passwd')
      .description("set a user's password (ends their sessions)")
      .argument('<name>', 'user name')
      .option('--password-stdin', 'read the password as one line from stdin'),
  ).action(async (name: string, opts: { data: string; databaseUrl?: string; passwordStdin?: boolean }) => {
    setExitCode(await userCommand({ action: 'passwd', username: name, ...(opts.passwordStdin ? { passwordStdin: true } : {}), ...archiveOf(opts) }, io));
  });
  archiveOptions(user.command('role').description("change a user's role (never demotes the last admin)").argument('<name>', 'user name').argument('<role>', roles.join(' | '))).action(
    async (name: string, role: string, opts: { data: string; databaseUrl?: string }) => {
      setExitCode(await userCommand({ action: 'role', username: name, role, ...archiveOf(opts) }, io));
    },
  );

  const token = program.command('token').description('API tokens for programs (Authorization: Bearer vtb_…)');
  archiveOptions(
    token
      .command('create')
      .description('create a token for a user; it is printed once, on stdout, and cannot be shown again')
      .requiredOption('--user <name>', 'user the token acts as')
      .requiredOption('--name <label>', 'what the token is for, e.g. nightly-stow')
      .option('--expires-days <n>', 'days until the token expires (default: never)', parsePositiveInteger),
  ).action(async (opts: { data: string; databaseUrl?: string; user: string; name: string; expiresDays?: number }) => {
    setExitCode(await tokenCommand({ action: 'create', username: opts.user, name: opts.name, ...(opts.expiresDays === undefined ? {} : { expiresDays: opts.expiresDays }), ...archiveOf(opts) }, io));
  });
  archiveOptions(token.command('list').description('list tokens (ids, owners, names, times; never the values)').option('--user <name>', 'only this user\'s tokens').option('--json', 'print JSON')).action(
    async (opts: { data: string; databaseUrl?: string; user?: string; json?: boolean }) => {
      setExitCode(await tokenCommand({ action: 'list', ...(opts.user === undefined ? {} : { username: opts.user }), ...(opts.json ? { json: true } : {}), ...archiveOf(opts) }, io));
    },
  );
  archiveOptions(token.command('revoke').description('revoke a token by its id (see token list)').argument('<id>', 'token id')).action(async (id: string, opts: { data: string; databaseUrl?: string }) => {
    setExitCode(await tokenCommand({ action: 'revoke', id, ...archiveOf(opts) }, io));
  });

  archiveOptions(
    program
      .command('audit')
      .description('query the audit trail (who did what to which patient or study, when, from where, with which outcome), newest first')
      .option('--since <time>', 'from this time: ISO 8601, or a duration back from now (90m, 24h, 7d, 2w)')
      .option('--until <time>', 'before this time: ISO 8601 or a duration back from now')
      .option('--user <actor>', "actor: a user name, 'ae:AE_TITLE' or 'cli:OS_USER'")
      .option('--action <action>', 'e.g. login, wado, stow, c-store, export, user-add')
      .option('--outcome <outcome>', 'success | failure | denied')
      .option('--patient <id>', 'Patient ID')
      .option('--study <uid>', 'Study Instance UID')
      .option('--limit <n>', 'at most this many events (default 100, at most 10000)', parsePositiveInteger)
      .option('--json', 'print JSON'),
  ).action(
    async (opts: { data: string; databaseUrl?: string; since?: string; until?: string; user?: string; action?: string; outcome?: string; patient?: string; study?: string; limit?: number; json?: boolean }) => {
      const filters = { since: opts.since, until: opts.until, user: opts.user, action: opts.action, outcome: opts.outcome, patientId: opts.patient, studyInstanceUid: opts.study, limit: opts.limit };
      setExitCode(
        await auditCommand(
          { ...archiveOf(opts), ...(opts.json ? { json: true } : {}), ...Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)) },
          io,
        ),
      );
    },
  );

  program
    .command('analyze')
    .description('find, label and measure the vertebrae of a spine CT and grade findings (exit 0 also when no spine is found)')
    .argument('<target>', 'DICOM file or folder, NIfTI file (.nii/.nii.gz, values in HU), or a Study Instance UID in the archive at --data')
    .option('--data <dir>', 'data directory of the archive (for a Study Instance UID)')
    .option('--json', 'print one JSON object (input, vertebrae, measurements, findings, ...)')
    .option(...dbOption)
    .action(async (target: string, opts: { data?: string; json?: boolean; databaseUrl?: string }) => {
      // Loaded on demand: the analysis is not needed by the other commands.
      const { analyzeCommand } = await import('./analyzeCommand.js');
      setExitCode(
        await analyzeCommand(
          {
            target,
            ...(opts.data === undefined ? {} : { dataDir: opts.data }),
            ...(opts.json ? { json: true } : {}),
            ...(opts.databaseUrl === undefined ? {} : { databaseUrl: opts.databaseUrl }),
          },
          io,
        ),
      );
    });

  program
    .command('phantom')
    .description('write synthetic spine cases (DICOM + groundTruth.json) from the phantom')
    .requiredOption('--preset <name>', `phantom preset, or 'suite' for the whole evaluation set`)
    .requiredOption('--out <dir>', 'output folder (created); each case goes to <dir>/<caseId>/')
    .option('--modality <list>', 'comma-separated modalities: ct, xr, mr, xa (default ct,xr)')
    .option('--seed <n>', 'random seed, integer 0-2147483647 (default 1; not with suite)')
    .option('--only <ids>', 'suite only: comma-separated case ids')
    .option('--slice-thickness <mm>', 'CT slice thickness, mm')
    .option('--slice-spacing <mm>', 'CT slice spacing, mm (default = thickness)')
    .option('--pixel-spacing <mm>', 'CT pixel spacing, mm')
    .option('--matrix <n>', 'CT columns and rows')
    .option('--fov <region>', 'CT field of view: cervical, thoracic, lumbar, whole')
    .option('--position <pos>', 'CT patient position: HFS, FFS, HFP, FFP')
    .option('--compression <kind>', 'CT pixel data: none or rle')
    .option('--nifti', 'also write the CT (and labels) as NIfTI')
    .option('--xr-rows <n>', 'radiograph rows (columns = rows / 2)')
    .option('--mr-pixel-spacing <mm>', 'MR in-plane pixel spacing, mm')
    .option('--xa-frames <n>', 'fluoroscopy frames')
    .option('--xa-matrix <n>', 'fluoroscopy columns and rows')
    .action(
      async (opts: {
        preset: string;
        out: string;
        modality?: string;
        seed?: string;
        only?: string;
        sliceThickness?: string;
        sliceSpacing?: string;
        pixelSpacing?: string;
        matrix?: string;
        fov?: string;
        position?: string;
        compression?: string;
        nifti?: boolean;
        xrRows?: string;
        mrPixelSpacing?: string;
        xaFrames?: string;
        xaMatrix?: string;
      }) => {
        // Loaded on demand: the phantom renderer is not needed by the other commands.
        const { phantomCommand } = await import('./phantomCommand.js');
        const optional = {
          modality: opts.modality,
          seed: opts.seed,
          only: opts.only,
          sliceThicknessMm: opts.sliceThickness,
          sliceSpacingMm: opts.sliceSpacing,
          pixelSpacingMm: opts.pixelSpacing,
          matrix: opts.matrix,
          fieldOfView: opts.fov,
          patientPosition: opts.position,
          compression: opts.compression,
          xrRows: opts.xrRows,
          mrPixelSpacingMm: opts.mrPixelSpacing,
          xaFrames: opts.xaFrames,
          xaMatrix: opts.xaMatrix,
        };
        setExitCode(
          await phantomCommand(
            {
              preset: opts.preset,
              outDir: opts.out,
              ...(opts.nifti ? { nifti: true } : {}),
              ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
            },
            io,
          ),
        );
      },
    );

  return program;
}

/** Runs one `vertebra` invocation; resolves to the process exit code. */
export async function runCli(options: RunCliOptions): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(options, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...options.args], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      if (error.code === 'commander.executeSubCommandAsync') return error.exitCode;
      return error.exitCode === 0 ? 0 : usageExitCode;
    }
    if (isVertebraError(error)) {
      options.io.stderr.write(`vertebra: ${error.code}: ${error.message}\n`);
      return errorCatalogue[error.code].exitCode;
    }
    options.io.stderr.write(`vertebra: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return errorCatalogue.INTERNAL.exitCode;
  }
}
