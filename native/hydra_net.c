/*
 * hydra_net: the two socket calls Node's dgram lacks, for the DHCP server's network edge.
 *
 *  bindToDevice(fd, ifname)        setsockopt(SO_BINDTODEVICE): the socket then only receives
 *                                  packets that arrived on ifname, and its sends (including to
 *                                  255.255.255.255) leave by ifname with no route needed.
 *  setArpEntry(ifname, ip, mac)    ioctl(SIOCSARP, ATF_COM): a neighbour entry so a reply can be
 *                                  unicast to a client that has no address yet (RFC 2131 §4.1).
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

static napi_value Init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"bindToDevice", NULL, BindToDevice, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setArpEntry", NULL, SetArpEntry, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
