// The Dashboard's signature for the backend: the real one asks the Dashboard host, which tests do not have.
jest.mock('@stripe/ui-extension-sdk/utils', () => ({ fetchStripeSignature: jest.fn(async () => 't=1700000000,v1=signed-by-stripe') }));
