import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { PassThrough, pipeline, type Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

import * as core from '@actions/core';

import { errorMessage, UnsafeArchiveError } from '../errors.js';
import type { Archiver, CompressionMethod, CreateOptions, ExtractOptions } from './archiver.js';
import {
  buildCompressCommand,
  buildDecompressCommand,
  type CompressorCommand,
} from './compression.js';
import { canonicalPath, checkOnDisk, MemberPolicy } from './member-policy.js';
import { type ChildExit, describeExit, OutputLog, probe, waitForExit } from './processes.js';
import {
  buildCreateArgs,
  buildExtractArgs,
  tarCandidates,
  type TarCommand,
  tarFlavorOf,
} from './tar-args.js';
import { readTarEntries } from './tar-entries.js';

export interface TarArchiverOptions {
  /** Defaults to process.platform; decides gtar-vs-tar and case-insensitive name checks. */
  platform?: NodeJS.Platform;
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

export function isToleratedTarWarning(line: string): boolean {
  return TOLERATED_TAR_WARNINGS.some((re) => re.test(line.trimEnd()));
}

interface Proc {
  label: string;
  child: ChildProcess;
  exit: Promise<ChildExit>;
  stderr: OutputLog;
}

/** Spawns a pipeline stage. Attach to its stdout before any await (see `scan`). */
function start(
  label: string,
  program: string,
  args: string[],
  stdio: StdioOptions,
  onStderrLine?: (line: string) => void,
): Proc {
  core.debug(`spawn ${JSON.stringify([program, ...args])}`);
  // env is explicit so PATH is the one this module sees (jest's sandbox copies process.env).
  const child = spawn(program, args, { stdio, env: process.env });
  const stderr = new OutputLog(64 * 1024, onStderrLine);
  child.stderr?.on('data', (chunk: Buffer) => stderr.write(chunk));
  // EPIPE into a process that died, or a pipe torn down on abort: the exit status says why,
  // and an unhandled 'error' would crash the action.
  for (const s of [child.stdin, child.stdout, child.stderr]) s?.on('error', () => undefined);
  const exit = waitForExit(child).then((e) => {
    stderr.end();
    return e;
  });
  return { label, child, exit, stderr };
}

function failed(p: Proc, exit: ChildExit): string {
  return describeExit(p.label, exit, p.stderr.text());
}

function pipeOut(p: Proc): Readable {
  if (!p.child.stdout) throw new Error(`${p.label} has no stdout pipe`);
  return p.child.stdout;
}

function pipeIn(p: Proc): Writable {
  if (!p.child.stdin) throw new Error(`${p.label} has no stdin pipe`);
  return p.child.stdin;
}

/** Archiver backed by system tar, with zstd or gzip as separate processes in the pipe. */
export class TarArchiver implements Archiver {
  private readonly platform: NodeJS.Platform;
  private tarCommand?: Promise<TarCommand>;

  constructor(options: TarArchiverOptions = {}) {
    this.platform = options.platform ?? process.platform;
  }

  create(opts: CreateOptions): Readable {
    const out = new PassThrough();
    const procs: Proc[] = [];
    const stopAll = (): void => {
      for (const p of procs)
        if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill();
    };
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
    for (const f of opts.files) {
      if (f === '' || path.isAbsolute(f) || f.includes('\0')) {
        throw new Error(`archive paths must be relative to the workspace, got '${f}'`);
      }
    }
    const compress = buildCompressCommand(opts.method, opts.level);
    const tar = await this.tar();
    const manifest = path.join(path.resolve(opts.tempDir), `manifest-${randomUUID()}.txt`);
    await writeFile(manifest, opts.files.map((f) => `${f}\0`).join(''));
    core.debug(`archive manifest ${manifest}: ${opts.files.length} paths`);
    if (out.destroyed) return;

    let intolerable = false;
    const tolerated: string[] = [];
    const args = buildCreateArgs({
      flavor: tar.flavor,
      platform: this.platform,
      workspace: path.resolve(opts.workspace),
      manifest,
    });
    const tarProc = track(
      start('tar', tar.path, args, ['ignore', 'pipe', 'pipe'], (line) => {
        if (tar.flavor === 'gnu' && isToleratedTarWarning(line)) {
          if (tolerated.length < 20) tolerated.push(line);
        } else {
          intolerable = true;
        }
      }),
    );
    // A stream that breaks while both processes exit 0 means lost bytes: never end `out` then.
    let streamError: unknown;
    let comp: Proc | undefined;
    let source = pipeOut(tarProc);
    if (compress) {
      comp = track(
        start(compress.program, compress.program, compress.args, ['pipe', 'pipe', 'pipe']),
      );
      // pipeline: a compressor that dies tears down tar's stdout, so tar gets EPIPE rather
      // than blocking forever.
      pipeline(source, pipeIn(comp), (err) => {
        streamError ??= err;
      });
      source = pipeOut(comp);
    }
    // end: false: the stream must not end before both exit codes are known.
    source.pipe(out, { end: false });
    const sourceDone = finished(source).then(
      () => undefined,
      (err: unknown) => err,
    );

    const [tarExit, compExit] = await Promise.all([tarProc.exit, comp?.exit]);
    streamError ??= await sourceDone;

    const problems: string[] = [];
    if (comp && compExit && compExit.code !== 0) problems.push(failed(comp, compExit));
    const tarTolerated = tarExit.code === 1 && !intolerable && tolerated.length > 0;
    if (tarExit.code !== 0 && !tarTolerated) problems.push(failed(tarProc, tarExit));
    if (!problems.length && streamError)
      problems.push(`reading the archive stream failed: ${errorMessage(streamError)}`);
    if (problems.length)
      throw new Error(`creating the cache archive failed: ${problems.join('; ')}`);
    if (tarTolerated) {
      core.warning(
        `files changed while they were archived; the cache holds them as tar read them:\n${tolerated.join('\n')}`,
      );
    }
  }

  async extract(file: string, opts: ExtractOptions): Promise<void> {
    const decompress = buildDecompressCommand(opts.method);
    if (decompress && (await probe(decompress.program, ['--version'])) === undefined) {
      throw new Error(
        `this cache archive is ${opts.method}-compressed, but no working ${decompress.program} ` +
          `was found on PATH; install ${decompress.program} to restore it`,
      );
    }
    const tar = await this.tar();

    // Resolve as the kernel will once tar has chdir'ed: `..` from the real workspace. Roots are
    // accepted in both their declared and their real spelling.
    const workspace = await canonicalPath(opts.workspace);
    const declared = opts.allowedRoots.map((r) => path.resolve(r));
    const roots = [...new Set([...declared, ...(await Promise.all(declared.map(canonicalPath)))])];
    const policy = new MemberPolicy({
      workspace,
      allowedRoots: roots,
      foldCase: this.platform === 'darwin' || this.platform === 'win32',
    });
    await this.scan(file, opts.method, decompress, policy);
    await checkOnDisk(policy.onDiskChecks(), roots);

    await mkdir(workspace, { recursive: true });
    await this.untar(file, decompress, tar, workspace);
  }

  /** Reads every header (writing nothing) and runs it through the policy. */
  private async scan(
    file: string,
    method: CompressionMethod,
    decompress: CompressorCommand | undefined,
    policy: MemberPolicy,
  ): Promise<void> {
    let dec: Proc | undefined;
    let source: Readable;
    if (decompress) {
      const fh = await open(file, 'r');
      try {
        dec = start(decompress.program, decompress.program, decompress.args, [
          fh.fd,
          'pipe',
          'pipe',
        ]);
        // Consume stdout before the next await: when a child exits, Node resumes a stdout nobody
        // reads yet and its data is lost; the scan would then see an empty, "clean" archive.
        source = pipeline(pipeOut(dec), new PassThrough(), () => undefined);
      } finally {
        await fh.close();
      }
    } else {
      source = createReadStream(file);
    }

    try {
      for await (const entry of readTarEntries(source)) policy.check(entry);
    } catch (err) {
      if (!dec) throw err;
      dec.child.stdout?.destroy();
      dec.child.kill();
      const exit = await dec.exit;
      // A truncated tar stream is usually the decompressor failing; say so.
      if (exit.code !== null && exit.code !== 0) {
        throw new UnsafeArchiveError(`the ${method} archive is corrupt: ${failed(dec, exit)}`, {
          cause: err,
        });
      }
      throw err;
    }
    if (dec) {
      const exit = await dec.exit;
      if (exit.code !== 0) {
        throw new UnsafeArchiveError(`the ${method} archive is corrupt: ${failed(dec, exit)}`);
      }
    }
  }

  private async untar(
    file: string,
    decompress: CompressorCommand | undefined,
    tar: TarCommand,
    workspace: string,
  ): Promise<void> {
    const args = buildExtractArgs({ flavor: tar.flavor, platform: this.platform, workspace });
    const fh = await open(file, 'r');
    let dec: Proc | undefined;
    let tarProc: Proc;
    try {
      if (decompress) {
        dec = start(decompress.program, decompress.program, decompress.args, [
          fh.fd,
          'pipe',
          'pipe',
        ]);
        tarProc = start('tar', tar.path, args, ['pipe', 'ignore', 'pipe']);
        const decOut = pipeOut(dec);
        // If tar dies, pipeline tears down the decompressor's stdout rather than leave it
        // blocked on a pipe nobody reads; a broken stream shows up as tar's unexpected EOF.
        pipeline(decOut, pipeIn(tarProc), () => undefined);
      } else {
        tarProc = start('tar', tar.path, args, [fh.fd, 'ignore', 'pipe']);
      }
    } finally {
      await fh.close();
    }
    const [tarExit, decExit] = await Promise.all([tarProc.exit, dec?.exit]);
    const problems: string[] = [];
    // The scan already decompressed the whole file, so a decompressor cut off by SIGPIPE after
    // tar finished cleanly lost nothing tar needed.
    const cutOff = tarExit.code === 0 && decExit?.signal === 'SIGPIPE';
    if (dec && decExit && decExit.code !== 0 && !cutOff) problems.push(failed(dec, decExit));
    if (tarExit.code !== 0) problems.push(failed(tarProc, tarExit));
    if (problems.length) {
      throw new Error(`extracting the cache archive failed: ${problems.join('; ')}`);
    }
  }

  private tar(): Promise<TarCommand> {
    this.tarCommand ??= detectTar(this.platform).catch((err: unknown) => {
      this.tarCommand = undefined;
      throw err;
    });
    return this.tarCommand;
  }
}

async function detectTar(platform: NodeJS.Platform): Promise<TarCommand> {
  for (const candidate of tarCandidates(platform)) {
    const version = await probe(candidate, ['--version']);
    if (version !== undefined) return { path: candidate, flavor: tarFlavorOf(version) };
  }
  throw new Error(`no working tar found on PATH (tried ${tarCandidates(platform).join(', ')})`);
}
