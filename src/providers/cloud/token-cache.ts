// An OAuth access token kept until shortly before it expires, fetched once however many calls
// wait for it. The token is a secret: never logged, never part of an error.
export interface AccessToken {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
}

const REFRESH_MARGIN_MS = 60_000;

export class TokenCache {
  private current?: AccessToken;
  private pending?: Promise<AccessToken>;

  constructor(private readonly fetchToken: () => Promise<AccessToken>, private readonly now: () => number = Date.now) {}

  async get(): Promise<string> {
    if (this.current && this.current.expiresAt - REFRESH_MARGIN_MS > this.now()) return this.current.token;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    this.current = await this.pending;
    return this.current.token;
  }

  /** Forgets the token (the target said it is no longer valid): the next get() fetches a new one. */
  invalidate(): void {
    this.current = undefined;
  }
}
