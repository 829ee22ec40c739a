// Runs a built action bundle the way the GitHub runner (and act) does: inputs as INPUT_<NAME>
// environment variables, pre-created GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files,
// and, for a post step, the main step's state as STATE_<name>. Used by `npm run demo` and by
// the bundle tests, so both exercise exactly what a workflow runs.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Parses the runner's file-command format: `name<<DELIM\nvalue\nDELIM` entries. */
export function parseFileCommands(text) {
  const out = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i]);
    if (m) {
      const [, name, delim] = m;
      const value = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]);
      out[name] = value.join('\n');
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=');
      out[lines[i].slice(0, at)] = lines[i].slice(at + 1);
    }
  }
  return out;
}

/** The runner's rule: INPUT_ + name upper-cased with spaces as underscores (dashes kept). */
export function inputEnvName(name) {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

/**
 * @param {object} o
 * @param {string} o.bundle   path to dist/<x>/index.js
 * @param {Record<string,string>} o.inputs
 * @param {Record<string,string>} [o.env]    extra environment (GITHUB_*, RUNNER_TEMP, ...)
 * @param {Record<string,string>} [o.state]  state handed to a post step
 * @param {string} [o.cwd]
 */
export async function runAction({ bundle, inputs, env = {}, state = {}, cwd }) {
  const files = mkdtempSync(path.join(os.tmpdir(), 'bucket-cache-runner-'));
  const outputFile = path.join(files, 'output');
  const stateFile = path.join(files, 'state');
  const summaryFile = path.join(files, 'summary');
  for (const f of [outputFile, stateFile, summaryFile]) writeFileSync(f, '');
  const childEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STATE: stateFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    ...env,
  };
  for (const [k, v] of Object.entries(inputs)) childEnv[inputEnvName(k)] = v;
  for (const [k, v] of Object.entries(state)) childEnv[`STATE_${k}`] = v;
  // BUCKET_CACHE_NODE runs the bundle under another Node (e.g. 24, as action.yml declares).
  const node = process.env.BUCKET_CACHE_NODE || process.execPath;
  const child = spawn(node, [bundle], {
    cwd: cwd ?? env.GITHUB_WORKSPACE,
    env: childEnv,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  try {
    return {
      code,
      stdout,
      stderr,
      outputs: parseFileCommands(readFileSync(outputFile, 'utf8')),
      state: parseFileCommands(readFileSync(stateFile, 'utf8')),
      summary: readFileSync(summaryFile, 'utf8'),
    };
  } finally {
    rmSync(files, { recursive: true, force: true });
  }
}
