/**
 * Expands the paths given to `vertebra import` into a sorted list of regular files,
 * recursing into folders (following symbolic links once: a link cycle is visited once).
 * A path that does not exist is a usage error naming the path.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { VertebraError } from '@vertebra/errors';

export async function collectFiles(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const visitedDirs = new Set<string>();

  const visit = async (path: string, given: boolean): Promise<void> => {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      if (given) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new VertebraError('REQUEST_INVALID_PARAMETER', code === 'ENOENT' ? 'no such file or directory' : `cannot read: ${(error as Error).message}`, {
          subject: path,
        });
      }
      return; // a dangling link inside a folder: nothing to import
    }
    if (info.isDirectory()) {
      const real = await realpath(path);
      if (visitedDirs.has(real)) return;
      visitedDirs.add(real);
      const entries = await readdir(path);
      entries.sort();
      for (const entry of entries) await visit(join(path, entry), false);
    } else if (info.isFile()) {
      files.push(path);
    }
  };

  for (const path of paths) await visit(path, true);
  return files;
}
