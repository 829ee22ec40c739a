const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** "7d", "12h", "1d12h", "90m", "2w" → milliseconds; undefined when it is not such a duration. */
export function durationMs(value: string): number | undefined {
  const text = value.trim();
  if (!/^(\d+[smhdw])+$/.test(text)) return undefined;
  let ms = 0;
  for (const m of text.matchAll(/(\d+)([smhdw])/g)) ms += Number(m[1]) * UNITS[m[2]!]!;
  return ms;
}
