import { describe, expect, it } from 'vitest';
import { DialingTransport, PeerDial } from './peer-dial.js';

describe('DialingTransport', () => {
  it('dials a member at its override, whatever address the configuration change carries', () => {
    const dial = new PeerDial(new Map([['n4', '127.0.0.1:4444']]));
    const transport = new DialingTransport(dial, {
      id: 'n1',
      listenHost: '127.0.0.1',
      listenPort: 0,
      peers: { n2: '127.0.0.1:2222', n3: '127.0.0.1:3333' },
      clusterId: 'test',
      clusterToken: 'test-token-123',
    });
    transport.setPeer('n4', '127.0.0.1:9999');
    transport.setPeer('n5', '127.0.0.1:5555');
    expect(transport.peers()).toEqual({ n2: '127.0.0.1:2222', n3: '127.0.0.1:3333', n4: '127.0.0.1:4444', n5: '127.0.0.1:5555' });
    dial.set('n5', '127.0.0.1:5050');
    transport.setPeer('n5', '127.0.0.1:5555');
    expect(transport.peers()['n5']).toBe('127.0.0.1:5050');
  });
});
