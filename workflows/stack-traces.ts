/**
 * Evaluated once, first, in each workflow thread's shared V8 context (the
 * bundle preloads the workflows), before the SDK freezes its globals: errors
 * and promises created by workflow code capture no stack frames.
 *
 * The SDK captures a stack for every promise a workflow creates, maps each
 * frame through the bundle's source map and keeps it until the promise
 * settles, for the stack-trace query. An action creates hundreds of promises,
 * and one awaiting approval holds dozens. Replaying the committed histories
 * took 15.1–16.0 ms of CPU each without them, 21.8 with them (`node
 * dist/bench/replay-cpu.js`, see "Sizing" in the README). What is lost: the Web UI's "Stack Trace" tab and
 * the stacks of failures raised in workflow code (their messages stay). An
 * action's own state says what it waits for (`waitingFor`, its summary). A
 * worker started with `AIRLOCK_WORKFLOW_STACK_TRACES=true` bundles this module
 * as an empty one (`worker/bundle.ts`).
 */
Error.stackTraceLimit = 0;

export {};
