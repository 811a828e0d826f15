/**
 * A capture that cannot be read further: truncated or corrupt bytes, an unsupported
 * link type. `offset` is the byte offset in the input where the bad unit starts, so the
 * message points at the exact place; every record before it was already emitted.
 */
export class CaptureError extends Error {
  readonly detail: string;
  readonly offset: number;
  /** Text after the offset, e.g. " (need 16 bytes, have 7)". */
  readonly extra: string;
  /** Name of the input ("capture.pcap", "stdin"); the reader that knows it sets it. */
  source = 'capture';

  constructor(detail: string, offset: number, extra = '') {
    super('');
    this.name = 'CaptureError';
    this.detail = detail;
    this.offset = offset;
    this.extra = extra;
    this.message = this.format();
  }

  /** Re-label with the input's name. */
  withSource(source: string): this {
    this.source = source;
    this.message = this.format();
    return this;
  }

  private format(): string {
    return `${this.source}: ${this.detail} at offset ${this.offset}${this.extra}`;
  }
}

/** "truncated record header at offset 1234 (need 16 bytes, have 7)" */
export function truncated(what: string, offset: number, need: number, have: number): CaptureError {
  return new CaptureError(`truncated ${what}`, offset, ` (need ${need} bytes, have ${have})`);
}
