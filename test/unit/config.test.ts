import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DEFAULT_URL_FETCH_POLICY } from '../../src/media/url-policy.js';

type Env = Record<string, string | undefined>;

function configError(env: Env, variable: string, message?: RegExp): void {
  assert.throws(
    () => loadConfig(env),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
      assert.equal(error.name, 'ConfigError');
      assert.ok(error.message.includes(variable), `message should name ${variable}: ${error.message}`);
      if (message) assert.match(error.message, message);
      return true;
    },
  );
}

describe('loadConfig', () => {
  it('has safe defaults for an empty environment', () => {
    const config = loadConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 8080);
    assert.equal(config.dataDir, path.resolve('./data'));
    assert.ok(path.isAbsolute(config.dataDir));
    assert.equal(config.accessKeys.size, 0);
    assert.equal(config.allowInsecureBind, false);
    assert.deepEqual(config.fileRoots, []);
    assert.deepEqual(config.urlPolicy, { ...DEFAULT_URL_FETCH_POLICY, allowedCidrs: [] });
    assert.equal(config.urlPolicy.allowPrivateNetworks, false);
    assert.equal(config.urlPolicy.timeoutMs, 600_000);
    assert.equal(config.maxMediaBytes, 2 * 1024 ** 3);
    assert.equal(config.urlPolicy.maxBytes, config.maxMediaBytes);
    assert.equal(config.workers, Math.max(1, os.availableParallelism()));
    assert.equal(config.jobMaxAttempts, 3);
    assert.equal(config.jobRetryBaseMs, 2000);
    assert.equal(config.shutdownGraceMs, 10_000);
    assert.equal(config.maxClockSkewMs, 900_000);
    assert.equal(config.logLevel, 'info');
  });

  it('does not read process.env when given an environment', () => {
    const saved = process.env.PORT;
    process.env.PORT = '1234';
    try {
      assert.equal(loadConfig({}).port, 8080);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });

  describe('HOST', () => {
    it('is trimmed, and blank means the loopback default', () => {
      assert.equal(loadConfig({ HOST: '0.0.0.0' }).host, '0.0.0.0');
      assert.equal(loadConfig({ HOST: ' ::1 ' }).host, '::1');
      assert.equal(loadConfig({ HOST: '' }).host, '127.0.0.1');
      assert.equal(loadConfig({ HOST: '   ' }).host, '127.0.0.1');
    });
  });

  describe('MEDIASEARCH_DATA_DIR', () => {
    it('is resolved to an absolute path', () => {
      assert.equal(loadConfig({ MEDIASEARCH_DATA_DIR: 'var/ms' }).dataDir, path.resolve('var/ms'));
      assert.equal(loadConfig({ MEDIASEARCH_DATA_DIR: '/srv/media/../ms' }).dataDir, '/srv/ms');
    });
  });

  describe('integers', () => {
    it('parses whole numbers within range and ignores blank values', () => {
      assert.equal(loadConfig({ PORT: '0' }).port, 0);
      assert.equal(loadConfig({ PORT: '65535' }).port, 65535);
      assert.equal(loadConfig({ PORT: ' 9000 ' }).port, 9000);
      assert.equal(loadConfig({ PORT: '' }).port, 8080);
      assert.equal(loadConfig({ PORT: '  ' }).port, 8080);
      assert.equal(loadConfig({ MEDIASEARCH_WORKERS: '4' }).workers, 4);
      assert.equal(loadConfig({ MEDIASEARCH_JOB_MAX_ATTEMPTS: '1' }).jobMaxAttempts, 1);
      assert.equal(loadConfig({ MEDIASEARCH_JOB_RETRY_BASE_MS: '0' }).jobRetryBaseMs, 0);
      assert.equal(loadConfig({ MEDIASEARCH_SHUTDOWN_GRACE_MS: '0' }).shutdownGraceMs, 0);
      const small = loadConfig({ MEDIASEARCH_MAX_MEDIA_BYTES: '1' });
      assert.equal(small.maxMediaBytes, 1);
      assert.equal(small.urlPolicy.maxBytes, 1, 'the URL fetch limit follows MEDIASEARCH_MAX_MEDIA_BYTES');
      assert.equal(loadConfig({ MEDIASEARCH_DOWNLOAD_TIMEOUT_MS: '1000' }).urlPolicy.timeoutMs, 1000);
      assert.equal(loadConfig({ MEDIASEARCH_MAX_CLOCK_SKEW_MS: '60000' }).maxClockSkewMs, 60_000);
    });

    it('raises a ConfigError naming the variable, its range and the bad value', () => {
      configError({ PORT: 'http' }, 'PORT', /whole number from 0 to 65535, got "http"/);
      configError({ PORT: '65536' }, 'PORT', /got "65536"/);
      configError({ PORT: '-1' }, 'PORT');
      configError({ PORT: '80.5' }, 'PORT');
      configError({ MEDIASEARCH_WORKERS: '0' }, 'MEDIASEARCH_WORKERS', /from 1 to 256/);
      configError({ MEDIASEARCH_WORKERS: '257' }, 'MEDIASEARCH_WORKERS');
      configError({ MEDIASEARCH_JOB_MAX_ATTEMPTS: '0' }, 'MEDIASEARCH_JOB_MAX_ATTEMPTS');
      configError({ MEDIASEARCH_JOB_MAX_ATTEMPTS: '101' }, 'MEDIASEARCH_JOB_MAX_ATTEMPTS');
      configError({ MEDIASEARCH_JOB_RETRY_BASE_MS: '-5' }, 'MEDIASEARCH_JOB_RETRY_BASE_MS');
      configError({ MEDIASEARCH_SHUTDOWN_GRACE_MS: 'soon' }, 'MEDIASEARCH_SHUTDOWN_GRACE_MS');
      configError({ MEDIASEARCH_MAX_MEDIA_BYTES: '0' }, 'MEDIASEARCH_MAX_MEDIA_BYTES');
      configError({ MEDIASEARCH_MAX_MEDIA_BYTES: '1e20' }, 'MEDIASEARCH_MAX_MEDIA_BYTES');
      configError({ MEDIASEARCH_DOWNLOAD_TIMEOUT_MS: '999' }, 'MEDIASEARCH_DOWNLOAD_TIMEOUT_MS');
      configError({ MEDIASEARCH_MAX_CLOCK_SKEW_MS: '999' }, 'MEDIASEARCH_MAX_CLOCK_SKEW_MS');
    });
  });

  describe('flags', () => {
    it('accepts the usual spellings of true and false', () => {
      for (const yes of ['1', 'true', 'TRUE', 'yes', ' Yes ']) {
        assert.equal(loadConfig({ MEDIASEARCH_ALLOW_INSECURE_BIND: yes }).allowInsecureBind, true, yes);
        assert.equal(loadConfig({ MEDIASEARCH_ALLOW_PRIVATE_URLS: yes }).urlPolicy.allowPrivateNetworks, true, yes);
      }
      for (const no of ['', '0', 'false', 'False', 'no', '  ']) {
        assert.equal(loadConfig({ MEDIASEARCH_ALLOW_INSECURE_BIND: no }).allowInsecureBind, false, no);
        assert.equal(loadConfig({ MEDIASEARCH_ALLOW_PRIVATE_URLS: no }).urlPolicy.allowPrivateNetworks, false, no);
      }
    });

    it('raises a ConfigError naming the variable for anything else', () => {
      configError({ MEDIASEARCH_ALLOW_INSECURE_BIND: 'maybe' }, 'MEDIASEARCH_ALLOW_INSECURE_BIND', /got "maybe"/);
      configError({ MEDIASEARCH_ALLOW_PRIVATE_URLS: 'on' }, 'MEDIASEARCH_ALLOW_PRIVATE_URLS');
    });
  });

  describe('lists', () => {
    it('splits MEDIASEARCH_FILE_ROOTS on commas and resolves each root', () => {
      assert.deepEqual(loadConfig({ MEDIASEARCH_FILE_ROOTS: ' /srv/a , rel/b ,, ' }).fileRoots, [
        '/srv/a',
        path.resolve('rel/b'),
      ]);
    });

    it('splits MEDIASEARCH_URL_ALLOW_CIDRS on commas, trimmed', () => {
      assert.deepEqual(loadConfig({ MEDIASEARCH_URL_ALLOW_CIDRS: '10.0.0.0/8, fd00::/8,127.0.0.2' }).urlPolicy.allowedCidrs, [
        '10.0.0.0/8',
        'fd00::/8',
        '127.0.0.2',
      ]);
    });

    it('rejects an entry of MEDIASEARCH_URL_ALLOW_CIDRS that is not an address or range', () => {
      for (const bad of ['10.0.0.0/33', 'intranet', '10.0.0.0/8,nope']) {
        configError({ MEDIASEARCH_URL_ALLOW_CIDRS: bad }, 'MEDIASEARCH_URL_ALLOW_CIDRS', /not an IP address or CIDR range/);
      }
    });
  });

  describe('MEDIASEARCH_ACCESS_KEYS', () => {
    it('parses id:secret pairs, and a secret may contain colons', () => {
      const keys = loadConfig({ MEDIASEARCH_ACCESS_KEYS: 'id:secret,id2:sec:ret' }).accessKeys;
      assert.deepEqual([...keys], [
        ['id', 'secret'],
        ['id2', 'sec:ret'],
      ]);
    });

    it('trims pairs and skips empty ones', () => {
      const keys = loadConfig({ MEDIASEARCH_ACCESS_KEYS: ' LTAI1:abc , ,LTAI2:x:y:z,' }).accessKeys;
      assert.deepEqual([...keys], [
        ['LTAI1', 'abc'],
        ['LTAI2', 'x:y:z'],
      ]);
      assert.equal(loadConfig({ MEDIASEARCH_ACCESS_KEYS: '' }).accessKeys.size, 0);
      assert.equal(loadConfig({ MEDIASEARCH_ACCESS_KEYS: ' , ' }).accessKeys.size, 0);
    });

    it('raises a ConfigError naming the variable, without echoing secrets', () => {
      for (const bad of ['justanid', ':secret', 'id:', 'ok:fine,broken', 'ok:fine,:s3cr3t']) {
        configError({ MEDIASEARCH_ACCESS_KEYS: bad }, 'MEDIASEARCH_ACCESS_KEYS', /"id:secret,id2:secret2"/);
      }
      assert.throws(
        () => loadConfig({ MEDIASEARCH_ACCESS_KEYS: 'good:topsecretvalue,bad' }),
        (error: unknown) => error instanceof ConfigError && !error.message.includes('topsecretvalue'),
      );
    });
  });

  it('reads LOG_LEVEL, defaulting blank to info', () => {
    assert.equal(loadConfig({ LOG_LEVEL: 'debug' }).logLevel, 'debug');
    assert.equal(loadConfig({ LOG_LEVEL: ' warn ' }).logLevel, 'warn');
    assert.equal(loadConfig({ LOG_LEVEL: '' }).logLevel, 'info');
    assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL must be one of/);
  });

  it('reads the video face detector, int8 unless float32 is asked for', () => {
    assert.equal(loadConfig({}).analysis.videoFaceDetector, 'int8');
    assert.equal(loadConfig({ MEDIASEARCH_VIDEO_FACE_DETECTOR: 'float32' }).analysis.videoFaceDetector, 'float32');
    assert.throws(() => loadConfig({ MEDIASEARCH_VIDEO_FACE_DETECTOR: 'fp16' }), /MEDIASEARCH_VIDEO_FACE_DETECTOR must be one of/);
  });

  it('refuses numbers that are not plain whole numbers, and treats a blank data dir as the default', () => {
    for (const port of ['0x1F90', '8e3', '8080.0']) assert.throws(() => loadConfig({ PORT: port }), /PORT/);
    assert.equal(loadConfig({ MEDIASEARCH_DATA_DIR: ' ' }).dataDir, path.resolve('./data'));
  });
});
