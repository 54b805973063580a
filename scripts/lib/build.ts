import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { build, version as esbuildVersion } from 'esbuild';
import { REPO_ROOT } from './infra.js';

/**
 * Services run from JavaScript compiled ahead of start, not through tsx: tsx's
 * loader runs in a thread of its own with its own V8 isolate, ~35 MB resident
 * in every service process for nothing once the modules are loaded
 * (docs/decisions/0016-services-run-compiled-javascript.md). esbuild strips
 * the types file by file (no bundling, same tree, same relative imports and
 * `import.meta.url` paths), and the files services read at run time (schemas,
 * the persisted-documents manifest) are copied beside them.
 *
 * A build is named by the hash of everything in it, so concurrent starts (a
 * test run and a benchmark) never write into a tree another one is running
 * from: the same sources give the same directory, built once.
 */

/** Folders whose sources (and run-time files) the services need. */
const SOURCE_DIRS = ['gateway', 'subgraphs', 'platform', 'workers', 'client', 'scripts', 'schema'];
/** Read at run time relative to the code (`new URL('./schema.graphql', import.meta.url)`…). */
const ASSET = /\.(graphql|json)$/;
const SKIP = /(\.test\.ts|\.d\.ts)$/;
export const BUILD_ROOT = path.join(REPO_ROOT, '.cache', 'build');
/** Builds kept besides the current one (older ones are removed). */
const KEEP = 3;

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (relative: string) => {
    for (const entry of await readdir(path.join(REPO_ROOT, relative), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const child = path.join(relative, entry.name);
      if (entry.isDirectory()) await walk(child);
      else if ((child.endsWith('.ts') && !SKIP.test(child)) || ASSET.test(child)) out.push(child);
    }
  };
  if (existsSync(path.join(REPO_ROOT, dir))) await walk(dir);
  return out;
}

async function sourceFiles(): Promise<string[]> {
  return (await Promise.all(SOURCE_DIRS.map(filesUnder))).flat().sort();
}

async function digest(files: readonly string[]): Promise<string> {
  const hash = createHash('sha256').update(`esbuild ${esbuildVersion}\n`);
  for (const file of files) {
    hash.update(`${file}\n`).update(await readFile(path.join(REPO_ROOT, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

async function compile(files: readonly string[], into: string): Promise<void> {
  await build({
    entryPoints: files.filter((f) => f.endsWith('.ts')).map((f) => path.join(REPO_ROOT, f)),
    outdir: into,
    outbase: REPO_ROOT,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Stack traces map back to the TypeScript with NODE_OPTIONS=--enable-source-maps.
    sourcemap: 'linked',
    logLevel: 'silent',
  });
  for (const asset of files.filter((f) => ASSET.test(f))) {
    await mkdir(path.dirname(path.join(into, asset)), { recursive: true });
    await cp(path.join(REPO_ROOT, asset), path.join(into, asset));
  }
}

/** Removes all but the newest few builds (never the one just made). */
async function prune(current: string): Promise<void> {
  const entries = await readdir(BUILD_ROOT, { withFileTypes: true });
  const builds = await Promise.all(
    entries
      .filter((e) => e.isDirectory() && e.name !== current && !e.name.startsWith('tmp-'))
      .map(async (e) => ({
        name: e.name,
        mtime: (await stat(path.join(BUILD_ROOT, e.name))).mtimeMs,
      })),
  );
  builds.sort((a, b) => b.mtime - a.mtime);
  await Promise.all(
    builds
      .slice(KEEP)
      .map((b) => rm(path.join(BUILD_ROOT, b.name), { recursive: true, force: true })),
  );
}

let built: Promise<string> | null = null;

/**
 * Compiles the services if this exact source tree has not been compiled yet;
 * resolves to the build's directory (also linked as `.cache/build/current`).
 */
export function ensureBuild(): Promise<string> {
  built ??= (async () => {
    const files = await sourceFiles();
    const name = await digest(files);
    const dir = path.join(BUILD_ROOT, name);
    if (!existsSync(dir)) {
      const tmp = path.join(BUILD_ROOT, `tmp-${randomUUID()}`);
      try {
        await compile(files, tmp);
        await rename(tmp, dir).catch((err: NodeJS.ErrnoException) => {
          // Someone else finished the same build first: theirs is identical.
          if (!existsSync(dir)) throw err;
        });
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    }
    const link = path.join(BUILD_ROOT, `tmp-link-${randomUUID()}`);
    await symlink(name, link);
    await rename(link, path.join(BUILD_ROOT, 'current'));
    await prune(name);
    return dir;
  })();
  return built;
}

/** The compiled counterpart of a source file (repository-relative), in a build. */
export function compiled(buildDir: string, relativeSource: string): string {
  return path.join(buildDir, relativeSource.replace(/\.ts$/, '.js'));
}
