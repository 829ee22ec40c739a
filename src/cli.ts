#!/usr/bin/env node
import { runCli } from './cli/main.js';
import { cancelOnSignals } from './util/cancel.js';

const cancel = cancelOnSignals();
try {
  process.exitCode = await runCli(process.argv.slice(2), process.env, cancel.signal);
} finally {
  cancel.dispose();
  process.exitCode = cancel.exitCode() ?? process.exitCode;
}
