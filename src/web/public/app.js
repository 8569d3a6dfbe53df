// The web view: plain ES modules, no build step. Each panel is its own module.
import { startCluster } from './cluster.js';
import { startChart } from './chart.js';
import { startPrices } from './prices.js';
import { startTrade } from './trade.js';
import { getJson } from './http.js';

async function main() {
  const config = await getJson('/web/config');
  document.getElementById('node-label').textContent = `served by ${config.node_id}`;
  document.title = `Bazaar (${config.node_id})`;
  const chart = startChart(document.getElementById('chart'), config.hot_assets[0] ?? null);
  startPrices(config.hot_assets, {
    onPrice: (event) => chart.onPrice(event),
    onSelect: (asset) => chart.show(asset),
  });
  startTrade(config.hot_assets);
  startCluster();
}

main().catch((err) => {
  const banner = document.getElementById('banner');
  banner.hidden = false;
  banner.textContent = `The page could not start: ${err.message}`;
});
