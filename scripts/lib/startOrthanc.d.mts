/** Types for startOrthanc.mjs (plain ESM JavaScript shared by tests and bench/). */
export interface OrthancModality {
  readonly aeTitle: string;
  readonly host: string;
  readonly port: number;
}

export interface StartOrthancOptions {
  readonly workDir: string;
  readonly httpPort: number;
  readonly dicomPort: number;
  /** DicomAet; default 'ORTHANC'. */
  readonly aeTitle?: string;
  /** DicomModalities by name (the name used in /modalities/<name>/store). */
  readonly modalities?: Readonly<Record<string, OrthancModality>>;
  /** 'default' keeps Orthanc's fsync per instance (SyncStorageArea true); 'relaxed' turns it off. */
  readonly durability?: 'default' | 'relaxed';
  /** Sets TCP_NODELAY=1 in Orthanc's environment (Debian's dcmtk keeps Nagle on otherwise). */
  readonly tcpNoDelay?: boolean;
  readonly startTimeoutMs?: number;
  readonly verbose?: boolean;
}

export interface RunningOrthanc {
  readonly httpPort: number;
  readonly dicomPort: number;
  readonly aeTitle: string;
  readonly baseUrl: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export function startOrthanc(options: StartOrthancOptions): Promise<RunningOrthanc>;
