// A browser stand-in for login flows: fetch with manual redirects and a cookie jar per origin.
// It follows Location headers hop by hop, so a test can stop at any hop (e.g. just before the
// IdP's redirect reaches Lease) and replay or tamper with what it saw.

export interface BrowserVisit {
  /** Every URL requested, in order. */
  hops: URL[];
  /** The last response (not followed further). */
  response: Response;
  /** The URL of the last response. */
  url: URL;
}

export class TestBrowser {
  private readonly jars = new Map<string, Map<string, string>>();

  /**
   * GETs `start` and follows redirects (at most `maxHops`) until a response is not a redirect,
   * or `stopBefore(url)` is true for the next hop (that URL is then returned, not requested).
   */
  async visit(start: string | URL, options: { stopBefore?: (url: URL) => boolean; maxHops?: number } = {}): Promise<BrowserVisit & { stoppedBefore?: URL }> {
    const hops: URL[] = [];
    let url = new URL(start);
    for (let i = 0; i < (options.maxHops ?? 20); i++) {
      hops.push(url);
      const response = await fetch(url, { redirect: 'manual', headers: this.cookieHeader(url) });
      this.remember(url, response);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || location === null) return { hops, response, url };
      await response.body?.cancel();
      const next = new URL(location, url);
      if (options.stopBefore?.(next)) return { hops, response, url, stoppedBefore: next };
      url = next;
    }
    throw new Error(`more than ${options.maxHops ?? 20} redirects from ${String(start)}`);
  }

  private cookieHeader(url: URL): Record<string, string> {
    const jar = this.jars.get(url.origin);
    if (!jar || jar.size === 0) return {};
    return { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') };
  }

  private remember(url: URL, response: Response): void {
    const jar = this.jars.get(url.origin) ?? new Map<string, string>();
    for (const header of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=').slice(1).join('=')) < Date.now()));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.jars.set(url.origin, jar);
  }
}

/**
 * A login in a fresh browser: the test IdP's next login interaction signs in `sub` (an unknown
 * one is refused), and the browser follows `start` through the IdP as `visit` does.
 */
export function visitAs(idp: { nextLogin: string }, sub: string, start: string | URL, options: { stopBefore?: (url: URL) => boolean; maxHops?: number } = {}): Promise<BrowserVisit & { stoppedBefore?: URL }> {
  idp.nextLogin = sub;
  return new TestBrowser().visit(start, options);
}

/** The values of the query parameters `names` on every hop: the codes and states a login carried, to look for in logs. */
export function hopParams(visit: BrowserVisit, names: string[]): string[] {
  return visit.hops.flatMap((hop) => names.map((name) => hop.searchParams.get(name)).filter((value): value is string => Boolean(value)));
}
