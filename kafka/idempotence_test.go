package kafka_test

import (
	"context"
	"fmt"
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
