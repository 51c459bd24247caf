/**
 * Percent-encoding shared by both Alibaba Cloud signature versions: encodeURIComponent plus the
 * five characters it leaves alone (`!'()*`), as in pop-core's and openapi-util's `encode`.
 * The signature covers this form, never the bytes on the wire (clients send `'()*!` unescaped
 * in URLs built with querystring.stringify), so the server re-encodes decoded values.
 */
export function acsPercentEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A');
}

/**
 * Keys sorted the way the clients sort them: Array.prototype.sort's default UTF-16 code-unit
 * order. localeCompare would disagree on case and non-ASCII keys and break signatures.
 */
export function sortedKeys(record: Readonly<Record<string, string>>): string[] {
  return Object.keys(record).sort();
}
