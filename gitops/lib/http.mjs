/**
 * A tiny REST client for the GitHub and GitLab APIs (global fetch; no dependencies). The token goes
 * in a header and nowhere else: errors name the method, the path and the status, never the token.
 */

class ApiError extends Error {
  constructor(method, path, status, detail) {
    super(`${method} ${path} answered ${status}${detail ? `: ${detail}` : ''}`);
    this.name = 'ApiError';
    this.status = status;
  }
}

/**
 * @param {{ baseUrl: string, headers: Record<string, string>, fetchImpl?: typeof fetch }} opts
 */
function restClient({ baseUrl, headers, fetchImpl = fetch }) {
  const base = baseUrl.replace(/\/+$/, '');
  async function request(method, path, body) {
    const res = await fetchImpl(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) {
      let detail = text.slice(0, 200);
      try {
        detail = JSON.parse(text).message ?? detail;
      } catch {}
      throw new ApiError(method, path, res.status, detail);
    }
    return text ? JSON.parse(text) : null;
  }
  return {
    request,
    get: (path) => request('GET', path),
    /** GET every page (per_page=100) of a list, or of the array under `key` of a wrapper object. */
    async all(path, key) {
      const items = [];
      for (let page = 1; page <= 100; page++) {
        const sep = path.includes('?') ? '&' : '?';
        const data = await request('GET', `${path}${sep}per_page=100&page=${page}`);
        const list = key ? data[key] : data;
        items.push(...list);
        if (list.length < 100) break;
      }
      return items;
    },
  };
}

/** @param {{ token: string, apiUrl?: string }} opts */
export function githubClient({ token, apiUrl }) {
  if (!token) throw new Error('no GitHub token: set the input github-token');
  return restClient({
    baseUrl: apiUrl || 'https://api.github.com',
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${token}`,
      'x-github-api-version': '2022-11-28',
      'user-agent': 'acns-gitops',
    },
  });
}

/** @param {{ token: string, apiUrl?: string }} opts */
export function gitlabClient({ token, apiUrl }) {
  if (!token) throw new Error('no GitLab token: set ACNS_GITLAB_TOKEN (a project access token with read_api)');
  return restClient({
    baseUrl: apiUrl || 'https://gitlab.com/api/v4',
    headers: { 'private-token': token, accept: 'application/json', 'user-agent': 'acns-gitops' },
  });
}
