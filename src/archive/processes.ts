import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** How a child process ended. `error` is set when it could not be started (e.g. ENOENT). */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/**
 * Resolves once `child` has exited and its stdio is closed, or failed to start. Call it right
 * after `spawn` so the 'close' event cannot be missed.
 */
export function waitForExit(child: ChildProcess): Promise<ChildExit> {
  return new Promise((resolve) => {
    // `on`, not `once`: a later 'error' (a failed kill) must not go unhandled.
    child.on('error', (error) => {
      // A process that never started emits no 'close' we can rely on.
      if (child.pid === undefined) resolve({ code: null, signal: null, error });
    });
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
}

/** Run `program args` and return its stdout if it exits 0; undefined if it is missing or fails. */
export async function probe(program: string, args: string[]): Promise<string | undefined> {
  // env is explicit so PATH is the one this module sees (jest's sandbox copies process.env).
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'ignore'], env: process.env });
  const exited = waitForExit(child);
  const out = new OutputLog(16 * 1024);
  child.stdout.on('data', (chunk: Buffer) => out.write(chunk));
  const exit = await exited;
  return exit.code === 0 ? out.text() : undefined;
}

/**
 * Keeps the first `maxBytes` of a child's output for error messages and hands each complete
 * line to `onLine`, so a process that writes gigabytes of warnings costs bounded memory.
 */
export class OutputLog {
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private truncated = false;
  private partial = '';

  constructor(
    private readonly maxBytes = 64 * 1024,
    private readonly onLine?: (line: string) => void,
  ) {}

  write(chunk: Buffer): void {
    const room = this.maxBytes - this.keptBytes;
    if (room > 0) {
      const part = chunk.subarray(0, room);
      this.kept.push(part);
      this.keptBytes += part.length;
    }
    if (chunk.length > room) this.truncated = true;
    if (!this.onLine) return;
    const lines = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    // A line with no newline in sight is still classified, just cut short.
    if (this.partial.length > 8 * 1024) {
      lines.push(this.partial);
      this.partial = '';
    }
    for (const line of lines) if (line.trim()) this.onLine(line);
  }

  /** Flush a last line that had no trailing newline. */
  end(): void {
    if (this.onLine && this.partial.trim()) this.onLine(this.partial);
    this.partial = '';
  }

  text(): string {
    const s = Buffer.concat(this.kept).toString('utf8').trimEnd();
    return this.truncated ? `${s}\n... (output truncated)` : s;
  }
}

/** "zstd exited with code 1: <stderr>" or "zstd could not be started: ...". */
export function describeExit(label: string, exit: ChildExit, stderr: string): string {
  if (exit.error) {
    const code = (exit.error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'
      ? `${label} was not found on PATH`
      : `${label} could not be started: ${exit.error.message}`;
  }
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  return stderr ? `${label} ${how}: ${stderr}` : `${label} ${how}`;
}

/** A running pipeline stage: its exit (settles once stdio is closed) and a bounded stderr. */
export interface Proc {
  label: string;
  child: ChildProcess;
  exit: Promise<ChildExit>;
  stderr: OutputLog;
}

/**
 * Spawns a pipeline stage. Attach to its stdout before any await: when a child exits, Node
 * resumes a stdout nobody reads yet and discards its data, so a late reader sees an empty stream.
 */
export function startProcess(
  label: string,
  program: string,
  args: string[],
  stdio: StdioOptions,
  onStderrLine?: (line: string) => void,
): Proc {
  // env is explicit so PATH is the one this module sees (jest's sandbox copies process.env).
  const child = spawn(program, args, { stdio, env: process.env });
  const stderr = new OutputLog(64 * 1024, onStderrLine);
  child.stderr?.on('data', (chunk: Buffer) => stderr.write(chunk));
  // EPIPE into a process that died, or a pipe torn down on abort: the exit status says why,
  // and an unhandled 'error' would crash the action.
  for (const s of [child.stdin, child.stdout, child.stderr]) s?.on('error', () => undefined);
  const exit = waitForExit(child).then((e) => {
    stderr.end();
    return e;
  });
  return { label, child, exit, stderr };
}

/** Kills `p` unless it has already exited. */
export function stopProcess(p: Proc): void {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill();
}

/** "zstd exited with code 1: <stderr>", for a stage that has exited. */
export function describeProc(p: Proc, exit: ChildExit): string {
  return describeExit(p.label, exit, p.stderr.text());
}

export function pipeOut(p: Proc): Readable {
  if (!p.child.stdout) throw new Error(`${p.label} has no stdout pipe`);
  return p.child.stdout;
}

export function pipeIn(p: Proc): Writable {
  if (!p.child.stdin) throw new Error(`${p.label} has no stdin pipe`);
  return p.child.stdin;
}
