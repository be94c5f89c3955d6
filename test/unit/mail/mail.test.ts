import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import * as Config from '../../../lambdas/core/config';
import { logger } from '../../../lambdas/core/logger';
import { MailNotConfiguredError, listOutbox, sendMail } from '../../../lambdas/mail/mail';

jest.mock('../../../lambdas/core/config', () => {
  const actual = jest.requireActual<typeof Config>('../../../lambdas/core/config');
  return { ...actual, config: jest.fn() };
});

// requireSetting reads the real configuration: the table name comes from the environment.
process.env.TALLY_TABLE_NAME = 'tally-test';

const ses = mockClient(SESv2Client);
const dynamo = mockClient(DynamoDBDocumentClient);
const settings = (overrides: Partial<Config.Config>) =>
  jest.mocked(Config.config).mockReturnValue({ TALLY_RUNTIME: 'aws', TALLY_TABLE_NAME: 'tally-test', ...overrides } as Config.Config);

const mail = {
  to: 'ada@example.com',
  subject: 'Your sign-in link',
  text: 'Open https://tally.example.com/console/sign-in/verify?token=SECRET',
  html: '<a href="https://tally.example.com/console/sign-in/verify?token=SECRET">Sign in</a>',
};

beforeEach(() => {
  ses.reset();
  dynamo.reset();
});

describe('sendMail in AWS', () => {
  it('sends one SES v2 SendEmail from TALLY_MAIL_FROM with the subject, text and HTML bodies', async () => {
    settings({ TALLY_MAIL_FROM: 'signin@example.com' });
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });

    await sendMail(mail);

    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      FromEmailAddress: 'signin@example.com',
      Destination: { ToAddresses: ['ada@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: mail.subject, Charset: 'UTF-8' },
          Body: { Text: { Data: mail.text, Charset: 'UTF-8' }, Html: { Data: mail.html, Charset: 'UTF-8' } },
        },
      },
    });
    expect(dynamo).not.toHaveReceivedAnyCommand();
  });

  it('throws a configuration error, and sends nothing, without a sender address', async () => {
    settings({});
    await expect(sendMail(mail)).rejects.toBeInstanceOf(MailNotConfiguredError);
    await expect(sendMail(mail)).rejects.toThrow(/tally:mailFrom/);
    expect(ses).not.toHaveReceivedAnyCommand();
  });

  it('never logs the body, which holds the sign-in link, nor the address', async () => {
    settings({ TALLY_MAIL_FROM: 'signin@example.com' });
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    const logged = jest.spyOn(logger, 'info');
    const methods = (['debug', 'warn', 'error'] as const).map((level) => jest.spyOn(logger, level));

    await sendMail(mail);

    const everything = JSON.stringify([logged, ...methods].flatMap((spy) => spy.mock.calls));
    expect(everything).not.toContain('SECRET');
    expect(everything).not.toContain('ada@example.com');
  });
});

describe('sendMail on npm start', () => {
  it('puts the mail in the outbox with a 7-day TTL instead of sending it', async () => {
    settings({ TALLY_RUNTIME: 'local', TALLY_MAIL_FROM: 'signin@example.com' });
    dynamo.on(PutCommand).resolves({});
    const before = Math.floor(Date.now() / 1000);

    await sendMail(mail);

    expect(ses).not.toHaveReceivedAnyCommand();
    const item = dynamo.commandCalls(PutCommand)[0]!.args[0].input.Item!;
    expect(item).toMatchObject({ pk: 'OUTBOX', ...mail });
    expect(item.sk).toMatch(new RegExp(`^${item.sentAt}#mail_`));
    expect(item.expiresAt).toBeGreaterThanOrEqual(before + 7 * 24 * 3600);
    expect(item.expiresAt).toBeLessThanOrEqual(before + 7 * 24 * 3600 + 5);
  });

  it('lists the outbox newest first', async () => {
    settings({ TALLY_RUNTIME: 'local' });
    dynamo.on(QueryCommand).resolves({ Items: [{ pk: 'OUTBOX', sk: 'b', ...mail, sentAt: '2026-01-02T00:00:00.000Z', expiresAt: 1 }] });

    expect(await listOutbox(10)).toEqual([{ ...mail, sentAt: '2026-01-02T00:00:00.000Z' }]);
    expect(dynamo).toHaveReceivedCommandWith(QueryCommand, { ScanIndexForward: false, Limit: 10, ExpressionAttributeValues: { ':pk': 'OUTBOX' } });
  });
});
