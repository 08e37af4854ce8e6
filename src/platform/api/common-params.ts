import { IdField } from './fields';

/** Params of get, delete and actions on one object. */
export class IdParams {
  @IdField({ description: 'Object id' })
  id: number;
}
