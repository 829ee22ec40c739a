import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

import type { RunContext } from '../context.js';
import { ValidationError } from '../errors.js';

type Env = Record<string, string | undefined>;

/**
 * drone-cache's cache key templates, a small safe subset of Go's text/template, so Harness and
 * Drone keys keep working:
 *
 *   {{ .Commit.Branch }}            build metadata (the fields drone-cache offers, from DRONE_*
 *                                   variables, else from the detected run context)
 *   {{ checksum "go.sum" }}         sha256 of one file
 *   {{ hashFiles "a/*.lock" "b" }}  sha256 over the sha256 of every matching file (glob patterns,
 *                                   `!` excludes), as GitHub's hashFiles and drone-cache's do
 *   {{ epoch }} {{ arch }} {{ os }} Unix seconds; Go's names for the CPU and OS (amd64, linux)
 *
 * `{{-` and `-}}` trim surrounding whitespace and `{{/* ... *\/}}` is a comment, as in Go.
 * Anything else (pipes, variables, if/range, other functions, unknown fields) is refused with an
 * error naming it: a key is never built from something we only half understood.
 */
export interface TemplateContext {
  /** Relative file arguments are resolved against this. */
  workspace: string;
  env: Env;
  run: RunContext;
  now: () => Date;
  platform: NodeJS.Platform;
  arch: string;
  /** Reports a file that could not be hashed (the function then yields '' as drone-cache does). */
  warn: (message: string) => void;
}

type Token =
  | { kind: 'field'; path: string }
  | { kind: 'ident'; name: string }
  | { kind: 'string'; value: string }
  /** Anything else: a number, `|`, `$x`, an unquoted path. Refused where it appears. */
  | { kind: 'bare'; text: string };

/** Renders `template` for the input `input` (key or restore-keys); text without `{{` is returned as is. */
export async function renderKeyTemplate(
  template: string,
  ctx: TemplateContext,
  input: string,
): Promise<string> {
  if (!template.includes('{{')) return template;
  const fail = (why: string): never => {
    throw new ValidationError(`${input} template ${JSON.stringify(template)}: ${why}`, input);
  };
  let out = '';
  let rest = template;
  let trimNextText = false;
  while (rest) {
    const open = rest.indexOf('{{');
    let text = open === -1 ? rest : rest.slice(0, open);
    if (trimNextText) text = text.replace(/^\s+/, '');
    if (open === -1) {
      out += text;
      break;
    }
    const close = rest.indexOf('}}', open + 2);
    if (close === -1) fail('"{{" is not closed by "}}"');
    let action = rest.slice(open + 2, close);
    if (action.startsWith('-') && /^-\s/.test(action)) {
      text = text.replace(/\s+$/, '');
      action = action.slice(1);
    }
    trimNextText = false;
    if (/\s-$/.test(action)) {
      trimNextText = true;
      action = action.slice(0, -1);
    }
    out += text;
    out += await evaluate(action.trim(), ctx, fail);
    rest = rest.slice(close + 2);
  }
  return out;
}

async function evaluate(
  action: string,
  ctx: TemplateContext,
  fail: (why: string) => never,
): Promise<string> {
  if (action.startsWith('/*')) {
    if (!action.endsWith('*/')) fail('a comment must end with "*/}}"');
    return '';
  }
  const tokens = tokenize(action, fail);
  if (tokens.some((t) => t.kind === 'bare' && t.text.startsWith('|'))) {
    fail('pipes ("|") are not supported');
  }
  const [head, ...args] = tokens;
  if (!head) return fail('empty action "{{ }}"');
  if (head.kind === 'bare') {
    return fail(
      `${JSON.stringify(head.text)} is not supported (only fields, functions and quoted strings; no variables, numbers or control structures)`,
    );
  }
  if (head.kind === 'field') {
    if (args.length) fail(`${head.path} takes no arguments`);
    return field(head.path, ctx, fail);
  }
  if (head.kind === 'string') {
    if (args.length) fail('a string literal takes no arguments');
    return head.value;
  }
  if (!FUNCTIONS.includes(head.name)) {
    return fail(
      `unknown template function ${JSON.stringify(head.name)}; supported: ${FUNCTIONS.join(', ')} and the fields ${Object.keys(FIELDS).join(', ')}`,
    );
  }
  const strings = args.map((a) =>
    a.kind === 'string' ? a.value : fail(`arguments of ${head.name} must be quoted strings`),
  );
  switch (head.name) {
    case 'checksum':
      if (strings.length !== 1) fail('checksum takes one file, e.g. {{ checksum "go.sum" }}');
      return checksum(strings[0]!, ctx);
    case 'hashFiles':
      if (strings.length === 0) fail('hashFiles takes one or more patterns');
      return hashFiles(strings, ctx);
    case 'epoch':
    case 'arch':
    case 'os':
      if (strings.length) fail(`${head.name} takes no arguments`);
      return head.name === 'epoch'
        ? String(Math.floor(ctx.now().getTime() / 1000))
        : head.name === 'arch'
          ? goArch(ctx.arch)
          : goOs(ctx.platform);
    default:
      return fail(`unknown template function ${JSON.stringify(head.name)}`);
  }
}

const FUNCTIONS = ['checksum', 'hashFiles', 'epoch', 'arch', 'os'];

function tokenize(action: string, fail: (why: string) => never): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < action.length) {
    const c = action[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= action.length) fail('a string is not closed by "');
        const ch = action[i]!;
        if (ch === '"') break;
        if (ch === '\\') {
          const esc = action[i + 1];
          const map: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', t: '\t' };
          if (esc === undefined || !(esc in map))
            fail(`unsupported escape \\${esc ?? ''} in a string`);
          value += map[esc] ?? '';
          i += 2;
        } else {
          value += ch;
          i++;
        }
      }
      i++;
      tokens.push({ kind: 'string', value });
    } else if (c === '`') {
      const end = action.indexOf('`', i + 1);
      if (end === -1) fail('a raw string is not closed by `');
      tokens.push({ kind: 'string', value: action.slice(i + 1, end) });
      i = end + 1;
    } else {
      const word = /^[^\s"`]+/.exec(action.slice(i))![0];
      i += word.length;
      if (/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(word)) tokens.push({ kind: 'field', path: word });
      else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(word)) tokens.push({ kind: 'ident', name: word });
      else tokens.push({ kind: 'bare', text: word });
    }
  }
  return tokens;
}

function branchOf(ref: string | undefined): string {
  if (!ref) return '';
  return ref.replace(/^refs\/(heads|tags)\//, '');
}

/** drone-cache's metadata fields: the DRONE_* variable, else what the run context knows. */
const FIELDS: Record<string, (env: Env, run: RunContext) => string> = {
  '.Repo.Avatar': (e) => e.DRONE_REPO_AVATAR ?? '',
  '.Repo.Branch': (e, r) => e.DRONE_REPO_BRANCH || branchOf(r.defaultRef),
  '.Repo.Link': (e) => e.DRONE_REPO_LINK ?? '',
  '.Repo.Name': (e, r) => e.DRONE_REPO_NAME || r.repo,
  '.Repo.Namespace': (e, r) => e.DRONE_REPO_NAMESPACE || r.owner,
  '.Repo.Owner': (e, r) => e.DRONE_REPO_OWNER || r.owner,
  '.Repo.Private': (e) => e.DRONE_REPO_PRIVATE || 'false',
  '.Repo.Trusted': (e) => e.DRONE_REPO_TRUSTED || 'false',
  '.Build.Created': (e) => e.DRONE_BUILD_CREATED || '0',
  '.Build.Deploy': (e) => e.DRONE_DEPLOY_TO ?? '',
  '.Build.Event': (e) => e.DRONE_BUILD_EVENT || 'push',
  '.Build.Finished': (e) => e.DRONE_BUILD_FINISHED || '0',
  '.Build.Link': (e, r) => e.DRONE_BUILD_LINK || (r.runUrl ?? ''),
  '.Build.Number': (e) => e.DRONE_BUILD_NUMBER || e.BUILD_NUMBER || e.CI_PIPELINE_IID || '0',
  '.Build.Started': (e) => e.DRONE_BUILD_STARTED || '0',
  '.Build.Status': (e) => e.DRONE_BUILD_STATUS || 'success',
  '.Commit.Author.Avatar': (e) => e.DRONE_COMMIT_AUTHOR_AVATAR ?? '',
  '.Commit.Author.Email': (e) => e.DRONE_COMMIT_AUTHOR_EMAIL ?? '',
  '.Commit.Author.Name': (e) => e.DRONE_COMMIT_AUTHOR ?? '',
  '.Commit.Branch': (e, r) => e.DRONE_COMMIT_BRANCH || branchOf(r.ref),
  '.Commit.Link': (e) => e.DRONE_COMMIT_LINK ?? '',
  '.Commit.Message': (e) => e.DRONE_COMMIT_MESSAGE ?? '',
  '.Commit.Ref': (e, r) => e.DRONE_COMMIT_REF || r.ref,
  '.Commit.Remote': (e) => e.DRONE_REMOTE_URL ?? '',
  '.Commit.Sha': (e, r) => e.DRONE_COMMIT_SHA || (r.sha ?? ''),
};

function field(name: string, ctx: TemplateContext, fail: (why: string) => never): string {
  const get = FIELDS[name];
  if (!get) {
    return fail(`unknown template field ${name}; supported: ${Object.keys(FIELDS).join(', ')}`);
  }
  return get(ctx.env, ctx.run);
}

function goArch(arch: string): string {
  return (
    ({ x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64' } as Record<string, string>)[arch] ??
    arch
  );
}

function goOs(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'windows' : platform;
}

async function fileDigest(file: string): Promise<Buffer> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest();
}

async function checksum(file: string, ctx: TemplateContext): Promise<string> {
  const full = path.resolve(ctx.workspace, file);
  try {
    if (!(await stat(full)).isFile()) throw new Error('not a regular file');
    return (await fileDigest(full)).toString('hex');
  } catch (err) {
    ctx.warn(
      `{{ checksum ${JSON.stringify(file)} }}: cannot read ${full} (${(err as Error).message}); it renders as an empty string`,
    );
    return '';
  }
}

async function hashFiles(patterns: string[], ctx: TemplateContext): Promise<string> {
  const absolute = patterns.map((p) => {
    const negate = p.startsWith('!');
    const body = negate ? p.slice(1) : p;
    return `${negate ? '!' : ''}${path.resolve(ctx.workspace, body)}`;
  });
  const glob = await import('@actions/glob'); // only templates with hashFiles need it
  const globber = await glob.create(absolute.join('\n'), { followSymbolicLinks: true });
  const outer = createHash('sha256');
  let count = 0;
  for await (const file of globber.globGenerator()) {
    if (!(await stat(file)).isFile()) continue;
    outer.update(await fileDigest(file));
    count++;
  }
  if (count === 0) {
    ctx.warn(
      `{{ hashFiles ${patterns.map((p) => JSON.stringify(p)).join(' ')} }} matched no files under ${ctx.workspace}; it renders as an empty string`,
    );
    return '';
  }
  return outer.digest('hex');
}
