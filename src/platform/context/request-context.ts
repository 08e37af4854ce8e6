import { AsyncLocalStorage } from 'node:async_hooks';
import type { Principal } from '../auth/principal';

/** What is known about the request being served; lives for the whole request, both protocols. */
export interface RequestContext {
  requestId: string;
  /** Identifies the request's unit of work, the same in the copies made per JSON-RPC call. */
  unit: symbol;
  /** The caller's address: the socket's, or X-Forwarded-For's when TRUST_PROXY is set. */
  clientIp?: string;
  principal?: Principal;
  /** The effective time zone of the call being run, once its params are read (see TimeZones). */
  timezone?: string;
  /** `string` when the call asked for its result's decimals as JSON strings (`__decimals`, see decimals-param.ts). */
  decimals?: 'string';
  /** JSON-RPC method names called, for the access log. */
  rpcMethods?: string[];
}

const storage = new AsyncLocalStorage<RequestContext>();

export const RequestContexts = {
  run<T>(context: RequestContext, fn: () => T): T {
    return storage.run(context, fn);
  },

  current(): RequestContext | undefined {
    return storage.getStore();
  },

  /** The context of the request being served; calling it outside one is a programming error. */
  require(): RequestContext {
    const context = storage.getStore();
    if (!context) throw new Error('No request context: code ran outside a request');
    return context;
  },
};
