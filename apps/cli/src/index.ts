/**
 * @ctrack/cli as a library: the capture reader (pcap/pcapng, push parser), the pcap
 * writers, and `replay()`, the engine behind `ctrack replay`.
 */
export { CaptureError } from './capture/errors.js';
export { encapsulate, type FrameOptions } from './capture/frame.js';
export * from './capture/linktype.js';
export { type PcapngInterface, PcapngWriter } from './capture/pcapng-writer.js';
export { type CaptureFormat, CaptureReader } from './capture/reader.js';
export { CaptureRecord, type RecordSink } from './capture/record.js';
export {
  CaptureFile,
  type CaptureInput,
  CaptureOpenError,
  openCaptureFile,
  type ReadOptions,
  readCapture,
} from './capture/source.js';
export { PcapWriter, type PcapWriterOptions } from './capture/writer.js';
export { main } from './main.js';
export type { HelperSpec, OutputFormat, ReplayOptions } from './replay/options.js';
export { type ReplayResult, replay } from './replay/replay.js';
export { type PacketFacts, packetFacts } from './replay/trace-format.js';
export { shardOfIpv4, shardOfIpv6 } from './shard/flow-hash.js';
export { type ShardedReplayResult, shardedReplay } from './shard/replay.js';
export { CliError, UsageError } from './usage-error.js';
