/**
 * The single table's physical design, declared once for the CDK stack and the local runner.
 * Generic attribute names: what an item is lives in its key values (store/keys.ts), not in the schema.
 */
export const tableDesign = {
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: [
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
    { name: 'gsi4', partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
  ],
  /** Epoch seconds; DynamoDB deletes expired items (OAuth nonces, processed-event markers, …). */
  ttlAttribute: 'expiresAt',
} as const;

export type IndexName = (typeof tableDesign.indexes)[number]['name'];
