// perfdhcp's own UDP receive buffer overflows near 40,000 replies/s and shows drops the server
// never caused. rmem_max is not per-namespace, so instead a tiny LD_PRELOAD library, compiled
// here with the system C compiler, forces an 8 MiB receive buffer on every IPv4 datagram socket
// perfdhcp creates (at socket() and again at bind(), after any setsockopt of its own).
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const SOURCE = `#define _GNU_SOURCE
#include <dlfcn.h>
#include <sys/socket.h>
#include <netinet/in.h>

static void enlarge(int fd) {
  int size = 8 << 20;
  if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

int socket(int domain, int type, int protocol) {
  static int (*real)(int, int, int);
  if (!real) real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
  int fd = real(domain, type, protocol);
  if (fd >= 0 && domain == AF_INET && (type & 0xf) == SOCK_DGRAM) enlarge(fd);
  return fd;
}

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  static int (*real)(int, const struct sockaddr *, socklen_t);
  if (!real) real = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
  if (addr && addr->sa_family == AF_INET) enlarge(fd);
  return real(fd, addr, len);
}
`;

/** Builds the shim into `dir`; returns its path, or a reason it could not be built. */
export async function buildRcvbufShim(dir: string): Promise<{ path?: string; problem?: string }> {
  const src = join(dir, 'rcvbuf-shim.c');
  const lib = join(dir, 'rcvbuf-shim.so');
  await writeFile(src, SOURCE);
  return new Promise((resolve) => {
    execFile('cc', ['-shared', '-fPIC', '-O2', '-o', lib, src, '-ldl'], { timeout: 60_000 }, (err, _out, stderr) => {
      if (err) resolve({ problem: `cc failed, perfdhcp keeps its default receive buffer: ${String(stderr).trim() || err.message}` });
      else resolve({ path: lib });
    });
  });
}
