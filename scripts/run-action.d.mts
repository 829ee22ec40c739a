export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
}
export function parseFileCommands(text: string): Record<string, string>;
export function inputEnvName(name: string): string;
export function runAction(o: {
  bundle: string;
  inputs: Record<string, string>;
  env?: Record<string, string>;
  state?: Record<string, string>;
  cwd?: string;
}): Promise<ActionRun>;
