import net from 'node:net';
import { App } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { loadModelCatalog, ModelCatalogError, type ModelCatalog } from './models/model-catalog.js';

/**
 * `npm start`: serve the API on HOST:PORT with the embedded store in MEDIASEARCH_DATA_DIR.
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

async function main(): Promise<void> {
  let config: Config;
  let notice: string | undefined;
  let catalog: ModelCatalog;
  try {
    config = loadConfig();
    notice = checkBindSafety(config);
    catalog = await loadModelCatalog();
    if (!catalog.find(config.analysis.mmModel)) {
      throw new ConfigError(
        `MEDIASEARCH_MM_MODEL=${config.analysis.mmModel} is not a known model; known: ${catalog.models.map((m) => m.name).join(', ')} ` +
          '(add your own with MEDIASEARCH_MODELS_FILE)',
      );
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ModelCatalogError) {
      console.error(`mediasearch: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const app = new App(config, undefined, { catalog });
  if (notice) app.log.warn(notice);
  else app.log.info({ keys: config.accessKeys.size }, 'requests must be signed (signature v1 or v3)');
  const address = await app.start();
  app.log.info({ address, dataDir: config.dataDir }, `mediasearch is serving on ${address}`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down: finishing running jobs');
    app
      .stop()
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        app.log.error({ err: error }, 'error during shutdown');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

await main();
