package runtime

import (
	"fmt"
	"unsafe"

	"github.com/kafkawasm/kafkawasm/internal/abi"
	"github.com/kafkawasm/kafkawasm/kafka"
)

// chunk is the input of one guest call: some records of a Send call,
// encoded straight into the guest's buffer (one copy) by encode.
type chunk struct {
	codec bool // codec input (values only) instead of a record batch
	key   bool // codec: encode keys instead of values
	topic string
	count int // partition count (record batch; 0 for enrich)
	msgs  []kafka.Message
	errs  []error // records with errs[i] != nil are skipped
	// skipExplicit skips records with an explicit partition.
	skipExplicit bool
	idx          []int // indexes in msgs of this chunk's records
	size         int   // encoded size
}

func (c *chunk) headerSize() int {
	if c.codec {
		return 4 + len(c.topic) + 4
	}
	return 4 + len(c.topic) + 8
}

func (c *chunk) recordSize(m *kafka.Message) int {
	if c.codec {
		if c.key {
			return 4 + len(m.Key)
		}
		return 4 + len(m.Value)
	}
	n := 12 + len(m.Key) + len(m.Value)
	for _, h := range m.Headers {
		n += 8 + len(h.Key) + len(h.Value)
	}
	return n
}

// fill selects, from msgs[i] on, the records to pass until the input would
// pass limit (a first record always fits), and returns the index to
// continue from.
func (c *chunk) fill(i int, limit int) int {
	c.idx = c.idx[:0]
	c.size = c.headerSize()
	for ; i < len(c.msgs); i++ {
		if c.errs[i] != nil || (c.skipExplicit && c.msgs[i].Partition != nil) {
			continue
		}
		n := c.recordSize(&c.msgs[i])
		if len(c.idx) > 0 && c.size+n > limit {
			break
		}
		c.size += n
		c.idx = append(c.idx, i)
	}
	return i
}

// encode appends the chunk's input to dst.
func (c *chunk) encode(dst []byte) []byte {
	if c.codec {
		dst = abi.AppendCodecHeader(dst, c.topic, uint32(len(c.idx)))
		for _, k := range c.idx {
			if c.key {
				dst = abi.AppendNullable(dst, c.msgs[k].Key)
			} else {
				dst = abi.AppendNullable(dst, c.msgs[k].Value)
			}
		}
		return dst
	}
	dst = abi.AppendBatchHeader(dst, c.topic, uint32(c.count), uint32(len(c.idx)))
	for _, k := range c.idx {
		m := &c.msgs[k]
		dst = abi.AppendRecordHead(dst, m.Key, m.Value, uint32(len(m.Headers)))
		for _, h := range m.Headers {
			dst = abi.AppendHeader(dst, h.Key, h.Value)
		}
	}
	return dst
}

// encodeInto encodes the chunk into the guest buffer view (len = size);
// it fails if the encoding does not fill it exactly.
func (c *chunk) encodeInto(view []byte) error {
	out := c.encode(view[:0:len(view)])
	if len(out) != len(view) || (len(out) > 0 && unsafe.SliceData(out) != unsafe.SliceData(view)) {
		return fmt.Errorf("kafkawasm: internal error: encoded %d bytes for a %d-byte input", len(out), len(view))
	}
	return nil
}

// chunker runs the chunks of one adapter call on one instance, replacing
// it if a chunk breaks it.
type chunker struct {
	p  *Plugin
	in *instance
}

// instance returns a usable instance, acquiring or replacing one.
func (c *chunker) instance() (*instance, error) {
	if c.in != nil && !c.in.broken {
		return c.in, nil
	}
	if c.in != nil {
		c.p.release(c.in)
		c.in = nil
	}
	in, err := c.p.acquire()
	if err != nil {
		return nil, err
	}
	c.in = in
	return in, nil
}

func (c *chunker) done() {
	if c.in != nil {
		c.p.release(c.in)
		c.in = nil
	}
}

// next fills ch with the next chunk from msgs[i] on and returns a usable
// instance for it (or the error that prevented getting one) and the index
// to continue from. A chunk with no records (len(ch.idx) == 0) is the end.
func (c *chunker) next(ch *chunk, i int) (*instance, int, error) {
	in, err := c.instance()
	if in != nil {
		ch.idx = in.idx // reuse the instance's scratch
	}
	i = ch.fill(i, c.p.maxBatch)
	if in != nil {
		in.idx = ch.idx
	}
	if err != nil {
		err = c.p.errorf(err)
	}
	return in, i, err
}

func (p *Plugin) errorf(cause error) error {
	if pe, ok := cause.(*PluginError); ok {
		return pe
	}
	return &PluginError{Plugin: p.name, Kind: p.kind, Cause: cause}
}

func failAll(msgs []kafka.Message, errs []error, err error) {
	for i := range msgs {
		if errs[i] == nil {
			errs[i] = err
		}
	}
}
