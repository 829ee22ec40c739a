import type { Logger } from '../logger.js';

/** Where the CLI writes: results on stdout, progress, warnings and errors on stderr. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * The CLI's Logger and printer. Plain text for people and CI logs (never `::` workflow
 * commands), and every secret the run knows about is replaced by *** before anything is written.
 */
export class CliOutput implements Logger {
  private readonly masks: string[] = [];

  constructor(
    private readonly io: CliIo,
    private debugOn = false,
  ) {}

  setDebug(on: boolean): void {
    this.debugOn = on;
  }

  /** Values never to print; very short ones are skipped, they would mangle ordinary text. */
  addSecrets(values: readonly string[]): void {
    for (const v of values) {
      if (v.length >= 4 && !this.masks.includes(v)) this.masks.push(v);
    }
    // Longest first, so a secret containing another is masked whole.
    this.masks.sort((a, b) => b.length - a.length);
  }

  mask(text: string): string {
    let out = text;
    for (const m of this.masks) out = out.split(m).join('***');
    return out;
  }

  /** A result line (list rows, --json): the only thing written to stdout. */
  result(text: string): void {
    this.io.stdout(this.mask(text) + '\n');
  }

  info(message: string): void {
    this.io.stderr(this.mask(message) + '\n');
  }

  debug(message: string): void {
    if (this.debugOn) this.io.stderr(`debug: ${this.mask(message)}\n`);
  }

  warning(message: string): void {
    this.io.stderr(`warning: ${this.mask(message)}\n`);
  }

  error(message: string): void {
    this.io.stderr(`error: ${this.mask(message)}\n`);
  }
}
