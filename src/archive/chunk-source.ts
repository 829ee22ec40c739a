import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import * as net from 'node:net';
import os from 'node:os';
import * as path from 'node:path';

import type { ChunkHandlers, ChunkSource } from '../util/chunks.js';

/** Read buffers in the pool; the socket always holds one as its next read target. */
const POOL_BUFFERS = 16;
const BUFFER_BYTES = 256 * 1024;

/**
 * The read end of a connected local socket whose other end a child process writes to (its
 * stdout), read into a fixed pool of buffers with `onread`. A pipe from child_process hands
 * Node a fresh 64 KiB buffer per read; at the 400 MiB of a typical restore, collecting those
 * cost the process more CPU than the member gate itself. Here every byte lands in one of 16
 * reused buffers, and reading pauses while all of them are still being written onward.
 */
export class PooledSocketSource implements ChunkSource {
  private readonly free: Buffer[] = [];
  private handlers?: ChunkHandlers;
  /** Paused because the consumer asked to, and/or because no buffer was free. */
  private consumerPaused = false;
  private poolPaused = false;

  private socket!: net.Socket;

  private constructor() {
    for (let i = 0; i < POOL_BUFFERS; i++) this.free.push(Buffer.allocUnsafe(BUFFER_BYTES));
  }

  /**
   * A connected pair: `childEnd` goes into the child's stdio (spawn duplicates it; close ours
   * afterwards) and this source reads what the child writes. The socket lives in `dir`, which
   * must be private to this process (mode 0700), so no other user can connect first.
   * Where `dir` is too deep for a socket's name (a long RUNNER_TEMP on a self-hosted runner), a
   * fresh private directory under the OS temp dir holds it instead; the name is removed once
   * both ends are connected. Resolves undefined where no socket can be had (Windows, a
   * directory where no socket can be made).
   */
  static async open(
    dir: string,
    platform: NodeJS.Platform,
  ): Promise<{ source: PooledSocketSource; childEnd: net.Socket } | undefined> {
    if (platform === 'win32') return undefined;
    const name = `out-${randomUUID().slice(0, 8)}.sock`;
    // sockaddr_un holds 108 bytes (104 on macOS), terminator included.
    const fits = (d: string): boolean => Buffer.byteLength(path.join(d, name)) <= 100;
    let own: string | undefined;
    try {
      if (!fits(dir)) {
        if (!fits(path.join(os.tmpdir(), 'bucket-cache-XXXXXX'))) return undefined;
        own = await mkdtemp(path.join(os.tmpdir(), 'bucket-cache-')); // mode 0700
      }
      return await PooledSocketSource.connectPair(path.join(own ?? dir, name));
    } catch {
      return undefined;
    } finally {
      if (own) await rm(own, { recursive: true, force: true });
    }
  }

  private static async connectPair(
    file: string,
  ): Promise<{ source: PooledSocketSource; childEnd: net.Socket } | undefined> {
    const server = net.createServer({ pauseOnConnect: true });
    let socket: net.Socket | undefined;
    let childEnd: net.Socket | undefined;
    server.on('connection', (s: net.Socket) => {
      // Only our own connect is expected in a 0700 directory; anything more is not ours.
      if (childEnd) s.destroy();
      else childEnd = s;
    });
    try {
      server.listen(file);
      await once(server, 'listening');
      const source = new PooledSocketSource();
      socket = net.connect({
        path: file,
        onread: {
          buffer: () => source.nextBuffer(),
          callback: (n: number, buf: Uint8Array) => source.onRead(n, buf as Buffer),
        },
      });
      source.socket = socket;
      await once(socket, 'connect');
      while (!childEnd) await once(server, 'connection');
      return { source, childEnd };
    } catch {
      // A filesystem or policy that refuses socket files: the caller reads a plain pipe.
      socket?.destroy();
      childEnd?.destroy();
      return undefined;
    } finally {
      server.close();
    }
  }

  start(handlers: ChunkHandlers): void {
    this.handlers = handlers;
    this.socket.once('end', () => handlers.end());
    this.socket.once('error', (err) => handlers.error(err));
  }

  resume(): void {
    this.consumerPaused = false;
    this.update();
  }

  /** Closes our end; a child still writing gets EPIPE. */
  destroy(): void {
    this.socket.destroy();
  }

  /** onread's buffer generator: called once at the start and after every read. */
  private nextBuffer(): Buffer {
    // The pause in onRead keeps one buffer free for this; allocate only if that ever fails.
    return this.free.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES);
  }

  private onRead(n: number, buf: Buffer): boolean {
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.free.push(buf);
      if (this.poolPaused) this.update();
    };
    // The next read target is taken from the pool right after this returns: stop reading when
    // that will be the last free buffer, until one comes back.
    if (this.free.length <= 1) this.poolPaused = true;
    if (!this.handlers!.chunk(buf.subarray(0, n), release)) this.consumerPaused = true;
    return !(this.poolPaused || this.consumerPaused);
  }

  private update(): void {
    if (this.poolPaused && this.free.length > 0) this.poolPaused = false;
    if (!this.poolPaused && !this.consumerPaused && !this.socket.destroyed) this.socket.resume();
  }
}
