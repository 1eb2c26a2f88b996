import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startSmtpServer } from '../../../test/support/smtp.js';
import { registerTestSecret } from '../../../test/support/secrets.js';
import { emailConfigSchema, smtpSettings } from './config.js';
import { EmailDeliveryFailed, EmailNotifier, EmailRecipientInvalid } from './provider.js';
import { escapeHtml, headerText, renderMail } from './templates.js';

const request = { id: 'req_1', role: 'debug', provider: 'box', requester: 'alice@example.com', reason: 'INC-1 <script>alert(1)</script> & "more"', status: 'pending' };

describe('email config', () => {
  it('loads Thand\'s keys unchanged (host, port as a number or a string, user, pass)', () => {
    const config = emailConfigSchema.parse({ host: 'smtp.example.com', port: '587', user: 'lease@example.com', pass: 'x' });
    assert.deepEqual(smtpSettings(config), { host: 'smtp.example.com', port: 587, tls: 'starttls', from: 'lease@example.com' });
    assert.equal(smtpSettings(emailConfigSchema.parse({ host: 'smtp.example.com', port: 465, from: 'a@example.com' })).tls, 'tls');
    assert.equal(smtpSettings(emailConfigSchema.parse({ host: 'smtp.example.com', tls: 'tls', from: 'a@example.com' })).port, 465);
  });

  it('refuses plain SMTP beyond loopback, half credentials, a missing sender and unknown keys', () => {
    const issues = (value: unknown) => emailConfigSchema.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    assert.match(issues({ host: 'smtp.example.com', tls: 'none', from: 'a@example.com' }).join(), /tls: none \(plain SMTP\) is allowed only to a loopback host/);
    assert.deepEqual(issues({ host: '127.0.0.1', tls: 'none', from: 'a@example.com' }), []);
    assert.match(issues({ host: 'smtp.example.com', user: 'u@example.com' }).join(), /pass: give both user and pass/);
    assert.match(issues({ host: 'smtp.example.com', user: 'u', pass: 'p' }).join(), /from: required/);
    assert.match(issues({ host: 'smtp.example.com', from: 'a@example.com\r\nBcc: x@example.com' }).join(), /from: expected an address/);
    assert.match(issues({ host: 'smtp.example.com', from: 'a@example.com', colour: 'red' }).join(), /colour|Unrecognized/);
    assert.match(issues({ host: 'smtp.example.com', from: 'a@example.com', link_ttl: '30d' }).join(), /link_ttl: expected a duration between 5m and 7d/);
  });
});

describe('email templates', () => {
  it('escapes people\'s text in the HTML part and keeps the text part as written', () => {
    const mail = renderMail({ to: 'bob@example.com', message: 'Alice <b>asks</b>', request, approval: { url: 'https://lease.example.com/email-approval?token=abc&x=1', expires_at: '2030-01-01T00:00:00.000Z' } });
    assert.ok(!mail.html.includes('<script>'), 'no markup from the reason');
    assert.ok(mail.html.includes('INC-1 &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;'));
    assert.ok(mail.html.includes('Alice &lt;b&gt;asks&lt;/b&gt;'));
    assert.ok(mail.html.includes('href="https://lease.example.com/email-approval?token=abc&amp;x=1"'));
    assert.ok(mail.text.includes('INC-1 <script>alert(1)</script> & "more"'));
    assert.ok(mail.text.includes('https://lease.example.com/email-approval?token=abc&x=1'));
    assert.match(mail.subject, /^Approval needed: alice@example.com asks for debug on box$/);
  });

  it('keeps line breaks and bidi overrides out of the subject', () => {
    assert.equal(headerText('a\r\nBcc: x@example.com\u202Eb'), 'a Bcc: x@example.com b');
    assert.equal(headerText('x'.repeat(300)).length, 200);
    assert.equal(escapeHtml(`<a href='x'>&</a>`), '&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('email delivery through a real SMTP server', () => {
  it('sends text and HTML with SMTP AUTH, as the configured sender', async (t) => {
    const pass = 'smtp-test-password-4711';
    registerTestSecret(pass);
    const smtp = await startSmtpServer(t, { auth: { user: 'lease', pass } });
    if (!smtp) return;
    const notifier = new EmailNotifier('mail', emailConfigSchema.parse({ host: smtp.host, port: smtp.port, tls: 'none', user: 'lease', pass, from: 'Lease <lease@example.com>' }));
    await notifier.send({ to: 'bob@example.com', message: 'Your lease is active', subject: 'Granted: debug', request });
    const [mail] = await smtp.messages();
    assert.ok(mail);
    assert.equal(mail.login, 'lease');
    assert.deepEqual(mail.rcpt_tos, ['bob@example.com']);
    assert.equal(mail.mail_from, 'lease@example.com');
    assert.equal(mail.subject, 'Granted: debug');
    assert.match(mail.text ?? '', /Your lease is active/);
    assert.match(mail.html ?? '', /INC-1 &lt;script&gt;/);
    assert.match(mail.raw, /^Auto-Submitted: auto-generated/m);
  });

  it('fails (so the runtime retries) when the server refuses the login or is unreachable, and refuses a non-address', async (t) => {
    const smtp = await startSmtpServer(t, { auth: { user: 'lease', pass: 'right-password-123' } });
    if (!smtp) return;
    const wrong = new EmailNotifier('mail', emailConfigSchema.parse({ host: smtp.host, port: smtp.port, tls: 'none', user: 'lease', pass: 'wrong-password-123', from: 'lease@example.com' }));
    await assert.rejects(wrong.send({ to: 'bob@example.com', message: 'x', request }), EmailDeliveryFailed);
    const down = new EmailNotifier('mail', emailConfigSchema.parse({ host: '127.0.0.1', port: 1, tls: 'none', from: 'lease@example.com', timeout_ms: 2_000 }));
    await assert.rejects(down.send({ to: 'bob@example.com', message: 'x', request }), EmailDeliveryFailed);
    await assert.rejects(down.send({ to: 'ops', message: 'x', request }), EmailRecipientInvalid);
    assert.equal((await smtp.messages()).length, 0);
  });
});
