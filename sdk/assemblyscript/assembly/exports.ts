// The ABI exports. A plugin's entry file must re-export them, because
// AssemblyScript only exports what the entry file exports:
//
//   export * from "<path to sdk>/assembly/exports";
export { kw_abi_version, kw_input, kw_configure, kw_partition, kw_encode, kw_decode, kw_enrich } from "./abi";
