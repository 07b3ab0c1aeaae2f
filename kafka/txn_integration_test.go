package kafka_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestRealBrokerTransactions commits 10 and aborts 10 transactions of 1,000
// records over 6 partitions, with transactions V2 (KIP-890, the default
// against Kafka 4.x) and forced V1; read_committed readers (franz-go and
// kcat) must see exactly the committed ones. The requests on the wire and
// the epoch after each transaction show which protocol ran.
func TestRealBrokerTransactions(t *testing.T) {
	for _, v2 := range []bool{true, false} {
		t.Run(txnProtoName(v2), func(t *testing.T) { testRealBrokerTransactions(t, v2) })
	}
}

func txnProtoName(v2 bool) string {
	if v2 {
		return "v2"
	}
	return "v1"
}

// protoLog counts the requests a client writes, by API key and version.
type protoLog struct {
	mu sync.Mutex
	n  map[[2]int16]int
}

func (l *protoLog) hook(key, version int16) {
	l.mu.Lock()
	if l.n == nil {
		l.n = map[[2]int16]int{}
	}
	l.n[[2]int16{key, version}]++
	l.mu.Unlock()
}

// count returns how many requests of key had a version in [lo, hi].
func (l *protoLog) count(key, lo, hi int16) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for kv, c := range l.n {
		if kv[0] == key && kv[1] >= lo && kv[1] <= hi {
			n += c
		}
	}
	return n
}

// API keys of the transactional requests.
const (
	keyProduce, keyAddPartitionsToTxn, keyAddOffsetsToTxn, keyEndTxn, keyTxnOffsetCommit = 0, 24, 25, 26, 28
)

// checkTxnProtocol checks that only the requests and versions of one
// transaction protocol were used.
func checkTxnProtocol(t *testing.T, l *protoLog, v2, offsets bool) {
	t.Helper()
	type rule struct {
		what   string
		key    int16
		lo, hi int16
		want   func(int) bool
	}
	none, some := func(n int) bool { return n == 0 }, func(n int) bool { return n > 0 }
	rules := []rule{
		{"Produce v12+", keyProduce, 12, 99, some},
		{"Produce below v12", keyProduce, 0, 11, none},
		{"AddPartitionsToTxn", keyAddPartitionsToTxn, 0, 99, none},
		{"AddOffsetsToTxn", keyAddOffsetsToTxn, 0, 99, none},
		{"EndTxn v5", keyEndTxn, 5, 99, some},
		{"EndTxn below v5", keyEndTxn, 0, 4, none},
	}
	if offsets {
		rules = append(rules, rule{"TxnOffsetCommit v5", keyTxnOffsetCommit, 5, 99, some}, rule{"TxnOffsetCommit below v5", keyTxnOffsetCommit, 0, 4, none})
	}
	if !v2 {
		rules = []rule{
			{"Produce v12+", keyProduce, 12, 99, none},
			{"Produce up to v11", keyProduce, 0, 11, some},
			{"AddPartitionsToTxn", keyAddPartitionsToTxn, 0, 99, some},
			{"EndTxn v5", keyEndTxn, 5, 99, none},
			{"EndTxn up to v4", keyEndTxn, 0, 4, some},
		}
		if offsets {
			rules = append(rules, rule{"AddOffsetsToTxn", keyAddOffsetsToTxn, 0, 99, some},
				rule{"TxnOffsetCommit v5", keyTxnOffsetCommit, 5, 99, none}, rule{"TxnOffsetCommit up to v4", keyTxnOffsetCommit, 0, 4, some})
		}
	}
	for _, r := range rules {
		if n := l.count(r.key, r.lo, r.hi); !r.want(n) {
			t.Errorf("transactions %s: %d %s requests", txnProtoName(v2), n, r.what)
		}
	}
}

// realTxnProducer is a transactional producer on the real broker, using
// transactions V2 if v2 (and the broker supports it), else V1; log, when
// not nil, records its requests.
func realTxnProducer(t *testing.T, brokers []string, id string, v2 bool, log *protoLog) *kafka.Producer {
	t.Helper()
	ccfg := kafka.ClientConfig{Brokers: brokers}
	if log != nil {
		kafka.SetRequestHookForTest(&ccfg, log.hook)
	}
	cl, err := kafka.NewClient(ccfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close() })
	p, err := cl.Producer(kafka.ProducerConfig{TransactionalID: id})
	if err != nil {
		t.Fatal(err)
	}
	if !v2 {
		kafka.ForceTxnV1ForTest(p)
	}
	return p
}

func testRealBrokerTransactions(t *testing.T, v2 bool) {
	brokers := testkafka.Brokers(t)
	topic := testkafka.TopicName(t, "txn")
	testkafka.CreateTopic(t, brokers, topic, 6, nil)
	var log protoLog
	p := realTxnProducer(t, brokers, "it-"+topic, v2, &log)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var committed []string
	var lastPID int64
	var lastEpoch int16
	for i := 0; i < 20; i++ {
		name := fmt.Sprint("txn", i)
		abort := i%2 == 1
		err := p.Transaction(ctx, func(tx *kafka.Txn) error {
			if _, err := tx.Send(ctx, topic, txnMsgs(name, 1000)...); err != nil {
				return err
			}
			if abort {
				return errAbortOnPurpose
			}
			return nil
		})
		if abort != (err != nil) {
			t.Fatalf("transaction %d (abort=%v): %v", i, abort, err)
		}
		if !abort {
			committed = append(committed, name)
		}
		// V2 bumps the epoch at every EndTxn, V1 keeps it.
		pid, epoch := kafka.ProducerIDForTest(p)
		if i > 0 {
			if want := lastEpoch + int16(txnBool(v2)); pid != lastPID || epoch != want {
				t.Fatalf("after transaction %d: producer %d epoch %d, want producer %d epoch %d", i, pid, epoch, lastPID, want)
			}
		}
		lastPID, lastEpoch = pid, epoch
	}
	p.Close(ctx)
	checkTxnProtocol(t, &log, v2, false)
	checkCommitted(t, brokers, topic, committed, 1000)
	kc := testkafka.ReadAllKcat(t, brokers[0], topic, 10*1000, "-X", "isolation.level=read_committed")
	if len(kc) != 10*1000 {
		t.Fatalf("kcat read_committed saw %d records, want %d", len(kc), 10*1000)
	}
	for _, r := range kc {
		var name string
		var n int
		if _, err := fmt.Sscanf(string(r.Value), "txn%d-%d", new(int), &n); err != nil {
			t.Fatalf("kcat: unexpected value %q", r.Value)
		}
		name = string(r.Value[:len(r.Value)-len(fmt.Sprint(n))-1])
		ok := false
		for _, c := range committed {
			ok = ok || c == name
		}
		if !ok {
			t.Fatalf("kcat read_committed saw %q from an aborted transaction", r.Value)
		}
	}
}

var errAbortOnPurpose = fmt.Errorf("abort on purpose")

func txnBool(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestRealBrokerConsumeTransformProduce consumes an input topic with a
// group, writes upper-cased copies in transactions together with the
// group's offsets, and checks the committed offsets match what was read.
func TestRealBrokerConsumeTransformProduce(t *testing.T) {
	for _, v2 := range []bool{true, false} {
		t.Run(txnProtoName(v2), func(t *testing.T) { testRealBrokerConsumeTransformProduce(t, v2) })
	}
}

func testRealBrokerConsumeTransformProduce(t *testing.T, v2 bool) {
	brokers := testkafka.Brokers(t)
	in := testkafka.TopicName(t, "ctp-in")
	out := testkafka.TopicName(t, "ctp-out")
	testkafka.CreateTopic(t, brokers, in, 3, nil)
	testkafka.CreateTopic(t, brokers, out, 3, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	seed := testkafka.NewClient(t, brokers)
	for i := 0; i < 300; i++ {
		if err := seed.ProduceSync(ctx, &kgo.Record{Topic: in, Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprint("m", i))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	group := "ctp-" + in
	consumer := testkafka.NewClient(t, brokers, kgo.ConsumeTopics(in), kgo.ConsumerGroup(group),
		kgo.DisableAutoCommit(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	var log protoLog
	p := realTxnProducer(t, brokers, "ctp-"+out, v2, &log)
	read := 0
	next := map[int32]int64{}
	for read < 300 {
		fetches := consumer.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("polled %d of 300: %v", read, err)
		}
		var msgs []kafka.Message
		fetches.EachRecord(func(r *kgo.Record) {
			msgs = append(msgs, kafka.Message{Key: r.Key, Value: append([]byte("T-"), r.Value...)})
			next[r.Partition] = r.Offset + 1
			read++
		})
		if len(msgs) == 0 {
			continue
		}
		offsets := map[string]map[int32]int64{in: {}}
		for part, off := range next {
			offsets[in][part] = off
		}
		meta := consumer.GroupMetadata
		_ = meta
		if err := p.Transaction(ctx, func(tx *kafka.Txn) error {
			if _, err := tx.Send(ctx, out, msgs...); err != nil {
				return err
			}
			return tx.SendOffsets(ctx, kafka.GroupMetadata{GroupID: group}, offsets)
		}); err != nil {
			t.Fatal(err)
		}
	}
	p.Close(ctx)
	consumer.Close()
	checkTxnProtocol(t, &log, v2, true)
	got := testkafka.CommittedOffsets(t, brokers, group)
	for part, off := range next {
		if got[in][part] != off {
			t.Fatalf("group %s: committed %s[%d]=%d, want %d", group, in, part, got[in][part], off)
		}
	}
	if n := len(testkafka.ReadAll(t, brokers, out, 300, time.Minute, testkafka.ReadCommitted())); n != 300 {
		t.Fatalf("output has %d committed records, want 300", n)
	}
}

// TestRealBrokerOffsetsOnlyTransaction commits a transaction that carries
// consumer offsets and no record, with both protocols: the group's offsets
// must be committed (EndTxn is due even without partitions), and an
// aborted one must leave them unchanged.
func TestRealBrokerOffsetsOnlyTransaction(t *testing.T) {
	for _, v2 := range []bool{true, false} {
		t.Run(txnProtoName(v2), func(t *testing.T) {
			brokers := testkafka.Brokers(t)
			in := testkafka.TopicName(t, "offs-in")
			testkafka.CreateTopic(t, brokers, in, 2, nil)
			p := realTxnProducer(t, brokers, "offs-"+in, v2, nil)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			group := "offs-" + in
			commit := func(offsets map[int32]int64, abort bool) {
				t.Helper()
				err := p.Transaction(ctx, func(tx *kafka.Txn) error {
					if err := tx.SendOffsets(ctx, kafka.GroupMetadata{GroupID: group}, map[string]map[int32]int64{in: offsets}); err != nil {
						return err
					}
					if abort {
						return errAbortOnPurpose
					}
					return nil
				})
				if abort != (err != nil) {
					t.Fatalf("transaction (abort=%v): %v", abort, err)
				}
			}
			commit(map[int32]int64{0: 5, 1: 9}, false)
			commit(map[int32]int64{0: 50, 1: 90}, true)
			p.Close(ctx)
			got := testkafka.CommittedOffsets(t, brokers, group)
			if got[in][0] != 5 || got[in][1] != 9 {
				t.Fatalf("group offsets %v, want %s[0]=5 %s[1]=9", got, in, in)
			}
		})
	}
}

// TestRealBrokerIdempotentSoakWithRestart restarts a broker process while
// an idempotent producer sends, then reads back: nothing lost, nothing
// duplicated, per-partition order kept. The broker is a private one that
// scripts/kafka.sh starts for this test (ports 19300-19306, a temporary run
// directory): restarting the shared broker would break the tests of other
// packages that `go test ./...` runs at the same time.
func TestRealBrokerIdempotentSoakWithRestart(t *testing.T) {
	testkafka.Brokers(t) // skips (fails under CI) when no real broker is configured
	script, _ := filepath.Abs(filepath.Join("..", "scripts", "kafka.sh"))
	env := append(os.Environ(), "KAFKA_PORT=19300", "KAFKA_RUN_DIR="+t.TempDir())
	kafkaSh := func(cmd string) {
		t.Helper()
		c := exec.Command(script, cmd)
		c.Env = env
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("kafka.sh %s: %v: %s", cmd, err, out)
		}
	}
	kafkaSh("start")
	t.Cleanup(func() { kafkaSh("stop") })
	brokers := []string{"127.0.0.1:19300"}
	topic := testkafka.TopicName(t, "soak")
	testkafka.CreateTopic(t, brokers, topic, 6, nil)
	cl, err := kafka.NewClient(kafka.ClientConfig{Brokers: brokers, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	p, err := cl.Producer(kafka.ProducerConfig{Idempotent: true, DeliveryTimeout: 3 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	const keys = 60
	var (
		mu       sync.Mutex
		pendings []*kafka.Pending
		sent     int
	)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		seq := make([]int, keys)
		for {
			select {
			case <-stop:
				return
			default:
			}
			msgs := make([]kafka.Message, keys)
			for k := range msgs {
				msgs[k] = kafka.Message{Key: []byte(fmt.Sprint("key", k)), Value: []byte(fmt.Sprint(seq[k]))}
				seq[k]++
			}
			pd := p.SendAsync(topic, msgs...)
			mu.Lock()
			pendings = append(pendings, pd)
			sent += keys
			mu.Unlock()
			time.Sleep(2 * time.Millisecond)
		}
	}()
	time.Sleep(3 * time.Second)
	t0 := time.Now()
	kafkaSh("restart")
	t.Logf("broker restarted in %v", time.Since(t0))
	time.Sleep(3 * time.Second)
	close(stop)
	<-done
	for _, pd := range pendings {
		if _, err := pd.Wait(ctx); err != nil {
			t.Fatalf("send failed: %v", err)
		}
	}
	p.Close(ctx)
	recs := testkafka.ReadAll(t, brokers, topic, sent, 2*time.Minute, testkafka.QuietPeriod(time.Second))
	next := map[string]int{}
	for _, r := range recs {
		k := string(r.Key)
		if string(r.Value) != fmt.Sprint(next[k]) {
			t.Fatalf("key %s: got %s, want %d (lost, duplicated or reordered)", k, r.Value, next[k])
		}
		next[k]++
	}
	if len(recs) != sent {
		t.Fatalf("read %d records, sent %d", len(recs), sent)
	}
	t.Logf("soak: %d records sent across a broker restart, %d read back, 0 lost, 0 duplicated, order kept for %d keys", sent, len(recs), keys)
}
