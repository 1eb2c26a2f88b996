import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { confirmPage, enterCodePage, failedPage, loggedInPage } from './device-login-page.js';

const HOSTILE = `"><script>alert(1)</script><img src=x onerror='alert(2)'>&amp;`;

describe('device login page', () => {
  it('escapes every value it shows: provider name, server, code, identity, messages', () => {
    const pages = [
      confirmPage({ user_code: HOSTILE, provider: 'corp', provider_name: HOSTILE, server: HOSTILE, expires_at: HOSTILE }, { token: HOSTILE }),
      loggedInPage({ id: HOSTILE, email: HOSTILE, groups: [], provider: 'corp', provider_type: 'oidc' }),
      failedPage(HOSTILE),
      enterCodePage(HOSTILE),
    ];
    for (const html of pages) {
      assert.doesNotMatch(html, /<script>|<img|onerror='/);
      assert.match(html, /&#34;&#62;&#60;script&#62;alert\(1\)&#60;\/script&#62;&#60;img src=x onerror=&#39;alert\(2\)&#39;&#62;&#38;amp;/);
    }
  });
});
