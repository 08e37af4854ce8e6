import Decimal from 'decimal.js';

// Every Decimal of the application comes from here (fields, columns): with enough significant
// digits that no product of an amount and a rate, nor any sum, is ever rounded implicitly.
// The only roundings are explicit, half to even.
Decimal.set({ precision: 64, rounding: Decimal.ROUND_HALF_EVEN });

export default Decimal;
export { Decimal };
