import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpRoutes, httpTimeoutSeconds } from '../../lambdas/functions';
import { type IncomingRequest, type OutgoingResponse, fromLambdaResult, gatewayResponses, matchRoute, toApiGatewayEvent } from './api-gateway';
import { type LambdaHandler, invoke, loadHandler } from './lambda-runtime';

/** API Gateway's HTTP API refuses bodies over 10 MB before any Lambda runs. */
const maxBodyBytes = 10 * 1024 * 1024;

/** Pages the local runner serves itself (never deployed), e.g. a stand-in merchant dashboard. */
export type LocalPage = (request: IncomingRequest) => Promise<OutgoingResponse | undefined>;

const readBody = (request: IncomingMessage): Promise<Buffer | undefined> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBodyBytes) chunks.push(chunk);
    });
    request.on('end', () => resolve(size > maxBodyBytes ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });

const send = (response: ServerResponse, outgoing: OutgoingResponse) => {
  response.writeHead(outgoing.statusCode, outgoing.headers);
  response.end(outgoing.body);
};

export interface LocalApi {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The local API Gateway: every route of lambdas/functions.ts, served by its own handler module. */
export const startHttpServer = async (options: { port: number; host: string; localPages?: LocalPage[] }): Promise<LocalApi> => {
  const handlers = new Map<string, LambdaHandler>(httpRoutes.map((route) => [route.handler, loadHandler('http', route.handler)]));

  const server = createServer(async (request, response) => {
    try {
      const body = await readBody(request);
      if (!body) return send(response, gatewayResponses.payloadTooLarge());
      const incoming: IncomingRequest = {
        method: request.method ?? 'GET',
        url: request.url ?? '/',
        headers: request.headers,
        body,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
      };
      for (const page of options.localPages ?? []) {
        const answer = await page(incoming);
        if (answer) return send(response, answer);
      }
      const match = matchRoute(httpRoutes, incoming.method, new URL(incoming.url, 'http://localhost').pathname);
      if (!match) return send(response, gatewayResponses.notFound());
      const handler = handlers.get(match.route.handler) as LambdaHandler;
      const result = await invoke(handler, match.route.handler, match.route.timeoutSeconds ?? httpTimeoutSeconds, toApiGatewayEvent(incoming, match));
      send(response, fromLambdaResult(result));
    } catch (error) {
      // A handler that throws is a Lambda failure; API Gateway answers 500 without details.
      console.error('Lambda invocation failed', error);
      send(response, gatewayResponses.internalError());
    }
  });
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host === '0.0.0.0' ? '127.0.0.1' : options.host}:${port}`,
    port,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
