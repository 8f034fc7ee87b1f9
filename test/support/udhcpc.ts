// BusyBox udhcpc's command line as the namespace tests run it.

/** Foreground, 5 DISCOVERs 2 s apart, then give up (-n) rather than retry forever; `extra` e.g. -q, -B. */
export function udhcpcArgs(iface: string, script: string, extra: string[] = []): string[] {
  return ['-f', '-n', '-t', '5', '-T', '2', ...extra, '-i', iface, '-s', script];
}
