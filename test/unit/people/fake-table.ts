import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

type Item = Record<string, unknown>;
type Names = Record<string, string> | undefined;
type Values = Record<string, unknown> | undefined;

/**
 * A small DynamoDB stand-in for the people module's item writes: it evaluates the conditions the
 * code actually sends (clauses joined by AND, one OR of two), so a test of single use or expiry
 * fails when the code stops asking DynamoDB for it.
 */
const clauseHolds = (clause: string, item: Item | undefined, names: Names, values: Values): boolean => {
  const name = (token: string) => names?.[token] ?? token;
  const either = clause.replace(/^\(|\)$/g, '').split(' OR ');
  if (either.length > 1) return either.some((part) => clauseHolds(part, item, names, values));
  let match = /^attribute_(not_)?exists\((#?\w+)\)$/.exec(clause);
  if (match) return (item?.[name(match[2]!)] !== undefined) === !match[1];
  match = /^(#?\w+) (=|<|>|<=|>=) (:\w+)$/.exec(clause);
  if (!match) throw new Error(`The fake table cannot evaluate: ${clause}`);
  const [left, right] = [item?.[name(match[1]!)] as number | string | undefined, values?.[match[3]!] as number | string];
  if (left === undefined) return false;
  return { '=': left === right, '<': left < right, '>': left > right, '<=': left <= right, '>=': left >= right }[match[2] as '='];
};

const holds = (expression: string | undefined, item: Item | undefined, names: Names, values: Values) =>
  !expression || expression.split(' AND ').every((clause) => clauseHolds(clause.trim(), item, names, values));

const failed = () => new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });

export const fakeTable = () => {
  const items = new Map<string, Item>();
  const id = (key: Item) => `${String(key.pk)}\n${String(key.sk)}`;
  const dynamo = mockClient(DynamoDBDocumentClient);
  const install = () => {
    dynamo.reset();
    items.clear();
    dynamo.on(PutCommand).callsFake(({ Item, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues }) => {
      if (!holds(ConditionExpression, items.get(id(Item)), ExpressionAttributeNames, ExpressionAttributeValues)) throw failed();
      items.set(id(Item), structuredClone(Item));
      return {};
    });
    dynamo.on(GetCommand).callsFake(({ Key }) => ({ Item: structuredClone(items.get(id(Key))) }));
    dynamo.on(DeleteCommand).callsFake(({ Key, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, ReturnValues }) => {
      const old = items.get(id(Key));
      if (!holds(ConditionExpression, old, ExpressionAttributeNames, ExpressionAttributeValues)) throw failed();
      items.delete(id(Key));
      return ReturnValues === 'ALL_OLD' ? { Attributes: old } : {};
    });
    // Only the counter update the sign-in limit makes: ADD one, SET the TTL.
    dynamo.on(UpdateCommand).callsFake(({ Key, UpdateExpression, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues }) => {
      const old = items.get(id(Key));
      if (!holds(ConditionExpression, old, ExpressionAttributeNames, ExpressionAttributeValues)) throw failed();
      if (!/^ADD #count :one SET expiresAt = :expiresAt$/.test(UpdateExpression ?? '')) throw new Error(`The fake table cannot apply: ${UpdateExpression}`);
      const count = ((old?.count as number | undefined) ?? 0) + (ExpressionAttributeValues?.[':one'] as number);
      items.set(id(Key), { ...Key, ...old, count, expiresAt: ExpressionAttributeValues?.[':expiresAt'] });
      return {};
    });
  };
  return { dynamo, items, install, all: () => [...items.values()] };
};
