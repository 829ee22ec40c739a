import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

import { errorMessage } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Archiver, CreateOptions, Extraction, ExtractOptions } from './archiver.js';
import { buildCompressCommand, buildDecompressCommand } from './compression.js';
import { type ExtractTools, startExtraction } from './extract.js';
import { expandNames } from './paths.js';
import { describeProc, pipeOut, probe, type Proc, startProcess, stopProcess } from './processes.js';
import {
  buildCreateArgs,
  takesTarAtOnce,
  tarCandidates,
  type TarCommand,
  tarFlavorOf,
} from './tar-args.js';

export interface TarArchiverOptions {
  /** Where the archive layer reports: argv at debug level, tolerated tar warnings. */
  logger: Logger;
  /** Defaults to process.platform; decides which tar is looked for and case-insensitive name checks. */
  platform?: NodeJS.Platform;
  /** A tar to run instead of looking for one as actions/cache does (tests force bsdtar here). */
  tar?: TarCommand;
  /** Environment the Windows tar paths are read from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * GNU tar exits 1 with only these when files change under it during `tar -c`. The archive is
 * still well formed: a directory whose listing changed, or a file that vanished mid-walk, is
 * simply stored as tar saw it. actions/cache fails the save instead (actions/cache#1522), so a
 * daemon still writing a log under ~/.gradle costs every run its cache. "File shrank ... padding
 * with zeros" is not tolerated: that member's content is known to be wrong.
 */
const TOLERATED_TAR_WARNINGS = [
  /: file changed as we read it$/,
  /: File removed before we read it$/,
];

/** GNU tar's --totals line for `-c`: the length of the tar stream it wrote. */
const TOTALS = /^Total bytes written: (\d+)/;

export function isToleratedTarWarning(line: string): boolean {
  return TOLERATED_TAR_WARNINGS.some((re) => re.test(line.trimEnd()));
}

/** Archiver backed by system tar, with zstd or gzip as separate processes in the pipe. */
export class TarArchiver implements Archiver {
  private readonly platform: NodeJS.Platform;
  private readonly logger: Logger;
  private readonly env: NodeJS.ProcessEnv;
  private readonly fixedTar?: TarCommand;
  private tarCommand?: Promise<TarCommand>;

  constructor(options: TarArchiverOptions) {
    this.platform = options.platform ?? process.platform;
    this.logger = options.logger;
    this.env = options.env ?? process.env;
    this.fixedTar = options.tar;
  }

  create(opts: CreateOptions): Readable {
    const out = new PassThrough();
    const procs: Proc[] = [];
    const stopAll = (): void => procs.forEach(stopProcess);
    // A consumer that gives up (failed upload) must not leave tar running.
    out.once('close', stopAll);
    this.runCreate(opts, out, (p) => {
      procs.push(p);
      if (out.destroyed) stopAll();
      return p;
    }).then(
      () => out.end(),
      (err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))),
    );
    return out;
  }

  private async runCreate(
    opts: CreateOptions,
    out: PassThrough,
    track: (p: Proc) => Proc,
  ): Promise<void> {
    let files = opts.files;
    let exact = opts.exactFiles ?? [];
    const rules = this.platform === 'win32' ? path.win32 : path.posix;
    for (const f of [...files, ...exact]) {
      if (f === '' || rules.isAbsolute(f) || f.includes('\0')) {
        // On Windows a path on another drive (C:\Users with the workspace on D:) has no
        // workspace-relative name; the restore gate refuses absolute member names.
        const drive = /^[A-Za-z]:/.test(f)
          ? ': paths on another drive than the workspace are not supported'
          : '';
        throw new Error(`archive paths must be relative to the workspace, got '${f}'${drive}`);
      }
    }
    const compress = buildCompressCommand(opts.method, opts.level);
    const tar = await this.tar();
    if (exact.length && tar.flavor === 'bsd') {
      exact = [...(await expandNames(files, opts.workspace)), ...exact];
      files = [];
    }
    const list = async (names: string[]): Promise<string> => {
      const file = path.join(path.resolve(opts.tempDir), `manifest-${randomUUID()}.txt`);
      await writeFile(file, names.map((f) => `${f}\0`).join(''));
      return file;
    };
    const manifest = await list(files);
    const exactManifest = exact.length ? await list(exact) : undefined;
    this.logger.debug(`archive manifest ${manifest}: ${files.length} paths, ${exact.length} exact`);
    if (out.destroyed) return;

    let intolerable = false;
    let tarBytes: number | undefined;
    const tolerated: string[] = [];
    const args = buildCreateArgs({
      flavor: tar.flavor,
      platform: this.platform,
      workspace: path.resolve(opts.workspace),
      manifest,
      exactManifest,
    });
    this.logger.debug(`spawn ${JSON.stringify([tar.path, ...args])}`);
    const tarProc = track(
      startProcess('tar', tar.path, args, ['ignore', 'pipe', 'pipe'], (line) => {
        const totals = TOTALS.exec(line);
        if (totals) {
          tarBytes = Number(totals[1]);
        } else if (tar.flavor === 'gnu' && isToleratedTarWarning(line)) {
          if (tolerated.length < 20) tolerated.push(line);
        } else {
          intolerable = true;
        }
      }),
    );
    // A stream that breaks while both processes exit 0 means lost bytes: never end `out` then.
    let comp: Proc | undefined;
    let source = pipeOut(tarProc);
    if (compress) {
      // The compressor reads tar's pipe itself rather than Node copying every uncompressed byte
      // across; closing our copy means a compressor that dies gives tar EPIPE, not a stuck pipe.
      this.logger.debug(`spawn ${JSON.stringify([compress.program, ...compress.args])}`);
      comp = track(
        startProcess(compress.program, compress.program, compress.args, [source, 'pipe', 'pipe']),
      );
      source.destroy();
      source = pipeOut(comp);
    }
    // end: false: the stream must not end before both exit codes are known.
    source.pipe(out, { end: false });
    const sourceDone = finished(source).then(
      () => undefined,
      (err: unknown) => err,
    );

    const [tarExit, compExit] = await Promise.all([tarProc.exit, comp?.exit]);
    const streamError = await sourceDone;

    const problems: string[] = [];
    if (comp && compExit && compExit.code !== 0) problems.push(describeProc(comp, compExit));
    const tarTolerated = tarExit.code === 1 && !intolerable && tolerated.length > 0;
    if (tarExit.code !== 0 && !tarTolerated) problems.push(describeProc(tarProc, tarExit));
    if (!problems.length && streamError)
      problems.push(`reading the archive stream failed: ${errorMessage(streamError)}`);
    if (problems.length)
      throw new Error(`creating the cache archive failed: ${problems.join('; ')}`);
    if (tarBytes !== undefined && Number.isSafeInteger(tarBytes)) opts.onTarBytes?.(tarBytes);
    if (tarTolerated) {
      this.logger.warning(
        `files changed while they were archived; the cache holds them as tar read them:\n${tolerated.join('\n')}`,
      );
    }
  }

  extract(opts: ExtractOptions): Extraction {
    const tools = async (): Promise<ExtractTools> => ({
      // Extraction reads only canonical archives, which every tar reads alike: only macOS has a
      // choice to probe for (gtar first), so elsewhere no process runs before tar itself.
      tar:
        this.fixedTar ??
        (tarCandidates(this.platform, this.env).length > 1 ? await this.tar() : undefined),
      decompress: buildDecompressCommand(opts.method),
      platform: this.platform,
    });
    return startExtraction(opts, tools, this.logger);
  }

  private tar(): Promise<TarCommand> {
    if (this.fixedTar) return Promise.resolve(this.fixedTar);
    this.tarCommand ??= detectTar(this.platform, this.env).catch((err: unknown) => {
      this.tarCommand = undefined;
      throw err;
    });
    return this.tarCommand;
  }
}

/** The first candidate that runs and is taken at once, else the first one that runs at all. */
export async function detectTar(
  platform: NodeJS.Platform,
  env: NodeJS.ProcessEnv = process.env,
  run: (program: string) => Promise<string | undefined> = (p) => probe(p, ['--version']),
): Promise<TarCommand> {
  const candidates = tarCandidates(platform, env);
  let fallback: TarCommand | undefined;
  for (const candidate of candidates) {
    const version = await run(candidate);
    if (version === undefined) continue;
    const found = { path: candidate, flavor: tarFlavorOf(version) };
    if (takesTarAtOnce(platform, candidate, found.flavor)) return found;
    fallback ??= found;
  }
  if (fallback) return fallback;
  throw new Error(`no working tar found (tried ${candidates.join(', ')})`);
}
