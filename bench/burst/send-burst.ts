/** One request of the burst as the client saw it. */
export interface SentRequest {
  readonly requestId: string;
  readonly instanceName: string;
  readonly status: number;
  /** From sending the request to reading the whole answer. */
  readonly latencyMs: number;
}

/**
 * POSTs one `create-ami` request per instance name, each with its own `request_id`, keeping at
 * most `concurrency` in flight, as a fleet of deploy pipelines would. A connection failure counts
 * as status 0.
 */
export async function sendBurst(
  url: string,
  instanceNames: readonly string[],
  concurrency: number,
): Promise<SentRequest[]> {
  const sent: SentRequest[] = [];
  let next = 0;
  const client = async () => {
    while (next < instanceNames.length) {
      const index = next++;
      const instanceName = instanceNames[index] as string;
      const requestId = `burst-${String(index).padStart(5, '0')}`;
      const started = performance.now();
      let status = 0;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ instance_name_list: [instanceName], request_id: requestId }),
        });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        status = 0;
      }
      sent.push({ requestId, instanceName, status, latencyMs: performance.now() - started });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return sent;
}
