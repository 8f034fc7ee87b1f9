import { authorizationHeader, type Credentials } from '../control/control-auth.js';
import type { KeaAnswer } from '../control/kea-answer.js';
import { CliError } from './cli-error.js';
import { controlCredentials, DEFAULT_CONTROL, parseControlAddress } from './control-flags.js';

// The `hydra` subcommands' side of the management API: one POST per command.

export interface ControlTarget {
  url: string;
  credentials: Credentials;
}

/** --control URL | ADDR:PORT (else HYDRA_CONTROL, else http://127.0.0.1:8067) and the credential flags/env. */
export function controlTarget(
  flags: { control?: string; 'control-token'?: string; 'control-user'?: string; 'control-password'?: string },
  env: NodeJS.ProcessEnv = process.env,
): ControlTarget {
  const text = flags.control ?? (env.HYDRA_CONTROL || undefined);
  let url: string;
  if (text === undefined) url = `http://${DEFAULT_CONTROL.host}:${DEFAULT_CONTROL.port}/`;
  else if (/^https?:\/\//.test(text)) url = text;
  else {
    const b = parseControlAddress(text);
    url = `http://${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}/`;
  }
  try {
    new URL(url);
  } catch {
    throw new CliError(`--control: '${text}' is not a URL or ADDR:PORT`);
  }
  const credentials = controlCredentials({ token: flags['control-token'], user: flags['control-user'], password: flags['control-password'] }, env);
  return { url, credentials };
}

/** Flags every remote subcommand takes (for parseArgs). */
export const CONTROL_FLAGS = {
  control: { type: 'string' },
  'control-token': { type: 'string' },
  'control-user': { type: 'string' },
  'control-password': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const TIMEOUT_MS = 10_000;

/** Sends one command; a server that does not answer, or answers something else than Kea JSON, is a CliError. */
export async function sendCommand(target: ControlTarget, command: string, args?: Record<string, unknown>): Promise<KeaAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const auth = authorizationHeader(target.credentials);
  if (auth) headers.authorization = auth;
  let res: Response;
  try {
    res = await fetch(target.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(args === undefined ? { command } : { command, arguments: args }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (e) {
    const c = (e as { cause?: { code?: string; message?: string } }).cause;
    const cause = c?.code ?? c?.message ?? (e as Error).message;
    throw new ControlUnreachable(`no Hydra server answers at ${target.url} (${cause}): is it running, and is --control right?`);
  }
  if (res.status === 401) throw new ControlUnreachable(`${target.url} refused the credentials (HTTP 401): give --control-token or --control-user/--control-password`);
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ControlUnreachable(`${target.url} answered HTTP ${res.status} without a Kea JSON answer: is that a Hydra server?`);
  }
  const one = Array.isArray(body) ? body[0] : body;
  if (one === null || typeof one !== 'object' || typeof (one as KeaAnswer).result !== 'number') {
    throw new ControlUnreachable(`${target.url} answered something that is not a Kea answer`);
  }
  return one as KeaAnswer;
}

/** The server could not be asked (not running, wrong address, refused credentials): exit status 1. */
export class ControlUnreachable extends Error {
  override readonly name = 'ControlUnreachable';
}
