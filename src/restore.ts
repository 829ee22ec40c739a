import { actionDeps } from './run/deps.js';
import { runRestore } from './run/run-restore.js';
import { cancelOnSignals } from './util/cancel.js';
import { ToolVersion } from './version.js';

const cancel = cancelOnSignals();
try {
  await runRestore({ ...actionDeps(ToolVersion), signal: cancel.signal });
} finally {
  cancel.dispose();
  process.exitCode = cancel.exitCode() ?? process.exitCode;
}
