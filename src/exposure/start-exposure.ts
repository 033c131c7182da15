import type { Notifier } from '../notify/index.js';
import type { ExposureConfig } from '../config/index.js';
import type { WorkflowDeps } from '../projections/index.js';
import { ExposureService } from './exposure-service.js';
import { createExposureJobQueue } from './scheduler/index.js';

/** What `featgate serve` hands staged exposure. */
export interface StartExposureOptions {
  readonly deps: WorkflowDeps;
  readonly config: ExposureConfig;
  /** Redis for BullMQ delayed jobs; timers in this process when absent. */
  readonly redisUrl?: string;
  readonly prefix: string;
  /** Where review-date and post-review notices go. */
  readonly notifier?: Notifier;
  /** Overrides `config.sweepIntervalSeconds` (tests). */
  readonly sweepIntervalMs?: number;
}

/** Builds staged exposure on the service's stores (BullMQ with Redis, timers without) and starts its scheduler. */
export async function startExposure(options: StartExposureOptions): Promise<ExposureService> {
  const { deps, config } = options;
  const queue = createExposureJobQueue({ redisUrl: options.redisUrl, prefix: options.prefix, logger: deps.logger });
  const prometheus = config.prometheus;
  const exposure = new ExposureService({
    deps,
    queue,
    ...(options.notifier ? { notifier: options.notifier } : {}),
    ...(prometheus
      ? {
          prometheus: {
            client: {
              url: prometheus.url,
              ...(prometheus.bearerToken ? { headers: { authorization: `Bearer ${prometheus.bearerToken}` } } : {}),
            },
            intervalMs: prometheus.intervalSeconds * 1000,
            templates: prometheus.templates,
          },
        }
      : {}),
    sweepIntervalMs: options.sweepIntervalMs ?? config.sweepIntervalSeconds * 1000,
  });
  try {
    await exposure.start();
  } catch (error) {
    await exposure.close();
    throw error;
  }
  return exposure;
}
