/**
 * Running the server as this process's job: shared by `npm start` (src/main.ts) and
 * `mediasearch serve`, so both check the configuration, log and shut down the same way.
 */
import net from 'node:net';
import { App } from '../app.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { loadModelCatalog, ModelCatalogError } from '../models/model-catalog.js';

/** Configuration problems are the operator's to fix: the caller prints the message and exits 2, without a stack. */
export function isStartupConfigError(error: unknown): error is ConfigError | ModelCatalogError {
  return error instanceof ConfigError || error instanceof ModelCatalogError;
}

/**
 * Without access keys the server is open to anyone who can reach it, so it refuses to listen
 * beyond loopback unless MEDIASEARCH_ALLOW_INSECURE_BIND=true says that is intended.
 */
function checkBindSafety(config: Config): string | undefined {
  if (config.accessKeys.size > 0) return undefined;
  const loopback = config.host === 'localhost' || (net.isIP(config.host) && /^(127\.|::1$)/.test(config.host));
  if (loopback) {
    return 'No MEDIASEARCH_ACCESS_KEYS configured: requests are not authenticated, serving on loopback only.';
  }
  if (!config.allowInsecureBind) {
    throw new ConfigError(
      `Refusing to serve without authentication on ${config.host}. Set MEDIASEARCH_ACCESS_KEYS=id:secret, ` +
        'or MEDIASEARCH_ALLOW_INSECURE_BIND=true if the network in front of this server is trusted.',
    );
  }
  return `WARNING: no MEDIASEARCH_ACCESS_KEYS configured and serving on ${config.host}: anyone who can reach it has full access.`;
}

/**
 * Serves the API on HOST:PORT with the embedded store in MEDIASEARCH_DATA_DIR until `stop` fires
 * (its `reason` is logged, e.g. "SIGTERM"), then finishes or re-queues running jobs and resolves.
 * Throws ConfigError/ModelCatalogError before anything starts when the settings are wrong.
 */
export async function serve(env: Readonly<Record<string, string | undefined>>, stop: AbortSignal): Promise<void> {
  const config = loadConfig(env);
  const notice = checkBindSafety(config);
  const catalog = await loadModelCatalog(env);
  if (!catalog.find(config.analysis.mmModel)) {
    throw new ConfigError(
      `MEDIASEARCH_MM_MODEL=${config.analysis.mmModel} is not a known model; known: ${catalog.models.map((m) => m.name).join(', ')} ` +
        '(add your own with MEDIASEARCH_MODELS_FILE)',
    );
  }
  const app = new App(config, undefined, { catalog });
  if (notice) app.log.warn(notice);
  else app.log.info({ keys: config.accessKeys.size }, 'requests must be signed (signature v1 or v3)');
  const address = await app.start();
  app.log.info({ address, dataDir: config.dataDir }, `mediasearch is serving on ${address}`);

  if (!stop.aborted) await new Promise((resolve) => stop.addEventListener('abort', resolve, { once: true }));
  app.log.info({ signal: typeof stop.reason === 'string' ? stop.reason : undefined }, 'shutting down: finishing running jobs');
  try {
    await app.stop();
  } catch (error) {
    app.log.error({ err: error }, 'error during shutdown');
    throw error;
  }
}
