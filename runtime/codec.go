package runtime

import (
	"fmt"

	"github.com/kafkawasm/kafkawasm/internal/abi"
	"github.com/kafkawasm/kafkawasm/kafka"
)

// ValueCodec returns a kafka.Interceptor that encodes each record's value
// with the codec plugin (kw_encode): codecs run before partitioning, so the
// partitioner sees the encoded bytes. A null value is passed as null. A
// failed record, or a failed call, fails the affected records with a
// *PluginError: codecs have no fallback. Safe for concurrent use.
func (p *Plugin) ValueCodec() kafka.Interceptor { return codecInterceptor{p: p} }

// KeyCodec is ValueCodec for record keys; a nil key (no key) stays nil
// unless the plugin encodes null to bytes.
func (p *Plugin) KeyCodec() kafka.Interceptor { return codecInterceptor{p: p, key: true} }

// Codec returns the plugin as a kafka.Codec[[]byte]: Encode calls
// kw_encode and Decode kw_decode, one value per call, with an empty topic.
// A nil slice is passed as null and a null result is returned as nil.
// Safe for concurrent use.
func (p *Plugin) Codec() kafka.Codec[[]byte] { return byteCodec{p} }

type codecInterceptor struct {
	p   *Plugin
	key bool
}

func (c codecInterceptor) Intercept(topic string, msgs []kafka.Message, errs []error) {
	p := c.p
	if p.kind != KindCodec {
		failAll(msgs, errs, p.errorf(fmt.Errorf("%w: %s is a %s", ErrWrongKind, p.name, p.kind)))
		return
	}
	c2 := chunker{p: p}
	defer c2.done()
	var results []abi.CodecResult
	ch := chunk{codec: true, key: c.key, topic: topic, msgs: msgs, errs: errs}
	for i := 0; i < len(msgs); {
		in, next, err := c2.next(&ch, i)
		i = next
		idx := ch.idx
		if len(idx) == 0 {
			break
		}
		var out []byte
		if err == nil {
			out, err = in.roundTrip(in.ops[0], &ch, true)
		}
		if err == nil {
			results = growCodec(results, len(idx))
			if err = abi.DecodeCodecOutput(out, results); err != nil {
				p.stats.failures.Add(1)
				err = fmt.Errorf("%w: %v", ErrMalformedOutput, err)
			}
		}
		if err != nil {
			err = p.errorf(err)
			for _, k := range idx {
				errs[k] = err
			}
			continue
		}
		for j, r := range results {
			k := idx[j]
			var v []byte
			switch {
			case r.Failed:
				errs[k] = p.errorf(fmt.Errorf("%w: %s", ErrRecordRejected, orDefault(r.Err, "no message")))
				continue
			case !r.Null:
				v = r.Data
			}
			if c.key {
				msgs[k].Key = v
			} else {
				msgs[k].Value = v
			}
		}
	}
}

func growCodec(s []abi.CodecResult, n int) []abi.CodecResult {
	if cap(s) < n {
		return make([]abi.CodecResult, n)
	}
	return s[:n]
}

type byteCodec struct{ p *Plugin }

func (c byteCodec) Encode(v []byte) ([]byte, error) { return c.one(0, v) }
func (c byteCodec) Decode(b []byte) ([]byte, error) { return c.one(1, b) }

func (c byteCodec) one(op int, v []byte) ([]byte, error) {
	p := c.p
	if p.kind != KindCodec {
		return nil, p.errorf(fmt.Errorf("%w: %s is a %s", ErrWrongKind, p.name, p.kind))
	}
	in, err := p.acquire()
	if err != nil {
		return nil, p.errorf(err)
	}
	defer p.release(in)
	msgs := [1]kafka.Message{{Value: v}}
	ch := chunk{codec: true, msgs: msgs[:], idx: []int{0}, errs: []error{nil}}
	ch.size = ch.headerSize() + ch.recordSize(&msgs[0])
	out, err := in.roundTrip(in.ops[op], &ch, true)
	if err != nil {
		return nil, p.errorf(err)
	}
	var res [1]abi.CodecResult
	if err := abi.DecodeCodecOutput(out, res[:]); err != nil {
		p.stats.failures.Add(1)
		return nil, p.errorf(fmt.Errorf("%w: %v", ErrMalformedOutput, err))
	}
	switch {
	case res[0].Failed:
		return nil, p.errorf(fmt.Errorf("%w: %s", ErrRecordRejected, orDefault(res[0].Err, "no message")))
	case res[0].Null:
		return nil, nil
	}
	return res[0].Data, nil
}
