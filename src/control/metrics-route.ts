import type { FastifyInstance } from 'fastify';
import { METRICS_CONTENT_TYPE, type ServerMetrics } from './metrics.js';

/**
 * GET /metrics on the management API's listener (same address, same credentials: Prometheus
 * sends basic auth or a bearer token from its scrape config).
 */
export function metricsRoute(metrics: ServerMetrics): (app: FastifyInstance) => void {
  return (app) => {
    app.get('/metrics', async (_req, reply) => {
      const text = await metrics.metricsText();
      return reply.header('content-type', METRICS_CONTENT_TYPE).send(text);
    });
  };
}
