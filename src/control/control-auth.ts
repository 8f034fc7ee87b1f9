import { timingSafeEqual } from 'node:crypto';

// Who may talk to the management API: anyone on loopback when no credentials are set; with a
// token (Bearer) or a user and password (Basic), only those who present them.

export type Credentials =
  | { kind: 'none' }
  | { kind: 'token'; token: string }
  | { kind: 'basic'; user: string; password: string };

export interface ControlBinding {
  host: string;
  port: number;
}

/** 127.0.0.0/8, ::1 and "localhost": reachable only from this machine. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The refusal the issue asks for: an API reachable from the network must demand credentials. */
export function bindingProblem(binding: ControlBinding, credentials: Credentials): string | null {
  if (isLoopback(binding.host) || credentials.kind !== 'none') return null;
  return `--control ${binding.host}:${binding.port} is not a loopback address: set --control-token (or HYDRA_CONTROL_TOKEN) or --control-user and --control-password, or bind 127.0.0.1`;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Does the Authorization header satisfy `credentials`? */
export function authorized(credentials: Credentials, header: string | undefined): boolean {
  if (credentials.kind === 'none') return true;
  if (header === undefined) return false;
  const space = header.indexOf(' ');
  if (space < 0) return false;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (credentials.kind === 'token') return scheme === 'bearer' && same(value, credentials.token);
  if (scheme !== 'basic') return false;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Both compared, always, so timing does not tell which one was wrong.
  const userOk = same(decoded.slice(0, colon), credentials.user);
  const passOk = same(decoded.slice(colon + 1), credentials.password);
  return userOk && passOk;
}

/** The header a client sends for `credentials`. */
export function authorizationHeader(credentials: Credentials): string | undefined {
  if (credentials.kind === 'token') return `Bearer ${credentials.token}`;
  if (credentials.kind === 'basic') return `Basic ${Buffer.from(`${credentials.user}:${credentials.password}`).toString('base64')}`;
  return undefined;
}
