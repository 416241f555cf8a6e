/** The workflow bundle's entry point: every workflow a worker runs. Deterministic code only. */
import './stack-traces.js';
export { actionWorkflow, airlockAction } from './action-workflow.js';
export { agentWorkflow } from './agent-workflow.js';
export { sessionWorkflow } from './session-workflow.js';
export { breakerWorkflow } from './breaker-workflow.js';
