import { adminPaths } from './openapi/admin';
import { channelPaths, webhookSecuritySchemes } from './openapi/channels';
import { citizenPaths } from './openapi/citizen';
import { mergePaths, TAGS, type JsonSchema } from './openapi/common';
import { iocPaths, iocSchemas } from './openapi/ioc';
import { open311Paths, open311Schemas } from './openapi/open311';
import { staffPaths } from './openapi/staff';

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object', required: ['code', 'message', 'messageEn'],
      properties: { code: { type: 'string' }, message: { type: 'string', description: 'Vietnamese' }, messageEn: { type: 'string' }, details: {} },
    },
  },
};

/**
 * The OpenAPI 3.1 document served at /api/docs, generated from the zod schemas that validate
 * requests. Every route of the app is in it (tests/openapi.test.ts walks the route table); the
 * areas live in ./openapi/*.ts.
 */
export function openApiDocument(publicBaseUrl: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: '1022 Hub API',
      version: '1',
      description: 'Citizen reports, the staff workflow, reference data, the IOC feed, Open311 and platform webhooks. '
        + 'Errors (except Open311 and webhooks): {error: {code, message (vi), messageEn, details}}.',
    },
    servers: [{ url: publicBaseUrl }],
    tags: TAGS,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'hub_session', description: 'Staff session from POST /api/v1/auth/login. Writes (POST, PATCH, DELETE) also need the csrf header.' },
        csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'The csrfToken of the session (from login or /api/v1/auth/me); required on every cookie-authenticated write.' },
        iocKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <one of IOC_API_KEYS>. IOC_API_KEYS unset = the feed is closed.' },
        open311ApiKey: { type: 'apiKey', in: 'query', name: 'api_key', description: 'One of OPEN311_API_KEYS, in the query string or as the form field api_key. Unset = Open311 is read-only.' },
        ...webhookSecuritySchemes,
      },
      schemas: { Error: errorSchema, ...iocSchemas, ...open311Schemas },
    },
    paths: mergePaths(citizenPaths(), staffPaths(), adminPaths(), iocPaths(), open311Paths(), channelPaths()),
  };
}
