/** Worker process for the baseline workflow; run by the benchmark as its own process, like Airlock's. */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';

Runtime.install({ logger: new DefaultLogger('WARN') });
const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS ?? 'localhost:7233' });
const worker = await Worker.create({
  connection,
  taskQueue: process.env.BASELINE_TASK_QUEUE ?? 'bench-baseline',
  workflowsPath: fileURLToPath(new URL('./baseline-workflow.js', import.meta.url)),
  activities: { noop: async () => {} },
});
process.stdout.write('ready\n');
await worker.run();
await connection.close();
