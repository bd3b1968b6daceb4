// Checks that the ports we are about to use are free, so a busy port gives a clear message.
import dgram from 'node:dgram';
import net from 'node:net';

export function tcpFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

export function udpFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    sock.once('error', () => resolve(false));
    sock.bind(port, host, () => sock.close(() => resolve(true)));
  });
}

export async function assertPortsFree(ports: { port: number; proto: 'tcp' | 'udp'; what: string; env?: string }[]): Promise<void> {
  for (const p of ports) {
    const free = p.proto === 'tcp' ? await tcpFree(p.port) : await udpFree(p.port);
    if (!free) {
      const how = p.env ? `, or set ${p.env}` : '';
      throw new Error(`${p.proto.toUpperCase()} port ${p.port} (${p.what}) is already in use. Stop whatever uses it (lsof -i :${p.port}${p.proto === 'udp' ? ' or ss -ulpn' : ''})${how}, then try again.`);
    }
  }
}
