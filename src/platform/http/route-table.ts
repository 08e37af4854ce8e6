import { Injectable, OnModuleInit, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';

interface Route {
  pattern: RegExp;
  method: string;
}

const paths = (value: unknown): string[] => (Array.isArray(value) ? (value as string[]) : [typeof value === 'string' ? value : '']);

/** Nest's route path as the router matches it: any case, with or without a trailing slash, a parameter one segment. */
export function routePattern(path: string): RegExp {
  const segments = path.replace(/\/$/, '').split('/');
  const source = segments.map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
  return new RegExp(`^${source}/?$`, 'i');
}

/**
 * Every route the controllers serve, by path, so that a request no route answered can be told apart:
 * a path no route has (404) from a path served for other methods (405, with Allow). Read only then.
 */
@Injectable()
export class RouteTable implements OnModuleInit {
  private readonly routes: Route[] = [];

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getControllers()) {
      const instance = wrapper.instance as Record<string, object> | undefined;
      if (!instance || !wrapper.metatype) continue;
      const prefixes = paths(Reflect.getMetadata(PATH_METADATA, wrapper.metatype));
      for (const name of this.scanner.getAllMethodNames(Object.getPrototypeOf(instance) as object)) {
        const handler = instance[name];
        const methodPaths: unknown = Reflect.getMetadata(PATH_METADATA, handler);
        const method: RequestMethod | undefined = Reflect.getMetadata(METHOD_METADATA, handler);
        if (methodPaths === undefined || method === undefined) continue;
        for (const prefix of prefixes) {
          for (const path of paths(methodPaths)) {
            const full = `/${[prefix, path].map((part) => part.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;
            this.routes.push({ pattern: routePattern(full), method: RequestMethod[method] });
          }
        }
      }
    }
  }

  /** The methods served on `path` (GET, POST, PATCH, DELETE in that order); none when no route has it. */
  methodsOn(path: string): string[] {
    const found = new Set(this.routes.filter((route) => route.pattern.test(path)).map((route) => route.method));
    return ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((method) => found.has(method));
  }
}
