// Live price table: a snapshot from GET /prices?assets=, then the SSE stream. A row flashes on
// each update; a price older than STALE_AFTER_MS (or marked stale by the node) is shown stale.
import { formatAge, formatPrice, getJson } from './http.js';

const STALE_AFTER_MS = 10_000;
const FLASH_MS = 600;

export function startPrices(assets, { onPrice, onSelect }) {
  const body = document.querySelector('#prices tbody');
  const table = document.getElementById('prices');
  const rows = new Map();
  let updates = 0;
  for (const asset of assets) {
    const tr = document.createElement('tr');
    tr.dataset.asset = asset;
    tr.innerHTML = '<td class="asset"></td><td class="price">-</td><td class="change"></td><td class="age"></td><td class="confidence"></td><td class="sources"></td>';
    tr.querySelector('.asset').textContent = asset;
    tr.addEventListener('click', () => select(asset));
    body.appendChild(tr);
    rows.set(asset, { tr, first: null, last: null });
  }

  function select(asset) {
    for (const [name, row] of rows) row.tr.classList.toggle('selected', name === asset);
    onSelect(asset);
  }

  function render(row, price, flash) {
    const { tr } = row;
    if (row.first === null) row.first = price.price;
    const change = row.first === 0 ? 0 : ((price.price - row.first) / row.first) * 100;
    row.last = price;
    tr.querySelector('.price').textContent = formatPrice(price.price);
    const changeCell = tr.querySelector('.change');
    changeCell.textContent = `${change >= 0 ? '+' : ''}${change.toFixed(3)}%`;
    changeCell.className = `change ${change > 0 ? 'up' : change < 0 ? 'down' : ''}`;
    tr.querySelector('.confidence').textContent = `±${(price.confidence * 100).toFixed(3)}%`;
    tr.querySelector('.sources').textContent = price.sources.join(' ');
    tr.querySelector('.sources').title = price.excluded && price.excluded.length ? `excluded: ${price.excluded.map((e) => e.exchange ?? e).join(', ')}` : '';
    tr.dataset.timestamp = String(price.timestamp);
    tr.dataset.nodeStale = String(Boolean(price.stale));
    refreshAge(row);
    if (flash) {
      tr.classList.remove('flash');
      void tr.offsetWidth; // restart the transition
      tr.classList.add('flash');
      setTimeout(() => tr.classList.remove('flash'), FLASH_MS);
    }
  }

  function refreshAge(row) {
    if (row.last === null) return;
    const age = Date.now() - row.last.timestamp;
    row.tr.querySelector('.age').textContent = formatAge(age);
    row.tr.classList.toggle('stale', row.last.stale || age > STALE_AFTER_MS);
  }

  getJson(`/prices?assets=${assets.join(',')}`)
    .then((snapshot) => {
      for (const p of snapshot.prices) {
        const row = rows.get(p.asset);
        if (row && (row.last === null || row.last.timestamp < p.timestamp)) render(row, p, false);
      }
    })
    .catch(() => undefined); // the stream fills the table anyway

  const state = document.getElementById('stream-state');
  const source = new EventSource(`/prices/stream?assets=${assets.join(',')}`);
  source.addEventListener('open', () => {
    state.textContent = 'live';
    state.className = 'pill live';
  });
  source.addEventListener('error', () => {
    state.textContent = 'reconnecting';
    state.className = 'pill down';
  });
  source.addEventListener('reset', () => {
    getJson(`/prices?assets=${assets.join(',')}`).then((s) => s.prices.forEach((p) => rows.get(p.asset) && render(rows.get(p.asset), p, false))).catch(() => undefined);
  });
  source.addEventListener('price', (message) => {
    const price = JSON.parse(message.data);
    const row = rows.get(price.asset);
    if (!row) return;
    updates += 1;
    table.dataset.updates = String(updates);
    render(row, price, true);
    onPrice(price);
  });
  setInterval(() => rows.forEach(refreshAge), 1000);
  if (assets.length > 0) select(assets[0]);
}
