/**
 * The client side's view of the cluster's members, as a real client keeps one: the node ids it
 * sends requests to and their HTTP URLs. The membership nemesis updates it the way a client
 * following `GET /cluster/members` would: a member leaves the list once its removal is
 * committed (requests already sent to it end as they truly end), and a new member joins it once
 * the leader added it. URLs of members that left are kept (bounded by the members ever added),
 * so a request still in flight to one can finish.
 */
const MEMBERS_EVER_MAX = 1_000;

export class MemberDirectory {
  private readonly urls = new Map<string, string>();
  private current: string[];

  constructor(initial: Readonly<Record<string, string>>) {
    for (const [id, url] of Object.entries(initial)) this.urls.set(id, checkUrl(id, url));
    this.current = Object.keys(initial);
    if (this.current.length === 0) throw new Error('member directory: at least one member is needed');
  }

  /** The members requests go to now. */
  members(): readonly string[] {
    return this.current;
  }

  /** HTTP base URL of a member (or of one that left); undefined for an id never seen. */
  url(id: string): string | undefined {
    return this.urls.get(id);
  }

  add(id: string, url: string): void {
    if (!this.urls.has(id) && this.urls.size >= MEMBERS_EVER_MAX) throw new Error(`member directory: more than ${MEMBERS_EVER_MAX} members ever added`);
    this.urls.set(id, checkUrl(id, url));
    if (!this.current.includes(id)) this.current = [...this.current, id];
  }

  remove(id: string): void {
    const next = this.current.filter((m) => m !== id);
    if (next.length === 0) throw new Error(`member directory: cannot remove ${id}, the last member`);
    this.current = next;
  }
}

function checkUrl(id: string, url: string): string {
  if (!/^https?:\/\/[^/]+$/.test(url)) throw new Error(`member directory: node ${id} URL must be http(s)://host:port with no path, got "${url}"`);
  return url;
}
