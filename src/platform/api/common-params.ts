import { IdField } from './fields';

/** Params of a method that takes none (`__tz` aside): anything sent is refused, as in every other method. */
export class NoParams {}

/** Params of get, delete and actions on one object. */
export class IdParams {
  @IdField({ description: 'Object id' })
  id: number;
}

/** The result of update, delete and most actions: how many rows were affected. */
export const ROWS_AFFECTED = { type: 'integer', example: 1, description: 'Rows affected' };
