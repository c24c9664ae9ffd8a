/**
 * Against server-side request forgery: an endpoint must be http(s) and, unless
 * HARK_WEBHOOK_ALLOW_PRIVATE is set, must not reach loopback, private, link-local or other
 * internal addresses. Checked when an endpoint is saved (its URL) and again at every
 * delivery (the addresses its name resolves to then, through the socket's own lookup, so a
 * name that changes its answer cannot slip past).
 */
import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

export type UrlRefusal = 'not_a_url' | 'not_http' | 'credentials' | 'private_address';

export function checkEndpointUrl(text: string, allowPrivate: boolean): { ok: true; url: URL } | { ok: false; reason: UrlRefusal } {
  if (!URL.canParse(text)) return { ok: false, reason: 'not_a_url' };
  const url = new URL(text);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'not_http' };
  if (url.username || url.password) return { ok: false, reason: 'credentials' };
  if (!allowPrivate) {
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.internal') || host.endsWith('.local')) return { ok: false, reason: 'private_address' };
    if (isIP(host) && isPrivateAddress(host)) return { ok: false, reason: 'private_address' };
  }
  return { ok: true, url };
}

/** Loopback, private (RFC 1918, ULA), link-local, CGNAT, unspecified, multicast and reserved ranges. */
export function isPrivateAddress(address: string): boolean {
  const kind = isIP(address);
  if (kind === 4) return isPrivateV4(address);
  if (kind !== 6) return true;
  const lower = address.toLowerCase();
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower) ?? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped?.[1]) return isPrivateV4(mapped[1]);
  if (lower === '::' || lower === '::1') return true;
  const first = Number.parseInt(lower.split(':')[0] || '0', 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00 || lower.startsWith('64:ff9b:') || lower.startsWith('2001:db8:');
}

function isPrivateV4(address: string): boolean {
  const [a = 0, b = 0] = address.split('.').map(Number);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

/** A DNS lookup for the delivery's socket that refuses internal addresses (unless allowed). */
export function safeLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as dns.LookupAddress[];
      const refused = !allowPrivate && list.some((a) => isPrivateAddress(a.address));
      if (refused || list.length === 0) {
        const denied = Object.assign(new Error(`${hostname} resolves to an internal address; webhooks may not call it`), { code: 'EADDRNOTALLOWED' });
        return callback(denied, '', 0);
      }
      if (options.all) return callback(null, list);
      const first = list[0] as dns.LookupAddress;
      return callback(null, first.address, first.family);
    });
  };
}
