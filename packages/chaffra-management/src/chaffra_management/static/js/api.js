/* Fetching: every URL is relative to the page, so a mount prefix keeps working. */

const FETCH_TIMEOUT_MS = 8000;

export const ENDPOINTS = {
  status: 'api/v1/status',
  health: 'api/v1/health',
  modules: 'api/v1/modules',
  summary: 'api/v1/findings/summary',
  churn: 'api/v1/findings/churn',
  metrics: 'api/v1/metrics',
  config: 'api/v1/config',
  history: 'api/v1/metrics/history?window=7d&fields=summary',
};

/** The server answered 404: this server has no such endpoint or item. */
export class NotFound extends Error {}

/** GET a JSON document; non-2xx, timeouts and bad JSON throw with a readable reason. */
export async function getJSON(url) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
  let response;
  try {
    response = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store', signal: controller.signal });
  } catch (err) {
    throw new Error(err && err.name === 'AbortError' ? url + ' timed out' : url + ' is unreachable');
  } finally {
    clearTimeout(timer);
  }
  if (response.status === 404) throw new NotFound(url + ' answered HTTP 404');
  if (!response.ok) throw new Error(url + ' answered HTTP ' + response.status);
  try {
    return await response.json();
  } catch (err) {
    throw new Error(url + ' returned invalid JSON');
  }
}

/** Fetch the named endpoints in parallel; any failure fails the whole set. */
export async function fetchAll(keys) {
  const values = await Promise.all(keys.map((key) => getJSON(ENDPOINTS[key])));
  return Object.fromEntries(keys.map((key, i) => [key, values[i]]));
}

/** `path?k=v&...` from the entries whose value is set. */
export function withQuery(path, params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') query.set(key, String(value));
  }
  const text = query.toString();
  return text ? path + '?' + text : path;
}

let served = null;

/** Does this server serve `api/v1/<name>`? Read once from the API index (an older server lacks the report endpoints). */
export async function serves(name) {
  if (served === null) {
    const index = await getJSON('api/v1/');
    served = new Set((Array.isArray(index.endpoints) ? index.endpoints : [])
      .map((e) => String(e.path).replace(/^.*\/api\/v1\//, '')));
  }
  return served.has(name);
}

/** A run-report list (files, functions, findings); null when this server has none of them. */
export async function getReportList(name, params) {
  if (!(await serves(name))) return null;
  return getJSON(withQuery('api/v1/' + name, params));
}
