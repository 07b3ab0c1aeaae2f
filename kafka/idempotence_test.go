package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// idemRun sends n keyed records (value = per-key sequence) over 6
// partitions with an idempotent producer while fault() is active, then
// reads everything back and checks: no loss, no duplicate, order per key.
func idemRun(t *testing.T, n int, cfg kafka.ProducerConfig, setup func(c *kfake.Cluster)) {
	t.Helper()
	c, addrs := testkafka.StartKfake(t, 3, kfake.SeedTopics(6, "idem"))
	cl, err := kafka.NewClient(kafka.ClientConfig{Brokers: addrs, RequestTimeout: 5 * time.Second, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	cfg.Idempotent = true
	p, err := cl.Producer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Warm up: producer id and metadata.
	if _, err := p.Send(ctx, "idem", kafka.Message{Key: []byte("warm"), Value: []byte("0")}); err != nil {
		t.Fatal(err)
	}
	setup(c)
	var pendings []*kafka.Pending
	for i := 0; i < n; i += 50 {
		var msgs []kafka.Message
		for j := i; j < i+50 && j < n; j++ {
			msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprint("k", j%20)), Value: []byte(fmt.Sprint(j / 20))})
		}
		pendings = append(pendings, p.SendAsync("idem", msgs...))
	}
	for _, pd := range pendings {
		if _, err := pd.Wait(ctx); err != nil {
			t.Fatalf("send: %v\n%s", err, kafka.DumpForTest(p))
		}
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	recs := testkafka.ReadAll(t, addrs, "idem", n+1, 30*time.Second, testkafka.ReadCommitted(), testkafka.QuietPeriod(500*time.Millisecond))
	if len(recs) != n+1 {
		t.Fatalf("read %d records, want %d (lost or duplicated)", len(recs), n+1)
	}
	next := map[string]int{}
	for _, r := range recs {
		k := string(r.Key)
		if k == "warm" {
			continue
		}
		if got := string(r.Value); got != fmt.Sprint(next[k]) {
			t.Fatalf("key %s: got value %s, want %d (reordered or duplicated)", k, got, next[k])
		}
		next[k]++
		if r.ProducerID < 0 {
			t.Fatalf("record without producer id: %v", r)
		}
	}
}

func TestIdempotentNotLeaderWithFiveInFlight(t *testing.T) {
	idemRun(t, 5000, kafka.ProducerConfig{Linger: time.Millisecond, MaxBatchBytes: 1024}, func(c *kfake.Cluster) {
		c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "idem", Partitions: []int32{0, 3}, Err: kerr.NotLeaderForPartition, Count: 5})
	})
}

func TestIdempotentConnectionDrops(t *testing.T) {
	idemRun(t, 5000, kafka.ProducerConfig{Linger: time.Millisecond, MaxBatchBytes: 1024}, func(c *kfake.Cluster) {
		var seen atomic.Int32
		c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
			c.KeepControl()
			if n := seen.Add(1); n%7 == 3 && n < 60 {
				return nil, fmt.Errorf("injected connection drop"), true
			}
			return nil, nil, false
		})
	})
}

func TestIdempotentRequestTimedOutAfterPersist(t *testing.T) {
	idemRun(t, 3000, kafka.ProducerConfig{Linger: time.Millisecond, MaxBatchBytes: 1024}, func(c *kfake.Cluster) {
		c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "idem", Err: kerr.RequestTimedOut, Count: 6})
	})
}

func TestIdempotentUnknownProducerID(t *testing.T) {
	idemRun(t, 3000, kafka.ProducerConfig{Linger: time.Millisecond, MaxBatchBytes: 1024}, func(c *kfake.Cluster) {
		c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "idem", Partitions: []int32{1}, Err: kerr.UnknownProducerID, Count: 1})
	})
}

func TestIdempotentOutOfOrderLaterBatch(t *testing.T) {
	idemRun(t, 3000, kafka.ProducerConfig{Linger: time.Millisecond, MaxBatchBytes: 1024}, func(c *kfake.Cluster) {
		c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "idem", Partitions: []int32{2}, Err: kerr.OutOfOrderSequenceNumber, Count: 2})
	})
}

func TestIdempotentRequiresAcksAll(t *testing.T) {
	cl, err := kafka.NewClient(kafka.ClientConfig{Brokers: []string{"127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	_, err = cl.Producer(kafka.ProducerConfig{Idempotent: true, Acks: kafka.AcksLeader})
	var ce *kafka.ConfigError
	if !errorsAs(err, &ce) || ce.Field != "Acks" {
		t.Fatalf("got %v, want a *ConfigError for Acks", err)
	}
}

// TestIdempotentNoFalseFailureAfterDeadline: the broker writes a batch but
// answers REQUEST_TIMED_OUT to it and to every retry until after the
// delivery deadline. The producer must not report the written records as
// failed: it keeps resending at the same sequence (for up to RequestTimeout
// more) and reports them delivered, with their offsets, once the broker
// answers; exactly one copy is in the log.
func TestIdempotentNoFalseFailureAfterDeadline(t *testing.T) {
	c, addrs := testkafka.StartKfake(t, 1, kfake.SeedTopics(1, "late"))
	p := idemProducer(t, addrs, kafka.ProducerConfig{DeliveryTimeout: time.Second, RequestTimeout: 3 * time.Second,
		RetryBackoff: 20 * time.Millisecond, MaxRetryBackoff: 100 * time.Millisecond, Linger: time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := p.Send(ctx, "late", kafka.Message{Value: []byte("warm")}); err != nil {
		t.Fatal(err)
	}
	h := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "late", Err: kerr.RequestTimedOut, Count: -1})
	start := time.Now()
	pd := p.SendAsync("late", txnMsgs("late", 10)...)
	// Let the deadline pass while every answer is REQUEST_TIMED_OUT.
	for time.Since(start) < 1500*time.Millisecond || h.Hits() < 3 {
		time.Sleep(20 * time.Millisecond)
	}
	h.Remove()
	res, err := pd.Wait(ctx)
	if err != nil {
		t.Fatalf("records the broker wrote were reported failed: %v", err)
	}
	for i, r := range res {
		if r.Offset != int64(1+i) {
			t.Fatalf("record %d: offset %d, want %d", i, r.Offset, 1+i)
		}
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if recs := testkafka.ReadAll(t, addrs, "late", 11, 10*time.Second, testkafka.QuietPeriod(300*time.Millisecond)); len(recs) != 11 {
		t.Fatalf("read %d records, want 11", len(recs))
	}
}

// TestIdempotentUnsettledIsMaybeWritten: the broker writes a batch and then
// never gives a definite answer. After the delivery deadline plus
// RequestTimeout the records fail with a *SendTimeoutError whose
// MaybeWritten is set (errors.Is ErrMaybeWritten), while a record that never
// reached the broker fails with MaybeWritten false. Afterwards the producer
// goes on (epoch bump) without duplicating the written batch.
func TestIdempotentUnsettledIsMaybeWritten(t *testing.T) {
	c, addrs := testkafka.StartKfake(t, 1, kfake.SeedTopics(1, "unsettled", "refused"))
	p := idemProducer(t, addrs, kafka.ProducerConfig{DeliveryTimeout: 500 * time.Millisecond, RequestTimeout: 500 * time.Millisecond,
		RetryBackoff: 20 * time.Millisecond, MaxRetryBackoff: 50 * time.Millisecond, Linger: time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, topic := range []string{"unsettled", "refused"} {
		if _, err := p.Send(ctx, topic, kafka.Message{Value: []byte("warm")}); err != nil {
			t.Fatal(err)
		}
	}
	h := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "unsettled", Err: kerr.RequestTimedOut, Count: -1},
		kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "refused", Err: kerr.NotEnoughReplicas, Count: -1})
	start := time.Now()
	_, err := p.Send(ctx, "unsettled", txnMsgs("u", 5)...)
	took := time.Since(start)
	var ste *kafka.SendTimeoutError
	if !errors.As(err, &ste) || !ste.MaybeWritten || !errors.Is(err, kafka.ErrMaybeWritten) {
		t.Fatalf("unsettled batch: got %v, want a *SendTimeoutError with MaybeWritten", err)
	}
	if took < time.Second {
		t.Fatalf("gave up after %v, before the deadline plus RequestTimeout (1s)", took)
	}
	_, err = p.Send(ctx, "refused", txnMsgs("r", 5)...)
	if !errors.As(err, &ste) || ste.MaybeWritten || errors.Is(err, kafka.ErrMaybeWritten) {
		t.Fatalf("refused batch: got %v, want a *SendTimeoutError without MaybeWritten", err)
	}
	h.Remove()
	if _, err := p.Send(ctx, "unsettled", txnMsgs("after", 5)...); err != nil {
		t.Fatalf("send after the fault: %v", err)
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// kfake wrote the unsettled batch once: warm + 5 + 5, no duplicate.
	if recs := testkafka.ReadAll(t, addrs, "unsettled", 11, 10*time.Second, testkafka.QuietPeriod(300*time.Millisecond)); len(recs) != 11 {
		t.Fatalf("read %d records, want 11", len(recs))
	}
	if recs := testkafka.ReadAll(t, addrs, "refused", 1, 10*time.Second, testkafka.QuietPeriod(300*time.Millisecond)); len(recs) != 1 {
		t.Fatalf("refused topic: read %d records, want 1", len(recs))
	}
}

func idemProducer(t *testing.T, addrs []string, cfg kafka.ProducerConfig) *kafka.Producer {
	t.Helper()
	cfg.Idempotent = true
	_, p := txnProducer(t, addrs, "", cfg)
	return p
}

// TestIdempotentEpochExhaustion: the producer holds the last epoch (32767)
// when the broker says UNKNOWN_PRODUCER_ID. The bump must not overflow the
// epoch locally: it asks InitProducerId with the exhausted id and epoch and
// continues under the new producer id the broker returns, sequences from 0.
// Every record arrives once and in order per key; the log shows the old id
// and epoch before the bump and the new id with epoch 0 after it.
func TestIdempotentEpochExhaustion(t *testing.T) {
	const oldPID, newPID, maxEpoch = 900001, 900002, 32767
	c, addrs := testkafka.StartKfake(t, 1, kfake.SeedTopics(3, "exhaust"))
	var inits []kmsg.InitProducerIDRequest
	var mu sync.Mutex
	c.ControlKey(int16(kmsg.InitProducerID), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.InitProducerIDRequest)
		resp := req.ResponseKind().(*kmsg.InitProducerIDResponse)
		mu.Lock()
		defer mu.Unlock()
		inits = append(inits, *req)
		if len(inits) == 1 {
			resp.ProducerID, resp.ProducerEpoch = oldPID, maxEpoch
		} else {
			resp.ProducerID, resp.ProducerEpoch = newPID+int64(len(inits))-2, 0
		}
		return resp, nil, true
	})
	p := idemProducer(t, addrs, kafka.ProducerConfig{Linger: time.Millisecond, MaxBatchBytes: 512})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	send := func(from, to int) {
		t.Helper()
		var msgs []kafka.Message
		for j := from; j < to; j++ {
			msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprint("k", j%9)), Value: []byte(fmt.Sprint(j / 9))})
		}
		if _, err := p.Send(ctx, "exhaust", msgs...); err != nil {
			t.Fatalf("send %d..%d: %v", from, to, err)
		}
	}
	send(0, 270)
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "exhaust", Partitions: []int32{1}, Err: kerr.UnknownProducerID, Count: 1})
	send(270, 540)
	send(540, 810)
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(inits) != 2 || inits[1].ProducerID != oldPID || inits[1].ProducerEpoch != maxEpoch {
		t.Fatalf("InitProducerId requests %+v: want the first, then one bump from (%d, %d)", inits, oldPID, maxEpoch)
	}
	mu.Unlock()
	recs := testkafka.ReadAll(t, addrs, "exhaust", 810, 10*time.Second, testkafka.QuietPeriod(300*time.Millisecond))
	if len(recs) != 810 {
		t.Fatalf("read %d records, want 810", len(recs))
	}
	next := map[string]int{}
	ids := map[[2]int64]int{}
	for _, r := range recs {
		k := string(r.Key)
		if got := string(r.Value); got != fmt.Sprint(next[k]) {
			t.Fatalf("key %s: value %s, want %d (reordered or duplicated)", k, got, next[k])
		}
		next[k]++
		ids[[2]int64{r.ProducerID, int64(r.ProducerEpoch)}]++
	}
	if ids[[2]int64{oldPID, maxEpoch}] == 0 || ids[[2]int64{newPID, 0}] == 0 || len(ids) != 2 {
		t.Fatalf("records by (producer id, epoch): %v; want only (%d, %d) and (%d, 0)", ids, oldPID, maxEpoch, newPID)
	}
}
