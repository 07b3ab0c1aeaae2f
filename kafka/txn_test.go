package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func txnProducer(t *testing.T, addrs []string, id string, cfg kafka.ProducerConfig) (*kafka.Client, *kafka.Producer) {
	t.Helper()
	cl, err := kafka.NewClient(kafka.ClientConfig{Brokers: addrs, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	cfg.TransactionalID = id // "" for a producer without transactions
	p, err := cl.Producer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cl, p
}

// bothTxnProtocols runs f as subtests "v2" (kfake finalizes
// transaction.version 2, so the producer uses transactions V2) and "v1"
// (forced with ForceTxnV1ForTest through txnProducerV).
func bothTxnProtocols(t *testing.T, f func(t *testing.T, v2 bool)) {
	for _, v2 := range []bool{true, false} {
		t.Run(txnProtoName(v2), func(t *testing.T) { f(t, v2) })
	}
}

// txnProducerV is txnProducer, forced to transactions V1 unless v2.
func txnProducerV(t *testing.T, addrs []string, id string, cfg kafka.ProducerConfig, v2 bool) (*kafka.Client, *kafka.Producer) {
	t.Helper()
	cl, p := txnProducer(t, addrs, id, cfg)
	if !v2 {
		kafka.ForceTxnV1ForTest(p)
	}
	return cl, p
}

func txnMsgs(prefix string, n int) []kafka.Message {
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprintf("%s-%d", prefix, i))}
	}
	return msgs
}

// checkCommitted reads the topic read_committed and checks exactly the
// committed transactions' records are there, once each.
func checkCommitted(t *testing.T, addrs []string, topic string, committed []string, n int) {
	t.Helper()
	want := map[string]bool{}
	for _, c := range committed {
		for i := 0; i < n; i++ {
			want[fmt.Sprintf("%s-%d", c, i)] = true
		}
	}
	recs := testkafka.ReadAll(t, addrs, topic, len(want), 30*time.Second, testkafka.ReadCommitted(), testkafka.QuietPeriod(300*time.Millisecond))
	seen := map[string]bool{}
	for _, r := range recs {
		v := string(r.Value)
		if !want[v] {
			t.Fatalf("read_committed reader saw %q, which is not from a committed transaction", v)
		}
		if seen[v] {
			t.Fatalf("duplicate %q", v)
		}
		seen[v] = true
		if !r.Transactional {
			t.Fatalf("record %q not in a transactional batch", v)
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("read %d committed records, want %d", len(seen), len(want))
	}
}

func TestTxnCommitAndAbortKfake(t *testing.T) {
	bothTxnProtocols(t, func(t *testing.T, v2 bool) {
		_, addrs := testkafka.StartKfake(t, 3, kfake.SeedTopics(6, "txn"))
		_, p := txnProducerV(t, addrs, "tx-commit-abort", kafka.ProducerConfig{}, v2)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var committed []string
		for i := 0; i < 6; i++ {
			name := fmt.Sprint("t", i)
			fail := i%2 == 1
			err := p.Transaction(ctx, func(tx *kafka.Txn) error {
				if _, err := tx.Send(ctx, "txn", txnMsgs(name, 100)...); err != nil {
					return err
				}
				if fail {
					return errors.New("user abort")
				}
				return nil
			})
			if fail {
				if err == nil || err.Error() != "user abort" {
					t.Fatalf("txn %d: got %v, want the function's error", i, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("txn %d: %v", i, err)
			}
			committed = append(committed, name)
		}
		// A panic aborts too, and is re-raised.
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("panic not re-raised")
				}
			}()
			p.Transaction(ctx, func(tx *kafka.Txn) error {
				tx.SendAsync("txn", txnMsgs("panic", 10)...)
				panic("boom")
			})
		}()
		if err := p.Close(ctx); err != nil {
			t.Fatal(err)
		}
		checkCommitted(t, addrs, "txn", committed, 100)
	})
}

func TestTxnSendOutsideTransaction(t *testing.T) {
	_, addrs := testkafka.StartKfake(t, 1, kfake.SeedTopics(1, "txn"))
	_, p := txnProducer(t, addrs, "tx-outside", kafka.ProducerConfig{})
	_, err := p.Send(context.Background(), "txn", kafka.Message{Value: []byte("x")})
	var ie *kafka.InvalidTxnStateError
	if !errors.As(err, &ie) {
		t.Fatalf("got %v, want *InvalidTxnStateError", err)
	}
}

func TestTxnFencedBySecondProducer(t *testing.T) {
	bothTxnProtocols(t, func(t *testing.T, v2 bool) {
		_, addrs := testkafka.StartKfake(t, 1, kfake.SeedTopics(3, "txn"))
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, p1 := txnProducerV(t, addrs, "tx-fence", kafka.ProducerConfig{}, v2)
		if err := p1.Transaction(ctx, func(tx *kafka.Txn) error {
			_, err := tx.Send(ctx, "txn", txnMsgs("a", 10)...)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, p2 := txnProducerV(t, addrs, "tx-fence", kafka.ProducerConfig{}, v2)
		if err := p2.Transaction(ctx, func(tx *kafka.Txn) error {
			_, err := tx.Send(ctx, "txn", txnMsgs("b", 10)...)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		err := p1.Transaction(ctx, func(tx *kafka.Txn) error {
			_, err := tx.Send(ctx, "txn", txnMsgs("c", 10)...)
			return err
		})
		var fe *kafka.ProducerFencedError
		if !errors.As(err, &fe) || kafka.ClassifyTxnError(err) != kafka.TxnFatal {
			t.Fatalf("fenced producer got %v, want *ProducerFencedError (fatal)", err)
		}
		checkCommitted(t, addrs, "txn", []string{"a", "b"}, 10)
	})
}

func TestTxnRetriesCoordinatorErrors(t *testing.T) {
	bothTxnProtocols(t, func(t *testing.T, v2 bool) {
		c, addrs := testkafka.StartKfake(t, 3, kfake.SeedTopics(6, "txn"))
		_, p := txnProducerV(t, addrs, "tx-coord", kafka.ProducerConfig{}, v2)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// V1 adds partitions with AddPartitionsToTxn; V2's Produce adds
		// them and can get the same answer while the previous
		// transaction's markers are written.
		c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.AddPartitionsToTxn}, Err: kerr.ConcurrentTransactions, Count: 3})
		c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "txn", Err: kerr.ConcurrentTransactions, Count: 3})
		c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.EndTxn}, Err: kerr.NotCoordinator, TopLevel: true, Count: 2})
		c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.EndTxn}, Err: kerr.ConcurrentTransactions, TopLevel: true, Count: 1})
		for i := 0; i < 3; i++ {
			if err := p.Transaction(ctx, func(tx *kafka.Txn) error {
				_, err := tx.Send(ctx, "txn", txnMsgs(fmt.Sprint("c", i), 200)...)
				return err
			}); err != nil {
				t.Fatalf("txn %d: %v", i, err)
			}
			if i == 0 {
				c.RehashCoordinators() // the coordinator moves between transactions
			}
		}
		checkCommitted(t, addrs, "txn", []string{"c0", "c1", "c2"}, 200)
	})
}

func TestTxnTimeoutAborts(t *testing.T) {
	bothTxnProtocols(t, func(t *testing.T, v2 bool) {
		_, addrs := testkafka.StartKfake(t, 1, kfake.SeedTopics(1, "txn"))
		_, p := txnProducerV(t, addrs, "tx-timeout", kafka.ProducerConfig{TransactionTimeout: 300 * time.Millisecond}, v2)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := p.Transaction(ctx, func(tx *kafka.Txn) error {
			tx.SendAsync("txn", txnMsgs("slow", 5)...)
			time.Sleep(500 * time.Millisecond)
			return nil
		})
		if err == nil {
			t.Fatal("a transaction longer than TransactionTimeout committed")
		}
		if err := p.Transaction(ctx, func(tx *kafka.Txn) error {
			_, err := tx.Send(ctx, "txn", txnMsgs("fast", 5)...)
			return err
		}); err != nil {
			t.Fatalf("next transaction: %v", err)
		}
		checkCommitted(t, addrs, "txn", []string{"fast"}, 5)
	})
}

func TestTxnSendOffsetsKfake(t *testing.T) {
	bothTxnProtocols(t, func(t *testing.T, v2 bool) {
		_, addrs := testkafka.StartKfake(t, 1, kfake.SeedTopics(2, "txn", "in"))
		_, p := txnProducerV(t, addrs, "tx-offsets", kafka.ProducerConfig{}, v2)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := p.Transaction(ctx, func(tx *kafka.Txn) error {
			if _, err := tx.Send(ctx, "txn", txnMsgs("o", 10)...); err != nil {
				return err
			}
			return tx.SendOffsets(ctx, kafka.GroupMetadata{GroupID: "g1"}, map[string]map[int32]int64{"in": {0: 42, 1: 7}})
		}); err != nil {
			t.Fatal(err)
		}
		got := testkafka.CommittedOffsets(t, addrs, "g1")
		if got["in"][0] != 42 || got["in"][1] != 7 {
			t.Fatalf("group offsets %v, want in[0]=42 in[1]=7", got)
		}
	})
}

// TestTxnConcurrentCallsRunInOrder starts Transaction calls while one is
// running; they must run one at a time, in the order they were made.
func TestTxnConcurrentCallsRunInOrder(t *testing.T) {
	_, addrs := testkafka.StartKfake(t, 1, kfake.SeedTopics(1, "txn"))
	_, p := txnProducer(t, addrs, "tx-fifo", kafka.ProducerConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var mu sync.Mutex
	var order []int
	running := 0
	release := make(chan struct{})
	errs := make(chan error, 6)
	call := func(i int) {
		errs <- p.Transaction(ctx, func(tx *kafka.Txn) error {
			mu.Lock()
			running++
			if running > 1 {
				mu.Unlock()
				return errors.New("two transactions ran at once")
			}
			order = append(order, i)
			mu.Unlock()
			if i == 0 {
				<-release
			}
			_, err := tx.Send(ctx, "txn", txnMsgs(fmt.Sprint("f", i), 3)...)
			mu.Lock()
			running--
			mu.Unlock()
			return err
		})
	}
	go call(0)
	for { // wait until the first transaction runs
		mu.Lock()
		n := len(order)
		mu.Unlock()
		if n == 1 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	for i := 1; i < 6; i++ {
		go call(i)
		time.Sleep(20 * time.Millisecond) // make the arrival order certain
	}
	close(release)
	for i := 0; i < 6; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for i, got := range order {
		if got != i {
			t.Fatalf("transactions ran in order %v, want 0..5", order)
		}
	}
	checkCommitted(t, addrs, "txn", []string{"f0", "f1", "f2", "f3", "f4", "f5"}, 3)
}
