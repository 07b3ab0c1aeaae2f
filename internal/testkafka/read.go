package testkafka

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Header is one record header. Order and duplicate keys are preserved.
// A nil Value is a null header value.
type Header struct {
	Key   string
	Value []byte
}

// Record is a consumed record, as seen by either reader (Source tells which).
//
// Fields filled by both ReadAll (kgo) and ReadAllKcat (kcat): Topic,
// Partition, Offset, Key, Value, Headers, Timestamp, TimestampType.
// Fields filled only by ReadAll: Compression, Transactional, Control,
// ProducerID, ProducerEpoch, LeaderEpoch (kcat reports none of them; they
// are zero / -1 in kcat records).
//
// Key and Value are nil for a null key / value and non-nil (possibly empty)
// otherwise; both readers keep that distinction.
type Record struct {
	Source string // "kgo" or "kcat"

	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	Headers   []Header
	Timestamp time.Time // millisecond precision
	// TimestampType: 0 CreateTime, 1 LogAppendTime, -1 unknown.
	TimestampType int8

	// Batch attributes (kgo only).
	Compression   string // "none", "gzip", "snappy", "lz4", "zstd"; "" if unknown (kcat)
	Transactional bool
	Control       bool
	ProducerID    int64
	ProducerEpoch int16
	LeaderEpoch   int32
}

// String is a compact description for test failure messages.
func (r Record) String() string {
	var hs []string
	for _, h := range r.Headers {
		hs = append(hs, fmt.Sprintf("%s=%s", h.Key, fmtBytes(h.Value)))
	}
	return fmt.Sprintf("%s[%d]@%d key=%s value=%s headers=[%s] ts=%d/%d",
		r.Topic, r.Partition, r.Offset, fmtBytes(r.Key), fmtBytes(r.Value),
		strings.Join(hs, ","), r.Timestamp.UnixMilli(), r.TimestampType)
}

func fmtBytes(b []byte) string {
	if b == nil {
		return "<null>"
	}
	if len(b) > 64 {
		return fmt.Sprintf("%q...(%d bytes)", b[:64], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// DiffCore compares the fields that both readers report (topic, partition,
// offset, key, value incl. null-ness, headers in order, timestamp in ms,
// timestamp type) and returns a description of the first difference, or ""
// if a and b are equal.
func DiffCore(a, b Record) string {
	switch {
	case a.Topic != b.Topic:
		return fmt.Sprintf("topic %q != %q", a.Topic, b.Topic)
	case a.Partition != b.Partition:
		return fmt.Sprintf("partition %d != %d", a.Partition, b.Partition)
	case a.Offset != b.Offset:
		return fmt.Sprintf("offset %d != %d", a.Offset, b.Offset)
	case !bytesEqualNull(a.Key, b.Key):
		return fmt.Sprintf("key %s != %s", fmtBytes(a.Key), fmtBytes(b.Key))
	case !bytesEqualNull(a.Value, b.Value):
		return fmt.Sprintf("value %s != %s", fmtBytes(a.Value), fmtBytes(b.Value))
	case a.Timestamp.UnixMilli() != b.Timestamp.UnixMilli():
		return fmt.Sprintf("timestamp %d != %d", a.Timestamp.UnixMilli(), b.Timestamp.UnixMilli())
	case a.TimestampType != b.TimestampType:
		return fmt.Sprintf("timestamp type %d != %d", a.TimestampType, b.TimestampType)
	case len(a.Headers) != len(b.Headers):
		return fmt.Sprintf("%d headers != %d headers", len(a.Headers), len(b.Headers))
	}
	for i := range a.Headers {
		ha, hb := a.Headers[i], b.Headers[i]
		if ha.Key != hb.Key || !bytesEqualNull(ha.Value, hb.Value) {
			return fmt.Sprintf("header %d: %s=%s != %s=%s", i, ha.Key, fmtBytes(ha.Value), hb.Key, fmtBytes(hb.Value))
		}
	}
	return ""
}

// DiffCoreAll compares two record lists with DiffCore, in order.
func DiffCoreAll(a, b []Record) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d records != %d records", len(a), len(b))
	}
	for i := range a {
		if d := DiffCore(a[i], b[i]); d != "" {
			return fmt.Sprintf("record %d (%s[%d]@%d): %s", i, a[i].Topic, a[i].Partition, a[i].Offset, d)
		}
	}
	return ""
}

func bytesEqualNull(a, b []byte) bool {
	return (a == nil) == (b == nil) && bytes.Equal(a, b)
}

// ByPartition groups records by partition, keeping their order.
func ByPartition(rs []Record) map[int32][]Record {
	m := make(map[int32][]Record)
	for _, r := range rs {
		m[r.Partition] = append(m[r.Partition], r)
	}
	return m
}

// ReadOption configures ReadAll.
type ReadOption func(*readCfg)

type readCfg struct {
	readCommitted bool
	keepControl   bool
	quiet         time.Duration
	clientOpts    []kgo.Opt
}

// ReadCommitted reads with isolation level read_committed (records of
// aborted or open transactions are not returned).
func ReadCommitted() ReadOption { return func(c *readCfg) { c.readCommitted = true } }

// KeepControlRecords also returns transaction control records (commit/abort
// markers) with Control=true.
func KeepControlRecords() ReadOption { return func(c *readCfg) { c.keepControl = true } }

// QuietPeriod sets how long ReadAll keeps polling after it has seen want
// records, to catch extra (e.g. duplicate) records. Default 500ms.
func QuietPeriod(d time.Duration) ReadOption { return func(c *readCfg) { c.quiet = d } }

// WithClientOpts passes extra kgo options to the consuming client.
func WithClientOpts(opts ...kgo.Opt) ReadOption {
	return func(c *readCfg) { c.clientOpts = append(c.clientOpts, opts...) }
}

// ReadAll consumes all partitions of topic from the start with franz-go kgo
// (no consumer group) until at least want records were read, or fails the
// test at timeout. After reaching want it keeps polling for the quiet period
// (see QuietPeriod) and returns every record seen, so len(result) > want
// reveals extra records. Records are sorted by partition, then offset.
// Control records are skipped unless KeepControlRecords is given (they do
// not count toward want).
func ReadAll(t testing.TB, brokers []string, topic string, want int, timeout time.Duration, opts ...ReadOption) []Record {
	t.Helper()
	rs, err := readAll(brokers, topic, want, timeout, opts...)
	if err != nil {
		t.Fatalf("ReadAll %s: %v", topic, err)
	}
	return rs
}

func readAll(brokers []string, topic string, want int, timeout time.Duration, opts ...ReadOption) ([]Record, error) {
	cfg := readCfg{quiet: 500 * time.Millisecond}
	for _, o := range opts {
		o(&cfg)
	}
	kopts := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100 * time.Millisecond),
	}
	if cfg.readCommitted {
		kopts = append(kopts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	if cfg.keepControl {
		kopts = append(kopts, kgo.KeepControlRecords())
	}
	kopts = append(kopts, cfg.clientOpts...)
	cl, err := kgo.NewClient(kopts...)
	if err != nil {
		return nil, fmt.Errorf("kgo.NewClient: %w", err)
	}
	defer cl.Close()

	var out []Record
	data := 0 // non-control records
	deadline := time.Now().Add(timeout)
	var quietUntil time.Time
	for {
		now := time.Now()
		if data >= want {
			if quietUntil.IsZero() {
				quietUntil = now.Add(cfg.quiet)
			}
			if !now.Before(quietUntil) {
				break
			}
		} else if !now.Before(deadline) {
			sortRecords(out)
			return out, fmt.Errorf("timed out after %v with %d of %d records", timeout, data, want)
		}
		until := deadline
		if !quietUntil.IsZero() {
			until = quietUntil
		}
		ctx, cancel := context.WithDeadline(context.Background(), until)
		fs := cl.PollFetches(ctx)
		cancel()
		var ferr error
		fs.EachError(func(tp string, p int32, err error) {
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
				return
			}
			if ferr == nil {
				ferr = fmt.Errorf("fetch %s[%d]: %w", tp, p, err)
			}
		})
		if ferr != nil {
			return nil, ferr
		}
		fs.EachRecord(func(r *kgo.Record) {
			out = append(out, fromKgo(r))
			if !r.Attrs.IsControl() {
				data++
			}
		})
	}
	sortRecords(out)
	return out, nil
}

var codecNames = map[uint8]string{0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}

func fromKgo(r *kgo.Record) Record {
	out := Record{
		Source:        "kgo",
		Topic:         r.Topic,
		Partition:     r.Partition,
		Offset:        r.Offset,
		Key:           r.Key,
		Value:         r.Value,
		Timestamp:     r.Timestamp,
		TimestampType: r.Attrs.TimestampType(),
		Transactional: r.Attrs.IsTransactional(),
		Control:       r.Attrs.IsControl(),
		ProducerID:    r.ProducerID,
		ProducerEpoch: r.ProducerEpoch,
		LeaderEpoch:   r.LeaderEpoch,
	}
	if name, ok := codecNames[r.Attrs.CompressionType()]; ok {
		out.Compression = name
	} else {
		out.Compression = fmt.Sprintf("codec(%d)", r.Attrs.CompressionType())
	}
	for _, h := range r.Headers {
		out.Headers = append(out.Headers, Header{Key: h.Key, Value: h.Value})
	}
	return out
}
