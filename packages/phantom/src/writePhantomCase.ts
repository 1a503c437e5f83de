/** Writes a generated phantom case (DICOM, NIfTI, groundTruth.json) under an output folder. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { generatePhantomCase, type GeneratePhantomCaseOptions, type PhantomCase } from './generatePhantomCase.js';

export async function writePhantomCase(outDir: string, options: GeneratePhantomCaseOptions): Promise<PhantomCase & { readonly writtenPaths: readonly string[] }> {
  const generated = generatePhantomCase(options);
  const writtenPaths: string[] = [];
  for (const file of generated.files) {
    const target = join(outDir, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.bytes);
    writtenPaths.push(target);
  }
  return { ...generated, writtenPaths };
}
