import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

import { type Azurite, startAzurite } from '../__tests__/helpers/azurite.js';
import { Defaults } from '../src/constants.js';
import type { TransferSettings } from '../src/settings.js';
import { AzureBackend } from '../src/storage/azure-backend.js';

// npm run bench:backends (this one alone: npm run bench:backends -- -t Azure)
// AZURE_BENCH_MIB (default 512) sets the size; AZURE_BENCH_MATRIX=1 also tries other
// part-size × concurrency pairs, to choose defaults.
const MIB = 1024 * 1024;
const sizeMiB = Number(process.env.AZURE_BENCH_MIB ?? 512);
const base: TransferSettings = {
  concurrency: Defaults.concurrency,
  partSize: Defaults.partSize,
  stallTimeoutMs: Defaults.stallTimeoutSeconds * 1000,
  timeoutMs: 0,
};
const matrix: Array<[number, number]> =
  process.env.AZURE_BENCH_MATRIX === '1'
    ? [
        [4, 8],
        [8, 4],
        [8, 8],
        [16, 4],
        [32, 4],
        [32, 8],
      ]
    : [];

let azurite: Azurite;
beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
});

/** `size` bytes of incompressible data in 1 MiB writes, length not announced (like tar | zstd). */
function source(size: number, seed: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let off = 0; off < size; off += MIB) yield seed.subarray(0, Math.min(MIB, size - off));
    })(),
    { objectMode: false },
  );
}

async function roundTrip(transfer: TransferSettings): Promise<Record<string, number | string>> {
  const backend = new AzureBackend(
    {
      kind: 'azure',
      container: azurite.container,
      connectionString: azurite.connectionString,
    },
    transfer,
  );
  const size = sizeMiB * MIB;
  const seed = randomBytes(MIB);
  const name = `bench/${transfer.partSize / MIB}x${transfer.concurrency}`;
  try {
    let t = performance.now();
    let cpu = process.cpuUsage();
    await backend.put(name, source(size, seed));
    const putMs = performance.now() - t;
    const putCpu = process.cpuUsage(cpu);

    t = performance.now();
    cpu = process.cpuUsage();
    let got = 0;
    let intact = true;
    for await (const chunk of await backend.get(name, { size })) {
      // The source repeats `seed` every MiB: compare in place instead of hashing 512 MiB.
      const buf = chunk as Buffer;
      for (let i = 0; i < buf.length;) {
        const at = (got + i) % MIB;
        const n = Math.min(MIB - at, buf.length - i);
        intact &&= buf.subarray(i, i + n).equals(seed.subarray(at, at + n));
        i += n;
      }
      got += buf.length;
    }
    const getMs = performance.now() - t;
    const getCpu = process.cpuUsage(cpu);
    expect({ got, intact }).toEqual({ got: size, intact: true });
    await backend.delete(name);
    const ms = (c: NodeJS.CpuUsage): number => Math.round((c.user + c.system) / 1000);
    return {
      bench: 'azure-roundtrip',
      sizeMiB,
      partSizeMiB: transfer.partSize / MIB,
      concurrency: transfer.concurrency,
      putMs: Math.round(putMs),
      getMs: Math.round(getMs),
      putMiBps: Number((sizeMiB / (putMs / 1000)).toFixed(1)),
      getMiBps: Number((sizeMiB / (getMs / 1000)).toFixed(1)),
      // CPU of this process alone: the rest of the wall time is Azurite (same machine).
      putClientCpuMs: ms(putCpu),
      getClientCpuMs: ms(getCpu),
    };
  } finally {
    await backend.close();
  }
}

test(`put + get of ${sizeMiB} MiB through AzureBackend on Azurite`, async () => {
  for (const [partMiB, concurrency] of [[base.partSize / MIB, base.concurrency], ...matrix]) {
    const r = await roundTrip({ ...base, partSize: partMiB! * MIB, concurrency: concurrency! });
    process.stdout.write(
      `azure ${sizeMiB} MiB, ${r.partSizeMiB} MiB blocks × ${r.concurrency}: ` +
        `put ${r.putMiBps} MiB/s, get ${r.getMiBps} MiB/s\n${JSON.stringify(r)}\n`,
    );
  }
}, 1_800_000); // explicit: jest-circus ignores a per-project testTimeout
