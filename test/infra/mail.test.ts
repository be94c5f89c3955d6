import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { httpRoutes } from '../../lambdas/functions';
import { tallyApp } from '../../lib/tally-app';
import { actionsOf, resourcesOf, statementsOf, synth, testContext } from './synth';

jest.setTimeout(60_000);

const mailFrom = 'signin@mail.example.com';
// A handler may serve several routes (the console's pages): one function each.
const handlers = (mail: boolean) => [...new Set(httpRoutes.filter((route) => (route.access.mail === 'send') === mail).map((route) => route.handler))];
const mailing = handlers(true);
const notMailing = handlers(false);

const sesStatements = (template: ReturnType<typeof synth>['template'], id: string) =>
  statementsOf(template, id).filter((statement) => actionsOf(statement).some((action) => action.startsWith('ses:')));

/** `arn:${Partition}:ses:${Region}:${AccountId}:identity/…` as the template writes it. */
const identityArn = (identity: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:identity/${identity}`]],
});

describe('mail (context tally:mailFrom)', () => {
  it('is sent by the team invitation and the affiliate invitation', () => {
    expect(mailing).toEqual(expect.arrayContaining(['create-member', 'invite-affiliate']));
  });

  describe('when set', () => {
    const { template, functionId } = synth(undefined, { 'tally:mailFrom': mailFrom });
    const resources = template.toJSON().Resources;

    it.each(mailing)('lets %s send only as that address, through its own or its domain’s SES identity', (handler) => {
      const id = functionId('http', handler);
      expect(resources[id].Properties.Environment.Variables.TALLY_MAIL_FROM).toBe(mailFrom);
      const statements = sesStatements(template, id);
      expect(statements).toHaveLength(1);
      expect(actionsOf(statements[0]!)).toEqual(['ses:SendEmail']);
      const identities = resourcesOf(statements[0]!);
      expect(identities).toHaveLength(2);
      expect(identities).toEqual(expect.arrayContaining([identityArn(mailFrom), identityArn('mail.example.com')]));
      expect(statements[0]).toMatchObject({ Effect: 'Allow', Condition: { StringEquals: { 'ses:FromAddress': mailFrom } } });
    });

    it.each(notMailing)('gives %s neither the address nor any SES permission', (handler) => {
      const id = functionId('http', handler);
      expect(resources[id].Properties.Environment.Variables.TALLY_MAIL_FROM).toBeUndefined();
      expect(sesStatements(template, id)).toEqual([]);
    });

    it('leaves cdk-nag nothing unacknowledged', () => {
      const outdir = mkdtempSync(path.join(tmpdir(), 'tally-nag-'));
      try {
        const { app } = tallyApp({ outdir, context: { ...testContext, 'tally:mailFrom': mailFrom } });
        const report = JSON.parse(readFileSync(path.join(app.synth().directory, 'validation-report.json'), 'utf8')) as {
          pluginReports: { pluginName: string; violations: unknown[] }[];
        };
        expect(report.pluginReports.filter((plugin) => plugin.pluginName === 'AwsSolutions').flatMap((plugin) => plugin.violations)).toEqual([]);
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    });
  });

  describe('when absent', () => {
    const { template, functionId } = synth();

    it.each(mailing)('gives %s no SES permission and no sender address', (handler) => {
      const id = functionId('http', handler);
      expect(template.toJSON().Resources[id].Properties.Environment.Variables.TALLY_MAIL_FROM).toBeUndefined();
      expect(sesStatements(template, id)).toEqual([]);
    });
  });
});
