import { actionPruneDeps } from './run/deps.js';
import { runPrune } from './run/run-prune.js';

await runPrune(actionPruneDeps());
