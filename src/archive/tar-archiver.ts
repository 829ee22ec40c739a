import { randomUUID } from 'node:crypto';
import { mkdir, open, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

import * as core from '@actions/core';

import { errorMessage, UnsafeArchiveError } from '../errors.js';
import type {
  Archiver,
  ArchiveReceiver,
  CheckedArchive,
  CreateOptions,
  ExtractOptions,
} from './archiver.js';
import {
  buildCompressCommand,
  buildDecompressCommand,
  type CompressorCommand,
} from './compression.js';
import { canonicalPath, checkOnDisk, MemberPolicy } from './member-policy.js';
import { startMemberScan } from './member-scan.js';
import { expandNames } from './paths.js';
import { describeProc, pipeOut, probe, type Proc, startProcess, stopProcess } from './processes.js';
import { ScannedFileWriter, type WrittenFile } from './scanned-file-writer.js';
import {
  buildCreateArgs,
  buildExtractArgs,
  tarCandidates,
  type TarCommand,
  tarFlavorOf,
} from './tar-args.js';

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

interface ExtractPlan {
  decompress: CompressorCommand | undefined;
  tar: TarCommand;
  /** Canonical workspace: tar's -C, and what member names are resolved against. */
  workspace: string;
  /** Allowed roots in declared and canonical spelling. */
  roots: string[];
  /** Holds, after the scan, the paths that must be vetted on disk. */
  policy: MemberPolicy;
}

/** Archiver backed by system tar, with zstd or gzip as separate processes in the pipe. */
export class TarArchiver implements Archiver {
  private readonly platform: NodeJS.Platform;
  private tarCommand?: Promise<TarCommand>;
  /** Archives this archiver's receive() checked and extract() has not used yet. */
  private readonly issued = new WeakMap<
    CheckedArchive,
    { plan: ExtractPlan; written: WrittenFile }
  >();

  constructor(options: TarArchiverOptions = {}) {
    this.platform = options.platform ?? process.platform;
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
    for (const f of [...files, ...exact]) {
      if (f === '' || path.isAbsolute(f) || f.includes('\0')) {
        throw new Error(`archive paths must be relative to the workspace, got '${f}'`);
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
    core.debug(`archive manifest ${manifest}: ${files.length} paths, ${exact.length} exact`);
    if (out.destroyed) return;

    let intolerable = false;
    const tolerated: string[] = [];
    const args = buildCreateArgs({
      flavor: tar.flavor,
      platform: this.platform,
      workspace: path.resolve(opts.workspace),
      manifest,
      exactManifest,
    });
    const tarProc = track(
      startProcess('tar', tar.path, args, ['ignore', 'pipe', 'pipe'], (line) => {
        if (tar.flavor === 'gnu' && isToleratedTarWarning(line)) {
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
    if (tarTolerated) {
      core.warning(
        `files changed while they were archived; the cache holds them as tar read them:\n${tolerated.join('\n')}`,
      );
    }
  }

  receive(file: string, opts: ExtractOptions): ArchiveReceiver {
    let plan: ExtractPlan | undefined;
    const input = new ScannedFileWriter(async () => {
      plan = await this.plan(opts);
      const fh = await open(file, 'w');
      try {
        const scan = startMemberScan(opts.method, plan.decompress, plan.policy);
        return { file: fh, path: file, scan };
      } catch (err) {
        await fh.close();
        throw err;
      }
    });
    const checked = input.result.then((written) => {
      const archive: CheckedArchive = Object.freeze({ file, size: written.size });
      this.issued.set(archive, { plan: plan!, written });
      return archive;
    });
    // The caller awaits it, except when its download failed first and that error is the news.
    checked.catch(() => undefined);
    return { input, checked };
  }

  async extract(archive: CheckedArchive): Promise<void> {
    const issued = this.issued.get(archive);
    if (!issued) {
      throw new Error(`extract() takes the result of this archiver's receive() of ${archive.file}`);
    }
    // A check vouches for one extraction of one download, then its plan is let go.
    this.issued.delete(archive);
    const { plan, written } = issued;
    // As late as possible: the paths tar will write through are vetted right before it runs.
    await checkOnDisk(plan.policy.onDiskChecks(), plan.roots);
    await mkdir(plan.workspace, { recursive: true });
    await this.untar(archive.file, written, plan);
  }

  /** Everything a receive decides up front: the tools, and the policy in the real paths. */
  private async plan(opts: ExtractOptions): Promise<ExtractPlan> {
    const decompress = buildDecompressCommand(opts.method);
    if (decompress && (await probe(decompress.program, ['--version'])) === undefined) {
      throw new Error(
        `this cache archive is ${opts.method}-compressed, but no working ${decompress.program} ` +
          `was found on PATH; install ${decompress.program} to restore it`,
      );
    }
    // Before the download, so a runner without tar fails without fetching anything.
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
    return { decompress, tar, workspace, roots, policy };
  }

  private async untar(file: string, written: WrittenFile, plan: ExtractPlan): Promise<void> {
    const { decompress, tar, workspace } = plan;
    const args = buildExtractArgs({ flavor: tar.flavor, platform: this.platform, workspace });
    const fh = await open(file, 'r');
    let dec: Proc | undefined;
    let tarProc: Proc;
    try {
      // The descriptor the processes read is the one checked here, so no swap can slip between.
      const st = await fh.stat();
      if (
        st.size !== written.size ||
        st.dev !== written.dev ||
        st.ino !== written.ino ||
        st.mtimeMs !== written.mtimeMs
      ) {
        throw new UnsafeArchiveError(
          `${file} changed after it was checked; refusing to extract it`,
        );
      }
      if (decompress) {
        dec = startProcess(decompress.program, decompress.program, decompress.args, [
          fh.fd,
          'pipe',
          'pipe',
        ]);
        // tar reads the decompressor's pipe itself: Node hands the descriptor over and stops
        // reading it (so it cannot steal bytes, even after the decompressor exits), and closing
        // our copy means a tar that dies gives the decompressor EPIPE instead of a stuck pipe.
        const decOut = pipeOut(dec);
        tarProc = startProcess('tar', tar.path, args, [decOut, 'ignore', 'pipe']);
        decOut.destroy();
      } else {
        tarProc = startProcess('tar', tar.path, args, [fh.fd, 'ignore', 'pipe']);
      }
    } finally {
      await fh.close();
    }
    const [tarExit, decExit] = await Promise.all([tarProc.exit, dec?.exit]);
    const problems: string[] = [];
    // The scan already decompressed the whole archive, so a decompressor cut off by SIGPIPE
    // after tar finished cleanly lost nothing tar needed.
    const cutOff = tarExit.code === 0 && decExit?.signal === 'SIGPIPE';
    if (dec && decExit && decExit.code !== 0 && !cutOff) problems.push(describeProc(dec, decExit));
    if (tarExit.code !== 0) problems.push(describeProc(tarProc, tarExit));
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
