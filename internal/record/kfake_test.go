package record_test

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"

	"github.com/kafkawasm/kafkawasm/internal/record"
)

// TestProduceToKfake sends one batch per codec, built by the Builder, in a
// raw Produce request to franz-go's in-process fake broker (which checks the
// batch header and CRC), then consumes the records back with franz-go's
// consumer (which decompresses and decodes them) and compares.
func TestProduceToKfake(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an in-process broker")
	}
	const topic = "record-e2e"
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(cluster.ListenAddrs()...),
		// Produce v13 names topics by id; v11 keeps the request simple.
		kgo.MaxVersions(kversion.V3_9_0()),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	const base = 1700000000000
	var want []testRecord
	for _, c := range allCodecs {
		recs := testRecords(base, 40)
		batch := build(t, base, recs, record.BatchOptions{Codec: c.codec, CodecID: c.id, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1})
		req := kmsg.NewPtrProduceRequest()
		req.Acks = -1
		req.TimeoutMillis = 5000
		req.Topics = []kmsg.ProduceRequestTopic{{
			Topic:      topic,
			Partitions: []kmsg.ProduceRequestTopicPartition{{Partition: 0, Records: batch}},
		}}
		resp, err := cl.Request(ctx, req)
		if err != nil {
			t.Fatalf("%s: produce: %v", c.name, err)
		}
		p := resp.(*kmsg.ProduceResponse).Topics[0].Partitions[0]
		if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
			t.Fatalf("%s: broker rejected the batch: %v", c.name, err)
		}
		if p.BaseOffset != int64(len(want)) {
			t.Errorf("%s: base offset %d, want %d", c.name, p.BaseOffset, len(want))
		}
		want = append(want, recs...)
	}

	var got []*kgo.Record
	for len(got) < len(want) {
		fs := cl.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			t.Fatalf("consume: %v", err)
		}
		got = append(got, fs.Records()...)
	}
	if len(got) != len(want) {
		t.Fatalf("consumed %d records, want %d", len(got), len(want))
	}
	for i, w := range want {
		g := got[i]
		if g.Offset != int64(i) || g.Timestamp.UnixMilli() != w.ts ||
			!equalNullable(g.Key, w.key) || !equalNullable(g.Value, w.value) || len(g.Headers) != len(w.headers) {
			t.Fatalf("record %d: got offset %d ts %d key %q value %q headers %v; want %+v",
				i, g.Offset, g.Timestamp.UnixMilli(), g.Key, g.Value, g.Headers, w)
		}
		for j, h := range w.headers {
			if g.Headers[j].Key != h.Key || !equalNullable(g.Headers[j].Value, h.Value) {
				t.Errorf("record %d header %d: %+v, want %+v", i, j, g.Headers[j], h)
			}
		}
	}
}
