import { actionDeps } from './run/deps.js';
import { runRestore } from './run/run-restore.js';
import { ToolVersion } from './version.js';

await runRestore(actionDeps(ToolVersion));
