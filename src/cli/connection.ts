/**
 * Where the server-talking commands connect and with which keys: `--endpoint`, else
 * MEDIASEARCH_ENDPOINT, else the address `mediasearch serve` listens on by default. Keys come only
 * from the environment (never from flags, which end up in shell history and `ps`).
 */
import type { Command } from 'commander';
import { ApiClient, type AccessKey } from './api-client.js';
import { CliError, type CliContext } from './cli-context.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8080';

export interface ConnectionOptions {
  endpoint?: string;
}

/** Adds `--endpoint` to a command that talks to the server. */
export function withEndpointOption(command: Command): Command {
  return command.option('--endpoint <url>', `server URL (default: MEDIASEARCH_ENDPOINT or ${DEFAULT_ENDPOINT})`);
}

/**
 * MEDIASEARCH_ACCESS_KEY_ID/SECRET, or the Alibaba Cloud SDKs' standard variables so a shell set
 * up for the SDKs works unchanged. The pairs are not mixed: an id from one and a secret from the
 * other would only produce a confusing SignatureDoesNotMatch.
 */
export function resolveAccessKey(env: CliContext['env']): AccessKey | undefined {
  for (const prefix of ['MEDIASEARCH_ACCESS_KEY', 'ALIBABA_CLOUD_ACCESS_KEY']) {
    const accessKeyId = env[`${prefix}_ID`]?.trim();
    const accessKeySecret = env[`${prefix}_SECRET`]?.trim();
    if (!accessKeyId && !accessKeySecret) continue;
    if (!accessKeyId || !accessKeySecret) {
      const missing = accessKeyId ? `${prefix}_SECRET` : `${prefix}_ID`;
      throw new CliError(`${missing} is not set; set both ${prefix}_ID and ${prefix}_SECRET, or neither to send unsigned requests`);
    }
    return { accessKeyId, accessKeySecret };
  }
  return undefined;
}

export function createClient(options: ConnectionOptions, context: CliContext): ApiClient {
  const endpoint = options.endpoint ?? (context.env.MEDIASEARCH_ENDPOINT?.trim() || DEFAULT_ENDPOINT);
  return new ApiClient({ endpoint, accessKey: resolveAccessKey(context.env), signal: context.signal });
}
