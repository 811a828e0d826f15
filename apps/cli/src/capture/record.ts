/**
 * One captured frame. The reader reuses a single instance for every record and points
 * it into the buffer it is parsing (zero-copy): consume it inside the callback and do
 * not keep it, nor `data`, past the callback's return.
 */
export class CaptureRecord {
  /** Buffer that holds the frame (a read chunk or the reader's reassembly buffer). */
  data: Uint8Array = new Uint8Array(0);
  /** Frame start inside `data`. */
  offset = 0;
  /** Captured bytes of the frame. */
  caplen = 0;
  /** Length of the frame on the wire. */
  origlen = 0;
  /** Capture time, whole microseconds since the Unix epoch (finer units are floored). */
  tsUs = 0;
  /** LINKTYPE_* of the frame's interface. */
  linktype = 0;
  /** pcapng interface id (0 for pcap). */
  ifIndex = 0;
  /** Byte offset of the record (pcap) or block (pcapng) in the input. */
  fileOffset = 0;
  /** 1-based number of the record in the capture. */
  index = 0;
}

export type RecordSink = (rec: CaptureRecord) => void;
