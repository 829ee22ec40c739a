import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import * as path from 'node:path';

import type { CompressionMethod } from './archiver.js';

/** A compressor or decompressor run as its own process in the tar pipeline. */
export interface CompressorCommand {
  program: string;
  args: string[];
}

const EXTENSIONS: Record<CompressionMethod, string> = {
  zstd: '.tar.zst',
  gzip: '.tar.gz',
  none: '.tar',
};

/** File suffix of an archive made with `method`. */
export function archiveExtension(method: CompressionMethod): string {
  return EXTENSIONS[method];
}

/**
 * True when an executable `zstd` is on PATH. Looked up, not run: the answer decides the cache
 * version, so every lookup needs it before its first request, and spawning `zstd --version`
 * cost a miss 10-20 ms of a 0.15 s budget. A zstd that is there but broken fails the pipeline
 * that runs it, with its own message.
 */
export async function zstdAvailable(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): Promise<boolean> {
  return (await findOnPath('zstd', env, platform)) !== undefined;
}

/** The first executable file called `program` in PATH (with PATHEXT's suffixes on Windows). */
export async function findOnPath(
  program: string,
  env: NodeJS.ProcessEnv,
  platform: NodeJS.Platform,
): Promise<string | undefined> {
  const win = platform === 'win32';
  const dirs = (env.PATH ?? env.Path ?? '').split(win ? ';' : ':').filter(Boolean);
  const suffixes = win ? (env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean) : [''];
  for (const dir of dirs) {
    for (const suffix of suffixes) {
      const candidate = path.join(dir, program + suffix);
      try {
        if (!(await stat(candidate)).isFile()) continue;
        if (!win) await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // absent or not executable: keep looking, as the shell would
      }
    }
  }
  return undefined;
}

/**
 * 'auto' picks zstd when one is on PATH, else gzip (as actions/cache does). An explicit
 * 'zstd' without zstd is an error rather than a silent downgrade: the method is part of the cache
 * version, so falling back would quietly write entries no zstd runner ever finds.
 */
export async function resolveCompression(
  choice: 'auto' | CompressionMethod,
  hasZstd: () => Promise<boolean> = zstdAvailable,
): Promise<CompressionMethod> {
  switch (choice) {
    case 'gzip':
    case 'none':
      return choice;
    case 'zstd':
      if (await hasZstd()) return 'zstd';
      throw new Error(
        "compression is 'zstd' but no zstd executable was found on PATH; install zstd, " +
          "or set compression to 'auto' or 'gzip'",
      );
    case 'auto':
      return (await hasZstd()) ? 'zstd' : 'gzip';
  }
}

function checkLevel(method: string, level: number, min: number, max: number): void {
  if (!Number.isInteger(level) || level < min || level > max) {
    throw new RangeError(
      `${method} compression level must be an integer from ${min} to ${max}, got ${level}`,
    );
  }
}

/**
 * Reads tar from stdin, writes the compressed stream to stdout. zstd uses every core (-T0) and
 * its default window: `--long` would buy a better ratio on huge archives at up to 1 GiB of memory
 * on both ends, which we would rather leave to the upload buffers.
 */
export function buildCompressCommand(
  method: CompressionMethod,
  level?: number,
): CompressorCommand | undefined {
  switch (method) {
    case 'none':
      return undefined;
    case 'zstd': {
      const l = level ?? 3;
      checkLevel('zstd', l, 1, 22);
      // Levels above 19 are silently capped at 19 unless --ultra is given.
      return { program: 'zstd', args: [...(l > 19 ? ['--ultra'] : []), '-T0', `-${l}`, '-c'] };
    }
    case 'gzip': {
      const l = level ?? 6;
      checkLevel('gzip', l, 1, 9);
      return { program: 'gzip', args: [`-${l}`, '-c'] };
    }
  }
}

/**
 * Reads the compressed archive from stdin, writes tar to stdout. zstd keeps its 128 MiB memory
 * limit, so a frame that asks for a larger window (a decompression bomb, or an archive made
 * with `--long` beyond 27) is refused instead of allocating up to 2 GiB; we never write one.
 */
export function buildDecompressCommand(method: CompressionMethod): CompressorCommand | undefined {
  switch (method) {
    case 'none':
      return undefined;
    case 'zstd':
      return { program: 'zstd', args: ['-d', '-c', '--memory=128MB'] };
    case 'gzip':
      return { program: 'gzip', args: ['-d', '-c'] };
  }
}
