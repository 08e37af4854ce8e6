import type { ErrorData } from '../errors/domain-error';
import type Decimal from '../money/decimal';
import type { PageInfo } from '../search/page';

/** An id as sent; an integer beyond 2^53 is kept exact (a Decimal, written back with every digit). */
export type RpcId = string | number | Decimal | null;

export interface RpcResponse {
  jsonrpc: '2.0';
  id: RpcId;
  result?: unknown;
  /** Beside a search's result: whether there is more (design-13), the result itself staying the bare array. */
  meta?: PageInfo;
  error?: { code: number; message: string; data?: ErrorData };
}

/** The codes the JSON-RPC 2.0 specification reserves. */
export enum RpcErrorCode {
  ParseError = -32700,
  InvalidRequest = -32600,
  MethodNotFound = -32601,
}

export const STANDARD_MESSAGES = {
  parseError: 'Parse error',
  invalidRequest: 'Invalid Request',
  methodNotFound: 'Method not found',
} as const;

export function rpcError(id: RpcId, code: number, message: string, data?: ErrorData): RpcResponse {
  return { jsonrpc: '2.0', id, error: data === undefined ? { code, message } : { code, message, data } };
}
