import { actionDeps } from './run/deps.js';
import { runSave } from './run/run-save.js';
import { loadRestoreState } from './state.js';
import { cancelOnSignals } from './util/cancel.js';
import { ToolVersion } from './version.js';

const cancel = cancelOnSignals();
try {
  await runSave(
    { ...actionDeps(ToolVersion), signal: cancel.signal },
    { state: loadRestoreState() },
  );
} finally {
  cancel.dispose();
  process.exitCode = cancel.exitCode() ?? process.exitCode;
}
