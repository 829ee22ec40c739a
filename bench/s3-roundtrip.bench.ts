import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { startS3Server } from '../__tests__/helpers/s3-server.js';
import { S3Backend } from '../src/storage/s3-backend.js';

// A put and a get of BENCH_SIZE_MIB (default 512) through S3Backend against s3rver on loopback
// (straight to s3rver: the test proxy would be measured too), next to two baselines measured in
// the same run: one plain HTTP PUT and GET of the same bytes to a minimal Node server that
// stores them in a file (single stream, no S3), and a file copy (cat). Ratios, because these
// machines are noisy. BENCH_PART_MIB and BENCH_CONCURRENCY vary the transfer settings.
const MiB = 1024 * 1024;
const size = Number(process.env.BENCH_SIZE_MIB ?? 512) * MiB;
const partSize = Number(process.env.BENCH_PART_MIB ?? 16) * MiB;
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);

// The body repeats a random block whose length divides no part size, so swapped parts show.
const block = randomBytes(7 * MiB + 13);

function body(): Readable {
  return Readable.from(
    (function* () {
      for (let off = 0; off < size; off += MiB) {
        const at = off % block.length;
        const len = Math.min(MiB, size - off);
        yield at + len <= block.length
          ? block.subarray(at, at + len)
          : Buffer.concat([block.subarray(at), block.subarray(0, len - (block.length - at))]);
      }
    })(),
    { objectMode: false },
  );
}

/** A sink that checks every byte against the pattern and counts them. */
function verifier(): Writable & { bytes: number } {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (let i = 0; i < chunk.length;) {
        const at = (sink.bytes + i) % block.length;
        const len = Math.min(chunk.length - i, block.length - at);
        if (!chunk.subarray(i, i + len).equals(block.subarray(at, at + len))) {
          return cb(new Error(`byte mismatch near offset ${sink.bytes + i}`));
        }
        i += len;
      }
      sink.bytes += chunk.length;
      cb();
    },
  }) as Writable & { bytes: number };
  sink.bytes = 0;
  return sink;
}

// This process's CPU time, and the peak of its Buffer memory (garbage not yet collected
// included), during the last timed() call.
let cpuSeconds = 0;
let peakBuffersMiB = 0;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let peak = 0;
  const sample = (): void => void (peak = Math.max(peak, process.memoryUsage().arrayBuffers));
  const sampler = setInterval(sample, 10);
  try {
    await fn();
  } finally {
    clearInterval(sampler);
  }
  const used = process.cpuUsage(cpu);
  cpuSeconds = (used.user + used.system) / 1e6;
  peakBuffersMiB = Math.round(peak / MiB);
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** One-stream HTTP PUT and GET against a server that writes to and reads from a file. */
async function rawHttp(dir: string): Promise<{ put: number; get: number }> {
  const file = path.join(dir, 'raw-http.bin');
  const server = createServer((req, res) => {
    if (req.method === 'PUT') {
      void pipeline(req, createWriteStream(file)).then(() => res.end());
    } else {
      void pipeline(createReadStream(file), res);
    }
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const call = (method: string): Promise<Readable> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method }, resolve).on('error', reject);
      if (method === 'PUT') void pipeline(body(), req);
      else req.end();
    });
  try {
    // The server answers once the file is written.
    const put = await timed(async () => void (await call('PUT')).resume());
    const sink = verifier();
    const get = await timed(async () => pipeline(await call('GET'), sink));
    expect(sink.bytes).toBe(size);
    return { put, get };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

test(
  `S3 put + get of ${size / MiB} MiB on loopback vs raw copies`,
  async () => {
    const server = await startS3Server();
    const dir = await mkdtemp(path.join(tmpdir(), 's3-bench-'));
    const backend = new S3Backend(
      {
        kind: 's3',
        bucket: server.bucket,
        region: server.region,
        endpoint: server.upstreamEndpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
        checksum: 'when-required',
      },
      { concurrency, partSize, stallTimeoutMs: 60_000, timeoutMs: 0 },
    );
    try {
      const s3Put = await timed(() => backend.put('bench/object', body(), { size }));
      const [putCpu, putMem] = [cpuSeconds, peakBuffersMiB];
      const sink = verifier();
      const s3Get = await timed(async () => pipeline(await backend.get('bench/object'), sink));
      const [getCpu, getMem] = [cpuSeconds, peakBuffersMiB]; // CPU includes checking every byte
      expect(sink.bytes).toBe(size);

      const http = await rawHttp(dir);
      const copy = await timed(() =>
        pipeline(
          createReadStream(path.join(dir, 'raw-http.bin')),
          createWriteStream(path.join(dir, 'copy.bin')),
        ),
      );

      const rate = (s: number): number => Math.round(size / MiB / s);
      const result = {
        bench: 's3-roundtrip',
        sizeMiB: size / MiB,
        partSizeMiB: partSize / MiB,
        concurrency,
        s3PutMiBps: rate(s3Put),
        s3GetMiBps: rate(s3Get),
        // Client-side CPU (this process, not s3rver) per GiB moved.
        s3PutCpuSecPerGiB: +((putCpu * 1024 * MiB) / size).toFixed(2),
        s3GetCpuSecPerGiB: +((getCpu * 1024 * MiB) / size).toFixed(2),
        // The design bound for live buffers is about (concurrency + 1) × part size.
        s3PutPeakBuffersMiB: putMem,
        s3GetPeakBuffersMiB: getMem,
        rawHttpPutMiBps: rate(http.put),
        rawHttpGetMiBps: rate(http.get),
        fileCopyMiBps: rate(copy),
        putVsRawHttp: +(http.put / s3Put).toFixed(2),
        getVsRawHttp: +(http.get / s3Get).toFixed(2),
      };
      process.stdout.write(
        [
          `S3 put ${result.s3PutMiBps} MiB/s, get ${result.s3GetMiBps} MiB/s ` +
            `(${result.partSizeMiB} MiB parts × ${concurrency})`,
          `raw HTTP put ${result.rawHttpPutMiBps} MiB/s, get ${result.rawHttpGetMiBps} MiB/s; ` +
            `file copy ${result.fileCopyMiBps} MiB/s`,
          `S3/raw: put ${result.putVsRawHttp}, get ${result.getVsRawHttp}; client CPU s/GiB: ` +
            `put ${result.s3PutCpuSecPerGiB}, get ${result.s3GetCpuSecPerGiB}; ` +
            `peak Buffer MiB: put ${putMem}, get ${getMem}`,
          JSON.stringify(result),
          '',
        ].join('\n'),
      );
    } finally {
      await backend.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
  30 * 60_000,
);
