// Raw parallel ranged GET: `node raw-get.mjs KEY SIZE RANGES` reads the object in RANGES equal
// ranges, all at once, and discards the bodies. The download limit the CLI's restore is held to.
import { GetObjectCommand } from '@aws-sdk/client-s3';

import { rawClient } from './raw-s3-client.mjs';

const [key, sizeArg, rangesArg] = process.argv.slice(2);
const size = Number(sizeArg);
const ranges = Number(rangesArg);
const { client, bucket } = rawClient();
const step = Math.ceil(size / ranges);
let got = 0;
await Promise.all(
  Array.from({ length: ranges }, async (_, i) => {
    const start = i * step;
    const end = Math.min(size, start + step) - 1;
    const res = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end}` }),
    );
    for await (const chunk of res.Body) got += chunk.length;
  }),
);
if (got !== size) throw new Error(`raw GET read ${got} bytes of ${size}`);
client.destroy();
