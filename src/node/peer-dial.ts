import { GrpcTransport, type GrpcTransportOptions } from '../../raft/index.js';

/**
 * Where this node dials members added by configuration changes, when that is not the address
 * the change carries: the launcher puts such members behind per-link fault proxies
 * (`cluster/launcher.ts` addNode), so each member dials a new one at its own proxy. Entries come
 * from PEER_DIAL at start and `PUT /cluster/peers/{id}` at run time; one per member ever added
 * (bounded like the transport's peers, by the changes made).
 */
export const PEER_DIAL_ENTRIES_MAX = 1_000;

export class PeerDial {
  private readonly map = new Map<string, string>();

  constructor(initial: ReadonlyMap<string, string>) {
    for (const [id, address] of initial) this.set(id, address);
  }

  has(id: string): boolean {
    return this.map.has(id);
  }

  full(): boolean {
    return this.map.size >= PEER_DIAL_ENTRIES_MAX;
  }

  get(id: string): string | undefined {
    return this.map.get(id);
  }

  set(id: string, address: string): void {
    if (!this.map.has(id) && this.map.size >= PEER_DIAL_ENTRIES_MAX) throw new Error(`more than ${PEER_DIAL_ENTRIES_MAX} dial overrides`);
    this.map.set(id, address);
  }
}

/** The production transport, dialing members through the PeerDial overrides where set. */
export class DialingTransport extends GrpcTransport {
  constructor(
    private readonly dial: PeerDial,
    options: GrpcTransportOptions,
  ) {
    super(options);
  }

  override setPeer(peer: string, address: string): void {
    super.setPeer(peer, this.dial.get(peer) ?? address);
  }
}
