import { createHash, createHmac } from 'node:crypto';
import { once } from 'node:events';
import { access, readdir, readFile, stat } from 'node:fs/promises';
import {
  Agent,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';

import { LinkDirection, type LinkShape } from './link-shaper.js';

/** What a fault matcher and the request log see of a request. */
export interface ProxyRequest {
  method: string;
  bucket: string;
  /** Object key, decoded; '' for bucket-level requests. */
  key: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

export type Fault =
  /** Answer with an S3 error document instead of forwarding (HEAD gets status and headers only). */
  | {
      kind: 'error';
      status: number;
      code: string;
      message?: string;
      headers?: Record<string, string>;
      /** Extra elements of the error document, e.g. { Region: 'eu-west-1' }. */
      fields?: Record<string, string>;
    }
  /** Forward, then pass on only `afterBytes` of the response body and go silent; undefined: send nothing at all. */
  | { kind: 'stall'; afterBytes?: number }
  /** Forward, then cut the connection after `afterBytes` of the response body. */
  | { kind: 'drop'; afterBytes: number }
  /** Forward, inverting the response body's byte at offset `atByte` (corruption in transit). */
  | { kind: 'flip'; atByte: number }
  /**
   * Handle the request as usual (the store acts on it, conditions included), then cut the
   * connection instead of answering: a success whose answer is lost, so the client retries.
   */
  | { kind: 'lose-response' }
  /**
   * Handle the request as usual, but move its body and its answer's body at `bytesPerSecond`
   * each way: a slow, live link.
   */
  | { kind: 'trickle'; bytesPerSecond: number };

interface Rule {
  match: (r: ProxyRequest) => boolean;
  fault: Fault;
  times: number;
}

type Range = { start: number; end: number } | 'unsatisfiable';

export interface Upstream {
  port: number;
  /** s3rver's storage directory. */
  dataDir: string;
  /** The account whose signatures the proxy verifies. */
  accessKeyId: string;
  secretAccessKey: string;
}

/** s3rver's layout for open multipart uploads: <dir>/<bucket>/._S3rver_uploads/<uploadId>/{key,<n>}. */
const UPLOADS_DIR = '._S3rver_uploads';

/**
 * A loopback HTTP proxy in front of s3rver 3.7.1 that adds what s3rver lacks and real S3 has, and
 * injects faults. Requests are forwarded byte for byte (the Host header, which the client signed,
 * is kept). What it adds:
 * - SigV4 signature checks (s3rver checks only the access key ID): 403 SignatureDoesNotMatch;
 * - `If-None-Match: *` on PutObject and CompleteMultipartUpload, serialised per key: 412 if taken;
 * - `If-Match: <etag>` on the same, serialised per key: 412 if replaced, 404 if gone;
 * - AbortMultipartUpload (s3rver: 405) and ListMultipartUploads (501, here with Prefix and
 *   Initiated, unpaged), from s3rver's upload dir;
 * - correct Range answers where s3rver gets them wrong (`bytes=0-0`, suffix ranges, empty objects).
 * It can also shape the link (benchmarks): bandwidth per direction and latency per request.
 */
export class S3Proxy {
  /** Every request seen, in arrival order. */
  readonly requests: ProxyRequest[] = [];
  /** Ranged GETs in flight now, and the most at once since the last reset(). */
  rangedGets = 0;
  peakRangedGets = 0;
  private rules: Rule[] = [];
  private readonly locks = new Map<string, Promise<void>>();
  private readonly sockets = new Set<Socket>();
  /** Multipart uploads aborted through the proxy. */
  private readonly aborted = new Set<string>();
  private readonly agent = new Agent({ keepAlive: true });
  /** Client to server (request bodies) and server to client (response bodies). */
  private readonly upLink = new LinkDirection(undefined);
  private readonly downLink = new LinkDirection(undefined);
  private latencyMs = 0;
  /** Requests whose answer is to be lost (the lose-response fault). */
  private readonly losing = new WeakSet<IncomingMessage>();
  /** Requests to move at a given rate (the trickle fault). */
  private readonly trickling = new WeakMap<IncomingMessage, number>();

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
    private readonly upstream: Upstream,
  ) {}

  /** Listen on a free loopback port in front of s3rver, with the link shaped as `shape` says. */
  static async start(upstream: Upstream, shape: LinkShape = {}): Promise<S3Proxy> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const proxy = new S3Proxy(server, `http://127.0.0.1:${port}`, upstream);
    proxy.shape(shape);
    server.on('connection', (s: Socket) => {
      proxy.sockets.add(s);
      s.once('close', () => proxy.sockets.delete(s));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      proxy.handle(req, res).catch((err: unknown) => {
        console.error('s3-proxy failed on', req.method, req.url, err); // a proxy bug: be loud
        res.destroy();
      });
    });
    return proxy;
  }

  /** Apply `fault` to the next `times` requests that `match` (Infinity: until reset()). */
  inject(match: (r: ProxyRequest) => boolean, fault: Fault, times = 1): void {
    this.rules.push({ match, fault, times });
  }

  /**
   * Shape the link from now on: requests already past their latency keep it, bodies in flight
   * take the new rate from their next chunk. `{}` makes the link unshaped again.
   */
  shape({ bytesPerSecond, latencyMs }: LinkShape): void {
    if (latencyMs !== undefined && !(latencyMs >= 0))
      throw new Error(`latencyMs must be >= 0: ${latencyMs}`);
    this.upLink.bytesPerSecond = bytesPerSecond;
    this.downLink.bytesPerSecond = bytesPerSecond;
    this.latencyMs = latencyMs ?? 0;
  }

  /** Forget faults, the request log and the peak count. */
  reset(): void {
    this.rules = [];
    this.requests.length = 0;
    this.peakRangedGets = 0;
  }

  /**
   * Multipart uploads created and neither completed nor aborted. `initiated` is the mtime of the
   * upload's key file, written once at creation: tests age an upload with utimes on `keyFile`.
   */
  async openUploads(
    bucket: string,
  ): Promise<{ key: string; uploadId: string; initiated: Date; keyFile: string }[]> {
    const dir = path.join(this.upstream.dataDir, bucket, UPLOADS_DIR);
    const all = await readdir(dir).catch(() => []);
    // An aborted upload is gone for good, as on S3, though its directory stays (abortUpload).
    const ids = all.filter((id) => !this.aborted.has(id));
    return Promise.all(
      ids.map(async (uploadId) => {
        const keyFile = path.join(dir, uploadId, 'key');
        const st = await stat(keyFile).catch(() => stat(path.join(dir, uploadId)));
        return {
          uploadId,
          // A directory without its key file is still an open (half-created) upload.
          key: await readFile(keyFile, 'utf8').catch(() => '?'),
          initiated: new Date(Math.floor(st.mtimeMs / 1000) * 1000),
          keyFile,
        };
      }),
    );
  }

  async close(): Promise<void> {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const s of this.sockets) s.destroy();
    this.agent.destroy();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const r: ProxyRequest = {
      method: req.method ?? 'GET',
      bucket: decodeURIComponent(bucket),
      key: decodeURIComponent(rest.join('/')),
      query: url.searchParams,
      headers: req.headers,
    };
    this.requests.push(r);
    if (r.method === 'GET' && r.key && req.headers.range) this.countRangedGet(res);
    if (this.latencyMs > 0) await sleep(this.latencyMs);

    const fault = this.takeFault(r);
    if (fault?.kind === 'lose-response') this.losing.add(req);
    else if (fault?.kind === 'trickle') this.trickling.set(req, fault.bytesPerSecond);
    else if (fault) return this.applyFault(fault, req, res);
    const { accessKeyId, secretAccessKey } = this.upstream;
    if (signatureMatches(req, accessKeyId, secretAccessKey) === false) {
      await drain(req);
      return sendError(
        req,
        res,
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      );
    }
    const { method, key, query } = r;
    if (method === 'DELETE' && key && query.has('uploadId')) {
      return this.abortUpload(r.bucket, query.get('uploadId') ?? '', req, res);
    }
    if (key && this.aborted.has(query.get('uploadId') ?? '')) {
      await drain(req);
      return sendError(req, res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    }
    if (method === 'GET' && !key && query.has('uploads')) {
      return this.listUploads(r.bucket, query.get('prefix') ?? '', res);
    }
    const commits =
      (method === 'PUT' && !query.has('uploadId')) || (method === 'POST' && query.has('uploadId'));
    if (key && commits && req.headers['if-none-match'] === '*') {
      return this.serialised(`${r.bucket}/${key}`, () => this.createIfAbsent(r, req, res));
    }
    if (key && commits && typeof req.headers['if-match'] === 'string') {
      return this.serialised(`${r.bucket}/${key}`, () => this.replaceIfMatch(r, req, res));
    }
    if (method === 'GET' && key && req.headers.range) return this.rangedGet(r, req, res);
    await this.forward(req, res);
  }

  private takeFault(r: ProxyRequest): Fault | undefined {
    const rule = this.rules.find((x) => x.times > 0 && x.match(r));
    if (rule) rule.times -= 1;
    return rule?.fault;
  }

  private async applyFault(
    fault: Exclude<Fault, { kind: 'lose-response' | 'trickle' }>,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (fault.kind === 'error') {
      await drain(req);
      const { status, code, message, fields, headers } = fault;
      return sendError(req, res, status, code, message ?? code, fields, headers);
    }
    if (fault.kind === 'stall' && fault.afterBytes === undefined) {
      await drain(req); // and never answer: the client's timeout must act
      return;
    }
    if (fault.kind === 'flip') {
      await this.forward(req, res, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        flipByte(up, res, fault.atByte);
        return true;
      });
      return;
    }
    const limit = fault.afterBytes ?? 0;
    await this.forward(req, res, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      void passOn(up, res, limit, this.downLink).then(() => {
        up.destroy();
        if (fault.kind === 'drop') res.socket?.destroy();
      });
      return true;
    });
  }

  /** Answer 412 if the key exists, else forward; runs under the key's lock. */
  private async createIfAbsent(
    r: ProxyRequest,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    if (await this.exists(r.bucket, r.key)) {
      if (this.losing.has(req)) {
        await drain(req);
        res.socket?.destroy();
        return;
      }
      await drain(req);
      return sendError(
        req,
        res,
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
        { Condition: 'If-None-Match' },
      );
    }
    await this.forward(req, res);
  }

  /** Answer 412 unless the key's ETag is the one given (404 if it is gone), else forward. */
  private async replaceIfMatch(
    r: ProxyRequest,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const head = await this.unsigned('HEAD', r.bucket, r.key, {});
    head.resume();
    if (head.statusCode !== 200 || head.headers.etag !== req.headers['if-match']) {
      await drain(req);
      return head.statusCode === 404
        ? sendError(req, res, 404, 'NoSuchKey', 'The specified key does not exist.')
        : sendError(
            req,
            res,
            412,
            'PreconditionFailed',
            'At least one of the pre-conditions you specified did not hold',
            { Condition: 'If-Match' },
          );
    }
    await this.forward(req, res);
  }

  // Answered by the proxy itself: only the proxy's own signature check has run.
  private async abortUpload(
    bucket: string,
    uploadId: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    await drain(req);
    const dir = path.join(this.upstream.dataDir, bucket, UPLOADS_DIR, uploadId);
    const known =
      /^[0-9a-f]+$/.test(uploadId) &&
      (await access(dir).then(
        () => true,
        () => false,
      ));
    if (!known)
      return sendError(req, res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
    // Gone for good from here on, as on S3: the proxy answers NoSuchUpload for it and lists it
    // no more. Its directory stays until the server stops: s3rver may still be writing a part
    // into it, and removing it then crashes s3rver (an unhandled ENOENT on the part's file).
    this.aborted.add(uploadId);
    res.writeHead(204).end();
  }

  private async listUploads(bucket: string, prefix: string, res: ServerResponse): Promise<void> {
    const uploads = (await this.openUploads(bucket))
      .filter((u) => u.key.startsWith(prefix))
      .map(
        (u) =>
          `<Upload><Key>${xml(u.key)}</Key><UploadId>${u.uploadId}</UploadId><Initiated>${u.initiated.toISOString()}</Initiated></Upload>`,
      )
      .join('');
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult><Bucket>${xml(bucket)}</Bucket>${uploads}<IsTruncated>false</IsTruncated></ListMultipartUploadsResult>`;
    res.writeHead(200, { 'content-type': 'application/xml' }).end(body);
  }

  /** Forward as is (s3rver checks the signature), then fix the answer if s3rver got the range wrong. */
  private async rangedGet(
    r: ProxyRequest,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    await this.forward(req, res, (up) => {
      const total = totalSize(up);
      if (total === undefined) return false; // an error answer: pass it on
      const want = parseRange(req.headers.range ?? '', total);
      if (want === 'unsatisfiable') {
        up.destroy();
        sendError(req, res, 416, 'InvalidRange', 'The requested range is not satisfiable', {
          ActualObjectSize: String(total),
        });
        return true;
      }
      const right = `bytes ${want.start}-${want.end}/${total}`;
      if (up.statusCode === 206 && up.headers['content-range'] === right) return false;
      up.destroy();
      void this.serveSlice(r, want, right, up.headers, res);
      return true;
    });
  }

  private async serveSlice(
    r: ProxyRequest,
    want: { start: number; end: number },
    contentRange: string,
    headers: IncomingHttpHeaders,
    res: ServerResponse,
  ): Promise<void> {
    // s3rver serves `bytes=N-` correctly: take that and cut it short.
    const up = await this.unsigned('GET', r.bucket, r.key, { range: `bytes=${want.start}-` });
    const length = want.end - want.start + 1;
    res.writeHead(206, {
      ...headers,
      'content-range': contentRange,
      'content-length': String(length),
    });
    await passOn(up, res, length, this.downLink);
    up.destroy();
    res.end();
  }

  private async exists(bucket: string, key: string): Promise<boolean> {
    const up = await this.unsigned('HEAD', bucket, key, {});
    up.resume();
    return up.statusCode === 200;
  }

  /** A request of the proxy's own: unsigned, which s3rver allows. */
  private unsigned(
    method: string,
    bucket: string,
    key: string,
    headers: Record<string, string>,
  ): Promise<IncomingMessage> {
    const keyPath = key.split('/').map(encodeURIComponent).join('/');
    return new Promise((resolve, reject) => {
      request({
        host: '127.0.0.1',
        port: this.upstream.port,
        method,
        path: `/${encodeURIComponent(bucket)}/${keyPath}`,
        headers,
        agent: this.agent,
      })
        .on('response', resolve)
        .on('error', reject)
        .end();
    });
  }

  /**
   * Forward `req` to s3rver; `onResponse` may take over the answer (returns true), otherwise it
   * is piped back. Resolves once the client's response is closed.
   */
  private async forward(
    req: IncomingMessage,
    res: ServerResponse,
    onResponse: (up: IncomingMessage) => boolean = () => false,
  ): Promise<void> {
    const bodiless = req.method === 'GET' || req.method === 'HEAD';
    const open = (agent: Agent | false, retry: boolean): void => {
      const up = request({
        host: '127.0.0.1',
        port: this.upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
        agent,
      });
      let answered = false;
      up.on('response', (upRes) => {
        answered = true;
        if (this.losing.has(req)) {
          upRes.resume();
          res.socket?.destroy();
          return;
        }
        if (onResponse(upRes)) return;
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        const rate = this.trickling.get(req);
        const paced = this.downLink.throttle();
        let body: NodeJS.ReadableStream = upRes;
        if (rate) body = body.pipe(throttle(rate));
        if (paced) body = body.pipe(paced);
        body.pipe(res);
      });
      up.on('error', () => {
        // A kept-alive socket that s3rver has just closed fails before any answer: a client
        // retries a request without a body, so the proxy does, once, on a fresh connection.
        if (retry && !answered && !res.destroyed) return open(false, false);
        res.destroy();
      });
      res.once('close', () => {
        if (!res.writableFinished) up.destroy(); // the client gave up: so does s3rver's request
      });
      if (bodiless) {
        req.resume();
        up.end();
        return;
      }
      const rate = this.trickling.get(req);
      const paced = this.upLink.throttle();
      let body: NodeJS.ReadableStream = req;
      if (rate) body = body.pipe(throttle(rate));
      if (paced) body = body.pipe(paced);
      body.pipe(up);
    };
    open(this.agent, bodiless);
    await once(res, 'close');
  }

  private countRangedGet(res: ServerResponse): void {
    this.rangedGets += 1;
    this.peakRangedGets = Math.max(this.peakRangedGets, this.rangedGets);
    res.once('close', () => (this.rangedGets -= 1));
  }

  private async serialised(key: string, fn: () => Promise<void>): Promise<void> {
    const run = (this.locks.get(key) ?? Promise.resolve()).then(fn);
    const settled = run.catch(() => undefined);
    this.locks.set(key, settled);
    try {
      await run;
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    }
  }
}

/** The range a correct S3 would serve for `header` on an object of `total` bytes (one range only). */
export function parseRange(header: string, total: number): Range {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '') || total === 0) return 'unsatisfiable';
  if (m[1] === '') {
    const n = Number(m[2]);
    return n === 0 ? 'unsatisfiable' : { start: Math.max(0, total - n), end: total - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? total - 1 : Math.min(Number(m[2]), total - 1);
  return start >= total || end < start ? 'unsatisfiable' : { start, end };
}

/**
 * Check a SigV4 Authorization header made for `accessKeyId` against `secret`; undefined when the
 * request is signed otherwise or for another key (s3rver answers InvalidAccessKeyId for those).
 */
function signatureMatches(
  req: IncomingMessage,
  accessKeyId: string,
  secret: string,
): boolean | undefined {
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(
      req.headers.authorization ?? '',
    );
  if (!m || m[1] !== accessKeyId) return undefined;
  const [, , date = '', region = '', service = '', signed = '', signature] = m;
  const [path = '/', rawQuery = ''] = (req.url ?? '/').split('?');
  const query = [...new URLSearchParams(rawQuery)]
    .map(([k, v]) => [uriEscape(k), uriEscape(v)])
    .sort(([k1 = '', v1 = ''], [k2 = '', v2 = '']) =>
      k1 === k2 ? (v1 < v2 ? -1 : 1) : k1 < k2 ? -1 : 1,
    )
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const headers = signed
    .split(';')
    .map(
      (h) =>
        `${h}:${String(req.headers[h] ?? '')
          .trim()
          .replace(/\s+/g, ' ')}`,
    )
    .join('\n');
  const payload = String(req.headers['x-amz-content-sha256'] ?? 'UNSIGNED-PAYLOAD');
  const canonical = [req.method, path, query, headers, '', signed, payload].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const digest = createHash('sha256').update(canonical).digest('hex');
  const toSign = ['AWS4-HMAC-SHA256', String(req.headers['x-amz-date']), scope, digest].join('\n');
  const key = [date, region, service, 'aws4_request'].reduce<Buffer | string>(
    (k, part) => createHmac('sha256', k).update(part).digest(),
    `AWS4${secret}`,
  );
  return createHmac('sha256', key).update(toSign).digest('hex') === signature;
}

function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Object size from a successful GET's headers; undefined for an error answer. */
function totalSize(up: IncomingMessage): number | undefined {
  if (up.statusCode === 206) {
    const m = /\/(\d+)$/.exec(up.headers['content-range'] ?? '');
    return m ? Number(m[1]) : undefined;
  }
  return up.statusCode === 200 ? Number(up.headers['content-length'] ?? 0) : undefined;
}

/** Copy at most `limit` bytes of `from` to `to` at the link's pace, respecting backpressure. */
async function passOn(
  from: IncomingMessage,
  to: ServerResponse,
  limit: number,
  link: LinkDirection,
): Promise<void> {
  let left = limit;
  for await (const chunk of from as AsyncIterable<Buffer>) {
    const part = chunk.subarray(0, left);
    left -= part.length;
    await link.take(part.length);
    if (part.length && !to.write(part)) await once(to, 'drain').catch(() => undefined);
    if (left === 0 || to.destroyed) break;
  }
}

/** Passes bytes on at `rate` bytes per second, in 50 ms slices; backpressure holds the sender. */
function throttle(rate: number): Transform {
  const slice = Math.max(1, Math.floor(rate / 20));
  return new Transform({
    transform(chunk: Buffer, _encoding, done): void {
      let at = 0;
      const step = (): void => {
        if (at >= chunk.length) return done();
        this.push(chunk.subarray(at, (at += slice)));
        setTimeout(step, 50);
      };
      step();
    },
  });
}

async function drain(req: IncomingMessage): Promise<void> {
  req.resume();
  await finished(req).catch(() => undefined);
}

function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  fields: Record<string, string> = {},
  headers: Record<string, string> = {},
): void {
  const extra = Object.entries(fields)
    .map(([k, v]) => `<${k}>${xml(v)}</${k}>`)
    .join('');
  const body =
    req.method === 'HEAD'
      ? ''
      : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xml(message)}</Message>${extra}<RequestId>s3-proxy</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', ...headers }).end(body);
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Pass `from` on to `to`, with the byte at offset `at` inverted. */
export function flipByte(from: IncomingMessage, to: ServerResponse, at: number): void {
  let offset = 0;
  from.on('data', (chunk: Buffer) => {
    const i = at - offset;
    offset += chunk.length;
    if (i >= 0 && i < chunk.length) {
      chunk = Buffer.from(chunk);
      chunk[i] = chunk[i]! ^ 0xff;
    }
    to.write(chunk);
  });
  from.once('end', () => to.end());
  from.once('error', () => to.destroy());
}
