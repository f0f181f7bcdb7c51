import net from 'node:net';
import http from 'node:http';

/** A port nothing listens on right now (for fake platform servers and listeners in tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export type FakeServer = { url: string; stop(): Promise<void> };

/** A local stand-in for a platform's API: 127.0.0.1, any port, the whole body read before `handle`. */
export async function startFakeServer(handle: (req: http.IncomingMessage, raw: string, res: http.ServerResponse) => void): Promise<FakeServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
