package kafka

import (
	"context"
	"encoding/json"
	"time"
)

// Codec converts a typed value to and from record bytes. Implementations
// must be safe for concurrent use.
type Codec[T any] interface {
	Encode(T) ([]byte, error)
	Decode([]byte) (T, error)
}

// StringCodec encodes strings as their UTF-8 bytes.
func StringCodec() Codec[string] { return stringCodec{} }

type stringCodec struct{}

func (stringCodec) Encode(s string) ([]byte, error) { return []byte(s), nil }
func (stringCodec) Decode(b []byte) (string, error) { return string(b), nil }

// BytesCodec passes bytes through unchanged.
func BytesCodec() Codec[[]byte] { return bytesCodec{} }

type bytesCodec struct{}

func (bytesCodec) Encode(b []byte) ([]byte, error) { return b, nil }
func (bytesCodec) Decode(b []byte) ([]byte, error) { return b, nil }

// JSONCodec encodes values with encoding/json.
func JSONCodec[T any]() Codec[T] { return jsonCodec[T]{} }

type jsonCodec[T any] struct{}

func (jsonCodec[T]) Encode(v T) ([]byte, error) { return json.Marshal(v) }
func (jsonCodec[T]) Decode(b []byte) (T, error) {
	var v T
	err := json.Unmarshal(b, &v)
	return v, err
}

// Topic is a topic with typed keys and values, checked at compile time.
// It is immutable and safe for concurrent use.
type Topic[K, V any] struct {
	name  string
	key   Codec[K]
	value Codec[V]
}

// NewTopic returns a typed topic.
func NewTopic[K, V any](name string, key Codec[K], value Codec[V]) *Topic[K, V] {
	return &Topic[K, V]{name: name, key: key, value: value}
}

// Name returns the topic's name.
func (t *Topic[K, V]) Name() string { return t.name }

// TypedMessage is a Message whose key and value are typed. A nil Key means
// no key (sticky partitioning); see Message for the other fields.
type TypedMessage[K, V any] struct {
	Key       *K
	Value     V
	Headers   []Header
	Partition *int32
	Timestamp time.Time
}

// encode turns typed messages into messages; a record whose codec fails
// gets its error in errs and is skipped by the producer.
func (t *Topic[K, V]) encode(msgs []TypedMessage[K, V]) ([]Message, []error) {
	out := make([]Message, len(msgs))
	var errs []error
	fail := func(i int, stage string, err error) {
		if errs == nil {
			errs = make([]error, len(msgs))
		}
		errs[i] = &EncodeError{Topic: t.name, Index: i, Stage: stage, Err: err}
	}
	for i, m := range msgs {
		out[i] = Message{Headers: m.Headers, Partition: m.Partition, Timestamp: m.Timestamp}
		if m.Key != nil {
			k, err := t.key.Encode(*m.Key)
			if err != nil {
				fail(i, "key codec", err)
				continue
			}
			if k == nil {
				k = []byte{}
			}
			out[i].Key = k
		}
		v, err := t.value.Encode(m.Value)
		if err != nil {
			fail(i, "value codec", err)
			continue
		}
		out[i].Value = v
	}
	return out, errs
}

// Send encodes the messages with the topic's codecs and sends them like
// Producer.Send. A message whose codec fails gets an *EncodeError in its
// result; the others are sent.
func (t *Topic[K, V]) Send(ctx context.Context, p *Producer, msgs ...TypedMessage[K, V]) ([]SendResult, error) {
	enc, errs := t.encode(msgs)
	return p.send(ctx, t.name, enc, errs).Wait(ctx)
}

// SendAsync is the typed form of Producer.SendAsync.
func (t *Topic[K, V]) SendAsync(p *Producer, msgs ...TypedMessage[K, V]) *Pending {
	enc, errs := t.encode(msgs)
	return p.send(context.Background(), t.name, enc, errs)
}
