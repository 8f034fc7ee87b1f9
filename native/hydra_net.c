/*
 * hydra_net: the two socket calls Node's dgram lacks, for the DHCP server's network edge.
 *
 *  bindToDevice(fd, ifname)        setsockopt(SO_BINDTODEVICE): the socket then only receives
 *                                  packets that arrived on ifname, and its sends (including to
 *                                  255.255.255.255) leave by ifname with no route needed.
 *  setArpEntry(ifname, ip, mac)    ioctl(SIOCSARP, ATF_COM): a neighbour entry so a reply can be
 *                                  unicast to a client that has no address yet (RFC 2131 §4.1).
 *
 * Hydra mode (several worker processes, Node 20 has no reusePort):
 *  openReusePortUdp(addr, port, ifname|null) -> fd
 *                                  a UDP socket with SO_REUSEADDR + SO_REUSEPORT (+ SO_BINDTODEVICE),
 *                                  SO_BROADCAST, bound; dgram adopts it with bind({ fd }).
 *  attachClientSteering(fd, n)     SO_ATTACH_REUSEPORT_CBPF: the group's socket for a packet is
 *                                  (chaddr bytes 2..5 as a big-endian word) mod n, so every packet
 *                                  of one client reaches one worker, relayed or not. Must match
 *                                  src/runtime/shard-of-client.ts.
 *  boundPort(fd) -> port           getsockname's port (for port 0 in tests).
 *
 * Errors become JS exceptions whose message names the call and the errno text.
 */
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/filter.h>
#include <unistd.h>

#define CHECK(env, call)                                                    \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error((env), NULL, "hydra_net: N-API call failed: " #call); \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_value code, text, error;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text) != napi_ok) return NULL;
  const char *name = NULL;
  switch (err) {
    case EPERM: name = "EPERM"; break;
    case EACCES: name = "EACCES"; break;
    case ENODEV: name = "ENODEV"; break;
    case EINVAL: name = "EINVAL"; break;
    case EBADF: name = "EBADF"; break;
    case ENOTSOCK: name = "ENOTSOCK"; break;
    case ENXIO: name = "ENXIO"; break;
    case ENETUNREACH: name = "ENETUNREACH"; break;
    case EADDRINUSE: name = "EADDRINUSE"; break;
    case EADDRNOTAVAIL: name = "EADDRNOTAVAIL"; break;
    case ENOPROTOOPT: name = "ENOPROTOOPT"; break;
    default: break;
  }
  char fallback[32];
  if (!name) {
    snprintf(fallback, sizeof fallback, "E%d", err);
    name = fallback;
  }
  if (napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code) != napi_ok) return NULL;
  if (napi_create_error(env, code, text, &error) != napi_ok) return NULL;
  napi_value errnoValue;
  if (napi_create_int32(env, err, &errnoValue) == napi_ok) {
    napi_set_named_property(env, error, "errno", errnoValue);
  }
  napi_throw(env, error);
  return NULL;
}

/* Reads argument i as an interface name; throws and returns 0 when it is not a valid one. */
static int get_ifname(napi_env env, napi_value value, char out[IFNAMSIZ]) {
  size_t len = 0;
  char buf[IFNAMSIZ + 1];
  if (napi_get_value_string_utf8(env, value, buf, sizeof buf, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "interface name must be a string");
    return 0;
  }
  if (len == 0 || len >= IFNAMSIZ) {
    napi_throw_range_error(env, NULL, "interface name must be 1 to 15 bytes");
    return 0;
  }
  memcpy(out, buf, len + 1);
  return 1;
}

static napi_value BindToDevice(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "bindToDevice(fd, ifname)");
    return NULL;
  }
  int32_t fd;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "fd must be a non-negative integer");
    return NULL;
  }
  char ifname[IFNAMSIZ];
  if (!get_ifname(env, argv[1], ifname)) return NULL;
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) != 0) {
    char what[64];
    snprintf(what, sizeof what, "SO_BINDTODEVICE %s", ifname);
    return throw_errno(env, what, errno);
  }
  return NULL;
}

static napi_value SetArpEntry(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "setArpEntry(ifname, ip, mac)");
    return NULL;
  }
  char ifname[IFNAMSIZ];
  if (!get_ifname(env, argv[0], ifname)) return NULL;

  char ipText[INET_ADDRSTRLEN + 1];
  size_t ipLen = 0;
  struct in_addr ip;
  if (napi_get_value_string_utf8(env, argv[1], ipText, sizeof ipText, &ipLen) != napi_ok ||
      inet_pton(AF_INET, ipText, &ip) != 1) {
    napi_throw_type_error(env, NULL, "ip must be a dotted-quad IPv4 string");
    return NULL;
  }

  bool isTyped = false;
  CHECK(env, napi_is_typedarray(env, argv[2], &isTyped));
  if (!isTyped) {
    napi_throw_type_error(env, NULL, "mac must be a Uint8Array");
    return NULL;
  }
  napi_typedarray_type type;
  size_t macLen;
  void *macData;
  CHECK(env, napi_get_typedarray_info(env, argv[2], &type, &macLen, &macData, NULL, NULL));
  if (type != napi_uint8_array || macLen == 0 || macLen > sizeof(((struct sockaddr *)0)->sa_data)) {
    napi_throw_range_error(env, NULL, "mac must be a Uint8Array of 1 to 14 bytes");
    return NULL;
  }

  struct arpreq req;
  memset(&req, 0, sizeof req);
  struct sockaddr_in *pa = (struct sockaddr_in *)&req.arp_pa;
  pa->sin_family = AF_INET;
  pa->sin_addr = ip;
  /* Only Ethernet-style hardware addresses are meaningful to the kernel here. */
  req.arp_ha.sa_family = ARPHRD_ETHER;
  memcpy(req.arp_ha.sa_data, macData, macLen);
  req.arp_flags = ATF_COM;
  memcpy(req.arp_dev, ifname, strlen(ifname) + 1);

  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return throw_errno(env, "socket(AF_INET)", errno);
  int rc = ioctl(s, SIOCSARP, &req);
  int err = errno;
  close(s);
  if (rc != 0) {
    char what[96];
    snprintf(what, sizeof what, "SIOCSARP %s on %s", ipText, ifname);
    return throw_errno(env, what, err);
  }
  return NULL;
}

static int get_fd(napi_env env, napi_value value, int32_t *fd) {
  if (napi_get_value_int32(env, value, fd) != napi_ok || *fd < 0) {
    napi_throw_type_error(env, NULL, "fd must be a non-negative integer");
    return 0;
  }
  return 1;
}

static napi_value OpenReusePortUdp(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "openReusePortUdp(address, port, ifname|null)");
    return NULL;
  }
  char ipText[INET_ADDRSTRLEN + 1];
  size_t ipLen = 0;
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  if (napi_get_value_string_utf8(env, argv[0], ipText, sizeof ipText, &ipLen) != napi_ok ||
      inet_pton(AF_INET, ipText, &sa.sin_addr) != 1) {
    napi_throw_type_error(env, NULL, "address must be a dotted-quad IPv4 string");
    return NULL;
  }
  int32_t port;
  if (napi_get_value_int32(env, argv[1], &port) != napi_ok || port < 0 || port > 65535) {
    napi_throw_range_error(env, NULL, "port must be 0 to 65535");
    return NULL;
  }
  sa.sin_port = htons((uint16_t)port);
  napi_valuetype t;
  CHECK(env, napi_typeof(env, argv[2], &t));
  char ifname[IFNAMSIZ];
  int withDevice = t != napi_null && t != napi_undefined;
  if (withDevice && !get_ifname(env, argv[2], ifname)) return NULL;

  /* Not CLOEXEC: the supervisor hands it to worker processes it forks. */
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) return throw_errno(env, "socket(AF_INET, SOCK_DGRAM)", errno);
  int one = 1;
  const char *what = NULL;
  if (setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) what = "SO_REUSEADDR";
  else if (setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) what = "SO_REUSEPORT";
  else if (setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) != 0) what = "SO_BROADCAST";
  else if (withDevice && setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) != 0) what = "SO_BINDTODEVICE";
  else if (bind(s, (struct sockaddr *)&sa, sizeof sa) != 0) what = "bind";
  if (what) {
    int err = errno;
    close(s);
    char msg[96];
    snprintf(msg, sizeof msg, "%s %s:%d", what, ipText, port);
    return throw_errno(env, msg, err);
  }
  napi_value result;
  CHECK(env, napi_create_int32(env, s, &result));
  return result;
}

static napi_value AttachClientSteering(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, NULL, "attachClientSteering(fd, groupSize)");
    return NULL;
  }
  int32_t fd, n;
  if (!get_fd(env, argv[0], &fd)) return NULL;
  if (napi_get_value_int32(env, argv[1], &n) != napi_ok || n < 1 || n > 65535) {
    napi_throw_range_error(env, NULL, "groupSize must be 1 to 65535");
    return NULL;
  }
  /*
   * For UDP the kernel runs a reuseport program on the UDP payload (it pulls the 8-byte UDP
   * header first), so offset 28 is chaddr; 30..33 are its bytes 2..5 — the part of a MAC that
   * varies most. A payload too short for the load ends the program with 0 (worker 0), and a
   * return value >= the group size makes the kernel fall back to its own hash.
   */
  struct sock_filter code[] = {
      {BPF_LD | BPF_W | BPF_ABS, 0, 0, 30},
      {BPF_ALU | BPF_MOD | BPF_K, 0, 0, (uint32_t)n},
      {BPF_RET | BPF_A, 0, 0, 0},
  };
  struct sock_fprog prog = {.len = sizeof code / sizeof code[0], .filter = code};
  if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog) != 0) {
    return throw_errno(env, "SO_ATTACH_REUSEPORT_CBPF", errno);
  }
  return NULL;
}

static napi_value BoundPort(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 1 || !get_fd(env, argv[0], &fd)) return NULL;
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0) return throw_errno(env, "getsockname", errno);
  napi_value result;
  CHECK(env, napi_create_int32(env, ntohs(sa.sin_port), &result));
  return result;
}

static napi_value CloseFd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 1 || !get_fd(env, argv[0], &fd)) return NULL;
  if (close(fd) != 0) return throw_errno(env, "close", errno);
  return NULL;
}

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"bindToDevice", NULL, BindToDevice, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setArpEntry", NULL, SetArpEntry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openReusePortUdp", NULL, OpenReusePortUdp, NULL, NULL, NULL, napi_enumerable, NULL},
      {"attachClientSteering", NULL, AttachClientSteering, NULL, NULL, NULL, napi_enumerable, NULL},
      {"boundPort", NULL, BoundPort, NULL, NULL, NULL, napi_enumerable, NULL},
      {"closeFd", NULL, CloseFd, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
