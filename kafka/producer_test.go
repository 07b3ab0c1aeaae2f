package kafka_test

// Producer lifecycle: contexts, SendAsync handles, client close, partitions
// added while producing.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
	"github.com/kafkawasm/kafkawasm/kafka"
)

// When Send's or Wait's context ends first, the call returns the context's
// error but the records stay queued and are still delivered.
func TestContextEndsRecordsStillDelivered(t *testing.T) {
	t.Parallel()
	c, addrs := startCluster(t, 1, "ctxend", 1)
	release := holdProduce(t, c)
	p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{Linger: kafka.NoLinger})

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	res, err := p.Send(ctx, "ctxend", kafka.Message{Value: []byte("via Send")})
	if !errors.Is(err, context.DeadlineExceeded) || res != nil {
		t.Fatalf("Send with an expiring context while the broker holds the request: %v, %v; want DeadlineExceeded", res, err)
	}
	pd := p.SendAsync("ctxend", kafka.Message{Value: []byte("via SendAsync")})
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := pd.Wait(ctx2); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait: %v, want DeadlineExceeded", err)
	}
	release()
	if err := p.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if res, err := pd.Wait(testCtx(t)); err != nil || res[0].Offset != 1 {
		t.Fatalf("after release: %+v %v, want offset 1", res, err)
	}
	recs := readBack(t, addrs, "ctxend", 2)
	if len(recs) != 2 || string(recs[0].Value) != "via Send" || string(recs[1].Value) != "via SendAsync" {
		t.Fatalf("read %v", recs)
	}
}

func TestSendNothing(t *testing.T) {
	t.Parallel()
	_, _, p := clusterAndProducer(t, "empty", 1, kafka.ProducerConfig{})
	res, err := p.Send(testCtx(t), "empty")
	if err != nil || len(res) != 0 {
		t.Fatalf("Send with no messages: %v, %v", res, err)
	}
	pd := p.SendAsync("empty")
	if !isDone(pd) {
		t.Fatal("SendAsync with no messages is not done")
	}
}

// Closing the client closes its producers (without flushing): later sends
// fail with ErrProducerClosed, and producers cannot be created.
func TestClientCloseClosesProducers(t *testing.T) {
	t.Parallel()
	_, addrs := startCluster(t, 1, "clclose", 1)
	cl := newClient(t, addrs)
	p := newProducer(t, cl, kafka.ProducerConfig{})
	mustSend(t, p, "clclose", kafka.Message{Value: []byte("v")})
	if err := cl.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Send(testCtx(t), "clclose", kafka.Message{Value: []byte("late")}); !errors.Is(err, kafka.ErrProducerClosed) {
		t.Errorf("Send after Client.Close: %v, want ErrProducerClosed", err)
	}
	if _, err := cl.Producer(kafka.ProducerConfig{}); !errors.Is(err, kafka.ErrClientClosed) {
		t.Errorf("Producer after Client.Close: %v, want ErrClientClosed", err)
	}
	if err := cl.Close(); err != nil {
		t.Errorf("second Client.Close: %v", err)
	}
}

// Partitions added to a topic are used once the periodic metadata refresh
// (ClientConfig.MetadataRefreshInterval) sees them.
func TestPartitionsAddedWhileProducing(t *testing.T) {
	t.Parallel()
	_, addrs := startCluster(t, 1, "grow", 2)
	cl := newClient(t, addrs, func(c *kafka.ClientConfig) { c.MetadataRefreshInterval = 50 * time.Millisecond })
	p := newProducer(t, cl, kafka.ProducerConfig{Partitioner: kafka.RoundRobinPartitioner})
	for _, r := range mustSend(t, p, "grow", seqMessages("before", 10, 0)...) {
		if r.Partition > 1 {
			t.Fatalf("partition %d of a 2-partition topic", r.Partition)
		}
	}
	if _, err := testkafka.NewAdmin(t, addrs).CreatePartitions(testCtx(t), 2, "grow"); err != nil {
		t.Fatal(err)
	}
	seen := map[int32]bool{}
	ok := waitFor(10*time.Second, func() bool {
		for _, r := range mustSend(t, p, "grow", seqMessages("after", 4, 0)...) {
			seen[r.Partition] = true
		}
		return seen[2] && seen[3]
	})
	if !ok {
		t.Fatalf("partitions used after growing to 4: %v", seen)
	}
}
