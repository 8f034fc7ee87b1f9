import { DEFAULT_PORT } from './args.js';

export function usage(version: string): string {
  return `Hydra ${version}, a high performance and resilient DHCPv4 server.

Usage: hydra [-D <pool_dir> | --config <file>] [-U <udp_port>] [-I <iface>] [options]
       hydra leases export|import ...   (hydra leases --help)
       hydra leases list|show|release, hydra pools|stats|reload|status
                                        ask a running server (hydra status --help)
       hydra db migrate [--config F | --db-url URL]
                                        create or upgrade the PostgreSQL schema

  -D, --pooldir DIR     Seed-style pool directory: one {pooldata, ...}. file per pool.
  -c, --config FILE     YAML or JSON configuration file (default: examples/default.yaml).
  -U, --udp PORT        UDP port to serve (default ${DEFAULT_PORT}; 67 is the DHCP port and needs root).
                        Clients are answered on PORT+1 (68 when PORT is 67).
  -I, --iface NAME      Serve only this interface (default: every IPv4 interface).
      --server-id ADDR  Server identifier (option 54) (default: the address of the
                        interface the request came in on).
      --bind ADDR       Bind one socket to ADDR instead of per-interface sockets
                        (relayed traffic only, e.g. 127.0.0.1 for local tests).
      --data-dir DIR    Where lease state is kept (default ./hydra-data).
      --control ADDR:PORT|off
                        Management API (Kea's JSON commands) (default 127.0.0.1:8067).
      --control-token TOKEN, --control-user USER, --control-password PASSWORD
                        Credentials the API demands (env HYDRA_CONTROL_TOKEN, ...);
                        required when --control is not a loopback address.
  -P, --cores N         Hydra mode: worker processes = cores x middlemen (default 1).
  -M, --middleman N     1, 2 or 4 workers per core (with -P); each worker serves
                        its own share of the clients and addresses.
  -T, --timeout SECS    Serve SECS seconds, then stop cleanly.
      --warm-up N       Before opening the socket, run N synthetic exchanges on a scratch server
                        on 127.0.0.1 so the first real clients meet compiled code (default 3000,
                        at most 0.25 s per 3000; 0 = off).
  -v, --verbose         Log every decision (client, message, address, reply).
  -d, --debug           Also log the fields of every packet.
      --log-format F    json (one JSON record per line) or pretty (for a
                        terminal); default pretty on a TTY, json otherwise.
  -V, --version         Show the version.
  -?, -h, --help        Show this help.
`;
}
