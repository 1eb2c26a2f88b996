// The `email` notification provider: SMTP through nodemailer, loaded on the first mail (the
// provider's module itself loads only when one is configured). One recipient per send: the
// server resolves `to` into addresses and gives each approver a personal link.
import type { Transporter } from 'nodemailer';
import { LeaseError, parseDuration } from '../../core/index.js';
import type { Notification, NotificationProvider, ProviderFactory, ProviderInstance } from '../provider.js';
import { emailConfigSchema, smtpSettings, type EmailConfig } from './config.js';
import { renderMail } from './templates.js';

/** The SMTP server did not take the mail (refused, unreachable, too slow); the runtime retries. */
export class EmailDeliveryFailed extends LeaseError {
  constructor(providerId: string, detail: string) {
    super('email_delivery_failed', `email ${providerId}: ${detail}`, { status: 502 });
  }
}

/** `to` is not one e-mail address (the server resolves names and groups before sending). */
export class EmailRecipientInvalid extends LeaseError {
  constructor(providerId: string) {
    super('email_recipient_invalid', `email ${providerId}: the recipient is not an e-mail address`, { status: 400, field: 'to' });
  }
}

const ADDRESS = /^[^\s@<>()",;:\\]+@[^\s@<>()",;:\\]+\.[^\s@<>()",;:\\]+$|^[^\s@<>()",;:\\]+@localhost$/;

export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && ADDRESS.test(value);
}

export class EmailNotifier implements NotificationProvider {
  readonly email: { linkTtlMs: number; notifyRequester: boolean };
  private transport: Promise<Transporter> | undefined;

  constructor(private readonly id: string, private readonly config: EmailConfig) {
    this.email = { linkTtlMs: parseDuration(config.link_ttl, 'link_ttl'), notifyRequester: config.requester };
  }

  async send(notification: Notification): Promise<void> {
    const to = notification.to?.trim() ?? '';
    if (!isEmailAddress(to)) throw new EmailRecipientInvalid(this.id);
    const mail = renderMail(notification);
    const transport = await (this.transport ??= this.connect());
    try {
      await transport.sendMail({
        from: smtpSettings(this.config).from,
        to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        // RFC 3834: machine-made mail; auto-responders do not answer it.
        headers: { 'Auto-Submitted': 'auto-generated' },
      });
    } catch (err) {
      // nodemailer's messages name the server and its answer, never the password.
      throw new EmailDeliveryFailed(this.id, err instanceof Error ? err.message : String(err));
    }
  }

  /** nodemailer is loaded with the first mail: a server that never mails never loads it. */
  private async connect(): Promise<Transporter> {
    const { default: nodemailer } = await import('nodemailer');
    const smtp = smtpSettings(this.config);
    return nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.tls === 'tls',
      // starttls: the upgrade is required, never silently skipped; none: never attempted.
      requireTLS: smtp.tls === 'starttls',
      ignoreTLS: smtp.tls === 'none',
      ...(this.config.user !== undefined && this.config.pass !== undefined ? { auth: { user: this.config.user, pass: this.config.pass } } : {}),
      connectionTimeout: this.config.timeout_ms,
      greetingTimeout: this.config.timeout_ms,
      socketTimeout: this.config.timeout_ms,
      logger: false,
      debug: false,
    });
  }
}

export const emailProviderFactory: ProviderFactory<EmailConfig> = {
  type: 'email',
  capabilities: ['notification'],
  configSchema: emailConfigSchema,
  create({ id, name, enabled, config }): ProviderInstance {
    return { id, type: 'email', name, enabled, capabilities: ['notification'], notification: new EmailNotifier(id, config) };
  },
};
