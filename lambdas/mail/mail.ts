import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../core/config';
import { newId } from '../core/ids';
import { logger } from '../core/logger';
import { db, tableName } from '../store/db';
import { keys } from '../store/keys';

/**
 * Mail to people: sign-in links and invitations. In AWS through Amazon SES from `TALLY_MAIL_FROM`;
 * on `npm start` into an outbox in the table, read on /_local/mail. Bodies hold sign-in links,
 * which are secrets: they are never logged, and neither are addresses.
 */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface SentMail extends Mail {
  sentAt: string;
}

/** The local outbox keeps a week of mail. */
const outboxDays = 7;

let ses: SESv2Client | undefined;
const sesClient = () => (ses ??= new SESv2Client({}));

/** Said plainly when a function that sends mail runs in a deployment without a sender address. */
export class MailNotConfiguredError extends Error {
  constructor() {
    super('Mail is not configured: TALLY_MAIL_FROM is unset. Deploy with -c tally:mailFrom=<an SES-verified address>.');
    this.name = 'MailNotConfiguredError';
  }
}

export const sendEmailCommand = (from: string, mail: Mail): SendEmailCommand =>
  new SendEmailCommand({
    FromEmailAddress: from,
    Destination: { ToAddresses: [mail.to] },
    Content: {
      Simple: {
        Subject: { Data: mail.subject, Charset: 'UTF-8' },
        Body: { Text: { Data: mail.text, Charset: 'UTF-8' }, Html: { Data: mail.html, Charset: 'UTF-8' } },
      },
    },
  });

const toOutbox = async (mail: Mail): Promise<void> => {
  const sentAt = new Date().toISOString();
  await db().send(
    new PutCommand({
      TableName: tableName(),
      Item: {
        ...keys.outboxMail(sentAt, newId('mail')),
        type: 'outboxMail',
        ...mail,
        sentAt,
        expiresAt: Math.floor(Date.now() / 1000) + outboxDays * 24 * 60 * 60,
      },
    }),
  );
};

export const sendMail = async (mail: Mail): Promise<void> => {
  const { TALLY_RUNTIME, TALLY_MAIL_FROM } = config();
  if (TALLY_RUNTIME === 'local') {
    await toOutbox(mail);
  } else {
    if (!TALLY_MAIL_FROM) throw new MailNotConfiguredError();
    const { MessageId } = await sesClient().send(sendEmailCommand(TALLY_MAIL_FROM, mail));
    logger.info('Mail sent', { messageId: MessageId });
  }
};

/** The local outbox, newest first. */
export const listOutbox = async (limit = 50): Promise<SentMail[]> => {
  const { Items = [] } = await db().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': keys.outbox().pk },
      ScanIndexForward: false,
      Limit: limit,
      ConsistentRead: true,
    }),
  );
  return Items.map(({ to, subject, text, html, sentAt }) => ({ to, subject, text, html, sentAt }) as SentMail);
};
