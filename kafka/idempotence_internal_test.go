package kafka

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/kafkawasm/kafkawasm/internal/record"
)

func TestSeqAddWraps(t *testing.T) {
	for _, tc := range []struct {
		s    int32
		n    int
		want int32
	}{
		{0, 1, 1},
		{100, 5, 105},
		{math.MaxInt32, 1, 0},
		{math.MaxInt32 - 2, 5, 2},
		{math.MaxInt32 - 4, 5, 0},
	} {
		if got := seqAdd(tc.s, tc.n); got != tc.want {
			t.Errorf("seqAdd(%d, %d) = %d, want %d", tc.s, tc.n, got, tc.want)
		}
	}
}

// TestSetProducerRewritesHeader checks that an epoch bump's header rewrite
// (new producer id, epoch and sequence) leaves a batch that decodes with a
// valid CRC, including a producer id from epoch exhaustion (a new id, epoch 0)
// and a sequence near the wrap.
func TestSetProducerRewritesHeader(t *testing.T) {
	var b record.Builder
	b.Reset(1000)
	b.Append(1000, []byte("k"), []byte("v"), []record.Header{{Key: "h", Value: []byte("x")}})
	b.Append(1001, nil, []byte("w"), nil)
	w, err := b.Finish(nil, record.BatchOptions{ProducerID: 7, ProducerEpoch: 32767, BaseSequence: 41})
	if err != nil {
		t.Fatal(err)
	}
	setProducer(w, 9001, 0, math.MaxInt32-1)
	batches, err := record.DecodeBatches(w, nil)
	if err != nil {
		t.Fatalf("rewritten batch does not decode: %v", err)
	}
	got := batches[0]
	if got.ProducerID != 9001 || got.ProducerEpoch != 0 || got.BaseSequence != math.MaxInt32-1 || len(got.Records) != 2 {
		t.Fatalf("got producer %d epoch %d seq %d records %d", got.ProducerID, got.ProducerEpoch, got.BaseSequence, len(got.Records))
	}
	w[len(w)-1] ^= 0xff
	if _, err := record.DecodeBatches(w, nil); err == nil {
		t.Fatal("a corrupted batch decoded: the CRC is not checked")
	}
}

func TestSeqBefore(t *testing.T) {
	for _, tc := range []struct {
		a, b int32
		want bool
	}{
		{0, 1, true}, {1, 0, false}, {5, 5, false},
		{math.MaxInt32, 0, true}, {0, math.MaxInt32, false},
		{math.MaxInt32 - 10, 20, true},
	} {
		if got := seqBefore(tc.a, tc.b); got != tc.want {
			t.Errorf("seqBefore(%d, %d) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestInDoubt: which failed attempts may still have been written.
func TestInDoubt(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"connection lost", &ConnError{Addr: "b:9092", Op: "read", Err: errors.New("EOF")}, true},
		{"client request timeout", fmt.Errorf("produce: %w", &ConnError{Addr: "b:9092", Op: "timeout", Err: errors.New("no answer")}), true},
		{"REQUEST_TIMED_OUT", errorFromCode(7, nil), true},
		{"NOT_ENOUGH_REPLICAS_AFTER_APPEND", errorFromCode(20, nil), true},
		{"NOT_ENOUGH_REPLICAS", errorFromCode(19, nil), false},
		{"NOT_LEADER_OR_FOLLOWER", errorFromCode(6, nil), false},
		{"MESSAGE_TOO_LARGE", errorFromCode(10, nil), false},
		{"other", errors.New("boom"), false},
	} {
		if got := inDoubt(tc.err); got != tc.want {
			t.Errorf("%s: inDoubt = %v, want %v", tc.name, got, tc.want)
		}
	}
}
