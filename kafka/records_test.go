package kafka_test

// What a record carries, read back by franz-go: keys, values, headers,
// timestamps.

import (
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestRecordFieldsReadBack: header order, duplicate header keys, null and
// empty header values, null vs empty keys and values, and explicit
// timestamps survive the trip through the broker, uncompressed and
// compressed.
func TestRecordFieldsReadBack(t *testing.T) {
	t.Parallel()
	explicit := time.Date(2001, 9, 9, 1, 46, 40, 123_456_789, time.UTC)
	msgs := []kafka.Message{
		{Key: []byte("k"), Value: []byte("v"), Headers: []kafka.Header{
			{Key: "b", Value: []byte("1")}, {Key: "a", Value: []byte("2")}, {Key: "b", Value: []byte("3")},
			{Key: "null", Value: nil}, {Key: "empty", Value: []byte{}}, {Key: "", Value: []byte("empty key")},
		}},
		{Key: nil, Value: []byte("null key"), Partition: new(int32(0))},
		{Key: []byte{}, Value: []byte("empty key"), Partition: new(int32(0))},
		{Key: []byte("tombstone"), Value: nil, Partition: new(int32(0))},
		{Key: []byte("empty value"), Value: []byte{}, Partition: new(int32(0))},
		{Key: []byte("ts"), Value: []byte("explicit"), Timestamp: explicit, Partition: new(int32(0))},
		{Key: []byte("old"), Value: []byte("before the batch's base"), Timestamp: explicit.Add(-time.Hour), Partition: new(int32(0))},
	}
	msgs[0].Partition = new(int32(0))
	for _, codec := range []kafka.Compression{kafka.CompressionNone, kafka.CompressionZstd} {
		t.Run(codec.String(), func(t *testing.T) {
			t.Parallel()
			_, addrs, p := clusterAndProducer(t, "fields", 1, kafka.ProducerConfig{Compression: codec})
			before := time.Now().Truncate(time.Millisecond)
			res := mustSend(t, p, "fields", msgs...)
			after := time.Now()
			recs := readBack(t, addrs, "fields", len(msgs))
			if len(recs) != len(msgs) {
				t.Fatalf("read %d records, want %d", len(recs), len(msgs))
			}
			for i, m := range msgs {
				want := testkafka.Record{Topic: "fields", Partition: 0, Offset: res[i].Offset, Key: m.Key, Value: m.Value, Timestamp: m.Timestamp}
				for _, h := range m.Headers {
					want.Headers = append(want.Headers, testkafka.Header{Key: h.Key, Value: h.Value})
				}
				got := recs[i]
				if m.Timestamp.IsZero() {
					if got.Timestamp.Before(before) || got.Timestamp.After(after) {
						t.Errorf("record %d: timestamp %v, want the Send time (between %v and %v)", i, got.Timestamp, before, after)
					}
					want.Timestamp = got.Timestamp
				}
				if d := testkafka.DiffCore(want, got); d != "" {
					t.Errorf("record %d: %s\n got  %s\n want %s", i, d, got, want)
				}
				if res[i].Timestamp.UnixMilli() != got.Timestamp.UnixMilli() {
					t.Errorf("result %d: timestamp %v, read back %v", i, res[i].Timestamp, got.Timestamp)
				}
			}
			if res[5].Timestamp.UnixMilli() != explicit.UnixMilli() {
				t.Errorf("explicit timestamp became %v in the result", res[5].Timestamp)
			}
		})
	}
}

// TestLogAppendTimeEchoed: when the broker answers with a log append time
// (topics with message.timestamp.type=LogAppendTime), results carry it
// instead of the record's own timestamp.
//
// kfake keeps CreateTime whatever the topic config says (it applies
// LogAppendTime only to batches that ask for it), so this test answers the
// Produce request itself, as a LogAppendTime broker does; the end-to-end
// check is TestRealBrokerLogAppendTimeAndAcks against the real broker.
func TestLogAppendTimeEchoed(t *testing.T) {
	t.Parallel()
	const appendMs = 1_700_000_000_123
	c, _ := startCluster(t, 1, "lat", 1)
	c.ControlKey(int16(kmsg.Produce), func(kr kmsg.Request) (kmsg.Response, error, bool) {
		resp := produceResponse(kr.(*kmsg.ProduceRequest), 0)
		for i := range resp.Topics {
			for j := range resp.Topics[i].Partitions {
				resp.Topics[i].Partitions[j].BaseOffset = 42
				resp.Topics[i].Partitions[j].LogAppendTime = appendMs
			}
		}
		return resp, nil, true
	})
	p := newProducer(t, newClient(t, c.ListenAddrs()), kafka.ProducerConfig{})
	res := mustSend(t, p, "lat",
		kafka.Message{Value: []byte("a"), Timestamp: time.UnixMilli(1_000)},
		kafka.Message{Value: []byte("b")})
	for i, r := range res {
		if r.Timestamp.UnixMilli() != appendMs {
			t.Errorf("result %d: timestamp %v (%d), want the log append time %d", i, r.Timestamp, r.Timestamp.UnixMilli(), appendMs)
		}
		if r.Offset != 42+int64(i) {
			t.Errorf("result %d: offset %d, want %d", i, r.Offset, 42+i)
		}
	}
}
