import { describeExit, OutputLog } from '../../../src/archive/processes.js';

describe('OutputLog', () => {
  test('keeps only the first maxBytes, says it truncated, and still sees every line', () => {
    const lines: string[] = [];
    const log = new OutputLog(10, (l) => lines.push(l));
    log.write(Buffer.from('first line\nsec'));
    log.write(Buffer.from('ond\n\nthird'));
    log.end();
    expect(lines).toEqual(['first line', 'second', 'third']);
    expect(log.text()).toBe('first line\n... (output truncated)');
  });

  test('does not claim truncation when everything fit', () => {
    const log = new OutputLog(100);
    log.write(Buffer.from('tar: oops\n'));
    expect(log.text()).toBe('tar: oops');
  });

  test('hands over an endless line in bounded pieces', () => {
    const lines: string[] = [];
    const log = new OutputLog(10, (l) => lines.push(l));
    for (let i = 0; i < 5; i++) log.write(Buffer.alloc(4096, 'x'));
    expect(lines.length).toBeGreaterThan(0);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(8 * 1024 + 4096);
  });
});

test('describeExit names the program and how it ended', () => {
  expect(describeExit('zstd', { code: 1, signal: null }, 'zstd: bad')).toBe(
    'zstd exited with code 1: zstd: bad',
  );
  expect(describeExit('tar', { code: null, signal: 'SIGPIPE' }, '')).toBe(
    'tar was killed by SIGPIPE',
  );
  const enoent = Object.assign(new Error('spawn zstd ENOENT'), { code: 'ENOENT' });
  expect(describeExit('zstd', { code: null, signal: null, error: enoent }, '')).toBe(
    'zstd was not found on PATH',
  );
});
