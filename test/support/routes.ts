import type { INestApplication } from '@nestjs/common';

/** Every route the application's router serves, as "VERB /path" (HEAD, which each GET route also serves, left out), whichever adapter runs. */
export function servedRoutes(app: INestApplication): string[] {
  const instance = app.getHttpAdapter().getInstance() as Record<string, unknown>;
  return typeof instance.printRoutes === 'function' ? fastifyRoutes(instance.printRoutes({ commonPrefix: false }) as string) : expressRoutes(instance);
}

function expressRoutes(app: Record<string, unknown>): string[] {
  const router = app.router as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  return router.stack.flatMap((layer) =>
    layer.route ? Object.keys(layer.route.methods).map((verb) => `${verb.toUpperCase()} ${layer.route!.path}`) : [],
  );
}

/** Fastify lists its routes only as a tree (`printRoutes`): "└── /:id (GET, HEAD, DELETE)", a level every 4 characters. */
function fastifyRoutes(tree: string): string[] {
  const prefixes: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const node = /^([│ ├└─]*)(\S+) \(([A-Z, ]+)\)$/.exec(line.trimEnd());
    if (!node) continue;
    const depth = node[1].length / 4;
    const path = (prefixes[depth - 1] ?? '') + node[2];
    prefixes[depth] = path;
    for (const verb of node[3].split(', ')) if (verb !== 'HEAD') routes.push(`${verb} ${path}`);
  }
  return routes;
}
