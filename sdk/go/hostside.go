package sdk

import (
	"errors"
	"strconv"
)

// This file holds the other half of the layouts: the encoders of the inputs
// and the decoders of the outputs, as a host writes and reads them. The SDK
// uses them in its own tests, and plugin tests use them to drive a module
// from the host side without the kafkawasm runtime.

// AppendBatchInput appends the record batch input layout (partition and
// enrich; partitionCount is 0 for enrich).
func AppendBatchInput(dst []byte, topic string, partitionCount int, recs []Record) []byte {
	dst = AppendSizedString(dst, topic)
	dst = AppendU32(dst, uint32(partitionCount))
	dst = AppendU32(dst, uint32(len(recs)))
	for _, r := range recs {
		dst = AppendNullable(dst, r.Key)
		dst = AppendNullable(dst, r.Value)
		dst = AppendU32(dst, uint32(len(r.Headers)))
		for _, h := range r.Headers {
			dst = AppendSizedString(dst, h.Key)
			dst = AppendNullable(dst, h.Value)
		}
	}
	return dst
}

// AppendCodecInput appends the codec input layout (nil values are nulls).
func AppendCodecInput(dst []byte, topic string, values [][]byte) []byte {
	dst = AppendSizedString(dst, topic)
	dst = AppendU32(dst, uint32(len(values)))
	for _, v := range values {
		dst = AppendNullable(dst, v)
	}
	return dst
}

// PartitionResult is one decoded partition output entry.
type PartitionResult struct {
	Partition int32  // >= 0, NoOpinion, or -2 with Err set
	Err       string // the record's message when Partition is -2
}

// ParsePartitionOutput decodes a partition output and checks it describes
// exactly n records.
func ParsePartitionOutput(out []byte, n int) ([]PartitionResult, error) {
	r := reader{b: out}
	count := r.u32("result count")
	if r.err == nil && int(count) != n {
		return nil, &LayoutError{What: "result count", Err: errors.New("got " + strconv.FormatUint(uint64(count), 10) + " results for " + strconv.Itoa(n) + " records")}
	}
	res := make([]PartitionResult, n)
	for i := 0; i < n && r.err == nil; i++ {
		v := int32(r.u32("result"))
		if v < resultError {
			r.fail("result "+strconv.Itoa(i), errors.New("invalid result "+strconv.Itoa(int(v))))
		}
		res[i].Partition = v
	}
	ec := r.u32("error_count")
	for j := 0; j < int(ec) && r.err == nil; j++ {
		idx := r.u32("error index")
		msg := r.sized("error message")
		if r.err != nil {
			break
		}
		if int(idx) >= n || res[idx].Partition != resultError {
			r.fail("error index", errors.New("index "+strconv.FormatUint(uint64(idx), 10)+" is not a failed record"))
			break
		}
		res[idx].Err = string(msg)
	}
	if r.err == nil && r.off != len(out) {
		r.fail("end of output", errors.New("trailing bytes"))
	}
	if r.err != nil {
		return nil, r.err
	}
	return res, nil
}

// CodecResult is one decoded codec output entry.
type CodecResult struct {
	Value []byte // nil: null (when Err is empty)
	Err   string // non-empty: the record failed
}

// ParseCodecOutput decodes a codec output and checks it has n entries.
func ParseCodecOutput(out []byte, n int) ([]CodecResult, error) {
	r := reader{b: out}
	count := r.u32("result count")
	if r.err == nil && int(count) != n {
		return nil, &LayoutError{What: "result count", Err: errors.New("got " + strconv.FormatUint(uint64(count), 10) + " results for " + strconv.Itoa(n) + " values")}
	}
	res := make([]CodecResult, n)
	for i := 0; i < n && r.err == nil; i++ {
		l := int32(r.u32("result length"))
		switch {
		case l == lenNull:
		case l == resultError:
			res[i].Err = string(r.sized("error message"))
		case l < 0:
			r.fail("result length", errors.New("invalid length "+strconv.Itoa(int(l))))
		default:
			res[i].Value = append([]byte{}, r.bytes("result bytes", int(l))...)
		}
	}
	if r.err == nil && r.off != len(out) {
		r.fail("end of output", errors.New("trailing bytes"))
	}
	if r.err != nil {
		return nil, r.err
	}
	return res, nil
}

// EnrichResult is one decoded enrich output entry.
type EnrichResult struct {
	Headers []Header
	Err     string // non-empty: the record failed
}

// ParseEnrichOutput decodes an enrich output and checks it has n entries.
func ParseEnrichOutput(out []byte, n int) ([]EnrichResult, error) {
	r := reader{b: out}
	count := r.u32("result count")
	if r.err == nil && int(count) != n {
		return nil, &LayoutError{What: "result count", Err: errors.New("got " + strconv.FormatUint(uint64(count), 10) + " results for " + strconv.Itoa(n) + " records")}
	}
	res := make([]EnrichResult, n)
	for i := 0; i < n && r.err == nil; i++ {
		hc := int32(r.u32("header_count"))
		if hc == resultError {
			res[i].Err = string(r.sized("error message"))
			continue
		}
		if hc < 0 || int(hc) > (len(out)-r.off)/8 {
			r.fail("header_count", errors.New("invalid header count "+strconv.Itoa(int(hc))))
			break
		}
		hs := make([]Header, 0, hc)
		for j := 0; j < int(hc) && r.err == nil; j++ {
			k := r.sized("header key")
			v := r.nullable("header value")
			if v != nil {
				v = append([]byte{}, v...)
			}
			hs = append(hs, Header{Key: string(k), Value: v})
		}
		res[i].Headers = hs
	}
	if r.err == nil && r.off != len(out) {
		r.fail("end of output", errors.New("trailing bytes"))
	}
	if r.err != nil {
		return nil, r.err
	}
	return res, nil
}
