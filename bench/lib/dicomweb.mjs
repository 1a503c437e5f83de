// Minimal DICOMweb client pieces for the benchmarks: a STOW-RS multipart/related body
// (PS3.18 10.5) and a pool of concurrent HTTP requests (one keep-alive connection each).
import http from 'node:http';

/** @param {Buffer[]} instances @returns {{ body: Buffer, contentType: string }} */
export function stowBody(instances) {
  const boundary = `vertebra-bench-${Math.random().toString(16).slice(2)}`;
  const parts = [];
  for (const bytes of instances) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1'), bytes, Buffer.from('\r\n', 'latin1'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return { body: Buffer.concat(parts), contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

/**
 * One HTTP request on a keep-alive agent; resolves with status and body.
 * @param {{ agent: http.Agent, url: string, method?: string, headers?: Record<string,string>, body?: Buffer }} o
 */
export function request({ agent, url, method = 'GET', headers = {}, body }) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { agent, method, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Runs `jobs` with `connections` workers, each on its own keep-alive connection.
 * @template T
 * @param {{ jobs: T[], connections: number, run: (job: T, agent: http.Agent) => Promise<void> }} o
 */
export async function runPool({ jobs, connections, run }) {
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (;;) {
          const job = jobs[next++];
          if (job === undefined) return;
          await run(job, agent);
        }
      } finally {
        agent.destroy();
      }
    }),
  );
}
