import { isIP } from 'node:net';

/** An IPv4 or IPv6 address, optionally with a CIDR prefix: 10.0.0.0/8, 2001:db8::/32, 192.0.2.7. */
export function isIpOrCidr(value: string): boolean {
  const [address, prefix, extra] = value.split('/');
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}
