import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { renderKeyTemplate, type TemplateContext } from '../../../src/cli/key-template.js';
import type { RunContext } from '../../../src/context.js';
import { ValidationError } from '../../../src/errors.js';
import { scratchDir } from '../../helpers/fixtures.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest();

function setup(env: Record<string, string> = {}, run: Partial<RunContext> = {}) {
  const workspace = scratchDir('tmpl-');
  writeFileSync(path.join(workspace, 'go.sum'), 'sums\n');
  mkdirSync(path.join(workspace, 'a'));
  writeFileSync(path.join(workspace, 'a', 'x.lock'), 'x');
  writeFileSync(path.join(workspace, 'a', 'y.lock'), 'y');
  writeFileSync(path.join(workspace, 'a', 'z.txt'), 'z');
  const warnings: string[] = [];
  const ctx: TemplateContext = {
    workspace,
    env,
    run: {
      ci: 'local',
      workspace,
      owner: 'acme',
      repo: 'app',
      ref: 'refs/heads/feature/x',
      defaultRef: 'refs/heads/main',
      sha: 'abc123',
      ...run,
    },
    now: () => new Date('2024-05-01T00:00:00Z'),
    platform: 'linux',
    arch: 'x64',
    warn: (m) => warnings.push(m),
  };
  const render = (t: string) => renderKeyTemplate(t, ctx, 'key');
  return { render, warnings, workspace };
}

describe('renderKeyTemplate', () => {
  it('returns text without templates unchanged', async () => {
    const { render } = setup();
    expect(await render('npm-linux-1')).toBe('npm-linux-1');
    expect(await render('odd }} text')).toBe('odd }} text');
  });

  it('renders the fields from DRONE_* variables', async () => {
    const { render } = setup({
      DRONE_COMMIT_BRANCH: 'develop',
      DRONE_REPO_NAME: 'drone-app',
      DRONE_COMMIT_SHA: 'fff',
      DRONE_BUILD_NUMBER: '42',
    });
    expect(
      await render('{{ .Repo.Name }}-{{ .Commit.Branch }}-{{.Commit.Sha}}-{{ .Build.Number }}'),
    ).toBe('drone-app-develop-fff-42');
  });

  it('falls back to the detected run context outside Drone/Harness', async () => {
    const { render } = setup();
    expect(
      await render(
        '{{ .Repo.Owner }}/{{ .Repo.Name }}@{{ .Commit.Branch }}:{{ .Repo.Branch }}:{{ .Commit.Ref }}',
      ),
    ).toBe('acme/app@feature/x:main:refs/heads/feature/x');
    expect(await render('{{ .Build.Event }}-{{ .Build.Number }}')).toBe('push-0');
  });

  it('renders checksum as the sha256 of one file, relative to the workspace', async () => {
    const { render, workspace } = setup();
    const expected = sha256('sums\n').toString('hex');
    expect(await render('go-{{ checksum "go.sum" }}')).toBe(`go-${expected}`);
    expect(await render(`go-{{ checksum "${path.join(workspace, 'go.sum')}" }}`)).toBe(
      `go-${expected}`,
    );
    expect(await render('go-{{ checksum `go.sum` }}')).toBe(`go-${expected}`);
  });

  it('renders hashFiles over every match, GitHub-style', async () => {
    const { render } = setup();
    const expected = createHash('sha256')
      .update(Buffer.concat([sha256('x'), sha256('y')]))
      .digest('hex');
    expect(await render('{{ hashFiles "a/*.lock" }}')).toBe(expected);
    expect(await render('{{ hashFiles "a/x.lock" "a/y.lock" }}')).toBe(expected);
    expect(await render('{{ hashFiles "a/*" "!a/z.txt" }}')).toBe(expected);
    expect(await render('{{ hashFiles "a/**/*.txt" }}')).toBe(
      createHash('sha256').update(sha256('z')).digest('hex'),
    );
  });

  it('renders epoch, arch and os with Go’s names', async () => {
    const { render } = setup();
    expect(await render('{{ epoch }}-{{ arch }}-{{ os }}')).toBe('1714521600-amd64-linux');
  });

  it('trims whitespace around {{- and -}} and skips comments', async () => {
    const { render } = setup();
    expect(await render('a  {{- .Repo.Name -}}  b{{/* note */}}c')).toBe('aappbc');
  });

  it('warns and renders an empty string for a missing file or a glob with no matches', async () => {
    const { render, warnings } = setup();
    expect(await render('k-{{ checksum "nope.lock" }}')).toBe('k-');
    expect(await render('k-{{ hashFiles "none/*.lock" }}')).toBe('k-');
    expect(await render('k-{{ checksum "a" }}')).toBe('k-');
    expect(warnings).toHaveLength(3);
    expect(warnings[0]).toMatch(/checksum "nope.lock".*empty string/);
    expect(warnings[1]).toMatch(/hashFiles "none\/\*.lock" }} matched no files/);
  });

  it.each([
    ['{{ printf "%s" "x" }}', /unknown template function "printf"/],
    ['{{ .Commit.Nope }}', /unknown template field .Commit.Nope/],
    ['{{ .Repo.Name | upper }}', /pipes \("\|"\) are not supported/],
    ['{{ $x }}', /"\$x" is not supported \(only fields/],
    ['{{ if .Repo.Name }}', /unknown template function "if"/],
    ['{{ checksum }}', /checksum takes one file/],
    ['{{ checksum go.sum }}', /arguments of checksum must be quoted strings/],
    ['{{ hashFiles }}', /hashFiles takes one or more patterns/],
    ['{{ epoch "x" }}', /epoch takes no arguments/],
    ['{{ .Repo.Name "x" }}', /.Repo.Name takes no arguments/],
    ['{{ checksum "go.sum }}', /a string is not closed/],
    ['{{ }}', /empty action/],
    ['key-{{ .Repo.Name', /"\{\{" is not closed/],
    ['{{ checksum("go.sum") }}', /"checksum\(" is not supported/],
  ])('refuses %s with a usage error naming it', async (template, message) => {
    const { render } = setup();
    const attempt = render(template);
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(render(template)).rejects.toThrow(message);
  });

  it('names the input in the error', async () => {
    const { workspace } = setup();
    const ctx = {
      workspace,
      env: {},
      run: { ci: 'local', workspace, owner: 'o', repo: 'r', ref: 'refs/heads/main' },
      now: () => new Date(),
      platform: 'linux' as const,
      arch: 'x64',
      warn: () => {},
    };
    const err = await renderKeyTemplate('{{ nope }}', ctx, 'restore-keys').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).input).toBe('restore-keys');
    expect((err as ValidationError).message).toMatch(/^restore-keys template "\{\{ nope \}\}"/);
  });
});
