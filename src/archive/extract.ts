import type { Writable } from 'node:stream';

import { UnsafeArchiveError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type ChunkSource, readableChunks } from '../util/chunks.js';
import type { Extraction, ExtractOptions } from './archiver.js';
import { PooledSocketSource } from './chunk-source.js';
import type { CompressorCommand } from './compression.js';
import { DefaultSpaceMargin, SpaceGuard } from './disk-space.js';
import { ForwardingInput } from './forward-input.js';
import { feedGate } from './gate-feed.js';
import { MemberPolicy } from './member-policy.js';
import {
  type ChildExit,
  describeProc,
  pipeIn,
  pipeOut,
  type Proc,
  startProcess,
  stopProcess,
} from './processes.js';
import { Staging } from './staging.js';
import { buildExtractArgs, tarCandidates, type TarCommand } from './tar-args.js';
import { TarGate } from './tar-gate.js';

export interface ExtractTools {
  /** The tar to run; undefined: the platform's only candidate. */
  tar: TarCommand | undefined;
  decompress: CompressorCommand | undefined;
  platform: NodeJS.Platform;
}

/**
 * The restore stream after the download: decompressor → member gate (in this process) → `tar -x`
 * into staging directories. See Extraction for the contract.
 */
export function startExtraction(
  opts: ExtractOptions,
  tools: () => Promise<ExtractTools>,
  logger: Logger,
): Extraction {
  return new StreamedExtraction(opts, tools, logger);
}

class StreamedExtraction implements Extraction {
  readonly input: Writable;
  private readonly source: ForwardingInput;
  readonly staged: Promise<{ members: number; bytes: number }>;
  private readonly procs: Proc[] = [];
  /** Handles to close once everything has exited. */
  private readonly closers: (() => void)[] = [];
  private staging?: Staging;
  private gate?: TarGate;
  /** The first failure from outside (input or abort) or from the gate. */
  private failure?: Error;
  /** Set once we stop everything ourselves, so the input's resulting error is not news. */
  private stopped = false;
  private committed = false;

  constructor(
    private readonly opts: ExtractOptions,
    tools: () => Promise<ExtractTools>,
    private readonly logger: Logger,
  ) {
    const input = new ForwardingInput();
    this.input = this.source = input;
    input.on('error', (err) => {
      if (!this.stopped) this.fail(err);
    });
    const onAbort = (): void => this.fail(asError(opts.signal?.reason));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    this.staged = this.run(tools).finally(() => opts.signal?.removeEventListener('abort', onAbort));
    // The caller awaits it; until then a rejection must not count as unhandled.
    this.staged.catch(() => undefined);
  }

  async commit(): Promise<void> {
    // Only a stream that fully passed may move into place.
    await this.staged;
    if (!this.staging || !this.gate || this.failure) throw new Error('nothing staged to commit');
    this.committed = true;
    await this.staging.commit(this.gate.dirModes);
  }

  async discard(): Promise<void> {
    if (!this.committed) this.fail(new Error('the restore was abandoned'));
    await this.staged.catch(() => undefined);
    await this.staging?.discard();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.stop(this.failure);
  }

  /** Stops the processes and the input; `reason` is what the download pipeline sees. */
  private stop(reason: Error): void {
    this.stopped = true;
    if (!this.source.destroyed) this.source.destroy(reason);
    for (const p of this.procs) stopProcess(p);
  }

  private async run(
    tools: () => Promise<ExtractTools>,
  ): Promise<{ members: number; bytes: number }> {
    let decExit: ChildExit | undefined;
    let tarExit: ChildExit | undefined;
    let dec: Proc | undefined;
    let tar: Proc | undefined;
    let writeError: Error | undefined;
    try {
      const { tar: tarCommand, decompress, platform } = await tools();
      const tarPath = tarCommand?.path ?? tarCandidates(platform)[0]!;
      this.staging = await Staging.prepare(this.opts.allowedRoots, this.opts.scratchDir);
      if (this.failure) throw this.failure;
      const staging = this.staging;
      const space = new SpaceGuard(
        staging.locations(),
        this.opts.spaceMargin ?? DefaultSpaceMargin,
        (err) => this.fail(err),
      );
      await space.before(this.opts.maxTarBytes);
      const policy = new MemberPolicy({
        workspace: this.opts.workspace,
        allowedRoots: this.opts.memberRoots ?? this.opts.allowedRoots,
        foldCase: platform === 'darwin' || platform === 'win32',
        platform,
      });
      const gate = new TarGate({
        policy,
        place: (abs) => staging.place(abs),
        maxStreamBytes: this.opts.maxTarBytes,
        onStreamBytes: space.progress,
      });
      this.gate = gate;

      const args = buildExtractArgs(tarCommand?.flavor);
      this.logger.debug(`spawn ${JSON.stringify([tarPath, ...args])}`);
      tar = this.track(startProcess('tar', tarPath, args, ['pipe', 'ignore', 'pipe']));
      let source: ChunkSource | undefined;
      if (decompress) {
        // Its output is read into reused buffers where a private socket can carry it.
        const pooled = this.opts.scratchDir
          ? await PooledSocketSource.open(this.opts.scratchDir, platform)
          : undefined;
        if (pooled) {
          this.closers.push(() => {
            pooled.source.destroy();
            pooled.childEnd.destroy();
          });
        }
        this.throwIfFailed();
        this.logger.debug(`spawn ${JSON.stringify([decompress.program, ...decompress.args])}`);
        dec = this.track(
          startProcess(decompress.program, decompress.program, decompress.args, [
            'pipe',
            pooled?.childEnd ?? 'pipe',
            'pipe',
          ]),
        );
        // The child has its own copy now; ours would keep the reader from seeing the end.
        pooled?.childEnd.destroy();
        const decIn = pipeIn(dec);
        // A decompressor that dies early breaks this pipe; its exit status tells why.
        const broken = (err: Error): void => void (writeError ??= err);
        decIn.on('error', broken);
        this.source.forwardTo(decIn, broken);
        source = pooled?.source ?? readableChunks(pipeOut(dec));
      }
      source ??= this.source.chunks();
      // A refusal stops everything at once; a broken pipe waits for the exit codes to explain it.
      // feedGate starts reading at once, before any await: see startProcess.
      const decDone = dec?.exit;
      const fed = feedGate(
        source,
        gate,
        pipeIn(tar),
        (err) => this.fail(err),
        async () => decDone,
      ).then((err) => {
        if (err) {
          writeError ??= err;
          this.stop(err);
        }
      });
      [, decExit, tarExit] = await Promise.all([fed, dec?.exit, tar.exit]);
    } catch (err) {
      this.fail(asError(err));
    }
    // Every process has exited before this settles, however it ended.
    if (this.procs.length) await Promise.all(this.procs.map((p) => p.exit));
    for (const close of this.closers) close();
    decExit ??= dec ? await dec.exit : undefined;
    tarExit ??= tar ? await tar.exit : undefined;
    const error = this.explain(dec, decExit, tar, tarExit, writeError);
    if (error) {
      this.fail(error);
      throw error;
    }
    return { members: this.gate!.members, bytes: this.gate!.dataBytes };
  }

  /** The one error that says what went wrong, most telling first. */
  private explain(
    dec: Proc | undefined,
    decExit: ChildExit | undefined,
    tar: Proc | undefined,
    tarExit: ChildExit | undefined,
    writeError: Error | undefined,
  ): Error | undefined {
    if (this.failure && !(this.failure instanceof UnsafeArchiveError)) return this.failure;
    if (dec && decExit?.error) {
      return new Error(
        `this cache archive is ${this.opts.method}-compressed, but ${describeProc(dec, decExit)}; ` +
          `install ${dec.label} to restore it`,
      );
    }
    const tarFailed = tar && tarExit && (tarExit.error || tarExit.code !== 0 || tarExit.signal);
    // tar stopped reading first (a full disk): what the decompressor did next is a consequence.
    if (writeError && tar && tarExit && tarFailed && !this.failure) {
      return new Error(`extracting the cache archive failed: ${describeProc(tar, tarExit)}`);
    }
    // A decompressor that failed on its own (not killed by us) means corrupt input.
    if (dec && decExit && (decExit.error || (decExit.code !== null && decExit.code !== 0))) {
      return new UnsafeArchiveError(
        `the ${this.opts.method} archive is corrupt: ${describeProc(dec, decExit)}`,
      );
    }
    if (this.failure) return this.failure;
    if (tar && tarExit && tarFailed) {
      return new Error(`extracting the cache archive failed: ${describeProc(tar, tarExit)}`);
    }
    if (writeError) return writeError;
    return undefined;
  }

  /** An abort may have come in while we awaited. */
  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private track(p: Proc): Proc {
    this.procs.push(p);
    if (this.failure) stopProcess(p);
    return p;
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
