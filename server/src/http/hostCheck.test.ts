import { describe, expect, it } from 'vitest';
import { hostName, hostPolicy, hostRefusal } from './hostCheck.js';

describe('hostCheck', () => {
  it.each([
    ['localhost:8080', 'localhost'], ['127.0.0.1', '127.0.0.1'], ['[::1]:8080', '::1'], ['Viewer.LAN.:443', 'viewer.lan'], ['my_service:80', 'my_service'],
  ])('when the Host is %j, then its name is %j', (header, name) => {
    expect(hostName(header)).toBe(name);
  });

  it.each(['', 'a b', 'evil.example/path', 'x"y', 'http://x', 'x:port', '[::1', 'a'.repeat(300), 'x@y'])('when the Host is %j, then it is malformed and refused with 400', (header) => {
    expect(hostRefusal(header, hostPolicy([], 'token-0123456789abcdef'))).toMatchObject({ code: 'INVALID_FIELD', status: 400, field: 'Host' });
  });

  it('when there is no token, then loopback names and CHEXGEN_ALLOWED_HOSTS are served and any other name gets 403 (DNS rebinding)', () => {
    const open = hostPolicy([], '');
    for (const host of ['localhost:8080', '127.0.0.1:8080', '127.9.9.9', '[::1]:8080', 'LOCALHOST']) expect(hostRefusal(host, open)).toBeUndefined();
    const refused = hostRefusal('rebind.attacker.example:8080', open);
    expect(refused).toMatchObject({ code: 'FORBIDDEN', status: 403, field: 'Host' });
    expect(refused?.message).toContain('CHEXGEN_ALLOWED_HOSTS');
    expect(hostRefusal('192.168.1.5:8080', open)?.status).toBe(403);
    expect(hostRefusal('viewer.lan:8080', hostPolicy(['viewer.lan'], ''))).toBeUndefined();
  });

  it('when there is a token, then any well-formed name is served unless CHEXGEN_ALLOWED_HOSTS narrows it', () => {
    expect(hostRefusal('pacs-viewer.hospital.example', hostPolicy([], 'token-0123456789abcdef'))).toBeUndefined();
    expect(hostRefusal('other.example', hostPolicy(['viewer.lan'], 'token-0123456789abcdef'))?.status).toBe(403);
    expect(hostRefusal('viewer.lan', hostPolicy(['viewer.lan'], 'token-0123456789abcdef'))).toBeUndefined();
  });
});
