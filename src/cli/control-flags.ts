import { bindingProblem, type ControlBinding, type Credentials } from '../control/control-auth.js';
import { CliError } from './cli-error.js';

/** Where the management API listens unless told: loopback only, Kea's control agent port. */
export const DEFAULT_CONTROL: ControlBinding = { host: '127.0.0.1', port: 8067 };

export interface ControlSettings {
  /** null: --control off. */
  binding: ControlBinding | null;
  /** Given with --control: a busy port is then an error; the default only warns. */
  explicit: boolean;
  credentials: Credentials;
}

/** `ADDR:PORT`, `[v6]:PORT`, `:PORT` (loopback) or a bare `PORT`. */
export function parseControlAddress(text: string, flag = '--control'): ControlBinding {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text) ?? /^()()(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new CliError(`${flag}: expected ADDR:PORT (e.g. 127.0.0.1:8067) or off, got '${text}'`);
  const host = m[1] ?? (m[2] === '' ? DEFAULT_CONTROL.host : m[2]!);
  return { host, port };
}

/** Credentials from flags, else from HYDRA_CONTROL_TOKEN / HYDRA_CONTROL_USER / HYDRA_CONTROL_PASSWORD. */
export function controlCredentials(
  flags: { token?: string; user?: string; password?: string },
  env: NodeJS.ProcessEnv = process.env,
): Credentials {
  const token = flags.token ?? (env.HYDRA_CONTROL_TOKEN || undefined);
  const user = flags.user ?? (env.HYDRA_CONTROL_USER || undefined);
  const password = flags.password ?? (env.HYDRA_CONTROL_PASSWORD || undefined);
  if (token !== undefined && (user !== undefined || password !== undefined)) {
    throw new CliError('--control-token and --control-user/--control-password are alternatives: give one of them');
  }
  if (token !== undefined) {
    if (token.length < 8) throw new CliError('--control-token: use at least 8 characters');
    return { kind: 'token', token };
  }
  if (user !== undefined || password !== undefined) {
    if (!user || !password) throw new CliError('--control-user and --control-password go together: give both');
    if (user.includes(':')) throw new CliError('--control-user: a user name cannot contain ":"');
    return { kind: 'basic', user, password };
  }
  return { kind: 'none' };
}

export function controlSettings(
  v: { control?: string; 'control-token'?: string; 'control-user'?: string; 'control-password'?: string },
  env: NodeJS.ProcessEnv = process.env,
): ControlSettings {
  const credentials = controlCredentials({ token: v['control-token'], user: v['control-user'], password: v['control-password'] }, env);
  const text = v.control ?? env.HYDRA_CONTROL;
  if (text === 'off') return { binding: null, explicit: true, credentials };
  const binding = text === undefined || text === '' ? DEFAULT_CONTROL : parseControlAddress(text);
  const problem = bindingProblem(binding, credentials);
  if (problem) throw new CliError(problem);
  return { binding, explicit: text !== undefined && text !== '', credentials };
}
