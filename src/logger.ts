/** Where the flows report progress: @actions/core in the action, stderr/stdout in the CLI. */
export interface Logger {
  info(message: string): void;
  debug(message: string): void;
  warning(message: string): void;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${bytes} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** "12.3 MiB in 1.2 s (10.2 MiB/s)" */
export function formatTransfer(bytes: number, ms: number): string {
  const secs = Math.max(ms, 1) / 1000;
  return `${formatBytes(bytes)} in ${secs.toFixed(1)} s (${formatBytes(bytes / secs)}/s)`;
}
