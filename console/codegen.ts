import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the console, from the committed `schema.graphql`: a document that asks for
 * a field the schema no longer has fails here, and a changed type fails the console's type check,
 * so `npm run build` catches a schema change that would break the console.
 *
 * `CONSOLE_SCHEMA` and `CONSOLE_TYPES_DIR` point it elsewhere, for the test that proves this.
 */
const config: CodegenConfig = {
  schema: process.env.CONSOLE_SCHEMA ?? 'schema.graphql',
  documents: ['console/src/**/*.{ts,tsx}', '!console/src/gql/**'],
  ignoreNoDocuments: false,
  generates: {
    [process.env.CONSOLE_TYPES_DIR ?? 'console/src/gql/']: {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // Documents stay strings (what graphql-ws sends), so the browser bundle needs no graphql runtime.
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        strictScalars: true,
        scalars: { DateTimeISO: 'string', JSONObject: 'Record<string, unknown>' },
      },
    },
  },
};

export default config;
