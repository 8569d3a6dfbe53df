// Cluster panel: GET /cluster/nodes twice a second (each member's Raft status as it reports
// it, and whether this node reaches it). A banner says when there is no leader or no quorum.
import { getJson } from './http.js';

const POLL_MS = 500;

export function startCluster() {
  const table = document.getElementById('cluster');
  const body = table.querySelector('tbody');
  const note = document.getElementById('cluster-note');
  const banner = document.getElementById('banner');

  function showBanner(text) {
    banner.hidden = text === null;
    banner.textContent = text ?? '';
  }

  function row(node, leader) {
    const s = node.status;
    const tr = document.createElement('tr');
    tr.dataset.node = node.id;
    if (s && s.role === 'leader') tr.className = 'leader';
    const match = leader && leader.status ? leader.status.peers.find((p) => p.id === node.id)?.match_index : null;
    const cells = [
      node.id + (node.link === 'self' ? ' (this node)' : ''),
      s ? s.role : '?',
      s ? s.term : '?',
      s ? (s.leader ?? 'none') : '?',
      s ? s.commit_index : '?',
      s ? s.applied_index : '?',
      node.id === leader?.id ? '-' : (match ?? '?'),
      node.link === 'down' ? `down (${node.error})` : node.link,
    ];
    for (const value of cells) tr.appendChild(Object.assign(document.createElement('td'), { textContent: String(value) }));
    tr.lastChild.className = `link-${node.link}`;
    return tr;
  }

  async function poll() {
    try {
      const view = await getJson('/cluster/nodes', 2000);
      const leader = view.nodes.find((n) => n.status && n.status.role === 'leader' && n.id === view.leader) ?? null;
      body.replaceChildren(...view.nodes.map((n) => row(n, leader)));
      table.dataset.leader = view.leader ?? '';
      note.textContent = `leader: ${view.leader ?? 'none'} · ${view.reachable} of ${view.nodes.length} nodes reachable (quorum ${view.quorum}) · ${new Date().toLocaleTimeString()}`;
      if (view.leader === null) showBanner(`No leader: node ${view.self} knows of no leader right now. Trades and linearizable reads wait or answer 503 until an election ends.`);
      else if (view.reachable < view.quorum) showBanner(`No quorum: only ${view.reachable} of ${view.nodes.length} nodes are reachable from ${view.self} (need ${view.quorum}).`);
      else showBanner(null);
    } catch (err) {
      table.dataset.leader = '';
      showBanner(`This node does not answer: ${err.message}`);
    }
  }
  setInterval(() => void poll(), POLL_MS);
  void poll();
}
