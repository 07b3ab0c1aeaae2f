package abi

import "encoding/binary"

// Header is one record header. A nil Value is a null value.
type Header struct {
	Key   string
	Value []byte
}

// Record is one record of a batch input. A nil Key or Value is null.
type Record struct {
	Key     []byte
	Value   []byte
	Headers []Header
}

// RecordError is a per-record failure in a partition output.
type RecordError struct {
	Index int
	Msg   string
}

// CodecResult is one record's result in a codec output: Err set means the
// record failed (with Err as message, possibly empty), else Null or Data.
type CodecResult struct {
	Data   []byte
	Null   bool
	Failed bool
	Err    string
}

// EnrichResult is one record's result in an enrich output: the headers to
// add in order, or Failed with a message.
type EnrichResult struct {
	Headers []Header
	Failed  bool
	Err     string
}

// AppendU32 appends v little-endian.
func AppendU32(dst []byte, v uint32) []byte { return binary.LittleEndian.AppendUint32(dst, v) }

// AppendI32 appends v little-endian.
func AppendI32(dst []byte, v int32) []byte { return AppendU32(dst, uint32(v)) }

// AppendString appends a u32 length and s.
func AppendString(dst []byte, s string) []byte {
	return append(AppendU32(dst, uint32(len(s))), s...)
}

// AppendNullable appends an i32 length (-1 for nil) and b.
func AppendNullable(dst, b []byte) []byte {
	if b == nil {
		return AppendI32(dst, LenNull)
	}
	return append(AppendU32(dst, uint32(len(b))), b...)
}

// AppendBatchHeader starts a record batch input (partition, enrich): the
// topic, the partition count (0 for enrich) and the record count. Append
// exactly n records after it with AppendRecordHead and AppendHeader.
func AppendBatchHeader(dst []byte, topic string, partitionCount, n uint32) []byte {
	dst = AppendString(dst, topic)
	dst = AppendU32(dst, partitionCount)
	return AppendU32(dst, n)
}

// AppendRecordHead appends a record's key, value and header count; the
// caller appends headerCount headers with AppendHeader next.
func AppendRecordHead(dst, key, value []byte, headerCount uint32) []byte {
	dst = AppendNullable(dst, key)
	dst = AppendNullable(dst, value)
	return AppendU32(dst, headerCount)
}

// AppendHeader appends one header (u32 key length, key, i32 value length or
// -1, value).
func AppendHeader(dst []byte, key string, value []byte) []byte {
	return AppendNullable(AppendString(dst, key), value)
}

// AppendRecord appends a whole record.
func AppendRecord(dst []byte, r Record) []byte {
	dst = AppendRecordHead(dst, r.Key, r.Value, uint32(len(r.Headers)))
	for _, h := range r.Headers {
		dst = AppendHeader(dst, h.Key, h.Value)
	}
	return dst
}

// AppendCodecHeader starts a codec input: the topic and the value count;
// append n values with AppendNullable next.
func AppendCodecHeader(dst []byte, topic string, n uint32) []byte {
	return AppendU32(AppendString(dst, topic), n)
}

// AppendPartitionOutput appends a partition output (the guest's side).
func AppendPartitionOutput(dst []byte, results []int32, errs []RecordError) []byte {
	dst = AppendU32(dst, uint32(len(results)))
	for _, r := range results {
		dst = AppendI32(dst, r)
	}
	dst = AppendU32(dst, uint32(len(errs)))
	for _, e := range errs {
		dst = AppendU32(dst, uint32(e.Index))
		dst = AppendString(dst, e.Msg)
	}
	return dst
}

// AppendCodecOutput appends a codec output (the guest's side).
func AppendCodecOutput(dst []byte, results []CodecResult) []byte {
	dst = AppendU32(dst, uint32(len(results)))
	for _, r := range results {
		switch {
		case r.Failed:
			dst = AppendString(AppendI32(dst, LenError), r.Err)
		case r.Null:
			dst = AppendI32(dst, LenNull)
		default:
			dst = append(AppendU32(dst, uint32(len(r.Data))), r.Data...)
		}
	}
	return dst
}

// AppendEnrichOutput appends an enrich output (the guest's side).
func AppendEnrichOutput(dst []byte, results []EnrichResult) []byte {
	dst = AppendU32(dst, uint32(len(results)))
	for _, r := range results {
		if r.Failed {
			dst = AppendString(AppendI32(dst, LenError), r.Err)
			continue
		}
		dst = AppendU32(dst, uint32(len(r.Headers)))
		for _, h := range r.Headers {
			dst = AppendHeader(dst, h.Key, h.Value)
		}
	}
	return dst
}
