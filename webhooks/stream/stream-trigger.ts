import { DataSyncModeEnum, FbClientBuilder, type IFbClient } from '@featbit/node-server-sdk';
import type { Logger } from '../../src/logging/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { flagJob, TriggerSource } from '../queue/reconcile-job.js';
import type { TriggerSink } from '../receiver/webhook-router.js';

/** One governed environment the stream trigger follows, with its server-side SDK secret. */
export interface StreamedEnvironment {
  readonly envId: string;
  /** The environment's server secret (FeatBit: environment settings → SDK keys → server). */
  readonly serverSecret: string;
}

/** What the stream trigger needs. */
export interface StreamTriggerOptions {
  readonly queue: TriggerSink;
  /** FeatBit's evaluation server (where server SDKs connect), e.g. `http://featbit-evaluation:5100`. */
  readonly evaluationUrl: string;
  readonly environments: readonly StreamedEnvironment[];
  readonly logger?: Logger;
}

/** A running stream trigger. */
export interface StreamTrigger {
  /** Resolves once every environment's first data sync arrived (or failed; failures are logged and retried by the SDK). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The bridge's second trigger beside webhooks (ARCHITECTURE.md invariant 3): FeatBit's real Node server SDK follows
 * each governed environment's data-sync stream (WebSocket, as any server SDK does) and every flag it reports changed,
 * directly or through a segment it uses, becomes a reconcile job within the stream's latency. It sees the edits
 * FeatBit sends no webhook for (variation ids swapped at identical ranges, rule reorders, dispatch key set to null,
 * experiment fields, list reorders, names with a raw line break). Like webhooks it is a trigger, never data: the
 * worker re-reads the flag from the REST API. Without a server secret an environment is covered by webhooks and the
 * reconciler only. The first sync reports every flag, which queues one round of jobs (coalesced per flag).
 */
export function startStreamTrigger(options: StreamTriggerOptions): StreamTrigger {
  const logger = options.logger ?? silentLogger;
  const clients: IFbClient[] = [];
  const initialised: Promise<void>[] = [];
  for (const environment of options.environments) {
    const client = new FbClientBuilder({
      sdkKey: environment.serverSecret,
      dataSyncMode: DataSyncModeEnum.STREAMING,
      streamingUri: options.evaluationUrl,
      pollingUri: options.evaluationUrl,
      eventsUri: options.evaluationUrl,
      disableEvents: true,
      logLevel: 'none',
    }).build();
    client.on('update', (keys: string[]) => {
      for (const key of keys) {
        options.queue.enqueue(flagJob(environment.envId, key, TriggerSource.Stream)).catch((error: unknown) => {
          logger.warn(
            { envId: environment.envId, flagKey: key, err: (error as Error).message },
            'could not queue a job for a streamed flag change',
          );
        });
      }
    });
    client.on('error', (error: unknown) =>
      logger.warn({ envId: environment.envId, err: (error as Error)?.message }, 'FeatBit data-sync stream error'),
    );
    clients.push(client);
    initialised.push(
      client.waitForInitialization().then(
        () => undefined,
        (error: unknown) =>
          logger.warn(
            { envId: environment.envId, err: (error as Error)?.message },
            'FeatBit data-sync stream did not initialise; webhooks and the reconciler still run',
          ),
      ),
    );
  }
  logger.info(
    { environments: options.environments.map((environment) => environment.envId) },
    'following FeatBit data-sync streams',
  );
  return {
    ready: async () => void (await Promise.all(initialised)),
    async close() {
      await Promise.all(clients.map((client) => client.close().catch(() => undefined)));
    },
  };
}
