/**
 * `npm run temporal:setup`: prepares an existing cluster (self-hosted or Temporal
 * Cloud) for Airlock by registering its search attributes in the namespace.
 * The embedded dev server needs none of this; `npm start` registers them itself.
 */
import { parseEnv } from '../config/index.js';
import { connectionOptions, connectWithRetry } from './connection.js';
import { registerSearchAttributes } from './search-attributes.js';

const env = parseEnv();
const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE } = env;
const connection = await connectWithRetry(connectionOptions(env), 10_000);
try {
  const added = await registerSearchAttributes(connection, TEMPORAL_NAMESPACE);
  console.log(
    added.length
      ? `registered ${added.join(', ')} in namespace ${TEMPORAL_NAMESPACE} at ${TEMPORAL_ADDRESS}`
      : `all of Airlock's search attributes already exist in namespace ${TEMPORAL_NAMESPACE} at ${TEMPORAL_ADDRESS}`,
  );
} finally {
  await connection.close();
}
