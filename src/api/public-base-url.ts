import type { FastifyRequest } from 'fastify';
import ipaddr from 'ipaddr.js';

/** A Host header value: a DNS name or IPv4 address, or a bracketed IPv6 address, with an optional port. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * The scheme, host and port at which the client reached the server, for the absolute URLs put in
 * responses (CoverUrl, Snapshots, Image). In order:
 * 1. the configured public URL (MEDIASEARCH_PUBLIC_URL), for deployments behind a proxy that is
 *    not on this machine, or with a path prefix;
 * 2. `X-Forwarded-Proto` / `X-Forwarded-Host`, only when the TCP peer is a loopback address, that
 *    is a reverse proxy on this machine. From anyone else these headers are ignored: they cost a
 *    direct client nothing to forge, and once a URL can be steered elsewhere by a header, any cache
 *    or log that shares responses spreads it. The last value of a list is taken: the one the
 *    nearest proxy (ours) added;
 * 3. the request's own `Host` header and the connection's protocol.
 * A Host that is not a plain host[:port] falls back to the address the connection arrived at.
 */
export function requestBaseUrl(request: FastifyRequest, publicUrl: string | undefined): string {
  if (publicUrl) return publicUrl;
  const socket = request.raw.socket;
  const viaLocalProxy = isLoopback(socket.remoteAddress);
  const encrypted = 'encrypted' in socket && socket.encrypted === true;
  const forwardedProto = viaLocalProxy ? lastListValue(request.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const proto = forwardedProto === 'http' || forwardedProto === 'https' ? forwardedProto : encrypted ? 'https' : 'http';
  const forwardedHost = viaLocalProxy ? lastListValue(request.headers['x-forwarded-host']) : undefined;
  const host = [forwardedHost, request.headers.host].find((value) => value !== undefined && HOST.test(value));
  return `${proto}://${host ?? localHost(socket.localAddress, socket.localPort)}`;
}

function isLoopback(address: string | undefined): boolean {
  if (!address || !ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address); // ::ffff:127.0.0.1 counts as IPv4 loopback
  return parsed.range() === 'loopback';
}

function lastListValue(header: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(header) ? header.join(',') : header;
  const value = joined?.split(',').pop()?.trim();
  return value === '' ? undefined : value;
}

function localHost(address: string | undefined, port: number | undefined): string {
  const host = address && address.includes(':') ? `[${address}]` : (address ?? 'localhost');
  return port ? `${host}:${port}` : host;
}
