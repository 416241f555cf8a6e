import { readFileSync } from 'node:fs';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/client';
import type { Env } from '../config/env.js';

/** The settings both the client's and the worker's connections take. */
export interface ClusterConnection {
  address: string;
  apiKey?: string;
  tls?: TLSConfig;
}

/** Connection settings for the configured cluster: the dev server, self-hosted with mTLS, or Temporal Cloud. */
export function connectionOptions(env: Env): ClusterConnection {
  const mtls =
    env.TEMPORAL_TLS_CERT_PATH && env.TEMPORAL_TLS_KEY_PATH
      ? { crt: readFileSync(env.TEMPORAL_TLS_CERT_PATH), key: readFileSync(env.TEMPORAL_TLS_KEY_PATH) }
      : undefined;
  const useTls = env.TEMPORAL_TLS || mtls !== undefined || env.TEMPORAL_API_KEY !== undefined;
  return {
    address: env.TEMPORAL_ADDRESS,
    ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}),
    ...(useTls
      ? {
          tls: {
            ...(mtls ? { clientCertPair: mtls } : {}),
            ...(env.TEMPORAL_TLS_CA_PATH ? { serverRootCACertificate: readFileSync(env.TEMPORAL_TLS_CA_PATH) } : {}),
            ...(env.TEMPORAL_TLS_SERVER_NAME ? { serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME } : {}),
          },
        }
      : {}),
  };
}

/** Connects a client, retrying while the frontend comes up (the dev server takes a few seconds). */
export async function connectWithRetry(options: ConnectionOptions | ClusterConnection, waitMs = 30_000): Promise<Connection> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await Connection.connect({ ...options, connectTimeout: 2_000 });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
