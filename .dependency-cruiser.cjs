// The architecture's layer rules, checked in CI (`npm run lint:layers`) with
// dependency-cruiser. ARCHITECTURE.md draws the picture; this file is its
// written form. Paths are relative to the repository root.
//
// From the bottom up:
//   db/            the driver, statements, transactions, SQL conditions, migrations
//   leaves         errors, values, money, formats, fields, validation, deadlines, ...
//   domains        users/ orders/ products/: *.fields.ts (the definition), repositories,
//                  writes, use-cases, loaders (everything but *.resolvers.ts); and, ruled
//                  the same way, import/ (the bulk import, shared by the CLI and the jobs)
//                  and jobs/ (the queue, its workers and use-cases) but jobs/*.resolvers.ts,
//                  which is GraphQL level like every resolver
//   GraphQL        resolvers, schema, scalars, context, query-shape, plugins/, guards/
//   compiled/      the compiled path (plans, SQL, executor), beside the resolvers
//   http/, auth/   the node:http front; server.ts wires; main.ts and cli/ start
//   tracing/       beside every layer, a leaf: the Tracing interface they are handed
//                  (types only), the OTEL_* parser, and the SDK (start.ts), which only
//                  configured.ts loads, on demand, so nothing of it loads with tracing off
const GRAPHQL_PACKAGES = '^node_modules/(graphql|graphql-yoga|@graphql-yoga|@envelop|graphql-jit)/';
const LEAVES = '^src/(errors|values|money|formats|fields|validation|deadlines|linked-list|concurrency|logger|connections|viewer|access)\\.ts$';
const DOMAIN = '^src/(users|orders|products|import|jobs)/(?!.*\\.resolvers\\.ts$)';
const ABOVE_DOMAINS =
  '^src/(compiled|http|plugins|cache|auth|guards|cli)/|^src/(server|main|schema|context|scalars|common\\.resolvers|query-shape|pubsub)\\.ts$|\\.resolvers\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'db-knows-no-graphql',
      comment: 'src/db/ (driver, statements, conditions) imports nothing of GraphQL.',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: GRAPHQL_PACKAGES },
    },
    {
      name: 'db-is-the-bottom',
      comment: 'src/db/ imports only itself, the leaves, the config (for its types) and the Tracing interface.',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/', pathNot: [`^src/db/`, LEAVES, '^src/config\\.ts$', '^src/tracing/tracing\\.ts$'] },
    },
    {
      name: 'leaves-know-no-graphql',
      comment: 'The shared leaves (errors, values, formats, ...) are GraphQL-free and import no layer above them.',
      severity: 'error',
      from: { path: LEAVES },
      to: { path: [GRAPHQL_PACKAGES, ABOVE_DOMAINS, DOMAIN] },
    },
    {
      name: 'domains-below-graphql',
      comment: 'Definitions, repositories, writes, use-cases and loaders know no GraphQL and nothing above them.',
      severity: 'error',
      from: { path: DOMAIN },
      to: { path: [GRAPHQL_PACKAGES, ABOVE_DOMAINS] },
    },
    {
      name: 'sql-only-below-resolvers',
      comment: 'A resolver never builds or sends SQL: it asks loaders, repositories and use-cases.',
      severity: 'error',
      from: { path: '\\.resolvers\\.ts$' },
      to: { path: ['^src/db/(query-builder|direct|pool|statement|server-pool)\\.ts$', '^node_modules/(kysely|mysql2)/'] },
    },
    {
      name: 'compiled-path-knows-no-resolvers',
      comment: 'The compiled path reads the domain definitions, never the resolvers, loaders, context or the HTTP front.',
      severity: 'error',
      from: { path: '^src/compiled/' },
      to: { path: ['\\.resolvers\\.ts$', '\\.loaders\\.ts$', '^src/(http|plugins)/', '^src/(server|main|schema|context|loaders|common\\.resolvers)\\.ts$'] },
    },
    {
      name: 'compiled-executor-knows-no-graphql',
      comment: 'The executor, the SQL compiler and the JSON writer run plans: no GraphQL in them.',
      severity: 'error',
      from: { path: '^src/compiled/(executor|sql|sql-text|connection-sql|write-json|plan|forms|rows-sql|rows-shape|rows-run)\\.ts$' },
      to: { path: GRAPHQL_PACKAGES },
    },
    {
      name: 'plans-know-no-driver',
      comment: 'Planning turns GraphQL into plans and knows nothing of how SQL is sent.',
      severity: 'error',
      from: { path: '^src/compiled/(plan|plan-query|plan-mutation|templates)\\.ts$' },
      to: { path: ['^node_modules/mysql2/', '^src/db/(direct|pool|statement|server-pool|session-settings)\\.ts$'] },
    },
    {
      name: 'tracing-is-a-leaf',
      comment: 'src/tracing/ (OpenTelemetry) knows nothing of the gateway but itself, and no GraphQL: every layer may be handed a Tracing.',
      severity: 'error',
      from: { path: '^src/tracing/' },
      to: { path: ['^src/(?!tracing/)', GRAPHQL_PACKAGES] },
    },
    {
      name: 'otel-sdk-only-when-tracing-is-on',
      comment: 'Only src/tracing/start.ts imports @opentelemetry/* at run time; everything else imports its types only, so tracing off loads none of it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/tracing/start\\.ts$' },
      to: { path: '^node_modules/@opentelemetry/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'otel-sdk-loaded-on-demand',
      comment: 'start.ts (the SDK) is loaded by configured.ts alone, with a dynamic import() once OTEL_* turned tracing on.',
      severity: 'error',
      from: { pathNot: '^src/tracing/configured\\.ts$' },
      to: { path: '^src/tracing/start\\.ts$' },
    },
    {
      name: 'otel-sdk-import-is-dynamic',
      comment: 'configured.ts imports start.ts dynamically: a static import would load the SDK in every process.',
      severity: 'error',
      from: { path: '^src/tracing/configured\\.ts$' },
      to: { path: '^src/tracing/start\\.ts$', dynamic: false },
    },
    {
      name: 'nothing-imports-entry-points',
      comment: 'main.ts and the CLI commands start things; nothing imports them.',
      severity: 'error',
      from: {},
      to: { path: '^src/(main\\.ts$|cli/)' },
    },
    {
      name: 'no-circular',
      comment: 'Layers point one way.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    // So a copy of the tree with node_modules linked in (test/layers.test.ts) resolves as the real one.
    preserveSymlinks: true,
    doNotFollow: { path: 'node_modules' },
    includeOnly: ['^src/', '^node_modules/'],
    exclude: { path: '^src/generated/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
