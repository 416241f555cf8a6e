/** Writes the workflow bundle to stdout: run by {@link bundleWorkflowsApart} in a child process. */
import { bundleWorkflows } from './bundle.js';

process.stdout.write(await bundleWorkflows());
