import type { sendUnaryData, ServerReadableStream } from '@grpc/grpc-js';
import type { Message } from '../core/types.js';
import { decodeBatch, decodeHeader, type WireHeader } from './codec.js';
import { RejectedRequest } from './raft-proto.js';
import type { RaftHandlerContext } from './raft-handlers.js';
import { readArray, readObject } from './wire-read.js';

export type Reject = (error: unknown, peerAddress: string) => { code: number; details: string };

/**
 * Server side of `Stream`: a long-lived client stream of BatchRequests from one peer. The
 * first batch is authenticated in full, every later one checked against it (same cluster id,
 * token and sender, this node as recipient). Accepted batches are delivered at once, in
 * stream order; the first bad batch ends the stream with its status (counted, nothing of it
 * delivered). The Ack goes out when the sender ends the stream.
 */
export function receiveStream(
  ctx: RaftHandlerContext,
  call: ServerReadableStream<unknown, unknown>,
  callback: sendUnaryData<unknown>,
  reject: Reject,
): void {
  let first: WireHeader | null = null;
  let done = false;
  const accept = (request: unknown): { header: WireHeader; messages: Message[] } => {
    if (request instanceof RejectedRequest) throw request.rejection;
    const object = readObject(request, 'request');
    const header = decodeHeader(object['header']);
    if (first === null) ctx.auth.verify(header);
    else ctx.auth.verifyFollowing(first, header);
    first ??= header;
    const wire = readArray(object, 'messages', 'request', ctx.limits.maxMessagesPerBatch);
    return { header, messages: decodeBatch(wire, { from: header.from, to: header.to }, ctx.limits) };
  };
  call.on('data', (request: unknown) => {
    if (done) return;
    let accepted: { header: WireHeader; messages: Message[] };
    try {
      accepted = accept(request);
    } catch (error) {
      done = true;
      callback(reject(error, call.getPeer()), null);
      return;
    }
    ctx.counters.values.receivedCalls += 1;
    ctx.deliver(accepted.header, accepted.messages);
  });
  call.on('end', () => {
    if (done) return;
    done = true;
    callback(null, {});
  });
  call.on('error', () => {
    done = true; // cancelled, deadline or connection lost: the sender learns through its own status
  });
}
