/**
 * The demo sources of `vertebra serve --demo`: the synthetic phantom patients (always), then
 * the real DICOM samples in ../shared/data, those of them that exist on this machine.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { GeneratePhantomCaseOptions } from '@vertebra/phantom';
import { demoPhantomCases } from './demoPhantomCases.js';

/** A folder (or file) of DICOM data on disk. */
export interface DemoFolderSource {
  readonly label: string;
  readonly path: string;
}

/** A phantom case generated in memory when the demo is loaded. */
export interface DemoPhantomSource {
  readonly label: string;
  readonly phantom: GeneratePhantomCaseOptions;
}

export type DemoSource = DemoFolderSource | DemoPhantomSource;

export interface FindDemoSourcesOptions {
  /** Repository root; real samples are looked up in <repoRoot>/../shared/data. */
  readonly repoRoot: string;
  /** Include the phantom patients (default true). */
  readonly phantom?: boolean;
}

export async function findDemoSources(options: FindDemoSourcesOptions): Promise<DemoSource[]> {
  const found: DemoSource[] = options.phantom === false ? [] : demoPhantomCases().map((c) => ({ label: `phantom ${c.label}`, phantom: c.options }));
  const sharedData = join(options.repoRoot, '..', 'shared', 'data');
  for (const name of ['ct-abdomen-dicom-jp2k', 'cr-cervical']) {
    const path = join(sharedData, name);
    if ((await stat(path).catch(() => undefined))?.isDirectory()) found.push({ label: name, path });
  }
  return found;
}
