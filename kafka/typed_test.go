package kafka_test

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"testing"

	"github.com/kafkawasm/kafkawasm/kafka"
)

type testOrder struct {
	ID    string   `json:"id"`
	Items []string `json:"items"`
	Total float64  `json:"total"`
}

func TestTypedTopicRoundTrip(t *testing.T) {
	t.Parallel()
	_, addrs, p := clusterAndProducer(t, "orders", 4, kafka.ProducerConfig{})
	orders := kafka.NewTopic("orders", kafka.StringCodec(), kafka.JSONCodec[testOrder]())
	if orders.Name() != "orders" {
		t.Fatalf("Name() = %q", orders.Name())
	}
	want := []testOrder{
		{ID: "order-1", Items: []string{"a"}, Total: 99.99},
		{ID: "order-2", Items: []string{"b", "c"}, Total: 1},
		{ID: "order-3", Items: nil, Total: 0},
	}
	var msgs []kafka.TypedMessage[string, testOrder]
	for _, o := range want {
		msgs = append(msgs, kafka.TypedMessage[string, testOrder]{Key: new(o.ID), Value: o, Headers: []kafka.Header{{Key: "type", Value: []byte("order")}}})
	}
	res, err := orders.Send(testCtx(t), p, msgs...)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if wantPart := javaPartition([]byte(want[i].ID), 4); r.Partition != wantPart {
			t.Errorf("order %d on partition %d, want %d (murmur2 of the encoded key)", i, r.Partition, wantPart)
		}
	}
	got := map[string]testOrder{}
	keyCodec, valueCodec := kafka.StringCodec(), kafka.JSONCodec[testOrder]()
	for _, r := range readBack(t, addrs, "orders", len(want)) {
		k, err := keyCodec.Decode(r.Key)
		if err != nil {
			t.Fatal(err)
		}
		v, err := valueCodec.Decode(r.Value)
		if err != nil {
			t.Fatalf("decode %s: %v", r, err)
		}
		if len(r.Headers) != 1 || r.Headers[0].Key != "type" {
			t.Errorf("record %s: headers lost", r)
		}
		got[k] = v
	}
	for _, o := range want {
		if !reflect.DeepEqual(got[o.ID], o) {
			t.Errorf("order %s read back as %+v, want %+v", o.ID, got[o.ID], o)
		}
	}
}

func TestTypedTopicBytesAndStringCodecs(t *testing.T) {
	t.Parallel()
	_, addrs, p := clusterAndProducer(t, "raw", 1, kafka.ProducerConfig{})
	raw := kafka.NewTopic("raw", kafka.BytesCodec(), kafka.BytesCodec())
	strs := kafka.NewTopic("raw", kafka.StringCodec(), kafka.StringCodec())
	bin := []byte{0, 1, 2, 0xff}
	if _, err := raw.Send(testCtx(t), p, kafka.TypedMessage[[]byte, []byte]{Key: new(bin), Value: bin}); err != nil {
		t.Fatal(err)
	}
	// SendAsync + an empty string key: a key, not "no key".
	pd := strs.SendAsync(p, kafka.TypedMessage[string, string]{Key: new(""), Value: "héllo"})
	if _, err := pd.Wait(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	recs := readBack(t, addrs, "raw", 2)
	if !bytes.Equal(recs[0].Key, bin) || !bytes.Equal(recs[0].Value, bin) {
		t.Errorf("bytes record read back as %s", recs[0])
	}
	if recs[1].Key == nil || len(recs[1].Key) != 0 || string(recs[1].Value) != "héllo" {
		t.Errorf("string record read back as %s, want an empty (non-null) key", recs[1])
	}
}

// failingJSON fails to encode when Bad is set.
type failingJSON struct {
	Name string  `json:"name"`
	Bad  float64 `json:"bad"` // NaN makes encoding/json fail
}

// TestTypedTopicEncodeError: a value whose codec fails gets an
// *EncodeError; the others are sent.
func TestTypedTopicEncodeError(t *testing.T) {
	t.Parallel()
	_, addrs, p := clusterAndProducer(t, "typed-err", 2, kafka.ProducerConfig{})
	tp := kafka.NewTopic("typed-err", kafka.StringCodec(), kafka.JSONCodec[failingJSON]())
	msgs := []kafka.TypedMessage[string, failingJSON]{
		{Key: new("a"), Value: failingJSON{Name: "ok-1"}},
		{Key: new("b"), Value: failingJSON{Name: "broken", Bad: math.NaN()}},
		{Key: new("c"), Value: failingJSON{Name: "ok-2"}},
	}
	res, err := tp.Send(testCtx(t), p, msgs...)
	var de *kafka.DeliveryError
	if !errors.As(err, &de) || len(de.Failed) != 1 {
		t.Fatalf("Send: %v, want one failed record", err)
	}
	var ee *kafka.EncodeError
	if !errors.As(res[1].Err, &ee) || ee.Index != 1 || ee.Topic != "typed-err" || ee.Stage != "value codec" {
		t.Fatalf("record 1: %#v, want an *EncodeError at index 1, stage value codec", res[1].Err)
	}
	if res[1].Offset != -1 || res[0].Err != nil || res[2].Err != nil {
		t.Fatalf("results %+v", res)
	}
	recs := readBack(t, addrs, "typed-err", 2)
	if len(recs) != 2 {
		t.Fatalf("read %d records, want 2", len(recs))
	}
	for _, r := range recs {
		if bytes.Contains(r.Value, []byte("broken")) {
			t.Errorf("the failed record was produced: %s", r)
		}
	}
}

// A nil typed key means no key: the records are placed by the sticky
// partitioner (one partition for a small Send), not hashed.
func TestTypedTopicNilKeySticky(t *testing.T) {
	t.Parallel()
	_, addrs, p := clusterAndProducer(t, "typed-nil", 8, kafka.ProducerConfig{})
	tp := kafka.NewTopic("typed-nil", kafka.StringCodec(), kafka.StringCodec())
	var msgs []kafka.TypedMessage[string, string]
	for range 20 {
		msgs = append(msgs, kafka.TypedMessage[string, string]{Value: "v"})
	}
	res, err := tp.Send(testCtx(t), p, msgs...)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Partition != res[0].Partition {
			t.Fatalf("keyless typed records on partitions %d and %d, want one", res[0].Partition, r.Partition)
		}
	}
	for _, r := range readBack(t, addrs, "typed-nil", len(msgs)) {
		if r.Key != nil {
			t.Fatalf("record %s has a key, want null", r)
		}
	}
}
