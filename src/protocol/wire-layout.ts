// Byte offsets of the fixed BOOTP/DHCP header (RFC 2131 §2, figure 1), shared by decode and encode.
export const OFF_OP = 0;
export const OFF_HTYPE = 1;
export const OFF_HLEN = 2;
export const OFF_HOPS = 3;
export const OFF_XID = 4;
export const OFF_SECS = 8;
export const OFF_FLAGS = 10;
export const OFF_CIADDR = 12;
export const OFF_YIADDR = 16;
export const OFF_SIADDR = 20;
export const OFF_GIADDR = 24;
export const OFF_CHADDR = 28;
export const OFF_SNAME = 44;
export const OFF_FILE = 108;
export const OFF_COOKIE = 236;
export const OFF_OPTIONS = 240;

export const CHADDR_LENGTH = 16;
export const SNAME_LENGTH = 64;
export const FILE_LENGTH = 128;
/** Everything before the magic cookie. */
export const HEADER_LENGTH = 236;
/** RFC 951: a BOOTP message is at least 300 bytes (64-byte vend field); RFC 1542 §3.1.1 asks relays/servers to pad to it. */
export const BOOTP_MIN_LENGTH = 300;
export const MAGIC_COOKIE = 0x63825363;
/** IPv4 (20, no options) + UDP (8) headers, which option 57 counts (RFC 2132 §9.10). */
export const IP_UDP_HEADERS = 28;
/** RFC 2131 §2: every host must accept 576-byte datagrams; option 57 may not go lower. */
export const MIN_MAX_MESSAGE_SIZE = 576;

export const OPT_PAD = 0;
export const OPT_OVERLOAD = 52;
export const OPT_RELAY_AGENT = 82;
export const OPT_END = 255;
