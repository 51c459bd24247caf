/**
 * Which network destinations the server may download media from. Media URLs come from API callers,
 * so without this check anyone who can submit a URL could make the server fetch from its own
 * loopback services, the LAN or a cloud metadata endpoint (server-side request forgery).
 */
import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface UrlFetchPolicy {
  /** MEDIASEARCH_ALLOW_PRIVATE_URLS; default false. */
  allowPrivateNetworks: boolean;
  /** Extra CIDRs always allowed even if private, e.g. ['127.0.0.2/32'] (MEDIASEARCH_URL_ALLOW_CIDRS). */
  allowedCidrs: readonly string[];
  /** Largest file accepted, in bytes; default 2 GiB. */
  maxBytes: number;
  /** Whole download, redirects included; default 10 min. */
  timeoutMs: number;
  /** DNS lookup plus TCP (and TLS) connect of one hop; default 15 s. */
  connectTimeoutMs: number;
  /** Default 5. */
  maxRedirects: number;
}

export const DEFAULT_URL_FETCH_POLICY: Readonly<UrlFetchPolicy> = Object.freeze({
  allowPrivateNetworks: false,
  allowedCidrs: Object.freeze([]) as readonly string[],
  maxBytes: 2 * 1024 * 1024 * 1024,
  timeoutMs: 10 * 60 * 1000,
  connectTimeoutMs: 15 * 1000,
  maxRedirects: 5,
});

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Ranges that are never a sensible TCP destination. 0.0.0.0 and :: in particular reach the local
 * host on Linux, so letting them through would undo the loopback ban.
 */
const NEVER_ALLOWED = new Set(['unspecified', 'multicast', 'broadcast']);

/**
 * Link-local stays refused even with allowPrivateNetworks: 169.254.169.254 is the cloud metadata
 * service, the classic SSRF prize, and nobody keeps media there. allowedCidrs can still open it.
 */
const NOT_OPENED_BY_PRIVATE_FLAG = new Set(['linkLocal']);

const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
const IPV6_GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');

/**
 * Parses only canonical textual addresses, the kind getaddrinfo and the WHATWG URL parser produce.
 * ipaddr.js alone is too lenient for a security check: it reads '::127.0.0.1' (an IPv4-compatible
 * address, ::7f00:1 on the wire) as the IPv4-mapped ::ffff:7f00:1, so IPv6 text is first put
 * through the URL parser's serializer, which never emits the dotted form.
 */
function parseAddress(text: string): Address | undefined {
  let address = text.trim();
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  // A zone index only picks the interface; it does not change which range the address is in.
  const zone = address.indexOf('%');
  if (zone !== -1) address = address.slice(0, zone);
  try {
    if (isIPv4(address)) return ipaddr.IPv4.parse(address);
    if (isIPv6(address)) {
      const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
      const parsed = ipaddr.IPv6.parse(canonical);
      return parsed.isIPv4MappedAddress() ? parsed.toIPv4Address() : parsed;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const bytes = address.toByteArray().slice(12);
  return new ipaddr.IPv4(bytes);
}

function classify(address: Address): string {
  if (address.kind() === 'ipv4') return address.range();
  const v6 = address as ipaddr.IPv6;
  // Behind a NAT64 gateway every IPv4 host appears under 64:ff9b::/96, so judge the embedded
  // address: public ones must keep working on IPv6-only hosts, private ones must not sneak past.
  if (v6.match(NAT64_WELL_KNOWN)) return embeddedIPv4(v6).range();
  const range = v6.range();
  // ipaddr.js calls everything outside its named ranges 'unicast', including unallocated space and
  // the deprecated IPv4-compatible ::a.b.c.d block; only 2000::/3 is handed out as global unicast.
  if (range === 'unicast' && !v6.match(IPV6_GLOBAL_UNICAST)) return 'reserved';
  return range;
}

/** The range an address falls in ('unicast' for public ones), or undefined when it is not an IP address. */
export function classifyAddress(address: string): string | undefined {
  const parsed = parseAddress(address);
  return parsed === undefined ? undefined : classify(parsed);
}

function parseCidr(cidr: string): [Address, number] | undefined {
  const text = cidr.trim();
  if (text === '') return undefined;
  try {
    if (text.includes('/')) {
      const [network, bits] = ipaddr.parseCIDR(text);
      // Written as ::ffff:a.b.c.d/n it still means IPv4 hosts, and addresses are compared as IPv4.
      if (network.kind() === 'ipv6' && (network as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
        return [(network as ipaddr.IPv6).toIPv4Address(), bits - 96];
      }
      return [network, bits];
    }
    const single = parseAddress(text);
    if (single === undefined) return undefined;
    return [single, single.kind() === 'ipv4' ? 32 : 128];
  } catch {
    return undefined;
  }
}

/** Checks MEDIASEARCH_URL_ALLOW_CIDRS entries up front, so that a typo fails at startup, not silently. */
export function validateCidrs(cidrs: readonly string[]): void {
  for (const cidr of cidrs) {
    if (parseCidr(cidr) === undefined) {
      throw new Error(`MEDIASEARCH_URL_ALLOW_CIDRS: '${cidr}' is not an IP address or CIDR range (e.g. 10.0.0.0/8, fd00::/8)`);
    }
  }
}

function inAllowedCidrs(address: Address, cidrs: readonly string[]): boolean {
  for (const cidr of cidrs) {
    const range = parseCidr(cidr);
    // An unparseable entry matches nothing: failing closed beats guessing what was meant.
    if (range !== undefined && range[0].kind() === address.kind() && address.match(range)) return true;
  }
  return false;
}

/**
 * Whether the server may open a connection to this IP address. Public unicast addresses are
 * allowed; everything else (loopback, private, link-local, unique-local, CGNAT, reserved, 6to4,
 * Teredo, ...) only when allowPrivateNetworks is set or the address is inside allowedCidrs.
 * Anything that is not a plain IP address is refused.
 */
export function isAddressAllowed(
  address: string,
  policy: Pick<UrlFetchPolicy, 'allowPrivateNetworks' | 'allowedCidrs'>,
): boolean {
  const parsed = parseAddress(address);
  if (parsed === undefined) return false;
  const range = classify(parsed);
  if (NEVER_ALLOWED.has(range)) return false;
  if (inAllowedCidrs(parsed, policy.allowedCidrs)) return true;
  if (range === 'unicast') return true;
  return policy.allowPrivateNetworks && !NOT_OPENED_BY_PRIVATE_FLAG.has(range);
}
