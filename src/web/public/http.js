// fetch helpers: JSON in, the contract's error body out as an Error with status and retryAfter.

export class HttpError extends Error {
  constructor(status, message, retryAfterSeconds) {
    super(message);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

async function errorOf(res) {
  let message = `HTTP ${res.status}`;
  try {
    const body = await res.json();
    if (body && body.error && typeof body.error.message === 'string') message = body.error.message;
  } catch {
    // not JSON: keep the status line
  }
  const retry = Number(res.headers.get('retry-after'));
  return new HttpError(res.status, message, Number.isFinite(retry) && retry > 0 ? retry : null);
}

export async function getJson(url, timeoutMs = 3000) {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), cache: 'no-store' });
  if (!res.ok) throw await errorOf(res);
  return res.json();
}

export async function postJson(url, body, headers, timeoutMs = 5000) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw await errorOf(res);
  return res.json();
}

export function formatPrice(value) {
  if (value === null || value === undefined) return '-';
  const digits = value >= 1000 ? 2 : value >= 1 ? 4 : 6;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatAge(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  return `${Math.floor(s / 3600)}h`;
}
