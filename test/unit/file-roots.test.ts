import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { resolveFileUrl } from '../../src/media/file-roots.js';
import { MediaError } from '../../src/media/media-error.js';

let base: string;
let root: string;

function url(path: string): string {
  return pathToFileURL(path).href;
}

function refused(fileUrl: string, roots: readonly string[], message: RegExp): void {
  assert.throws(
    () => resolveFileUrl(fileUrl, roots),
    (error: unknown) => {
      assert.ok(error instanceof MediaError, String(error));
      assert.equal(error.retryable, false);
      assert.match(error.message, message);
      return true;
    },
  );
}

before(() => {
  // realpath: on some systems the temp dir itself sits behind a symlink (/tmp -> /private/tmp).
  base = realpathSync(mkdtempSync(join(tmpdir(), 'mediasearch-roots-')));
  root = join(base, 'data');
  mkdirSync(join(root, 'clips'), { recursive: true });
  mkdirSync(join(base, 'data2'));
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(root, 'clips', 'a.mp4'), 'a');
  writeFileSync(join(root, 'b.jpg'), 'b');
  writeFileSync(join(base, 'data2', 'c.jpg'), 'c');
  writeFileSync(join(base, 'outside', 'secret.txt'), 's');
  symlinkSync(join(base, 'outside', 'secret.txt'), join(root, 'escape.jpg'));
  symlinkSync(join(base, 'outside'), join(root, 'escape-dir'));
  symlinkSync(join(root, 'b.jpg'), join(root, 'clips', 'alias.jpg'));
  symlinkSync(root, join(base, 'root-link'));
});

after(() => {
  rmSync(base, { recursive: true, force: true });
});

describe('resolveFileUrl', () => {
  it('resolves a file inside a root', () => {
    assert.equal(resolveFileUrl(url(join(root, 'clips', 'a.mp4')), [root]), join(root, 'clips', 'a.mp4'));
  });

  it('accepts a root written with a trailing separator or through a symlink', () => {
    assert.equal(resolveFileUrl(url(join(root, 'b.jpg')), [root + sep]), join(root, 'b.jpg'));
    assert.equal(resolveFileUrl(url(join(root, 'b.jpg')), [join(base, 'root-link')]), join(root, 'b.jpg'));
    assert.equal(resolveFileUrl(url(join(base, 'root-link', 'b.jpg')), [root]), join(root, 'b.jpg'));
  });

  it('follows a symlink that stays inside the root to its real path', () => {
    assert.equal(resolveFileUrl(url(join(root, 'clips', 'alias.jpg')), [root]), join(root, 'b.jpg'));
  });

  it('checks every configured root', () => {
    const other = join(base, 'outside');
    assert.equal(resolveFileUrl(url(join(other, 'secret.txt')), [root, other]), join(other, 'secret.txt'));
  });

  it('refuses .. escapes, raw or percent-encoded', () => {
    refused(`${url(root)}/../outside/secret.txt`, [root], /outside the directories listed in MEDIASEARCH_FILE_ROOTS/);
    refused(`${url(root)}/clips/%2e%2e/%2e%2e/outside/secret.txt`, [root], /outside the directories/);
  });

  it('refuses a symlink that points outside the root', () => {
    refused(url(join(root, 'escape.jpg')), [root], /outside the directories/);
    refused(url(join(root, 'escape-dir', 'secret.txt')), [root], /outside the directories/);
  });

  it('refuses a sibling directory that shares the root as a name prefix', () => {
    refused(url(join(base, 'data2', 'c.jpg')), [root], /outside the directories/);
  });

  it('does not reveal whether files outside the roots exist', () => {
    refused(url(join(base, 'outside', 'missing.txt')), [root], /outside the directories/);
  });

  it('reports a missing file clearly', () => {
    refused(url(join(root, 'missing.mp4')), [root], /missing\.mp4 does not exist/);
  });

  it('refuses directories, the root itself included', () => {
    refused(url(join(root, 'clips')), [root], /is a directory/);
    refused(url(root), [root], /is a directory/);
  });

  it('asks for MEDIASEARCH_FILE_ROOTS when none is configured', () => {
    refused(url(join(root, 'b.jpg')), [], /set MEDIASEARCH_FILE_ROOTS/);
    refused(url(join(root, 'b.jpg')), ['  '], /set MEDIASEARCH_FILE_ROOTS/);
  });

  it('refuses a root that does not exist', () => {
    refused(url(join(root, 'b.jpg')), [join(base, 'nowhere')], /outside the directories/);
  });

  it('refuses URLs that are not plain local file URLs', () => {
    refused('http://example.com/a.jpg', [root], /Invalid file URL/);
    refused('file://otherhost/etc/passwd', [root], /Invalid file URL/);
    refused(`${url(root)}%2Fb.jpg`, [root], /Invalid file URL/);
    refused('not a url', [root], /Invalid file URL/);
  });
});
