import type { ContractSchemaName } from '../../contract/index.js';

/** Small builders the OpenAPI document's operations (openApiDocument.ts, openApiCohorts.ts) are made of. */
/** A reference to one of the contract's schemas (a name it does not have does not compile). */
export const ref = (name: ContractSchemaName) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: object) => ({ 'application/json': { schema } });
export const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
/** A `{id}` path parameter holding a job or cohort UUID. */
export const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
