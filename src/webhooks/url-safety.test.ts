/** The SSRF guard: which endpoint URLs and resolved addresses webhooks refuse. */
import { describe, expect, it } from 'vitest';
import { checkEndpointUrl, isPrivateAddress, safeLookup } from './url-safety.ts';

describe('webhook URL safety', () => {
  it('knows internal addresses from public ones', () => {
    for (const address of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd12::1', '::ffff:127.0.0.1', '224.0.0.1']) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700:4700::1111']) expect(isPrivateAddress(address), address).toBe(false);
  });

  it('refuses URLs that are not http(s), carry credentials, or name internal hosts', () => {
    expect(checkEndpointUrl('file:///etc/passwd', true)).toEqual({ ok: false, reason: 'not_http' });
    expect(checkEndpointUrl('gopher://x', false)).toEqual({ ok: false, reason: 'not_http' });
    expect(checkEndpointUrl('https://a:b@example.com', false)).toEqual({ ok: false, reason: 'credentials' });
    expect(checkEndpointUrl('https://metadata.internal/x', false)).toEqual({ ok: false, reason: 'private_address' });
    expect(checkEndpointUrl('http://127.0.0.1:3000/x', false)).toEqual({ ok: false, reason: 'private_address' });
    expect(checkEndpointUrl('http://127.0.0.1:3000/x', true).ok).toBe(true);
    expect(checkEndpointUrl('https://hooks.example.com/x', false).ok).toBe(true);
  });

  it('refuses, at connection time, a name that resolves to an internal address', async () => {
    const lookup = safeLookup(false);
    const refused = await new Promise<Error | null>((resolve) => lookup('localhost', {}, (error) => resolve(error)));
    expect(refused?.message).toMatch(/internal address/);
    const allowed = await new Promise<Error | null>((resolve) => safeLookup(true)('localhost', {}, (error) => resolve(error)));
    expect(allowed).toBeNull();
  });
});
