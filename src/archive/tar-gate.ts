import * as path from 'node:path';

import { UnsafeArchiveError } from '../errors.js';
import type { MemberPolicy } from './member-policy.js';
import { canonicalHeader } from './tar-canonical.js';
import { END_OF_ARCHIVE, padding, ZEROS } from './tar-format.js';
import { type ParsedMember, TarParser, type TarSink } from './tar-parser.js';

export interface TarGateOptions {
  policy: MemberPolicy;
  /** The staged path tar must write for an absolute path inside the declared paths. */
  place(abs: string): string;
  /** The tar stream's recorded length: a stream that runs past it is refused. */
  maxStreamBytes?: number;
  /** Told the stream's length so far after each chunk (the free-space watch). */
  onStreamBytes?: (bytes: number) => void;
}

/**
 * The member gate between the decompressor and `tar -x`: it parses the stored archive, applies
 * the member policy, and writes a new archive of canonical headers (tar-canonical.ts) with the
 * members' data, in staged absolute paths. tar never parses a header byte of the stored archive.
 *
 * Directories are written with owner rwx so the staged tree can always be moved and removed;
 * their real modes are kept in `dirModes` and applied once the tree is in place.
 */
export class TarGate implements TarSink {
  /** Staged path of every directory member → the permission bits it carried. */
  readonly dirModes = new Map<string, number>();
  members = 0;
  dataBytes = 0;
  /** Bytes of the stored tar stream seen so far. */
  streamBytes = 0;
  private readonly out = new OutputBatcher();
  private readonly parser = new TarParser(this);

  constructor(private readonly opts: TarGateOptions) {}

  /** Feeds stored bytes; returns the canonical bytes they complete, in order. */
  write(chunk: Buffer): Buffer[] {
    this.streamBytes += chunk.length;
    const max = this.opts.maxStreamBytes;
    if (max !== undefined && this.streamBytes > max) {
      throw new UnsafeArchiveError(
        `the archive unpacks to more than the ${max} bytes its manifest records: refusing it`,
      );
    }
    this.opts.onStreamBytes?.(this.streamBytes);
    this.parser.push(chunk);
    return this.out.take();
  }

  /**
   * The bytes of the oldest write()/end() result that returned any have reached tar: call it
   * once for each, in order, and the gate reuses their buffers (until then it keeps them).
   */
  written(): void {
    this.out.written();
  }

  /** The stored archive ended; returns the final bytes (the end-of-archive marker). */
  end(): Buffer[] {
    this.parser.end();
    this.out.push(END_OF_ARCHIVE);
    return this.out.take();
  }

  member(m: ParsedMember): void {
    const placed = this.opts.policy.check(m);
    const name = this.opts.place(placed.path);
    const linkName = placed.linkPath !== undefined ? this.opts.place(placed.linkPath) : m.linkName;
    // Last line of defence: what tar is told must be a normalized absolute path, so no `..` or
    // `.` segment can take tar anywhere but where the policy placed the member.
    for (const p of placed.linkPath !== undefined ? [name, linkName] : [name]) {
      if (path.resolve(p) !== p) {
        throw new UnsafeArchiveError(
          `refusing to extract archive member '${m.name}': it resolves oddly`,
        );
      }
    }
    // No setuid, setgid or sticky bits, ever; owners are never written (uid/gid 0, and tar
    // runs with --no-same-owner).
    let mode = m.mode & 0o777;
    if (m.type === 'dir') {
      this.dirModes.set(name, mode);
      mode |= 0o700;
    } else if (m.type === 'symlink') {
      mode = 0o777;
    }
    this.out.pushCopy(
      canonicalHeader({
        name,
        type: m.type,
        mode,
        mtime: m.mtime,
        size: m.size,
        linkName,
      }),
    );
    this.members++;
    this.dataBytes += m.size;
  }

  data(chunk: Buffer): void {
    this.out.push(chunk);
  }

  memberEnd(m: ParsedMember): void {
    const pad = padding(m.size);
    if (pad > 0) this.out.push(ZEROS.subarray(0, pad));
  }
}

/** Pieces at least this large go to tar as they are; smaller ones are copied together. */
const PASS_THROUGH_BYTES = 32 * 1024;
const BATCH_BYTES = 256 * 1024;

/**
 * Collects the gate's output. Headers, padding and the data of small files are copied into
 * batches, so tar gets a few large writes instead of three small buffers per member; large data
 * passes uncopied. Batches are reused once the writes that carry them have finished, so a
 * restore allocates a handful of them instead of one per 256 KiB.
 */
class OutputBatcher {
  private pieces: Buffer[] = [];
  private batch: Buffer = Buffer.allocUnsafe(BATCH_BYTES);
  private filled = 0;
  /** Batches flushed since the last take, then per take still being written, oldest first. */
  private flushed: Buffer[] = [];
  private readonly inFlight: Buffer[][] = [];
  private readonly spare: Buffer[] = [];

  /** Queues `b`, which must stay unchanged until written. */
  push(b: Buffer): void {
    if (b.length >= PASS_THROUGH_BYTES) {
      this.flush();
      this.pieces.push(b);
      return;
    }
    this.pushCopy(b);
  }

  /** Queues a copy of `b`, whose memory the caller reuses at once. */
  pushCopy(b: Buffer): void {
    if (b.length > BATCH_BYTES) {
      this.flush();
      this.pieces.push(Buffer.from(b));
      return;
    }
    if (this.filled + b.length > this.batch.length) this.flush();
    b.copy(this.batch, this.filled);
    this.filled += b.length;
  }

  /** Everything pushed so far, in order. */
  take(): Buffer[] {
    this.flush();
    const out = this.pieces;
    this.pieces = [];
    if (out.length) this.inFlight.push(this.flushed);
    this.flushed = [];
    return out;
  }

  /** The oldest non-empty take has been written: its batches may be filled again. */
  written(): void {
    const done = this.inFlight.shift();
    if (done) this.spare.push(...done);
  }

  private flush(): void {
    if (this.filled === 0) return;
    this.pieces.push(this.batch.subarray(0, this.filled));
    this.flushed.push(this.batch);
    // The batch now belongs to the writer until tar has read it: continue in another one.
    this.batch = this.spare.pop() ?? Buffer.allocUnsafe(BATCH_BYTES);
    this.filled = 0;
  }
}
