/**
 * Addresses on a Hugging Face-style hub. HF_ENDPOINT and HF_TOKEN are the names the Hugging Face
 * tools use, so a mirror or token already configured for them works here unchanged.
 */

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

type Env = Readonly<Record<string, string | undefined>>;

/** Checks and normalises a hub base URL (http or https, no trailing slash; a path prefix is kept for mirrors). */
export function normaliseHubEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint.trim());
  } catch {
    throw new Error(`Invalid hub endpoint "${endpoint}": it must be an absolute http(s) URL such as ${DEFAULT_HUB_ENDPOINT}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`Invalid hub endpoint "${endpoint}": only http and https are supported`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new Error(`Invalid hub endpoint "${endpoint}": it must not have a query string or fragment`);
  }
  return url.href.replace(/\/+$/, '');
}

export function resolveHubEndpoint(env: Env = process.env): string {
  return normaliseHubEndpoint(env.HF_ENDPOINT?.trim() || DEFAULT_HUB_ENDPOINT);
}

export function resolveHubToken(env: Env = process.env): string | undefined {
  return env.HF_TOKEN?.trim() || undefined;
}

function encodeSegments(value: string): string {
  return value.split('/').map(encodeURIComponent).join('/');
}

/** `${endpoint}/${repo}/resolve/${revision}/${path}`, the hub's download address of one file at one revision. */
export function modelFileUrl(endpoint: string, repo: string, revision: string, filePath: string): string {
  const base = normaliseHubEndpoint(endpoint);
  return `${base}/${encodeSegments(repo)}/resolve/${encodeURIComponent(revision)}/${encodeSegments(filePath)}`;
}
