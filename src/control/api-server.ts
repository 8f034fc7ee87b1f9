import Fastify, { type FastifyInstance } from 'fastify';
import { authorized, type ControlBinding, type Credentials } from './control-auth.js';
import { configCommands } from './config-commands.js';
import { dispatch, type CommandTable } from './command-table.js';
import { hostCommands } from './host-commands.js';
import { ok, error } from './kea-answer.js';
import { leaseCommands } from './lease-commands.js';
import type { ServerControl } from './server-control.js';
import { serviceCommands } from './service-commands.js';
import { statCommands } from './stat-commands.js';

/** Large enough for a config-set with thousands of reservations; anything bigger is refused. */
const BODY_LIMIT = 32 * 1024 * 1024;

export interface ApiServerOptions {
  control: ServerControl;
  binding: ControlBinding;
  credentials: Credentials;
  /** Told of bugs (a command that threw something other than a caller's mistake). */
  onInternalError: (e: unknown) => void;
  /** Lets other control features (e.g. GET /metrics) add routes to the same listener. */
  extraRoutes?: (app: FastifyInstance) => void;
}

export interface ApiServer {
  readonly app: FastifyInstance;
  /** host:port actually bound (port 0 picks a free one). */
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

/** Every command the API serves, by name. */
export function commandTable(control: ServerControl): CommandTable {
  const table: CommandTable = {
    ...leaseCommands(control),
    ...hostCommands(control),
    ...statCommands(control),
    ...configCommands(control),
    ...serviceCommands(control),
  };
  table['list-commands'] = { needsArgs: false, run: async () => ok('', ['list-commands', ...Object.keys(table).filter((n) => n !== 'list-commands')].sort()) };
  return table;
}

/**
 * The Kea-compatible management API: POST / with {"command", "arguments", "service"?}. Answers
 * are HTTP 200 with Kea's {"result", "text", "arguments"} (401 without the credentials, 400 for a
 * body that is not JSON), never a stack trace.
 */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT });
  const table = commandTable(opts.control);

  // Our own JSON parsing for any content type, so a malformed body gets a Kea answer naming the
  // problem, and `curl -d` (form content type) works as it does with Kea.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    if (!authorized(opts.credentials, req.headers.authorization)) {
      reply.code(401).header('www-authenticate', opts.credentials.kind === 'basic' ? 'Basic realm="hydra"' : 'Bearer realm="hydra"');
      return reply.send({ result: 401, text: 'Unauthorized' });
    }
  });

  app.post('/', async (req, reply) => {
    const text = typeof req.body === 'string' ? req.body : '';
    if (text.trim() === '') return reply.code(400).send(error('empty request body: expected {"command": "...", "arguments": {...}}'));
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      return reply.code(400).send(error(`malformed JSON in the request body: ${(e as Error).message}`));
    }
    return reply.send(await dispatch(table, body, opts.onInternalError));
  });

  opts.extraRoutes?.(app);

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(error(`no such endpoint ${req.method} ${req.url}: send commands with POST /`));
  });
  app.setErrorHandler((e: { statusCode?: number; message: string; code?: string }, _req, reply) => {
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send(error(`request body larger than ${BODY_LIMIT} bytes`));
    if (e.statusCode !== undefined && e.statusCode < 500) return reply.code(e.statusCode).send(error(e.message));
    opts.onInternalError(e);
    return reply.code(500).send(error(`internal error: ${e.message}`));
  });

  await app.listen({ host: opts.binding.host, port: opts.binding.port });
  const a = app.server.address();
  const port = typeof a === 'object' && a !== null ? a.port : opts.binding.port;
  return { app, address: { host: opts.binding.host, port }, close: () => app.close() };
}
