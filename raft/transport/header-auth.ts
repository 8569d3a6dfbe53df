import { createHash, timingSafeEqual } from 'node:crypto';
import type { NodeId } from '../core/types.js';
import type { WireHeader } from './codec.js';
import { RejectReason, TransportRejection } from './rejection.js';

/** The fields every peer request carries, whatever its service (Raft, or the application's own RPCs). */
export type PeerHeader = Pick<WireHeader, 'clusterId' | 'token' | 'from' | 'to'>;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Checks the header of every incoming peer request: cluster id and token (constant-time
 * compare of SHA-256 digests, so neither length nor content leaks through timing), a known
 * sender that is not this node, and this node as the recipient. The one peer header check of
 * the codebase: the Raft service and the application's gRPC services (src/node/bazaar-rpc.ts)
 * both use it.
 */
export class HeaderAuthenticator {
  readonly #clusterIdDigest: Buffer;
  readonly #tokenDigest: Buffer;

  constructor(
    clusterId: string,
    token: string,
    private readonly selfId: NodeId,
    private readonly peerIds: ReadonlySet<NodeId>,
  ) {
    if (peerIds.has(selfId)) throw new Error(`peerIds must not contain this node (${selfId})`);
    this.#clusterIdDigest = digest(clusterId);
    this.#tokenDigest = digest(token);
  }

  verify(header: PeerHeader): void {
    // Both compares always run, so a wrong cluster id costs the same time as a wrong token.
    const clusterOk = timingSafeEqual(digest(header.clusterId), this.#clusterIdDigest);
    const tokenOk = timingSafeEqual(digest(header.token), this.#tokenDigest);
    if (!clusterOk) throw new TransportRejection(RejectReason.WrongCluster, 'cluster id does not match');
    if (!tokenOk) throw new TransportRejection(RejectReason.BadToken, 'cluster token does not match');
    if (!this.peerIds.has(header.from)) {
      throw new TransportRejection(RejectReason.UnknownNode, `sender ${JSON.stringify(header.from)} is not a peer`);
    }
    if (header.to !== this.selfId) {
      throw new TransportRejection(RejectReason.WrongRecipient, `addressed to ${JSON.stringify(header.to)}, this node is ${this.selfId}`);
    }
  }

  /**
   * A later batch on a stream whose `first` header passed `verify`: the same cluster id, token
   * and sender, and this node as recipient. Plain compares against already-verified values
   * (only a holder of the token can have opened the stream); a differing id or token goes
   * through `verify` so it is rejected with its precise reason.
   */
  verifyFollowing(first: PeerHeader, next: PeerHeader): void {
    if (next.clusterId !== first.clusterId || next.token !== first.token) this.verify(next);
    if (next.from !== first.from) {
      throw new TransportRejection(RejectReason.Malformed, `sender changed within a stream: ${JSON.stringify(first.from)} then ${JSON.stringify(next.from)}`);
    }
    if (next.to !== this.selfId) {
      throw new TransportRejection(RejectReason.WrongRecipient, `addressed to ${JSON.stringify(next.to)}, this node is ${this.selfId}`);
    }
    // Membership: a peer removed while its stream was open is refused from its next batch on.
    if (!this.peerIds.has(next.from)) throw new TransportRejection(RejectReason.UnknownNode, `sender ${JSON.stringify(next.from)} is no longer a peer`);
  }
}
