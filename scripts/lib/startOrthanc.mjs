// Starts a throw-away Orthanc (Debian 1.10, /usr/sbin/Orthanc) as a second PACS
// for tests and for the ingest benchmark: loopback-only intent, non-default ports,
// SQLite index and storage inside `workDir`, the DICOMweb plugin enabled, and the
// given DICOM modalities (PS3.8 AE title / host / port triples) configured.
//
// NOTE: Orthanc 1.10 binds 0.0.0.0 for both HTTP and DICOM whatever the
// configuration says (there is no bind-address option for the DICOM server).
// We therefore set RemoteAccessAllowed=false (HTTP refuses non-loopback clients)
// and use non-default ports; the DICOM port itself stays reachable on every
// interface while the process runs, so keep its lifetime short.
//
// Plain ESM JavaScript (no build step): used by packages/server tests and by bench/.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import http from 'node:http';

const ORTHANC_BINARY = '/usr/sbin/Orthanc';
const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/**
 * @typedef {{ aeTitle: string, host: string, port: number }} OrthancModality
 * @typedef {{
 *   workDir: string,
 *   httpPort: number,
 *   dicomPort: number,
 *   aeTitle?: string,
 *   modalities?: Record<string, OrthancModality>,
 *   durability?: 'default' | 'relaxed',
 *   tcpNoDelay?: boolean,
 *   startTimeoutMs?: number,
 *   verbose?: boolean,
 * }} StartOrthancOptions
 * @typedef {{ httpPort: number, dicomPort: number, aeTitle: string, baseUrl: string, pid: number | undefined, stop(): Promise<void> }} RunningOrthanc
 */

/**
 * Writes `<workDir>/orthanc.json`, spawns Orthanc, waits until GET /system answers.
 * `durability: 'default'` keeps Orthanc's defaults (SyncStorageArea true: fsync per
 * instance), `'relaxed'` turns fsync off. `tcpNoDelay: true` sets TCP_NODELAY=1 in
 * Orthanc's environment: Debian's dcmtk (used by Orthanc for DIMSE) keeps Nagle's
 * algorithm on unless that variable is set.
 * @param {StartOrthancOptions} options
 * @returns {Promise<RunningOrthanc>}
 */
export async function startOrthanc(options) {
  const {
    workDir,
    httpPort,
    dicomPort,
    aeTitle = 'ORTHANC',
    modalities = {},
    durability = 'default',
    tcpNoDelay = false,
    startTimeoutMs = 30_000,
    verbose = false,
  } = options;
  const storageDir = join(workDir, 'storage');
  await mkdir(storageDir, { recursive: true });

  /** @type {Record<string, [string, string, number]>} */
  const dicomModalities = {};
  for (const [name, m] of Object.entries(modalities)) {
    dicomModalities[name] = [m.aeTitle, m.host, m.port];
  }

  const config = {
    Name: `vertebra-test-${aeTitle}`,
    StorageDirectory: storageDir,
    IndexDirectory: storageDir,
    StorageCompression: false,
    HttpPort: httpPort,
    HttpServerEnabled: true,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    SslEnabled: false,
    DicomServerEnabled: true,
    DicomAet: aeTitle,
    DicomPort: dicomPort,
    DicomCheckCalledAet: false,
    DicomModalities: dicomModalities,
    DicomAlwaysAllowEcho: true,
    DicomAlwaysAllowStore: true,
    DicomAlwaysAllowFind: true,
    DicomAlwaysAllowGet: true,
    DicomAlwaysAllowMove: true,
    UnknownSopClassAccepted: true,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
    SyncStorageArea: durability !== 'relaxed',
    ConcurrentJobs: 2,
    HttpThreadsCount: 8,
    LimitFindResults: 0,
    LimitFindInstances: 0,
    SaveJobs: false,
    TcpNoDelay: true,
    KeepAlive: true,
  };
  const configPath = join(workDir, 'orthanc.json');
  await writeFile(configPath, JSON.stringify(config, null, 2));

  const env = { ...process.env };
  if (tcpNoDelay) env.TCP_NODELAY = '1';
  else delete env.TCP_NODELAY;

  const child = spawn(ORTHANC_BINARY, [configPath], {
    cwd: workDir,
    env,
    stdio: ['ignore', verbose ? 'inherit' : 'ignore', verbose ? 'inherit' : 'pipe'],
  });
  let stderrTail = '';
  child.stderr?.on('data', (chunk) => {
    stderrTail = (stderrTail + String(chunk)).slice(-4000);
  });
  /** @type {Promise<void>} */
  const exited = new Promise((resolve) => child.once('exit', () => resolve()));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const stop = async () => {
    if (hasExited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!hasExited) child.kill('SIGKILL');
    }, 10_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (hasExited) {
      throw new Error(`Orthanc exited during start-up (config ${configPath}): ${stderrTail}`);
    }
    if (await systemAnswers(httpPort)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Orthanc did not answer GET /system within ${startTimeoutMs} ms: ${stderrTail}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    httpPort,
    dicomPort,
    aeTitle,
    baseUrl: `http://127.0.0.1:${httpPort}`,
    pid: child.pid,
    stop,
  };
}

/** @param {number} port @returns {Promise<boolean>} */
function systemAnswers(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/system', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}
