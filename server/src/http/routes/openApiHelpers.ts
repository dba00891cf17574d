/** Small builders the hand-written OpenAPI document (openApiDocument.ts, openApiCohorts.ts) is made of. */
export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: object) => ({ 'application/json': { schema } });
export const errorResponse = (description: string) => ({ description, content: json(ref('Error')) });
/** A `{id}` path parameter holding a job or cohort UUID. */
export const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } };
