import { argsOf, type Args } from './command-args.js';
import { ArgumentError, RESULT, answer, error, type KeaAnswer } from './kea-answer.js';
import { ControlError } from './server-control.js';

// One entry per command; the dispatcher turns a request body into Kea's answer shape and every
// caller's mistake into result 1 or 2 with a message, never an exception.

export interface CommandSpec {
  /** When true, a request without "arguments" is refused before run is called. */
  needsArgs: boolean;
  run(args: Args): Promise<KeaAnswer>;
}

export type CommandTable = Record<string, CommandSpec>;

/** Services this server answers for in Kea's "service" list (Kea's control agent forwards by name). */
const OUR_SERVICES = ['dhcp4', 'hydra'];

/**
 * Runs one request (already parsed JSON). With a "service" list the answer is an array, one
 * entry per service, as Kea's control agent answers; otherwise a single answer.
 */
export async function dispatch(table: CommandTable, body: unknown, onInternalError: (e: unknown) => void): Promise<KeaAnswer | KeaAnswer[]> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return error('the request must be a JSON object: {"command": "...", "arguments": {...}}');
  }
  const req = body as Record<string, unknown>;
  let services: string[] | null = null;
  if (req.service !== undefined) {
    if (!Array.isArray(req.service) || req.service.some((s) => typeof s !== 'string')) {
      return error("'service' must be a list of service names, e.g. [\"dhcp4\"]");
    }
    services = req.service as string[];
  }
  const one = await runOne(table, req, onInternalError);
  if (services === null) return one;
  if (services.length === 0) return [one];
  return services.map((s) => (OUR_SERVICES.includes(s) ? one : error(`server for service '${s}' is not configured (this is Hydra, service dhcp4)`)));
}

async function runOne(table: CommandTable, req: Record<string, unknown>, onInternalError: (e: unknown) => void): Promise<KeaAnswer> {
  const unknownKeys = Object.keys(req).filter((k) => !['command', 'arguments', 'service', 'remote-address'].includes(k));
  if (typeof req.command !== 'string' || req.command === '') {
    return error("missing 'command': the request must be {\"command\": \"...\", \"arguments\": {...}}");
  }
  if (unknownKeys.length > 0) return error(`unknown key '${unknownKeys[0]}' in the request (expected command, arguments, service)`);
  const spec = Object.hasOwn(table, req.command) ? table[req.command] : undefined;
  if (!spec) return answer(RESULT.UNSUPPORTED, `'${req.command}' command not supported.`);
  try {
    return await spec.run(argsOf(req.command, req.arguments, spec.needsArgs));
  } catch (e) {
    if (e instanceof ArgumentError || e instanceof ControlError) return error(e.message);
    onInternalError(e);
    return error(`internal error while running '${req.command}': ${(e as Error).message ?? String(e)}`);
  }
}
