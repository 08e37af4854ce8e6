/**
 * A JSON number a binary float cannot hold exactly (e.g. 1.0000000000000001): kept as its text,
 * so a decimal field reads exactly what was sent, and any other field refuses it.
 */
export class ExactNumber {
  constructor(readonly text: string) {}
}
