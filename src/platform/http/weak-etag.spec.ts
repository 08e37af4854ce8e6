import etag from 'etag';
import fc from 'fast-check';
import { weakEtag } from './weak-etag';

describe('weakEtag', () => {
  it('is the etag package\'s weak ETag (Express\'s own) of any string or bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(weakEtag(text)).toBe(etag(Buffer.from(text, 'utf8'), { weak: true }));
        expect(weakEtag(Buffer.from(text, 'utf8'))).toBe(etag(Buffer.from(text, 'utf8'), { weak: true }));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the empty body the constant the etag package uses', () => {
    expect(weakEtag('')).toBe('W/"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"');
  });
});
