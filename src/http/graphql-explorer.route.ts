import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Where the explorer's files are served from: under `/graphql`, so one proxy rule covers both. */
const EXPLORER_ASSETS_PATH = '/graphql/explorer';

const require = createRequire(import.meta.url);

/** A package's folder, found as Node finds the package (its `exports` hide the browser bundles from `require.resolve`). */
function packageFile(name: string, file: string): string {
  for (const modules of require.resolve.paths(name) ?? []) {
    const candidate = join(modules, name, file);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`the GraphQL explorer needs ${name}/${file}, which is not installed`);
}

/** The prebuilt browser bundles the explorer page loads, from the npm packages themselves. */
const JS = 'text/javascript; charset=utf-8';
const ASSETS: Record<string, { packageName: string; file: string; type: string }> = {
  'react.js': { packageName: 'react', file: 'umd/react.production.min.js', type: JS },
  'react-dom.js': { packageName: 'react-dom', file: 'umd/react-dom.production.min.js', type: JS },
  'graphiql.js': { packageName: 'graphiql', file: 'graphiql.min.js', type: JS },
  'graphiql.css': { packageName: 'graphiql', file: 'graphiql.min.css', type: 'text/css; charset=utf-8' },
  'graphql-ws.js': { packageName: 'graphql-ws', file: 'umd/graphql-ws.min.js', type: JS },
};

/**
 * GraphiQL on `GET /graphql` for a browser (a request that accepts HTML and carries no query),
 * with queries over HTTP and subscriptions over graphql-ws on the same path. Everything it loads
 * comes from this service: Apollo's own landing page loads from the internet, which these
 * machines do not reach. Off in production unless `GRAPHQL_EXPLORER=true`.
 *
 * With API tokens configured, the page asks for one and sends it as `Authorization` on HTTP and
 * in `connectionParams` on the WebSocket.
 *
 * Serves the explorer's files and returns its page, which the `GET /graphql` route hands to browsers.
 */
export function registerGraphQLExplorer(app: FastifyInstance, options: { tokenRequired: boolean }): string {
  const files = new Map(Object.entries(ASSETS).map(([name, asset]) => [name, { body: readFileSync(packageFile(asset.packageName, asset.file)), type: asset.type }]));
  app.get(`${EXPLORER_ASSETS_PATH}/:file`, async (request, reply) => {
    const file = files.get((request.params as { file: string }).file);
    if (!file) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'No such explorer file' });
    return reply.type(file.type).header('cache-control', 'public, max-age=3600').send(file.body);
  });
  return explorerPage(options.tokenRequired);
}

/** Whether a `GET /graphql` is a browser opening the page, rather than a GraphQL request or a WebSocket upgrade. */
export function wantsExplorer(request: FastifyRequest): boolean {
  if (request.method !== 'GET' || request.ws) return false;
  const query = request.query as Record<string, unknown> | undefined;
  if (query && query.query !== undefined) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

function explorerPage(tokenRequired: boolean): string {
  const asset = (name: string): string => `${EXPLORER_ASSETS_PATH}/${name}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>GraphQL explorer · Catapult Voice</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset('graphiql.css')}">
<style>html, body, #explorer { height: 100%; margin: 0; }</style>
</head>
<body>
<div id="explorer">Loading the GraphQL explorer…</div>
<script src="${asset('react.js')}"></script>
<script src="${asset('react-dom.js')}"></script>
<script src="${asset('graphql-ws.js')}"></script>
<script src="${asset('graphiql.js')}"></script>
<script>
  const tokenRequired = ${JSON.stringify(tokenRequired)};
  let token = sessionStorage.getItem('catapult-api-token') || '';
  if (tokenRequired && !token) {
    token = window.prompt('API token for this service (sent as Authorization: Bearer …)') || '';
    if (token) sessionStorage.setItem('catapult-api-token', token);
  }
  const url = new URL('/graphql', window.location.href);
  const wsUrl = url.href.replace(/^http/, 'ws');
  const headers = token ? { authorization: 'Bearer ' + token } : {};
  const fetcher = GraphiQL.createFetcher({
    url: url.href,
    headers,
    wsClient: graphqlWs.createClient({ url: wsUrl, connectionParams: headers, lazy: true }),
  });
  // A link can carry a document in its fragment (#query=…), which never reaches the server.
  const shared = new URLSearchParams(window.location.hash.slice(1)).get('query');
  ReactDOM.createRoot(document.getElementById('explorer')).render(
    React.createElement(GraphiQL, {
      fetcher,
      ...(shared ? { query: shared } : {}),
      defaultQuery: '# Calls, newest first. Subscriptions (callEvents, callUpdated) run over WebSocket.\\nquery {\\n  calls(first: 10) { nodes { id state from to } }\\n}\\n',
    }),
  );
</script>
</body>
</html>
`;
}
