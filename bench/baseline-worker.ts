/** Worker process for the baseline workflow; run by the benchmark as its own process, like Airlock's. */
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import type { BaselineActivities } from './baseline-workflow.js';

const activities: BaselineActivities = {
  // The call Airlock's executor makes, minus the grant: same method, headers, body and reading of the answer.
  async callTool({ url, timeoutMs, action }) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': action.actionId, 'x-airlock-attempt': '1' },
      body: JSON.stringify(action),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await res.text();
    if (!res.ok) throw ApplicationFailure.create({ message: `tool answered ${res.status}` });
    return { httpStatus: res.status, body };
  },
};

Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
const worker = await Worker.create({
  connection,
  taskQueue: process.env.BASELINE_TASK_QUEUE ?? 'bench-baseline',
  workflowsPath: fileURLToPath(new URL('./baseline-workflow.js', import.meta.url)),
  activities,
});
process.stdout.write('ready\n');
await worker.run();
await connection.close();
