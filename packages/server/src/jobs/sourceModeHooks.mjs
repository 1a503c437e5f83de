/**
 * Node module customization hooks (node:module register) for sourceModeLoader.mjs: a
 * relative './x.js' import from a .ts file resolves to './x.ts' when only the source exists,
 * and .ts files are transpiled (types erased, nothing else) with the project's own
 * TypeScript compiler (transpileModule, ES2022, ESM). Each worker thread starts afresh, so
 * the output is cached in the temp folder, keyed by the file's path, size and modification
 * time: TypeScript is loaded only for a file that changed. Development and test only.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cacheDir = join(tmpdir(), 'vertebra-source-mode-cache');
let typescript;

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
      return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
    }
    throw error;
  }
}

async function transpile(fileName) {
  typescript ??= (await import('typescript')).default;
  const ts = typescript;
  return ts.transpileModule(await readFile(fileName, 'utf8'), {
    fileName,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, inlineSourceMap: true },
  }).outputText;
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const info = await stat(fileName);
  const key = createHash('sha256').update(`v1\0${fileName}\0${info.size}\0${info.mtimeMs}`).digest('hex');
  const cached = join(cacheDir, `${key}.mjs`);
  let source;
  try {
    source = await readFile(cached, 'utf8');
  } catch {
    source = await transpile(fileName);
    // Written aside and renamed: a concurrent worker reads a whole file or none.
    await mkdir(cacheDir, { recursive: true });
    const temporary = `${cached}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(temporary, source);
    await rename(temporary, cached);
  }
  return { format: 'module', source, shortCircuit: true };
}
