package sdk

import (
	"errors"
	"strconv"
)

// PartitionFunc chooses a partition in [0, partitionCount) for one record,
// or returns NoOpinion. A non-nil error fails this record alone.
type PartitionFunc func(r Record, partitionCount int) (int, error)

// CodecFunc encodes or decodes one non-null value. A nil result is written
// as zero bytes (nulls never reach a codec: the SDK passes them through). A
// non-nil error fails this record alone.
type CodecFunc func(topic string, in []byte) ([]byte, error)

// EnrichFunc returns the headers to add to one record, in order. A non-nil
// error fails this record alone.
type EnrichFunc func(r Record) ([]Header, error)

// ConfigureFunc receives the plugin's config table as JSON, once, before any
// other call. A non-nil error refuses the load with its message.
type ConfigureFunc func(cfg []byte) error

// The registered callbacks. Registration happens in init, before the host
// makes any call, so no locking is needed.
var (
	partitionFn PartitionFunc
	encodeFn    CodecFunc
	decodeFn    CodecFunc
	enrichFn    EnrichFunc
	configureFn ConfigureFunc
)

// RegisterPartitioner makes the module a partitioner. Call it from init.
func RegisterPartitioner(fn PartitionFunc) { partitionFn = fn }

// RegisterCodec makes the module a codec. Call it from init.
func RegisterCodec(encode, decode CodecFunc) { encodeFn, decodeFn = encode, decode }

// RegisterEnricher makes the module a header enricher. Call it from init.
func RegisterEnricher(fn EnrichFunc) { enrichFn = fn }

// RegisterConfigure sets the function that receives the plugin's config.
// Without one, any config is accepted. Call it from init.
func RegisterConfigure(fn ConfigureFunc) { configureFn = fn }

// guest is the SDK's per-instance state: the input buffer handed out by
// kw_input, the reused output buffer and parse scratch.
type guest struct {
	in      []byte
	out     []byte
	batch   Batch
	codec   CodecInput
	results []int32
	errs    []RecordError
}

var g guest

func errNotRegistered(kind, fn string) error {
	return errors.New("kafkawasm sdk: this module has no " + kind + ": call sdk." + fn + " in init")
}

// input returns a buffer of at least size bytes, growing the previous one if
// needed, or nil for an impossible size.
func (g *guest) input(size int32) []byte {
	if size < 0 || size > maxInputLength {
		return nil
	}
	if int(size) > cap(g.in) || g.in == nil {
		c := max(int(size), 2*cap(g.in), 4096)
		if c > maxInputLength {
			c = int(size)
		}
		g.in = make([]byte, c)
	}
	g.in = g.in[:cap(g.in)]
	return g.in
}

// take returns the first n bytes the host wrote into the input buffer.
func (g *guest) take(n int32) ([]byte, error) {
	if n < 0 || int(n) > len(g.in) {
		return nil, errors.New("kafkawasm sdk: input length " + strconv.Itoa(int(n)) +
			" exceeds the " + strconv.Itoa(len(g.in)) + "-byte buffer from kw_input")
	}
	return g.in[:n:n], nil
}

func (g *guest) configure(n int32) error {
	in, err := g.take(n)
	if err != nil {
		return err
	}
	if configureFn == nil {
		return nil
	}
	return safeConfigure(configureFn, in)
}

func (g *guest) partition(n int32) ([]byte, error) {
	if partitionFn == nil {
		return nil, errNotRegistered("partitioner", "RegisterPartitioner")
	}
	in, err := g.take(n)
	if err != nil {
		return nil, err
	}
	if err := g.batch.Parse(in); err != nil {
		return nil, err
	}
	g.results = g.results[:0]
	g.errs = g.errs[:0]
	// One deferred recover per run of records, not one per record: after a
	// panic, the record fails and the loop resumes at the next one.
	for i := 0; i < len(g.batch.Records); {
		at, v := g.partitionFrom(i)
		if at < 0 {
			break
		}
		g.results = append(g.results, resultError)
		g.errs = append(g.errs, RecordError{Index: at, Msg: panicError(v).Error()})
		i = at + 1
	}
	g.out = AppendPartitionOutput(g.out[:0], g.results, g.errs)
	return g.out, nil
}

// partitionFrom partitions records i.. into g.results and g.errs; on a
// panic in the callback it returns the failing record's index and the
// panic value (at = -1: all done).
func (g *guest) partitionFrom(i int) (at int, v any) {
	at = -1
	defer func() {
		if r := recover(); r != nil {
			at, v = i, r
		}
	}()
	fn, recs, pc := partitionFn, g.batch.Records, g.batch.PartitionCount
	for ; i < len(recs); i++ {
		p, err := fn(recs[i], pc)
		if err == nil && p < NoOpinion {
			err = errors.New("partitioner returned invalid partition " + strconv.Itoa(p))
		}
		if err != nil {
			msg := err.Error()
			g.results = append(g.results, resultError)
			g.errs = append(g.errs, RecordError{Index: i, Msg: msg})
			continue
		}
		g.results = append(g.results, int32(p))
	}
	return -1, nil
}

func (g *guest) encode(n int32) ([]byte, error) {
	if encodeFn == nil {
		return nil, errNotRegistered("codec", "RegisterCodec")
	}
	return g.runCodec(encodeFn, n)
}

func (g *guest) decode(n int32) ([]byte, error) {
	if decodeFn == nil {
		return nil, errNotRegistered("codec", "RegisterCodec")
	}
	return g.runCodec(decodeFn, n)
}

func (g *guest) runCodec(fn CodecFunc, n int32) ([]byte, error) {
	in, err := g.take(n)
	if err != nil {
		return nil, err
	}
	if err := g.codec.Parse(in); err != nil {
		return nil, err
	}
	g.out = AppendU32(g.out[:0], uint32(len(g.codec.Values)))
	// One deferred recover per run of values, not one per value: after a
	// panic, the value fails and the loop resumes at the next one.
	for i := 0; i < len(g.codec.Values); {
		at, v := g.codecFrom(fn, i)
		if at < 0 {
			break
		}
		g.out = AppendCodecError(g.out, panicError(v).Error())
		i = at + 1
	}
	return g.out, nil
}

// codecFrom appends the results of values i.. to g.out; on a panic in fn
// it returns the failing value's index and the panic value (at = -1: all
// done). g.out holds every finished value's result when fn is called.
func (g *guest) codecFrom(fn CodecFunc, i int) (at int, v any) {
	at = -1
	defer func() {
		if r := recover(); r != nil {
			at, v = i, r
		}
	}()
	topic, vals, out := g.codec.Topic, g.codec.Values, g.out
	for ; i < len(vals); i++ {
		if vals[i] == nil {
			out = AppendI32(out, lenNull)
			g.out = out
			continue
		}
		res, err := fn(topic, vals[i])
		if err != nil {
			out = AppendCodecError(out, err.Error())
		} else if res == nil { // zero bytes, not a null
			out = AppendI32(out, 0)
		} else {
			out = AppendCodecResult(out, res)
		}
		g.out = out
	}
	return -1, nil
}

func (g *guest) enrich(n int32) ([]byte, error) {
	if enrichFn == nil {
		return nil, errNotRegistered("enricher", "RegisterEnricher")
	}
	in, err := g.take(n)
	if err != nil {
		return nil, err
	}
	if err := g.batch.Parse(in); err != nil {
		return nil, err
	}
	g.out = AppendU32(g.out[:0], uint32(len(g.batch.Records)))
	for i := 0; i < len(g.batch.Records); {
		at, v := g.enrichFrom(i)
		if at < 0 {
			break
		}
		g.out = AppendEnrichError(g.out, panicError(v).Error())
		i = at + 1
	}
	return g.out, nil
}

// enrichFrom appends the results of records i.. to g.out; on a panic in
// the callback it returns the failing record's index and the panic value
// (at = -1: all done).
func (g *guest) enrichFrom(i int) (at int, v any) {
	at = -1
	defer func() {
		if r := recover(); r != nil {
			at, v = i, r
		}
	}()
	fn, recs, out := enrichFn, g.batch.Records, g.out
	for ; i < len(recs); i++ {
		hs, err := fn(recs[i])
		if err != nil {
			out = AppendEnrichError(out, err.Error())
		} else {
			out = AppendEnrichResult(out, hs)
		}
		g.out = out
	}
	return -1, nil
}

// The safe* wrappers turn a panicking callback into an error for its record
// (a panic escaping an export would kill the instance and the whole batch).

func safeConfigure(fn ConfigureFunc, cfg []byte) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicError(v)
		}
	}()
	return fn(cfg)
}

func panicError(v any) error {
	switch v := v.(type) {
	case error:
		return errors.New("panic: " + v.Error())
	case string:
		return errors.New("panic: " + v)
	case interface{ String() string }:
		return errors.New("panic: " + v.String())
	default:
		return errors.New("panic in plugin callback")
	}
}
