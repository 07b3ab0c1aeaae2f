package kafka_test

// One test (or table) per ProducerConfig option: each checks the default
// and an effect that would disappear if the option were ignored.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestAcks(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		acks     kafka.Acks
		wantWire int16
	}{
		{"default", 0, -1},
		{"all", kafka.AcksAll, -1},
		{"leader", kafka.AcksLeader, 1},
		{"none", kafka.AcksNone, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, addrs := startCluster(t, 1, "acks", 1)
			obs := observeProduce(c)
			p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{Acks: tc.acks})
			msgs := seqMessages("acks", 5, 0)
			res := mustSend(t, p, "acks", msgs...)
			for i, r := range res {
				switch {
				case tc.acks == kafka.AcksNone && r.Offset != -1:
					t.Errorf("result %d: offset %d with AcksNone, want -1", i, r.Offset)
				case tc.acks != kafka.AcksNone && r.Offset != int64(i):
					t.Errorf("result %d: offset %d, want %d", i, r.Offset, i)
				}
				if r.Partition != 0 || r.Topic != "acks" {
					t.Errorf("result %d: %s[%d], want acks[0]", i, r.Topic, r.Partition)
				}
			}
			// With acks=0 Send returns once the request is written: the
			// broker may not have read it yet.
			waitFor(5*time.Second, func() bool { return obs.count() > 0 })
			reqs := obs.all()
			if len(reqs) == 0 {
				t.Fatal("no Produce request observed")
			}
			for _, r := range reqs {
				if r.acks != tc.wantWire {
					t.Errorf("Produce request carries acks=%d, want %d", r.acks, tc.wantWire)
				}
			}
			recs := readBack(t, addrs, "acks", len(msgs))
			if len(recs) != len(msgs) {
				t.Fatalf("read %d records, want %d", len(recs), len(msgs))
			}
			for i, r := range recs {
				if !bytes.Equal(r.Value, msgs[i].Value) {
					t.Errorf("record %d: value %q, want %q", i, r.Value, msgs[i].Value)
				}
			}
		})
	}
}

func TestCompression(t *testing.T) {
	t.Parallel()
	cases := []struct {
		codec kafka.Compression
		want  string
	}{
		{0, "none"}, // the default
		{kafka.CompressionNone, "none"},
		{kafka.CompressionGzip, "gzip"},
		{kafka.CompressionSnappy, "snappy"},
		{kafka.CompressionLZ4, "lz4"},
		{kafka.CompressionZstd, "zstd"},
	}
	for _, tc := range cases {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			c, addrs := startCluster(t, 1, "codec", 3)
			obs := observeProduce(c)
			p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{Compression: tc.codec})
			msgs := seqMessages(strings.Repeat("compressible-", 20), 300, 7)
			mustSend(t, p, "codec", msgs...)
			for _, r := range obs.all() {
				for i, a := range r.attrs {
					if got := kafka.Compression(a & 7); got != tc.codec {
						t.Errorf("partition %d batch attributes %#x: codec %v, want %v", r.partitions[i], a, got, tc.codec)
					}
				}
			}
			recs := readBack(t, addrs, "codec", len(msgs))
			if len(recs) != len(msgs) {
				t.Fatalf("read %d records, want %d", len(recs), len(msgs))
			}
			seen := map[string]bool{}
			for _, r := range recs {
				if r.Compression != tc.want {
					t.Fatalf("record %s: compression %q, want %q", r, r.Compression, tc.want)
				}
				seen[string(r.Value)] = true
			}
			for _, m := range msgs {
				if !seen[string(m.Value)] {
					t.Fatalf("value %q not read back", m.Value)
				}
			}
		})
	}
}

// TestLingerVsMaxBatchBytes counts Produce requests to tell the flush
// triggers apart: size, linger, and explicit Flush.
func TestLingerVsMaxBatchBytes(t *testing.T) {
	t.Parallel()
	t.Run("SizeTriggersBeforeLinger", func(t *testing.T) {
		t.Parallel()
		c, addrs := startCluster(t, 1, "size", 1)
		obs := observeProduce(c)
		p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{Linger: time.Hour, MaxBatchBytes: 1024})
		msgs := seqMessages(strings.Repeat("x", 90), 100, 0) // ~100 bytes each: ~9 a batch
		pd := p.SendAsync("size", msgs...)
		if !waitFor(5*time.Second, func() bool { return obs.count() >= 10 }) {
			t.Fatalf("%d Produce requests without Flush, want >= 10 size-triggered ones", obs.count())
		}
		time.Sleep(100 * time.Millisecond)
		if isDone(pd) {
			t.Fatal("all 100 records delivered before Flush: the last, partial batch did not linger")
		}
		sent := 0
		for _, r := range obs.all() {
			sent += r.totalRecords()
			if n := r.totalRecords(); n < 2 {
				t.Errorf("a size-triggered request carried %d records, want a full batch", n)
			}
		}
		if sent >= len(msgs) {
			t.Fatalf("%d records sent before Flush, want fewer than %d", sent, len(msgs))
		}
		if err := p.Flush(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if _, err := pd.Wait(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, r := range obs.all() {
			total += r.totalRecords()
		}
		if total != len(msgs) {
			t.Fatalf("%d records in Produce requests, want %d", total, len(msgs))
		}
	})
	lingerCases := []struct {
		name    string
		linger  time.Duration
		minWait time.Duration // lower bound before the first request
	}{
		{"Linger50ms", 50 * time.Millisecond, 40 * time.Millisecond},
		{"DefaultLinger", 0, 0},
		{"NoLinger", kafka.NoLinger, 0},
	}
	for _, tc := range lingerCases {
		t.Run(tc.name+"SendsWithoutFlush", func(t *testing.T) {
			t.Parallel()
			c, addrs := startCluster(t, 1, "linger", 1)
			obs := observeProduce(c)
			p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{Linger: tc.linger, MaxBatchBytes: 1 << 30})
			msgs := seqMessages("linger", 10, 0)
			start := time.Now()
			pd := p.SendAsync("linger", msgs...)
			res, err := pd.Wait(testCtx(t)) // no Flush: only the linger sends them
			if err != nil {
				t.Fatal(err)
			}
			reqs := obs.all()
			if len(reqs) == 0 {
				t.Fatal("delivered without a Produce request?")
			}
			if d := reqs[0].at.Sub(start); d < tc.minWait {
				t.Errorf("first Produce request %v after SendAsync, want >= %v (the linger)", d, tc.minWait)
			}
			if tc.linger > 0 && (len(reqs) != 1 || reqs[0].totalRecords() != len(msgs)) {
				t.Errorf("got %d requests (first with %d records), want 1 request with all %d records", len(reqs), reqs[0].totalRecords(), len(msgs))
			}
			if res[9].Offset != 9 {
				t.Errorf("last offset %d, want 9", res[9].Offset)
			}
			readBack(t, addrs, "linger", len(msgs))
		})
	}
	// A record that does not fit the open batch closes it and opens a new
	// one; the new batch's linger must still send it without a Flush, even
	// when the first batch's response comes back before that linger ends.
	t.Run("LingerArmedForBatchOpenedByOverflow", func(t *testing.T) {
		t.Parallel()
		c, addrs := startCluster(t, 1, "overflow", 1)
		obs := observeProduce(c)
		p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{Linger: 200 * time.Millisecond, MaxBatchBytes: 1024})
		msgs := seqMessages(strings.Repeat("o", 90), 12, 0) // ~9 fit: the 10th overflows
		first := p.SendAsync("overflow", msgs[:5]...)
		time.Sleep(100 * time.Millisecond) // the first batch's linger timer fires 100ms before the second's ends
		pd := p.SendAsync("overflow", msgs[5:]...)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := first.Wait(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := pd.Wait(ctx); err != nil {
			t.Fatalf("records of the batch opened by an overflowing record never sent without Flush (linger 200ms): %v; %d Produce requests", err, obs.count())
		}
		readBack(t, addrs, "overflow", len(msgs))
	})
	t.Run("HugeLingerWaitsForFlush", func(t *testing.T) {
		t.Parallel()
		c, addrs := startCluster(t, 1, "flushonly", 1)
		obs := observeProduce(c)
		p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{Linger: time.Hour, MaxBatchBytes: 1 << 30})
		pd := p.SendAsync("flushonly", seqMessages("f", 10, 0)...)
		time.Sleep(300 * time.Millisecond)
		if n := obs.count(); n != 0 || isDone(pd) {
			t.Fatalf("%d Produce requests (done=%v) before Flush with a 1h linger, want none", n, isDone(pd))
		}
		if err := p.Flush(testCtx(t)); err != nil {
			t.Fatal(err)
		}
		if !isDone(pd) {
			t.Fatal("Flush returned before the records had results")
		}
		if reqs := obs.all(); len(reqs) != 1 || reqs[0].totalRecords() != 10 {
			t.Fatalf("got %d requests, want exactly 1 with 10 records", len(reqs))
		}
	})
}

// One Produce request carries the ready batches of every partition the
// broker leads.
func TestOneProduceRequestPerBroker(t *testing.T) {
	t.Parallel()
	c, addrs := startCluster(t, 1, "fanin", 6)
	obs := observeProduce(c)
	p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{Linger: time.Hour})
	var pds []*kafka.Pending
	for i := range int32(6) {
		for j := range 3 {
			pds = append(pds, p.SendAsync("fanin", kafka.Message{Value: fmt.Appendf(nil, "p%d-%d", i, j), Partition: new(i)}))
		}
	}
	if err := p.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	reqs := obs.all()
	if len(reqs) != 1 {
		t.Fatalf("%d Produce requests, want exactly 1 carrying all partitions", len(reqs))
	}
	got := map[int32]int{}
	for i, part := range reqs[0].partitions {
		got[part] += reqs[0].records[i]
	}
	if len(got) != 6 {
		t.Fatalf("request carried partitions %v, want all 6", reqs[0].partitions)
	}
	for part, n := range got {
		if n != 3 {
			t.Errorf("partition %d: %d records, want 3", part, n)
		}
	}
	for _, pd := range pds {
		if _, err := pd.Wait(testCtx(t)); err != nil {
			t.Fatal(err)
		}
	}
}

func notLeaderFault(topic string, count int) kfake.Fault {
	return kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: topic, Err: kerrNotLeader, Count: count}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		retries  int
		attempts int
	}{
		{"NoRetries", kafka.NoRetries, 1},
		{"Two", 2, 3},
		{"Default", 0, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name+"Exhausted", func(t *testing.T) {
			t.Parallel()
			c, addrs := startCluster(t, 1, "retry", 1)
			obs := observeProduce(c)
			c.Fault(notLeaderFault("retry", -1))
			p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{Retries: tc.retries, RetryBackoff: 5 * time.Millisecond, MaxRetryBackoff: 10 * time.Millisecond})
			res, err := p.Send(testCtx(t), "retry", kafka.Message{Value: []byte("v")})
			var de *kafka.DeliveryError
			if !errors.As(err, &de) || len(de.Failed) != 1 {
				t.Fatalf("Send: %v, want a *DeliveryError with 1 failed record", err)
			}
			var ke *kafka.Error
			if !errors.As(res[0].Err, &ke) || ke.Code != 6 || !errors.Is(err, kafka.ErrNotLeader) {
				t.Fatalf("record error %v (%T), want *kafka.Error NOT_LEADER_OR_FOLLOWER", res[0].Err, res[0].Err)
			}
			if res[0].Offset != -1 {
				t.Errorf("failed record has offset %d, want -1", res[0].Offset)
			}
			if n := obs.count(); n != tc.attempts {
				t.Fatalf("%d Produce attempts, want %d", n, tc.attempts)
			}
		})
	}
	t.Run("RecoverKeepsOrder", func(t *testing.T) {
		t.Parallel()
		c, addrs := startCluster(t, 1, "recover", 1)
		obs := observeProduce(c)
		h := c.Fault(notLeaderFault("recover", 2))
		p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{MaxBatchBytes: 512, Linger: time.Millisecond, RetryBackoff: 5 * time.Millisecond})
		msgs := seqMessages("r", 200, 0)
		res := mustSend(t, p, "recover", msgs...)
		if h.Hits() != 2 {
			t.Fatalf("fault answered %d requests, want 2", h.Hits())
		}
		if obs.count() < 3 {
			t.Fatalf("%d Produce requests, want >= 3", obs.count())
		}
		recs := readBack(t, addrs, "recover", len(msgs))
		if len(recs) != len(msgs) {
			t.Fatalf("read %d records, want %d (duplicates or losses)", len(recs), len(msgs))
		}
		for i, r := range recs {
			if !bytes.Equal(r.Value, msgs[i].Value) || r.Offset != res[i].Offset {
				t.Fatalf("record %d: %s, want value %q at offset %d", i, r, msgs[i].Value, res[i].Offset)
			}
		}
	})
}

// TestRetryBackoff measures the gaps between retried Produce requests at
// the broker. Only lower bounds are asserted, except one generous upper
// bound that shows the cap.
func TestRetryBackoff(t *testing.T) {
	t.Parallel()
	gaps := func(t *testing.T, cfg kafka.ProducerConfig, faults int) []time.Duration {
		c, addrs := startCluster(t, 1, "backoff", 1)
		obs := observeProduce(c)
		c.Fault(notLeaderFault("backoff", faults))
		cfg.Retries = faults
		p := newProducer(t, newClient(t, addrs), cfg)
		mustSend(t, p, "backoff", kafka.Message{Value: []byte("v")})
		reqs := obs.all()
		if len(reqs) != faults+1 {
			t.Fatalf("%d Produce requests, want %d", len(reqs), faults+1)
		}
		var out []time.Duration
		for i := 1; i < len(reqs); i++ {
			out = append(out, reqs[i].at.Sub(reqs[i-1].at))
		}
		t.Logf("gaps: %v", out)
		return out
	}
	t.Run("Exponential", func(t *testing.T) {
		t.Parallel()
		g := gaps(t, kafka.ProducerConfig{RetryBackoff: 250 * time.Millisecond, MaxRetryBackoff: 10 * time.Second}, 2)
		// 250ms then 500ms, each jittered by at most -20% (the default
		// 100ms would give at most 120ms and 240ms).
		if g[0] < 200*time.Millisecond || g[1] < 400*time.Millisecond {
			t.Fatalf("gaps %v, want >= [200ms 400ms] (RetryBackoff 250ms, doubling)", g)
		}
	})
	t.Run("Capped", func(t *testing.T) {
		t.Parallel()
		g := gaps(t, kafka.ProducerConfig{RetryBackoff: 20 * time.Millisecond, MaxRetryBackoff: 30 * time.Millisecond}, 5)
		for i, d := range g {
			if d < 16*time.Millisecond {
				t.Errorf("gap %d = %v, want >= 16ms", i, d)
			}
		}
		// Uncapped, the 5th backoff would be 320ms (>= 256ms with jitter).
		if last := g[len(g)-1]; last >= 200*time.Millisecond {
			t.Errorf("last gap %v, want well under the uncapped 256ms (MaxRetryBackoff 30ms)", last)
		}
	})
	t.Run("Default", func(t *testing.T) {
		t.Parallel()
		g := gaps(t, kafka.ProducerConfig{}, 1) // 100ms default
		if g[0] < 80*time.Millisecond {
			t.Fatalf("gap %v, want >= 80ms (default RetryBackoff 100ms)", g[0])
		}
	})
}

// TestRequestTimeout leaves a Produce request unanswered: the producer gives
// up on it after about RequestTimeout (not the 30s default) and retries on a
// new connection, or fails the record if it may not retry.
func TestRequestTimeout(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		retries int
	}{
		{"Retried", 0},
		{"NoRetries", kafka.NoRetries},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, addrs := startCluster(t, 1, "rto", 1)
			obs := observeProduce(c)
			c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
				return nil, nil, true // swallow the first Produce request: never answered
			})
			const rto = 300 * time.Millisecond
			p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{RequestTimeout: rto, Retries: tc.retries, RetryBackoff: 10 * time.Millisecond})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			res, err := p.Send(ctx, "rto", kafka.Message{Value: []byte("v")})
			elapsed := time.Since(start)
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Send still waiting after 10s: RequestTimeout %v ignored", rto)
			}
			if elapsed < rto {
				t.Errorf("Send returned after %v, before the %v request timeout", elapsed, rto)
			}
			if reqs := obs.all(); len(reqs) == 0 || reqs[0].timeoutMs != int32(rto/time.Millisecond) {
				t.Errorf("Produce request timeout field: %+v, want %d ms", reqs, rto/time.Millisecond)
			}
			if tc.retries == kafka.NoRetries {
				var ce *kafka.ConnError
				if !errors.As(err, &ce) {
					t.Fatalf("Send: %v, want a *kafka.ConnError (request timed out)", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Send: %v, want delivery after a retry", err)
			}
			if obs.count() < 2 || res[0].Offset != 0 {
				t.Fatalf("%d Produce requests, offset %d; want a retry that wrote offset 0", obs.count(), res[0].Offset)
			}
			readBack(t, addrs, "rto", 1)
		})
	}
}

// TestMaxInFlight holds every Produce response for a while and counts, on
// the client's side of the connection, the Produce requests written and
// not yet answered. The non-idempotent producer keeps one batch in flight
// per partition, so each request goes to a new partition.
func TestMaxInFlight(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{1, 2, 4, 0} {
		want := limit
		if limit == 0 {
			want = 5 // the default
		}
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			t.Parallel()
			const parts = 10
			c, addrs := startCluster(t, 1, "mif", parts)
			c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				c.SleepControl(func() { time.Sleep(100 * time.Millisecond) })
				return nil, nil, false
			})
			ic := newInflightCounter()
			cl := newClient(t, addrs, func(cc *kafka.ClientConfig) { cc.Dial = ic.dial })
			p := newProducer(t, cl, kafka.ProducerConfig{Linger: kafka.NoLinger, MaxInFlight: limit})
			var pds []*kafka.Pending
			for i := range int32(want + 3) {
				pds = append(pds, p.SendAsync("mif", kafka.Message{Value: []byte("v"), Partition: new(i)}))
				waitFor(time.Second, func() bool {
					_, written, outstanding := ic.snapshot()
					return written >= int(i)+1 || outstanding >= want
				})
			}
			for _, pd := range pds {
				if _, err := pd.Wait(testCtx(t)); err != nil {
					t.Fatal(err)
				}
			}
			maxSeen, written, _ := ic.snapshot()
			if maxSeen > want {
				t.Fatalf("%d Produce requests in flight on one connection, MaxInFlight %d", maxSeen, want)
			}
			if maxSeen != want {
				t.Fatalf("at most %d Produce requests were in flight (%d written), want the limit %d to be reached", maxSeen, written, want)
			}
		})
	}
}

// TestIdempotentAndTransactionalOptions: Idempotent makes the producer
// stamp batches with a producer id; TransactionalID makes it
// transactional (records only inside a transaction); TransactionTimeout
// is sent to the broker in InitProducerID. (The idempotent and
// transactional behaviour under faults is covered by idempotence_test.go
// and txn_test.go.)
func TestIdempotentAndTransactionalOptions(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		cfg       kafka.ProducerConfig
		pid       bool // batches carry a producer id
		txn       bool
		txTimeout int32 // TransactionTimeoutMillis in InitProducerID
	}{
		{"default", kafka.ProducerConfig{}, false, false, 0},
		{"idempotent", kafka.ProducerConfig{Idempotent: true}, true, false, 60000},
		{"transactional", kafka.ProducerConfig{TransactionalID: "tx-1"}, true, true, 60000},
		{"transactionTimeout", kafka.ProducerConfig{TransactionalID: "tx-2", TransactionTimeout: 7 * time.Second}, true, true, 7000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, addrs := startCluster(t, 1, "idem-opt", 2)
			var initTimeout atomic.Int32
			initTimeout.Store(-1)
			c.ControlKey(int16(kmsg.InitProducerID), func(kr kmsg.Request) (kmsg.Response, error, bool) {
				initTimeout.Store(kr.(*kmsg.InitProducerIDRequest).TransactionTimeoutMillis)
				return nil, nil, false
			})
			p := newProducer(t, newClient(t, addrs), tc.cfg)
			msgs := seqMessages("idem", 10, 3)
			if tc.txn {
				_, err := p.Send(testCtx(t), "idem-opt", msgs...)
				var ise *kafka.InvalidTxnStateError
				if !errors.As(err, &ise) {
					t.Fatalf("Send outside a transaction: %v, want *InvalidTxnStateError", err)
				}
				err = p.Transaction(testCtx(t), func(tx *kafka.Txn) error {
					_, err := tx.Send(testCtx(t), "idem-opt", msgs...)
					return err
				})
				if err != nil {
					t.Fatalf("Transaction: %v", err)
				}
			} else {
				mustSend(t, p, "idem-opt", msgs...)
			}
			for _, r := range readBack(t, addrs, "idem-opt", len(msgs)) {
				if (r.ProducerID >= 0) != tc.pid || r.Transactional != tc.txn {
					t.Fatalf("record %s: producer id %d, transactional %v; want id=%v transactional=%v", r, r.ProducerID, r.Transactional, tc.pid, tc.txn)
				}
			}
			if tc.pid {
				if got := initTimeout.Load(); tc.txn && got != tc.txTimeout {
					t.Errorf("InitProducerID transaction timeout %d ms, want %d", got, tc.txTimeout)
				}
			} else if initTimeout.Load() != -1 {
				t.Error("a non-idempotent producer asked for a producer id")
			}
		})
	}
	t.Run("invalid", func(t *testing.T) {
		t.Parallel()
		_, addrs := startCluster(t, 1, "", 0)
		cl := newClient(t, addrs)
		for _, cfg := range []kafka.ProducerConfig{
			{Idempotent: true, Acks: kafka.AcksLeader},
			{TransactionalID: "tx", Acks: kafka.AcksNone},
			{Idempotent: true, MaxInFlight: 6},
		} {
			p, err := cl.Producer(cfg)
			var ce *kafka.ConfigError
			if !errors.As(err, &ce) || p != nil {
				t.Errorf("Producer(%+v) = %v, %v; want a *kafka.ConfigError", cfg, p, err)
			}
		}
	})
}

// TestDeliveryTimeoutBrokerDown: once the only broker is gone, a record
// fails with *SendTimeoutError within DeliveryTimeout (plus slack).
func TestDeliveryTimeoutBrokerDown(t *testing.T) {
	t.Parallel()
	c, addrs := startCluster(t, 1, "dead", 2)
	const dt = time.Second
	p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{DeliveryTimeout: dt, RetryBackoff: 20 * time.Millisecond, MaxRetryBackoff: 100 * time.Millisecond})
	mustSend(t, p, "dead", kafka.Message{Value: []byte("warm-up")})
	c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	start := time.Now()
	res, err := p.Send(ctx, "dead", kafka.Message{Value: []byte("lost")}, kafka.Message{Key: []byte("k"), Value: []byte("lost too")})
	elapsed := time.Since(start)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send still waiting after 15s with a %v delivery timeout", dt)
	}
	var ste *kafka.SendTimeoutError
	if !errors.As(err, &ste) {
		t.Fatalf("Send: %v, want *kafka.SendTimeoutError", err)
	}
	if ste.Timeout != dt || ste.Topic != "dead" {
		t.Errorf("SendTimeoutError %+v, want topic dead and timeout %v", ste, dt)
	}
	for i, r := range res {
		if !errors.As(r.Err, &ste) {
			t.Errorf("record %d: %v, want *SendTimeoutError", i, r.Err)
		}
	}
	if elapsed < dt*8/10 || elapsed > dt+3*time.Second {
		t.Errorf("failed after %v, want about the %v delivery timeout", elapsed, dt)
	}
}

// holdProduce makes kfake hold the first Produce request until release is
// called (also called at cleanup).
func holdProduce(t *testing.T, c *kfake.Cluster) (release func()) {
	ch := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(ch) }) }
	t.Cleanup(release)
	var held atomic.Bool
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		if held.CompareAndSwap(false, true) {
			c.SleepControl(func() { <-ch })
		}
		return nil, nil, false
	})
	return release
}

// TestBufferFullBlocks: a full buffer (by records or by bytes) blocks
// SendAsync and Send until delivered records make room.
func TestBufferFullBlocks(t *testing.T) {
	t.Parallel()
	value := bytes.Repeat([]byte("b"), 300)
	cases := []struct {
		name string
		cfg  kafka.ProducerConfig
		fits int
	}{
		{"MaxBufferedRecords", kafka.ProducerConfig{MaxBufferedRecords: 3}, 3},
		{"MaxBufferedBytes", kafka.ProducerConfig{MaxBufferedBytes: 1000, MaxMessageBytes: 1000}, 3}, // ~320 bytes a record
	}
	for _, tc := range cases {
		for _, viaSend := range []bool{false, true} {
			name := tc.name + "/SendAsync"
			if viaSend {
				name = tc.name + "/Send"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				c, addrs := startCluster(t, 1, "buf", 1)
				release := holdProduce(t, c)
				cfg := tc.cfg
				cfg.Linger = kafka.NoLinger
				p := newProducer(t, newClient(t, addrs), cfg)
				var first []kafka.Message
				for i := range tc.fits {
					first = append(first, kafka.Message{Value: value, Key: fmt.Appendf(nil, "%d", i)})
				}
				pd := p.SendAsync("buf", first...) // fills the buffer
				var released atomic.Bool
				type outcome struct {
					afterRelease bool
					err          error
				}
				out := make(chan outcome, 1)
				go func() {
					var err error
					if viaSend {
						_, err = p.Send(context.Background(), "buf", kafka.Message{Value: value})
					} else {
						p.SendAsync("buf", kafka.Message{Value: value})
					}
					out <- outcome{released.Load(), err}
				}()
				select {
				case o := <-out:
					t.Fatalf("call returned (err %v) while the buffer was full", o.err)
				case <-time.After(300 * time.Millisecond):
				}
				released.Store(true)
				release()
				select {
				case o := <-out:
					if !o.afterRelease || o.err != nil {
						t.Fatalf("returned afterRelease=%v err=%v", o.afterRelease, o.err)
					}
				case <-time.After(10 * time.Second):
					t.Fatal("blocked call did not return after the buffer drained")
				}
				if _, err := pd.Wait(testCtx(t)); err != nil {
					t.Fatal(err)
				}
				if err := p.Flush(testCtx(t)); err != nil {
					t.Fatal(err)
				}
				readBack(t, addrs, "buf", tc.fits+1)
			})
		}
	}
}

// A Send blocked on a full buffer returns promptly when its context ends;
// its records fail with the context's error and are not produced.
func TestBufferFullSendCancelled(t *testing.T) {
	t.Parallel()
	c, addrs := startCluster(t, 1, "bufcancel", 1)
	release := holdProduce(t, c)
	p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{MaxBufferedRecords: 1, Linger: kafka.NoLinger})
	pd := p.SendAsync("bufcancel", kafka.Message{Value: []byte("kept")})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := p.Send(ctx, "bufcancel", kafka.Message{Value: []byte("dropped-1")}, kafka.Message{Value: []byte("dropped-2")})
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Send: %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Send blocked on a full buffer ignored its cancelled context")
	}
	release()
	if _, err := pd.Wait(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	recs := readBack(t, addrs, "bufcancel", 1)
	if len(recs) != 1 || string(recs[0].Value) != "kept" {
		t.Fatalf("read back %v, want only the record sent before the cancelled Send", recs)
	}
}

// A call blocked on a full buffer gives up at the delivery timeout with a
// *SendTimeoutError.
func TestBufferFullUntilDeliveryTimeout(t *testing.T) {
	t.Parallel()
	c, addrs := startCluster(t, 1, "bufdt", 1)
	holdProduce(t, c)
	const dt = 500 * time.Millisecond
	p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{MaxBufferedRecords: 1, Linger: kafka.NoLinger, DeliveryTimeout: dt})
	p.SendAsync("bufdt", kafka.Message{Value: []byte("held")})
	start := time.Now()
	pd := p.SendAsync("bufdt", kafka.Message{Value: []byte("blocked")})
	elapsed := time.Since(start)
	res, err := pd.Wait(testCtx(t))
	var ste *kafka.SendTimeoutError
	if !errors.As(err, &ste) || !errors.As(res[0].Err, &ste) {
		t.Fatalf("blocked record: %v, want *SendTimeoutError", err)
	}
	if elapsed < dt*8/10 {
		t.Fatalf("SendAsync returned after %v, before the %v delivery timeout", elapsed, dt)
	}
}

// TestMaxMessageBytes: one record over the limit fails alone with
// *RecordTooLargeError before anything is sent; the others are delivered.
func TestMaxMessageBytes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		limit int // 0: the default
		big   int
		small int
		want  int
	}{
		{"Custom", 1000, 2000, 100, 1000},
		{"Default", 0, 1<<20 + 1, 100, 1 << 20},
		{"DefaultAllowsNearLimit", 0, 0, 1<<20 - 1000, 1 << 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, addrs := startCluster(t, 1, "big", 1)
			obs := observeProduce(c)
			p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{MaxMessageBytes: tc.limit})
			msgs := make([]kafka.Message, 10)
			for i := range msgs {
				msgs[i].Value = bytes.Repeat([]byte{byte('a' + i)}, tc.small)
			}
			bigIdx := -1
			if tc.big > 0 {
				bigIdx = 4
				msgs[bigIdx].Value = bytes.Repeat([]byte("B"), tc.big)
			}
			res, err := p.Send(testCtx(t), "big", msgs...)
			if bigIdx < 0 {
				if err != nil {
					t.Fatalf("Send: %v", err)
				}
				readBack(t, addrs, "big", len(msgs))
				return
			}
			var rtl *kafka.RecordTooLargeError
			if !errors.As(err, &rtl) {
				t.Fatalf("Send: %v, want a *RecordTooLargeError through the *DeliveryError", err)
			}
			if rtl.Limit != tc.want || rtl.Size <= tc.want || rtl.Topic != "big" {
				t.Errorf("RecordTooLargeError %+v, want limit %d and a size above it", rtl, tc.want)
			}
			if !errors.Is(err, kafka.ErrMessageTooLarge) {
				t.Errorf("errors.Is(err, ErrMessageTooLarge) = false for %v", err)
			}
			for i, r := range res {
				if (r.Err != nil) != (i == bigIdx) {
					t.Errorf("record %d: err %v", i, r.Err)
				}
			}
			for _, r := range obs.all() {
				for _, n := range r.records {
					if n > 9 {
						t.Errorf("a batch of %d records was sent: the oversize record went out", n)
					}
				}
			}
			recs := readBack(t, addrs, "big", 9)
			if len(recs) != 9 {
				t.Fatalf("read %d records, want 9", len(recs))
			}
			for _, r := range recs {
				if len(r.Value) != tc.small {
					t.Errorf("read a %d-byte record", len(r.Value))
				}
			}
		})
	}
}

// TestInterceptors: interceptors run in order, each on the previous one's
// output, may fail single records, and never touch the caller's messages.
func TestInterceptors(t *testing.T) {
	t.Parallel()
	_, addrs := startCluster(t, 1, "icpt", 1)
	errVeto := errors.New("vetoed")
	var secondSawVetoed atomic.Bool
	first := kafka.InterceptorFunc(func(topic string, msgs []kafka.Message, errs []error) {
		for i := range msgs {
			if string(msgs[i].Value) == "veto" {
				errs[i] = errVeto
				continue
			}
			msgs[i].Value = append(append([]byte(nil), msgs[i].Value...), "+1"...)
			msgs[i].Headers = append(append([]kafka.Header(nil), msgs[i].Headers...), kafka.Header{Key: "first", Value: []byte(topic)})
		}
	})
	second := kafka.InterceptorFunc(func(_ string, msgs []kafka.Message, errs []error) {
		for i := range msgs {
			if string(msgs[i].Value) == "veto" {
				secondSawVetoed.Store(true)
			}
			if errs[i] != nil {
				continue
			}
			msgs[i].Value = append(append([]byte(nil), msgs[i].Value...), "+2"...)
			msgs[i].Headers = append(append([]kafka.Header(nil), msgs[i].Headers...), kafka.Header{Key: "second", Value: []byte("x")})
		}
	})
	p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{Interceptors: []kafka.Interceptor{first, second}})
	msgs := []kafka.Message{{Value: []byte("a")}, {Value: []byte("veto")}, {Value: []byte("c")}}
	res, err := p.Send(testCtx(t), "icpt", msgs...)
	var de *kafka.DeliveryError
	if !errors.As(err, &de) || len(de.Failed) != 1 || !errors.Is(err, errVeto) {
		t.Fatalf("Send: %v, want one record failed with the interceptor's error", err)
	}
	if !errors.Is(res[1].Err, errVeto) || res[0].Err != nil || res[2].Err != nil {
		t.Fatalf("results %+v", res)
	}
	if string(msgs[0].Value) != "a" || msgs[0].Headers != nil {
		t.Errorf("caller's message changed to %q %v", msgs[0].Value, msgs[0].Headers)
	}
	recs := readBack(t, addrs, "icpt", 2)
	if len(recs) != 2 {
		t.Fatalf("read %d records, want 2", len(recs))
	}
	for i, want := range []string{"a+1+2", "c+1+2"} {
		r := recs[i]
		if string(r.Value) != want || len(r.Headers) != 2 || r.Headers[0].Key != "first" || string(r.Headers[0].Value) != "icpt" || r.Headers[1].Key != "second" {
			t.Errorf("record %d: %s, want value %q with headers first=icpt, second=x", i, r, want)
		}
	}
	// The Interceptor contract: "a record failed by one is not shown to the next".
	if secondSawVetoed.Load() {
		t.Errorf("the second interceptor was shown the record the first one failed")
	}
}

// countingCodec wraps a compression codec and counts its calls.
type countingCodec struct {
	kafka.CompressionCodec
	calls atomic.Int32
}

func (c *countingCodec) Compress(dst, src []byte) ([]byte, error) {
	c.calls.Add(1)
	return c.CompressionCodec.Compress(dst, src)
}

// TestRegisterCompressionCodec: a registered implementation replaces the
// built-in one for producers created afterwards. Not parallel: it changes
// the process-wide registry.
func TestRegisterCompressionCodec(t *testing.T) {
	orig := kafka.LookupCompressionCodec(kafka.CompressionSnappy)
	if orig == nil {
		t.Fatal("no built-in snappy codec")
	}
	cc := &countingCodec{CompressionCodec: orig}
	if err := kafka.RegisterCompressionCodec(kafka.CompressionSnappy, cc); err != nil {
		t.Fatal(err)
	}
	defer kafka.RegisterCompressionCodec(kafka.CompressionSnappy, orig)
	if kafka.LookupCompressionCodec(kafka.CompressionSnappy) != kafka.CompressionCodec(cc) {
		t.Fatal("LookupCompressionCodec does not return the registered codec")
	}
	_, addrs, p := clusterAndProducer(t, "swap", 1, kafka.ProducerConfig{Compression: kafka.CompressionSnappy})
	mustSend(t, p, "swap", seqMessages("swap", 50, 0)...)
	if cc.calls.Load() == 0 {
		t.Fatal("the registered codec was not used")
	}
	for _, r := range readBack(t, addrs, "swap", 50) {
		if r.Compression != "snappy" {
			t.Fatalf("record %s: compression %s", r, r.Compression)
		}
	}
	for _, bad := range []kafka.Compression{kafka.CompressionNone, 9} {
		if err := kafka.RegisterCompressionCodec(bad, cc); err == nil {
			t.Errorf("RegisterCompressionCodec(%v) accepted", bad)
		}
	}
	if err := kafka.RegisterCompressionCodec(kafka.CompressionGzip, nil); err == nil {
		t.Error("RegisterCompressionCodec(gzip, nil) accepted")
	}
}
