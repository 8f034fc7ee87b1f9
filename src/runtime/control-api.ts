import type { FastifyInstance } from 'fastify';
import type { ControlSettings } from '../cli/control-flags.js';
import { startApiServer, type ApiServer } from '../control/api-server.js';
import { TransportError } from '../net/transport.js';
import type { LocalControl } from './local-control.js';
import type { Logger } from './logger.js';

/**
 * Opens the management API for a running server. A port taken by something else is fatal when
 * the operator chose it (--control), and only a warning for the default, so a second server on
 * one machine still serves DHCP.
 */
export async function openControlApi(
  settings: ControlSettings | undefined,
  control: LocalControl,
  log: Logger,
  extraRoutes?: (app: FastifyInstance) => void,
): Promise<ApiServer | null> {
  if (!settings?.binding) return null;
  const { binding } = settings;
  try {
    const api = await startApiServer({
      control,
      binding,
      credentials: settings.credentials,
      extraRoutes,
      onInternalError: (e) => log.log('error', 'management API command failed', { error: (e as Error).stack ?? String(e) }),
    });
    log.log('info', 'management API listening', { address: `${api.address.host}:${api.address.port}`, auth: settings.credentials.kind });
    return api;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'address in use' : code === 'EADDRNOTAVAIL' ? 'address not available' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    const text = `management API: cannot listen on ${binding.host}:${binding.port}: ${why}`;
    if (settings.explicit) throw new TransportError(`${text} (choose another with --control ADDR:PORT, or --control off)`);
    log.log('warn', `${text}; serving DHCP without it (set --control ADDR:PORT)`);
    return null;
  }
}
