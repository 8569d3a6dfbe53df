// Candle chart of one asset: GET /prices/{asset}/candles, then live updates of the last candle
// from the price stream. lightweight-charts is served by the node from node_modules.
import { CandlestickSeries, createChart } from '/vendor/lightweight-charts.mjs';
import { getJson } from './http.js';

const INTERVAL_SECONDS = { '1m': 60, '5m': 300, '1h': 3600 };
const RELOAD_MS = 30_000;

export function startChart(container, initialAsset) {
  const chart = createChart(container, {
    autoSize: true,
    layout: { background: { color: '#171d24' }, textColor: '#d8dee6' },
    grid: { vertLines: { color: '#222a33' }, horzLines: { color: '#222a33' } },
    timeScale: { timeVisible: true, secondsVisible: false },
  });
  const series = chart.addSeries(CandlestickSeries, { upColor: '#26a69a', downColor: '#ef5350', wickUpColor: '#26a69a', wickDownColor: '#ef5350', borderVisible: false });
  const intervalSelect = document.getElementById('chart-interval');
  const note = document.getElementById('chart-note');
  let asset = initialAsset;
  let last = null;
  let count = 0;
  let loading = 0;

  function setCount(n) {
    count = n;
    container.dataset.candles = String(n);
  }

  async function load() {
    if (asset === null) return;
    const ticket = ++loading;
    const interval = intervalSelect.value;
    document.getElementById('chart-asset').textContent = asset;
    try {
      const answer = await getJson(`/prices/${asset}/candles?interval=${interval}&limit=120`);
      if (ticket !== loading) return;
      const data = answer.candles.map((c) => ({ time: c.start / 1000, open: c.open, high: c.high, low: c.low, close: c.close }));
      series.setData(data);
      last = data.at(-1) ?? null;
      setCount(data.length);
      note.className = 'note';
      note.textContent = `${data.length} candles of ${interval} from the price history (empty intervals omitted)${answer.truncated ? '; older ones cut by the point bound' : ''}`;
      chart.timeScale().scrollToRealTime();
    } catch (err) {
      if (ticket !== loading) return;
      note.className = 'note error';
      note.textContent = `candles unavailable: ${err.message}`;
    }
  }

  function onPrice(price) {
    if (price.asset !== asset) return;
    const width = INTERVAL_SECONDS[intervalSelect.value];
    const time = Math.floor(price.timestamp / 1000 / width) * width;
    if (last !== null && time < last.time) return;
    if (last === null || time > last.time) {
      last = { time, open: price.price, high: price.price, low: price.price, close: price.price };
      setCount(count + 1);
    } else {
      last = { ...last, high: Math.max(last.high, price.price), low: Math.min(last.low, price.price), close: price.price };
    }
    series.update(last);
  }

  intervalSelect.addEventListener('change', () => void load());
  setInterval(() => void load(), RELOAD_MS);
  void load();
  return {
    show: (next) => {
      asset = next;
      last = null;
      void load();
    },
    onPrice,
  };
}
