package runtime

import (
	"fmt"

	"github.com/kafkawasm/kafkawasm/internal/abi"
	"github.com/kafkawasm/kafkawasm/kafka"
)

// Interceptor returns the plugin as a kafka.Interceptor: for an enricher,
// it appends the plugin's headers to each record, in the plugin's order,
// after the record's own (in a new slice: the caller's headers are never
// modified); with on_error = "fallback" a failed call leaves the records
// unenriched. For a codec it is ValueCodec. Records whose errs[i] is
// already set are skipped. Safe for concurrent use.
//
// Called on a partitioner, every record fails with ErrWrongKind.
func (p *Plugin) Interceptor() kafka.Interceptor {
	switch p.kind {
	case KindEnricher:
		return enricher{p}
	case KindCodec:
		return p.ValueCodec()
	}
	return kafka.InterceptorFunc(func(_ string, msgs []kafka.Message, errs []error) {
		failAll(msgs, errs, p.errorf(fmt.Errorf("%w: %s is a %s", ErrWrongKind, p.name, p.kind)))
	})
}

type enricher struct{ p *Plugin }

func (a enricher) Intercept(topic string, msgs []kafka.Message, errs []error) {
	p := a.p
	c := chunker{p: p}
	defer c.done()
	var results []abi.EnrichResult
	ch := chunk{topic: topic, msgs: msgs, errs: errs}
	for i := 0; i < len(msgs); {
		in, next, err := c.next(&ch, i)
		i = next
		idx := ch.idx
		if len(idx) == 0 {
			break
		}
		var o []byte
		if err == nil {
			o, err = in.roundTrip(in.ops[0], &ch, true)
		}
		if err == nil {
			if cap(results) < len(idx) {
				results = make([]abi.EnrichResult, len(idx))
			}
			results = results[:len(idx)]
			if err = abi.DecodeEnrichOutput(o, results, &in.keys); err != nil {
				p.stats.failures.Add(1)
				err = fmt.Errorf("%w: %v", ErrMalformedOutput, err)
			}
		}
		if err != nil {
			if p.onError == OnErrorFallback {
				continue
			}
			err = p.errorf(err)
			for _, k := range idx {
				errs[k] = err
			}
			continue
		}
		for j, r := range results {
			k := idx[j]
			if r.Failed {
				errs[k] = p.errorf(fmt.Errorf("%w: %s", ErrRecordRejected, orDefault(r.Err, "no message")))
				continue
			}
			if len(r.Headers) == 0 {
				continue
			}
			old := msgs[k].Headers
			h := make([]kafka.Header, len(old), len(old)+len(r.Headers))
			copy(h, old)
			for _, x := range r.Headers {
				h = append(h, kafka.Header{Key: x.Key, Value: x.Value})
			}
			msgs[k].Headers = h
		}
	}
}
