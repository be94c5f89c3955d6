import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type Catalogue, TallyStack } from './tally-stack';

export interface TallyAppOptions extends AppProps {
  catalogue?: Catalogue;
}

/**
 * The CDK app: the Tally stack, checked by cdk-nag's AwsSolutions pack on every synth. A finding
 * that is not acknowledged (with its reason) next to the resource fails the synth.
 * Context: `tally:stackName`, `tally:publicUrl`, `tally:alarmEmail`, `tally:mailFrom` (the SES-verified
 * sender of sign-in mail), and `tally:stripeEventSourceLive` / `tally:stripeEventSourceTest` (the
 * partner event sources of Stripe's EventBridge destinations).
 */
export const tallyApp = ({ catalogue, ...appProps }: TallyAppOptions = {}): { app: App; stack: TallyStack } => {
  const app = new App(appProps);
  const context = (key: string): string | undefined => {
    const value: unknown = app.node.tryGetContext(key);
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  // No `env`: the stack is environment-agnostic, so synth needs no credentials.
  const stack = new TallyStack(app, context('tally:stackName') ?? 'Tally', {
    description: 'Tally: affiliate tracking and commission ledger for Stripe merchants',
    catalogue,
    publicUrl: context('tally:publicUrl'),
    alarmEmail: context('tally:alarmEmail'),
    mailFrom: context('tally:mailFrom'),
    stripeEventSources: Object.fromEntries(
      (
        [
          ['live', context('tally:stripeEventSourceLive')],
          ['test', context('tally:stripeEventSourceTest')],
        ] as const
      ).filter(([, source]) => source !== undefined),
    ),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
};
