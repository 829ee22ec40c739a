import { createHash } from 'node:crypto';
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { MemberPolicy } from '../../src/archive/member-policy.js';
import { TarArchiver } from '../../src/archive/tar-archiver.js';
import { TarGate } from '../../src/archive/tar-gate.js';
import { type ParsedMember, TarParser } from '../../src/archive/tar-parser.js';
import { errorMessage, UnsafeArchiveError } from '../../src/errors.js';
import { quiet } from '../helpers/fixtures.js';
import { fuzzCase } from '../helpers/tar-fuzz.js';

// A seeded generator mutates valid archives a few thousand ways (tar-fuzz.ts). Every case runs
// through the gate in-process, and the real restore (gate + GNU tar + commit) runs on every case
// the gate accepts and on a share of those it refuses. What must hold:
// - the gate either refuses with UnsafeArchiveError or writes a stream whose every name, as the
//   gate's own parser reads it back, is inside the staging path, with no mode bit beyond 0o777;
// - the real restore agrees with the in-process verdict, never changes anything outside the
//   declared path, and leaves the declared path untouched when it refuses.
// FUZZ_SEED and FUZZ_CASES replay or widen a run.
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const CASES = Number(process.env.FUZZ_CASES ?? 3000);

let root: string;
let ws: string;
let scratch: string;
let cache: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'restore-fuzz-'));
  ws = path.join(root, 'ws');
  cache = path.join(ws, 'cache');
  scratch = path.join(root, 'scratch');
  await mkdir(path.join(root, 'outside'), { recursive: true });
  await mkdir(scratch);
  await mkdir(ws);
  await writeFile(path.join(root, 'outside', 'secret'), 'untouched');
  await writeFile(path.join(ws, 'keep.txt'), 'keep');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

type Verdict = { refused: UnsafeArchiveError } | { members: ParsedMember[] };

const STAGE = '/stage/root';

/** The gate alone, in this process; its output read back by the same parser. */
function gateVerdict(bytes: Buffer): Verdict {
  const policy = new MemberPolicy({ workspace: ws, allowedRoots: [cache] });
  const gate = new TarGate({
    policy,
    place: (abs) => path.join(STAGE, path.relative(cache, abs)),
  });
  const out: Buffer[] = [];
  try {
    // Odd-sized chunks, so headers and data straddle pushes.
    for (let i = 0; i < bytes.length; i += 777) out.push(...gate.write(bytes.subarray(i, i + 777)));
    out.push(...gate.end());
  } catch (err) {
    if (err instanceof UnsafeArchiveError) return { refused: err };
    throw err;
  }
  const members: ParsedMember[] = [];
  const reader = new TarParser({
    member: (m) => members.push(m),
    data: () => undefined,
    memberEnd: () => undefined,
  });
  reader.push(Buffer.concat(out));
  reader.end();
  expect(members).toHaveLength(gate.members);
  return { members };
}

const inStage = (p: string): boolean => p === STAGE || p.startsWith(`${STAGE}/`);

/** Every path below `dir` with its kind and content. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (rel: string): Promise<void> => {
    const abs = path.join(dir, rel);
    const st = await lstat(abs);
    if (st.isSymbolicLink()) out[rel] = `link ${await readlink(abs)}`;
    else if (st.isDirectory()) {
      out[rel] = 'dir';
      for (const n of (await readdir(abs)).sort()) await walk(path.join(rel, n));
    } else {
      out[rel] = `file ${createHash('sha256')
        .update(await readFile(abs))
        .digest('hex')}`;
    }
  };
  await walk('.');
  return out;
}

async function realRestore(bytes: Buffer): Promise<unknown> {
  const extraction = new TarArchiver({ logger: quiet }).extract({
    workspace: ws,
    method: 'none',
    allowedRoots: [cache],
    scratchDir: scratch,
  });
  try {
    const [fed, staged] = await Promise.allSettled([
      pipeline(Readable.from([bytes]), extraction.input),
      extraction.staged,
    ]);
    if (staged.status === 'rejected') return staged.reason;
    if (fed.status === 'rejected') return fed.reason;
    await extraction.commit();
    return undefined;
  } finally {
    await extraction.discard();
  }
}

test(`the gate and the real restore agree on ${CASES} mutated archives (seed ${SEED})`, async () => {
  const outsideBefore = await snapshot(root).then((s) =>
    Object.fromEntries(Object.entries(s).filter(([k]) => !k.startsWith('ws/cache'))),
  );
  let accepted = 0;
  let refused = 0;
  for (let i = 0; i < CASES; i++) {
    const { bytes, mutations } = fuzzCase(SEED, i);
    const label = `case ${i} (seed ${SEED}, mutations ${mutations.join(',')})`;
    const verdict = gateVerdict(bytes);
    if ('members' in verdict) {
      accepted++;
      for (const m of verdict.members) {
        if (!inStage(m.name)) throw new Error(`${label}: canonical name ${m.name} escapes`);
        if (m.type === 'hardlink' && !inStage(m.linkName)) {
          throw new Error(`${label}: hard link target ${m.linkName} escapes`);
        }
        if (m.mode & ~0o777) throw new Error(`${label}: mode ${m.mode.toString(8)} kept`);
      }
    } else {
      refused++;
    }
    // The real restore: every accepted case, and every 20th refused one.
    if (!('members' in verdict) && i % 20 !== 0) continue;
    await rm(cache, { recursive: true, force: true });
    const err = await realRestore(bytes);
    if ('members' in verdict) {
      if (err) {
        throw new Error(
          `${label}: the gate accepted it but the restore failed: ${errorMessage(err)}`,
        );
      }
    } else {
      if (!(err instanceof UnsafeArchiveError)) {
        throw new Error(`${label}: expected a refusal, got ${errorMessage(err)}`);
      }
      await expect(lstat(cache)).rejects.toThrow(/ENOENT/);
    }
    const now = Object.fromEntries(
      Object.entries(await snapshot(root)).filter(([k]) => !k.startsWith('ws/cache')),
    );
    if (JSON.stringify(now) !== JSON.stringify(outsideBefore)) {
      throw new Error(`${label}: something outside the declared path changed`);
    }
    expect(await readdir(scratch)).toEqual([]);
  }
  // The generator must exercise both sides, or the test proves little.
  expect(accepted).toBeGreaterThan(CASES / 20);
  expect(refused).toBeGreaterThan(CASES / 4);
}, 240_000);
