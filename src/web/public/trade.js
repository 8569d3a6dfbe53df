// Trade form: one Idempotency-Key per order, generated here; a retry (network error, timeout,
// 503 no leader) resends the SAME key and body, so the order executes at most once however
// many times it is sent. Recent orders: GET /orders?limit=10 (newest first).
import { formatPrice, getJson, HttpError, postJson } from './http.js';

const ATTEMPTS_MAX = 6;
const BACKOFF_MS = 250;
const ORDERS_SHOWN = 10;
const ORDERS_POLL_MS = 2000;

function newIdempotencyKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes); // works on plain http too (randomUUID needs a secure context)
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Worth another attempt with the same key: no answer, or the cluster had no leader/quorum. */
function retryable(err) {
  return !(err instanceof HttpError) || err.status === 503;
}

async function placeOrder(order, onAttempt) {
  const key = newIdempotencyKey();
  for (let attempt = 1; ; attempt++) {
    onAttempt(attempt, key);
    try {
      return { key, answer: await postJson('/orders', order, { 'idempotency-key': key }) };
    } catch (err) {
      if (attempt >= ATTEMPTS_MAX || !retryable(err)) throw err;
      const waitMs = err.retryAfterSeconds ? err.retryAfterSeconds * 1000 : BACKOFF_MS * 2 ** (attempt - 1);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}

export function startTrade(assets) {
  const form = document.getElementById('trade-form');
  const status = document.getElementById('trade-status');
  const submit = document.getElementById('trade-submit');
  const names = document.getElementById('trade-names');
  for (const asset of assets) names.appendChild(Object.assign(document.createElement('option'), { value: asset }));
  document.getElementById('trade-name').value = assets[0] ?? '';

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const order = {
      name: document.getElementById('trade-name').value.trim(),
      type: document.getElementById('trade-type').value,
      quantity: Number(document.getElementById('trade-quantity').value),
    };
    submit.disabled = true;
    status.className = 'note';
    try {
      const { answer } = await placeOrder(order, (attempt, key) => {
        status.textContent = attempt === 1 ? `sending (key ${key.slice(0, 12)}…)` : `retrying with the same key, attempt ${attempt}`;
      });
      status.className = 'note ok';
      status.textContent = `order #${answer.data.transaction_number}: ${order.type} ${order.quantity} ${order.name}`;
      status.dataset.lastOrder = String(answer.data.transaction_number);
      await refreshOrders();
    } catch (err) {
      status.className = 'note error';
      status.textContent = `order refused: ${err.message}`;
    } finally {
      submit.disabled = false;
    }
  });

  const body = document.querySelector('#orders tbody');
  async function refreshOrders() {
    try {
      const page = await getJson(`/orders?limit=${ORDERS_SHOWN}`);
      body.replaceChildren(
        ...page.data.map((o) => {
          const tr = document.createElement('tr');
          tr.dataset.number = String(o.number);
          const cells = [o.number, o.name, o.type, o.quantity, formatPrice(o.price), new Date(o.executed_at).toLocaleTimeString()];
          for (const value of cells) tr.appendChild(Object.assign(document.createElement('td'), { textContent: String(value) }));
          tr.children[2].className = o.type === 'BUY' ? 'up' : 'down';
          return tr;
        }),
      );
    } catch {
      // no leader right now: keep the last list; the cluster panel says why
    }
  }
  setInterval(() => void refreshOrders(), ORDERS_POLL_MS);
  void refreshOrders();
}
