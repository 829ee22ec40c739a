import { actionDeps } from './run/deps.js';
import { runSave } from './run/run-save.js';
import { loadRestoreState } from './state.js';
import { ToolVersion } from './version.js';

await runSave(actionDeps(ToolVersion), { state: loadRestoreState() });
