package kafka_test

// Fault injection on kfake: split on MESSAGE_TOO_LARGE, connection drops,
// leader moves, unknown and unauthorized topics, Flush and Close.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// tooLargeAbove answers MESSAGE_TOO_LARGE to every Produce request carrying
// a batch of more than n records, and lets kfake handle the others.
func tooLargeAbove(c *kfake.Cluster, n int) *atomic.Int32 {
	var refused atomic.Int32
	c.ControlKey(int16(kmsg.Produce), func(kr kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kr.(*kmsg.ProduceRequest)
		for _, rt := range req.Topics {
			for _, rp := range rt.Partitions {
				var b kmsg.RecordBatch
				if err := b.ReadFrom(rp.Records); err == nil && int(b.NumRecords) > n {
					refused.Add(1)
					return produceResponse(req, kerr.MessageTooLarge.Code), nil, true
				}
			}
		}
		return nil, nil, false
	})
	return &refused
}

// TestMessageTooLargeSplits: a multi-record batch the broker refuses as too
// large is split and retried until it fits; every record is delivered once,
// in order.
func TestMessageTooLargeSplits(t *testing.T) {
	t.Parallel()
	for _, maxRecs := range []int{1, 3, 7} {
		t.Run(fmt.Sprint("max", maxRecs), func(t *testing.T) {
			t.Parallel()
			c, addrs := startCluster(t, 1, "split", 1)
			obs := observeProduce(c)
			refused := tooLargeAbove(c, maxRecs)
			p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{Linger: time.Hour, Compression: kafka.CompressionLZ4})
			msgs := seqMessages("split", 20, 0)
			msgs[3].Headers = []kafka.Header{{Key: "h", Value: []byte("1")}, {Key: "h", Value: nil}}
			msgs[5].Key = []byte("key")
			msgs[6].Timestamp = time.UnixMilli(1_600_000_000_123)
			pd := p.SendAsync("split", msgs...)
			if err := p.Flush(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			res, err := pd.Wait(testCtx(t))
			if err != nil {
				t.Fatalf("after split: %v", err)
			}
			if refused.Load() == 0 {
				t.Fatal("the broker never refused a batch: the test did not exercise the split")
			}
			if obs.count() < 2 {
				t.Fatalf("%d Produce requests, want the refused one and its retried halves", obs.count())
			}
			recs := readBack(t, addrs, "split", len(msgs))
			if len(recs) != len(msgs) {
				t.Fatalf("read %d records, want %d", len(recs), len(msgs))
			}
			for i, r := range recs {
				m := msgs[i]
				if !bytes.Equal(r.Value, m.Value) || !bytesEqualNull(r.Key, m.Key) || r.Offset != res[i].Offset {
					t.Fatalf("record %d: %s; want value %q key %q offset %d", i, r, m.Value, m.Key, res[i].Offset)
				}
				if len(r.Headers) != len(m.Headers) {
					t.Fatalf("record %d: headers %v, want %v", i, r.Headers, m.Headers)
				}
				if !m.Timestamp.IsZero() && !r.Timestamp.Equal(m.Timestamp) {
					t.Fatalf("record %d: timestamp %v, want %v", i, r.Timestamp, m.Timestamp)
				}
			}
			if recs[3].Headers[1].Value != nil {
				t.Errorf("null header value became %q after the split", recs[3].Headers[1].Value)
			}
		})
	}
	t.Run("SingleRecordTooLarge", func(t *testing.T) {
		t.Parallel()
		c, addrs := startCluster(t, 1, "split1", 1)
		tooLargeAbove(c, 0)
		p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{Linger: time.Hour})
		pd := p.SendAsync("split1", seqMessages("x", 3, 0)...)
		if err := p.Flush(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		res, err := pd.Wait(testCtx(t))
		var rtl *kafka.RecordTooLargeError
		if !errors.As(err, &rtl) {
			t.Fatalf("Wait: %v, want *RecordTooLargeError", err)
		}
		for i, r := range res {
			if !errors.As(r.Err, &rtl) || r.Partition != 0 {
				t.Errorf("record %d: %+v, want *RecordTooLargeError on partition 0", i, r)
			}
		}
	})
}

func bytesEqualNull(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }

// checkSequences verifies that recs hold each of the n sequence numbers
// ("<prefix>-%05d" values) and that, per key, sequence numbers increase (keys
// map to one partition, so this is per-partition order). A record whose
// sequence was already read is a duplicate: an error unless allowDups (the
// non-idempotent producer may write a batch twice when a connection dies
// after the broker wrote it but before its answer was read), and it never
// counts as a reordering.
func checkSequences(t *testing.T, recs []testkafka.Record, prefix string, n int, allowDups bool) {
	t.Helper()
	seen := make([]int, n)
	last := map[string]int{}
	reordered := 0
	for _, r := range recs {
		s, ok := strings.CutPrefix(string(r.Value), prefix+"-")
		seq, err := strconv.Atoi(s)
		if !ok || err != nil || seq < 0 || seq >= n {
			t.Fatalf("unexpected record %s", r)
		}
		seen[seq]++
		if seen[seq] > 1 {
			continue
		}
		if prev, ok := last[string(r.Key)]; ok && seq < prev {
			if reordered++; reordered <= 5 {
				t.Errorf("key %s: seq %d after %d: reordered (partition %d offset %d)", r.Key, seq, prev, r.Partition, r.Offset)
			}
		}
		last[string(r.Key)] = seq
	}
	lost, dup := 0, 0
	for _, c := range seen {
		switch {
		case c == 0:
			lost++
		case c > 1:
			dup += c - 1
		}
	}
	if reordered > 0 {
		t.Errorf("%d records out of order", reordered)
	}
	if lost > 0 || (dup > 0 && !allowDups) {
		t.Fatalf("%d records lost, %d duplicated (read %d, sent %d)", lost, dup, len(recs), n)
	}
	if dup > 0 {
		t.Logf("%d records written twice (at least once delivery)", dup)
	}
}

// sendStream sends n keyed records in chunks of 100 with SendAsync and
// waits for all of them; between chunks it calls between (may be nil).
func sendStream(t *testing.T, p *kafka.Producer, topic, prefix string, n, keys int, between func(chunk int)) {
	t.Helper()
	msgs := seqMessages(prefix, n, keys)
	var pds []*kafka.Pending
	for i := 0; i < n; i += 100 {
		pds = append(pds, p.SendAsync(topic, msgs[i:min(i+100, n)]...))
		if between != nil {
			between(i / 100)
		}
	}
	for _, pd := range pds {
		if _, err := pd.Wait(testCtx(t)); err != nil {
			t.Fatalf("records failed: %v", err)
		}
	}
}

// TestConnectionDropsMidStream closes the producer's connection on every
// 4th Produce request: records are retried on a new connection; nothing is
// lost or reordered. With one request in flight nothing is duplicated
// either; with several, a request the broker answered may lose its answer
// with the connection (the reset discards it), and the non-idempotent
// producer then writes that batch again (at least once).
func TestConnectionDropsMidStream(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		maxInFlight int
	}{
		{"MaxInFlight1", 1},
		{"DefaultMaxInFlight", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, addrs := startCluster(t, 1, "drops", 6)
			var n, drops atomic.Int32
			c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				if n.Add(1)%4 == 0 {
					drops.Add(1)
					return nil, errors.New("injected connection drop"), true
				}
				return nil, nil, false
			})
			p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{
				MaxBatchBytes: 2048, Linger: time.Millisecond, Retries: 20, MaxInFlight: tc.maxInFlight,
				RetryBackoff: 5 * time.Millisecond, MaxRetryBackoff: 50 * time.Millisecond,
			})
			const total = 5000
			sendStream(t, p, "drops", "seq", total, 50, nil)
			if drops.Load() < 2 {
				t.Fatalf("only %d connection drops injected", drops.Load())
			}
			t.Logf("%d Produce requests, %d dropped", n.Load(), drops.Load())
			checkSequences(t, readBack(t, addrs, "drops", total), "seq", total, tc.maxInFlight != 1)
		})
	}
}

// TestLeaderMovesMidStream moves partition leaders between the brokers of a
// 3-broker cluster while records flow: the producer follows NOT_LEADER to
// the new leaders; nothing is lost, duplicated or reordered.
func TestLeaderMovesMidStream(t *testing.T) {
	t.Parallel()
	const parts = 6
	c, addrs := testkafka.StartKfake(t, 3, kfake.SeedTopics(parts, "moves"))
	var notLeader atomic.Int32
	c.ControlKey(int16(kmsg.Produce), func(kr kmsg.Request) (kmsg.Response, error, bool) {
		for _, rt := range kr.(*kmsg.ProduceRequest).Topics {
			for _, rp := range rt.Partitions {
				if c.LeaderFor("moves", rp.Partition) != c.CurrentNode() {
					notLeader.Add(1)
				}
			}
		}
		return nil, nil, false
	})
	p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{
		MaxBatchBytes: 4096, Linger: 2 * time.Millisecond, Retries: 50,
		RetryBackoff: 5 * time.Millisecond, MaxRetryBackoff: 50 * time.Millisecond,
	})
	const total = 4000
	moves := 0
	sendStream(t, p, "moves", "seq", total, 60, func(chunk int) {
		if chunk%4 != 3 {
			return
		}
		part := int32(chunk % parts)
		to := (c.LeaderFor("moves", part) + 1) % 3
		if err := c.MoveTopicPartition("moves", part, to); err != nil {
			t.Fatal(err)
		}
		moves++
		time.Sleep(10 * time.Millisecond)
	})
	if notLeader.Load() == 0 {
		t.Logf("no Produce request reached a former leader (%d moves)", moves)
	}
	t.Logf("%d moves, %d partitions sent to a former leader", moves, notLeader.Load())
	checkSequences(t, readBack(t, addrs, "moves", total), "seq", total, false)
}

// TestLeaderMoveNotLeaderReroutes forces the NOT_LEADER path: the leader is
// moved before the producer learns of it, so its first request goes to the
// former leader.
func TestLeaderMoveNotLeaderReroutes(t *testing.T) {
	t.Parallel()
	c, addrs := testkafka.StartKfake(t, 3, kfake.SeedTopics(1, "reroute"))
	obs := observeProduce(c)
	p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{RetryBackoff: 5 * time.Millisecond})
	first := mustSend(t, p, "reroute", kafka.Message{Value: []byte("before")})
	old := c.LeaderFor("reroute", 0)
	if err := c.MoveTopicPartition("reroute", 0, (old+1)%3); err != nil {
		t.Fatal(err)
	}
	res := mustSend(t, p, "reroute", kafka.Message{Value: []byte("after")})
	if res[0].Offset != first[0].Offset+1 {
		t.Errorf("offset %d after the move, want %d", res[0].Offset, first[0].Offset+1)
	}
	reqs := obs.all()
	if len(reqs) < 3 || reqs[1].node != old || reqs[len(reqs)-1].node != (old+1)%3 {
		for _, r := range reqs {
			t.Logf("Produce to node %d", r.node)
		}
		t.Fatalf("want a request to the former leader %d answered NOT_LEADER, then one to node %d", old, (old+1)%3)
	}
	recs := readBack(t, addrs, "reroute", 2)
	if len(recs) != 2 || string(recs[0].Value) != "before" || string(recs[1].Value) != "after" {
		t.Fatalf("read %v", recs)
	}
}

func TestUnknownTopic(t *testing.T) {
	t.Parallel()
	t.Run("AutoCreated", func(t *testing.T) {
		t.Parallel()
		_, addrs := testkafka.StartKfake(t, 1, kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(4))
		p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{})
		res := mustSend(t, p, "auto-created", kafka.Message{Key: []byte("k"), Value: []byte("v")})
		if want := int32(uint32(kafka.Murmur2([]byte("k"))) & 0x7fffffff % 4); res[0].Partition != want {
			t.Errorf("partition %d, want %d of the 4 auto-created", res[0].Partition, want)
		}
		readBack(t, addrs, "auto-created", 1)
	})
	// Without auto-creation the record fails at the delivery timeout with
	// an error that names the cause, also when the metadata request still
	// under way at the deadline is the one cut short.
	for _, delay := range []time.Duration{0, 300 * time.Millisecond} {
		t.Run(fmt.Sprintf("NotCreatedTimesOut/metadataDelay=%v", delay), func(t *testing.T) {
			t.Parallel()
			notCreatedTimesOut(t, delay)
		})
	}
}

func notCreatedTimesOut(t *testing.T, metadataDelay time.Duration) {
	c, addrs := startCluster(t, 1, "exists", 1)
	if metadataDelay > 0 {
		c.ControlKey(int16(kmsg.Metadata), func(kmsg.Request) (kmsg.Response, error, bool) {
			c.KeepControl()
			c.SleepControl(func() { time.Sleep(metadataDelay) })
			return nil, nil, false
		})
	}
	// Long enough for a (delayed) metadata answer to arrive on a loaded
	// machine under -race before the deadline.
	const dt = 1500 * time.Millisecond
	p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{DeliveryTimeout: dt})
	start := time.Now()
	res, err := p.Send(testCtx(t), "missing", kafka.Message{Value: []byte("v")})
	elapsed := time.Since(start)
	var ste *kafka.SendTimeoutError
	if !errors.As(err, &ste) || !errors.Is(err, kafka.ErrUnknownTopicOrPartition) {
		t.Fatalf("Send: %v, want a *SendTimeoutError caused by UNKNOWN_TOPIC_OR_PARTITION", err)
	}
	if res[0].Topic != "missing" || res[0].Partition != -1 {
		t.Errorf("result %+v", res[0])
	}
	if elapsed > dt+3*time.Second {
		t.Errorf("failed after %v, want about the %v delivery timeout", elapsed, dt)
	}
}

// TOPIC_AUTHORIZATION_FAILED is not retriable: it fails at once.
func TestTopicAuthorizationFailed(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		key  kmsg.Key
	}{
		{"Produce", kmsg.Produce},
		{"Metadata", kmsg.Metadata},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, addrs := startCluster(t, 1, "secret", 1)
			obs := observeProduce(c)
			c.Fault(kfake.Fault{Keys: []kmsg.Key{tc.key}, Topic: "secret", Err: kerr.TopicAuthorizationFailed, Count: -1})
			p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{DeliveryTimeout: time.Minute})
			start := time.Now()
			_, err := p.Send(testCtx(t), "secret", kafka.Message{Value: []byte("v")})
			if !errors.Is(err, kafka.ErrTopicAuthorization) {
				t.Fatalf("Send: %v, want TOPIC_AUTHORIZATION_FAILED", err)
			}
			var ke *kafka.Error
			if !errors.As(err, &ke) || ke.Retriable() || ke.Name() != "TOPIC_AUTHORIZATION_FAILED" {
				t.Fatalf("error %v: want a non-retriable *kafka.Error TOPIC_AUTHORIZATION_FAILED", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("failed after %v: it was retried", d)
			}
			if want := map[kmsg.Key]int{kmsg.Produce: 1, kmsg.Metadata: 0}[tc.key]; obs.count() != want {
				t.Errorf("%d Produce requests, want %d (no retries)", obs.count(), want)
			}
		})
	}
}

// TestFlushWaitsForQueuedAndInflight: Flush returns only when the records
// queued before it, in flight or still queued, have results.
func TestFlushWaitsForQueuedAndInflight(t *testing.T) {
	t.Parallel()
	c, addrs := startCluster(t, 1, "flush", 1)
	obs := observeProduce(c)
	release := holdProduce(t, c)
	p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{Linger: time.Hour})
	flush := func() <-chan error {
		ch := make(chan error, 1)
		go func() { ch <- p.Flush(testCtx(t)) }()
		return ch
	}
	inflight := p.SendAsync("flush", kafka.Message{Value: []byte("a")})
	flush1 := flush()
	if !waitFor(5*time.Second, func() bool { return obs.count() == 1 }) {
		t.Fatal("Flush did not send the lingering batch")
	}
	queued := p.SendAsync("flush", kafka.Message{Value: []byte("b")}) // behind the in-flight batch
	flush2 := flush()
	select {
	case err := <-flush1:
		t.Fatalf("Flush returned (%v) while its record was in flight", err)
	case err := <-flush2:
		t.Fatalf("Flush returned (%v) while its record was queued", err)
	case <-time.After(300 * time.Millisecond):
	}
	release()
	for i, ch := range []<-chan error{flush1, flush2} {
		if err := <-ch; err != nil {
			t.Fatalf("Flush %d: %v", i+1, err)
		}
	}
	if !isDone(inflight) || !isDone(queued) {
		t.Fatalf("Flush returned with records pending (in flight done=%v, queued done=%v)", isDone(inflight), isDone(queued))
	}
	res, err := queued.Wait(testCtx(t))
	if err != nil || res[0].Offset != 1 {
		t.Fatalf("queued record: %+v %v, want offset 1", res, err)
	}
}

// TestCloseFlushesThenRejects: Close delivers what is queued; afterwards
// Send, SendAsync and Flush fail with ErrProducerClosed; Close is
// idempotent.
func TestCloseFlushesThenRejects(t *testing.T) {
	t.Parallel()
	_, addrs := startCluster(t, 1, "close", 2)
	cl := newClient(t, addrs)
	p, err := cl.Producer(kafka.ProducerConfig{Linger: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	msgs := seqMessages("c", 10, 3)
	pd := p.SendAsync("close", msgs...)
	if err := p.Close(testCtx(t)); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !isDone(pd) {
		t.Fatal("Close returned before the queued records had results")
	}
	if _, err := pd.Wait(testCtx(t)); err != nil {
		t.Fatalf("records queued before Close: %v", err)
	}
	readBack(t, addrs, "close", len(msgs))

	if _, err := p.Send(testCtx(t), "close", kafka.Message{Value: []byte("late")}); !errors.Is(err, kafka.ErrProducerClosed) {
		t.Errorf("Send after Close: %v, want ErrProducerClosed", err)
	}
	res, err := p.SendAsync("close", kafka.Message{Value: []byte("late")}).Wait(testCtx(t))
	if !errors.Is(err, kafka.ErrProducerClosed) || !errors.Is(res[0].Err, kafka.ErrProducerClosed) {
		t.Errorf("SendAsync after Close: %v, want ErrProducerClosed", err)
	}
	if err := p.Close(testCtx(t)); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := p.Flush(testCtx(t)); !errors.Is(err, kafka.ErrProducerClosed) {
		t.Errorf("Flush after Close: %v, want ErrProducerClosed (as documented on ErrProducerClosed)", err)
	}
}

// TestCloseGivesUpWithInflight: Close whose context ends while a Produce
// request is unanswered returns the context's error and fails the record
// with ErrProducerClosed; the request's later answer (here: the connection
// closing with the client) must not crash the producer. It runs in a child
// process so that a crash fails this test only.
func TestCloseGivesUpWithInflight(t *testing.T) {
	if os.Getenv("KAFKA_TEST_CLOSE_CHILD") == "1" {
		closeGivesUpWithInflight(t)
		return
	}
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run=^TestCloseGivesUpWithInflight$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "KAFKA_TEST_CLOSE_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child process failed: %v\n%s", err, out)
	}
}

func closeGivesUpWithInflight(t *testing.T) {
	for _, retries := range []int{kafka.NoRetries, 0} {
		t.Run(fmt.Sprint("retries", retries), func(t *testing.T) {
			c, addrs := startCluster(t, 1, "giveup", 1)
			c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
				return nil, nil, true // never answered
			})
			cl := newClient(t, addrs)
			p, err := cl.Producer(kafka.ProducerConfig{Linger: kafka.NoLinger, Retries: retries})
			if err != nil {
				t.Fatal(err)
			}
			pd := p.SendAsync("giveup", kafka.Message{Value: []byte("v")})
			time.Sleep(100 * time.Millisecond)
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			if err := p.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("Close: %v, want context.DeadlineExceeded", err)
			}
			res, err := pd.Wait(testCtx(t))
			if !errors.Is(err, kafka.ErrProducerClosed) || !errors.Is(res[0].Err, kafka.ErrProducerClosed) {
				t.Errorf("record: %v, want ErrProducerClosed", err)
			}
			// The client closes its connections: the unanswered request
			// fails now, for a batch Close already failed. Nothing may
			// happen twice.
			cl.Close()
			time.Sleep(100 * time.Millisecond)
			if bytes, records := p.BufferUsage(); bytes != 0 || records != 0 {
				t.Errorf("buffer usage after Close: %d bytes, %d records; want 0, 0", bytes, records)
			}
		})
	}
}
