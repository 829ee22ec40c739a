import { once } from 'node:events';
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { flipByte } from './s3-proxy.js';

/** What a rule sees of a request. */
export interface SeenRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
}

export type ProxyFault =
  /** Forward; the upstream acts on the request; then cut the connection instead of answering. */
  | { kind: 'lose-response' }
  /** Forward, and pass the response body on at `bytesPerSecond` (a slow but live link). */
  | { kind: 'trickle'; bytesPerSecond: number }
  /** Answer `status` (with `headers`, e.g. Retry-After) without forwarding; the body is read. */
  | { kind: 'error'; status: number; code?: string; headers?: Record<string, string> }
  /** Forward, then cut the connection after `afterBytes` of the response body (mid-download). */
  | { kind: 'drop'; afterBytes: number }
  /** Cut the connection after `afterBytes` of the request body, never forwarding (mid-upload). */
  | { kind: 'reset'; afterBytes: number }
  /** Forward, inverting the response body's byte at offset `atByte` (corruption in transit). */
  | { kind: 'flip'; atByte: number }
  /** Forward, then pass on only `afterBytes` of the response body and go silent. */
  | { kind: 'stall'; afterBytes: number };

/**
 * A plain loopback HTTP proxy with a few faults, for servers that have no proxy of their own
 * here (Azurite). Requests go through byte for byte; Azure's shared-key signature does not cover
 * the Host header, so clients simply point their endpoint at the proxy.
 */
export class FaultProxy {
  readonly requests: SeenRequest[] = [];
  private rules: { match: (r: SeenRequest) => boolean; fault: ProxyFault; times: number }[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly agent = new Agent({ keepAlive: true });

  private constructor(
    private readonly server: Server,
    readonly origin: string,
    private readonly upstreamPort: number,
  ) {}

  static async start(upstreamPort: number): Promise<FaultProxy> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const proxy = new FaultProxy(server, `http://127.0.0.1:${port}`, upstreamPort);
    server.on('connection', (s: Socket) => {
      proxy.sockets.add(s);
      s.once('close', () => proxy.sockets.delete(s));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => proxy.handle(req, res));
    return proxy;
  }

  /** Apply `fault` to the next `times` requests that `match` (Infinity: until reset()). */
  inject(match: (r: SeenRequest) => boolean, fault: ProxyFault, times = 1): void {
    this.rules.push({ match, fault, times });
  }

  reset(): void {
    this.rules = [];
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const s of this.sockets) s.destroy();
    this.agent.destroy();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const seen = { method: req.method ?? 'GET', url: req.url ?? '/' };
    this.requests.push(seen);
    const rule = this.rules.find((x) => x.times > 0 && x.match(seen));
    if (rule) rule.times -= 1;
    const fault = rule?.fault;
    if (fault?.kind === 'error') {
      req.resume();
      req.once('end', () => {
        const body = fault.code
          ? `<?xml version="1.0" encoding="utf-8"?><Error><Code>${fault.code}</Code><Message>injected</Message></Error>`
          : '';
        res.writeHead(fault.status, {
          'content-type': 'application/xml',
          'content-length': Buffer.byteLength(body),
          ...(fault.code ? { 'x-ms-error-code': fault.code } : {}),
          ...fault.headers,
        });
        res.end(req.method === 'HEAD' ? undefined : body);
      });
      return;
    }
    if (fault?.kind === 'reset') {
      let seen = 0;
      const cut = (): void => void req.socket.destroy();
      if (fault.afterBytes === 0) return cut();
      req.on('data', (c: Buffer) => {
        seen += c.length;
        if (seen >= fault.afterBytes) cut();
      });
      req.once('end', cut);
      return;
    }
    const up = request({
      host: '127.0.0.1',
      port: this.upstreamPort,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent: this.agent,
    });
    up.on('response', (upRes) => {
      if (fault?.kind === 'lose-response') {
        upRes.resume();
        res.socket?.destroy();
        return;
      }
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      if (fault?.kind === 'trickle') void trickle(upRes, res, fault.bytesPerSecond);
      else if (fault?.kind === 'drop') dropAfter(upRes, res, fault.afterBytes);
      else if (fault?.kind === 'flip') flipByte(upRes, res, fault.atByte);
      else if (fault?.kind === 'stall') stallAfter(upRes, res, fault.afterBytes);
      else upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    res.once('close', () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  }
}

/** Pass `from` on to `to` in 10 slices a second at `rate` bytes per second. */
async function trickle(from: IncomingMessage, to: ServerResponse, rate: number): Promise<void> {
  const slice = Math.max(1, Math.floor(rate / 10));
  try {
    for await (const chunk of from as AsyncIterable<Buffer>) {
      for (let at = 0; at < chunk.length; at += slice) {
        if (to.destroyed) return;
        to.write(chunk.subarray(at, at + slice));
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    to.end();
  } catch {
    to.destroy();
  }
}

/** Pass `limit` bytes of `from` on, then cut the connection: a reset mid-body. */
function dropAfter(from: IncomingMessage, to: ServerResponse, limit: number): void {
  let sent = 0;
  from.on('data', (chunk: Buffer) => {
    if (to.destroyed) return;
    const room = limit - sent;
    if (room > 0) to.write(chunk.subarray(0, room));
    sent += chunk.length;
    if (sent >= limit) {
      from.destroy();
      to.socket?.destroy();
    }
  });
  from.once('end', () => to.socket?.destroy());
}

/** Pass `limit` bytes of `from` on, then go silent with the connection open. */
function stallAfter(from: IncomingMessage, to: ServerResponse, limit: number): void {
  let sent = 0;
  from.on('data', (chunk: Buffer) => {
    const room = limit - sent;
    if (room > 0 && !to.destroyed) to.write(chunk.subarray(0, room));
    sent += chunk.length;
  });
}
