// kafkawasm AssemblyScript guest SDK (ABI 1.1, docs/ABI.md). See ../README.md.
export {
  Record,
  Header,
  NO_OPINION,
  ABI_MAJOR,
  ABI_MINOR,
  PartitionFn,
  CodecFn,
  EnrichFn,
  ConfigureFn,
  registerPartitioner,
  registerCodec,
  registerEnricher,
  registerConfigure,
  fail,
} from "./abi";
export {
  log,
  LEVEL_DEBUG,
  LEVEL_INFO,
  LEVEL_WARN,
  LEVEL_ERROR,
  nowUnixNanos,
  monotonicNanos,
  random,
  randomInto,
  configValue,
  sha256Into,
} from "./host";
export { ByteBuf, compareBytes, copyBytes, equalBytes, utf8Equals } from "./buffer";
