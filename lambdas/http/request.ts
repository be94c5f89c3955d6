import type { APIGatewayProxyEventV2 } from 'aws-lambda';

export const rawBody = (event: APIGatewayProxyEventV2): Buffer =>
  Buffer.from(event.body ?? '', event.isBase64Encoded ? 'base64' : 'utf8');

/** API Gateway's payload 2.0 lower-cases header names. */
export const header = (event: APIGatewayProxyEventV2, name: string): string | undefined => event.headers[name.toLowerCase()];
