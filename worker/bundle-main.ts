/** Writes the workflow bundle to stdout: run by {@link bundleWorkflowsApart} in a child process. */
import { bundleWorkflows, STACK_TRACES_ARG } from './bundle.js';

process.stdout.write(await bundleWorkflows({ stackTraces: process.argv.includes(STACK_TRACES_ARG) }));
