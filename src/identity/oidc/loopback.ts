// Loopback addresses: where plain http is acceptable because the traffic never leaves the host.

/** True for 127.0.0.0/8, ::1 and `localhost` (as a URL's hostname, brackets allowed). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host === '::1' || isLoopbackIPv4(host);
}

/** True for the IP literals 127.0.0.0/8 and ::1 only: what RFC 8252 §7.3 recommends for native apps. */
export function isLoopbackIpLiteral(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  return host === '::1' || isLoopbackIPv4(host);
}

function isLoopbackIPv4(host: string): boolean {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}
