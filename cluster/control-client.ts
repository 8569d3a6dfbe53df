import { CONTROL_TOKEN_HEADER, type ProcessOp, type ProcessOps } from './process-ops.js';
import type { NodeEntry } from './launcher-file.js';
import type { ChildView } from './supervised-child.js';

/** Restart waits for a node's readiness: allow for a slow start. */
const CONTROL_REQUEST_TIMEOUT_MS = 120_000;

/** ProcessOps over a running launcher's control API (URL and token from launcher.json). */
export class ControlClient implements ProcessOps {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async processes(): Promise<ChildView[]> {
    const body = (await this.request('GET', '/processes')) as { processes: ChildView[] };
    return body.processes;
  }

  async act(name: string, op: ProcessOp): Promise<ChildView> {
    const body = (await this.request('POST', `/processes/${encodeURIComponent(name)}/${op}`)) as { process: ChildView };
    return body.process;
  }

  async addNode(id: string): Promise<NodeEntry> {
    const body = (await this.request('POST', `/nodes/${encodeURIComponent(id)}`)) as { node: NodeEntry };
    return body.node;
  }

  async setClockRate(id: string, rate: number): Promise<ChildView> {
    const body = (await this.request('POST', `/nodes/${encodeURIComponent(id)}/clock/${encodeURIComponent(String(rate))}`)) as { process: ChildView };
    return body.process;
  }

  private async request(method: string, path: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: { [CONTROL_TOKEN_HEADER]: this.token },
        signal: AbortSignal.timeout(CONTROL_REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new Error(`launcher control API at ${this.url} is unreachable (${cause}): is the launcher still running?`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`launcher control API answered ${response.status} with non-JSON: ${text.slice(0, 200)}`);
    }
    if (!response.ok) {
      const message = (body as { error?: { message?: string } }).error?.message ?? text;
      throw new Error(message);
    }
    return body;
  }
}
