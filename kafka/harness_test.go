package kafka_test

// Shared helpers of the kfake-based producer tests: a cluster, a client and a
// producer closed at cleanup, a Produce observer built on kfake's ControlKey,
// and a connection wrapper that counts Produce requests in flight.

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

var kerrNotLeader = kerr.NotLeaderForPartition

// testTimeout bounds every Send/Flush/ReadAll of a test: a producer that
// hangs fails the test instead of the whole run.
const testTimeout = 20 * time.Second

// quietLogger discards the client's logs, unless KAFKAWASM_TEST_DEBUG=1 asks
// for debug logs on stderr.
func quietLogger() *slog.Logger {
	if os.Getenv("KAFKAWASM_TEST_DEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startCluster starts a kfake cluster of n brokers with one topic of
// `partitions` partitions.
func startCluster(t *testing.T, n int, topic string, partitions int32, opts ...kfake.Opt) (*kfake.Cluster, []string) {
	t.Helper()
	if topic != "" {
		opts = append([]kfake.Opt{kfake.SeedTopics(partitions, topic)}, opts...)
	}
	return testkafka.StartKfake(t, n, opts...)
}

// newClient returns a client for addrs, closed at cleanup.
func newClient(t *testing.T, addrs []string, mods ...func(*kafka.ClientConfig)) *kafka.Client {
	t.Helper()
	cfg := kafka.ClientConfig{ClientID: "kafka-test", Brokers: addrs, Logger: quietLogger()}
	for _, m := range mods {
		m(&cfg)
	}
	cl, err := kafka.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { cl.Close() })
	return cl
}

// newProducer returns a producer, closed (without waiting long) at cleanup.
func newProducer(t *testing.T, cl *kafka.Client, cfg kafka.ProducerConfig) *kafka.Producer {
	t.Helper()
	p, err := cl.Producer(cfg)
	if err != nil {
		t.Fatalf("Producer(%+v): %v", cfg, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		p.Close(ctx)
	})
	return p
}

// clusterAndProducer is startCluster + newClient + newProducer.
func clusterAndProducer(t *testing.T, topic string, partitions int32, cfg kafka.ProducerConfig, opts ...kfake.Opt) (*kfake.Cluster, []string, *kafka.Producer) {
	t.Helper()
	c, addrs := startCluster(t, 1, topic, partitions, opts...)
	return c, addrs, newProducer(t, newClient(t, addrs), cfg)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// seqMessages returns n messages with values "prefix-0000" ... and, if
// keyed, keys "k<i%keys>".
func seqMessages(prefix string, n int, keys int) []kafka.Message {
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i].Value = fmt.Appendf(nil, "%s-%05d", prefix, i)
		if keys > 0 {
			msgs[i].Key = fmt.Appendf(nil, "k%d", i%keys)
		}
	}
	return msgs
}

// mustSend sends msgs and fails the test on any error.
func mustSend(t *testing.T, p *kafka.Producer, topic string, msgs ...kafka.Message) []kafka.SendResult {
	t.Helper()
	res, err := p.Send(testCtx(t), topic, msgs...)
	if err != nil {
		t.Fatalf("Send(%s, %d msgs): %v", topic, len(msgs), err)
	}
	if len(res) != len(msgs) {
		t.Fatalf("Send returned %d results for %d messages", len(res), len(msgs))
	}
	return res
}

// readBack reads want records of topic back with franz-go, with a short
// quiet period after want is reached so that duplicates show up.
func readBack(t *testing.T, addrs []string, topic string, want int) []testkafka.Record {
	t.Helper()
	return testkafka.ReadAll(t, addrs, topic, want, testTimeout, testkafka.QuietPeriod(300*time.Millisecond))
}

// produceReq is what the observer saw of one Produce request.
type produceReq struct {
	at         time.Time
	node       int32
	acks       int16
	timeoutMs  int32
	version    int16
	partitions []int32 // partition indexes, in request order
	records    []int   // records per partition (NumRecords of each batch)
	attrs      []int16 // batch attributes per partition
}

func (r produceReq) totalRecords() int {
	n := 0
	for _, c := range r.records {
		n += c
	}
	return n
}

// produceObserver records every Produce request kfake receives, without
// answering it (its control returns handled=false).
type produceObserver struct {
	mu   sync.Mutex
	reqs []produceReq
}

// observeProduce installs a Produce observer on c. Install it before any
// answering control so that it sees every request (controls run in FIFO
// order).
func observeProduce(c *kfake.Cluster) *produceObserver {
	o := &produceObserver{}
	c.ControlKey(int16(kmsg.Produce), func(kr kmsg.Request) (kmsg.Response, error, bool) {
		req := kr.(*kmsg.ProduceRequest)
		pr := produceReq{at: time.Now(), node: c.CurrentNode(), acks: req.Acks, timeoutMs: req.TimeoutMillis, version: req.Version}
		for _, tp := range req.Topics {
			for _, p := range tp.Partitions {
				pr.partitions = append(pr.partitions, p.Partition)
				var b kmsg.RecordBatch
				if err := b.ReadFrom(p.Records); err == nil {
					pr.records = append(pr.records, int(b.NumRecords))
					pr.attrs = append(pr.attrs, b.Attributes)
				} else {
					pr.records = append(pr.records, -1)
					pr.attrs = append(pr.attrs, -1)
				}
			}
		}
		o.mu.Lock()
		o.reqs = append(o.reqs, pr)
		o.mu.Unlock()
		return nil, nil, false
	})
	return o
}

func (o *produceObserver) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.reqs)
}

func (o *produceObserver) all() []produceReq {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]produceReq(nil), o.reqs...)
}

// waitFor polls cond every 5ms until it is true or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// isDone reports whether a Pending has all its results, without waiting.
func isDone(pd *kafka.Pending) bool {
	select {
	case <-pd.Done():
		return true
	default:
		return false
	}
}

// produceResponse answers every partition of req with errCode (a handled
// control's response).
func produceResponse(req *kmsg.ProduceRequest, errCode int16) *kmsg.ProduceResponse {
	resp := req.ResponseKind().(*kmsg.ProduceResponse)
	for _, rt := range req.Topics {
		st := kmsg.NewProduceResponseTopic()
		st.Topic = rt.Topic
		st.TopicID = rt.TopicID
		for _, rp := range rt.Partitions {
			sp := kmsg.NewProduceResponseTopicPartition()
			sp.Partition = rp.Partition
			sp.ErrorCode = errCode
			sp.LogAppendTime = -1
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp
}

// inflightCounter wraps the client's connections (ClientConfig.Dial) and
// tracks, per connection, the Produce requests written whose responses have
// not been read yet.
type inflightCounter struct {
	mu      sync.Mutex
	max     int // highest number of Produce requests outstanding on one conn
	written int // Produce requests written, all connections
	cur     map[*countingConn]int
}

func newInflightCounter() *inflightCounter {
	return &inflightCounter{cur: make(map[*countingConn]int)}
}

func (ic *inflightCounter) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: nc, ic: ic, produce: make(map[int32]bool)}, nil
}

func (ic *inflightCounter) snapshot() (max, written, outstanding int) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	for _, n := range ic.cur {
		outstanding += n
	}
	return ic.max, ic.written, outstanding
}

type countingConn struct {
	net.Conn
	ic *inflightCounter

	wbuf, rbuf []byte // partial frames; guarded by ic.mu
	produce    map[int32]bool
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.ic.mu.Lock()
	c.wbuf = append(c.wbuf, b...)
	for len(c.wbuf) >= 4 {
		n := int(binary.BigEndian.Uint32(c.wbuf))
		if len(c.wbuf) < 4+n {
			break
		}
		frame := c.wbuf[4 : 4+n]
		key := int16(binary.BigEndian.Uint16(frame[0:2]))
		corr := int32(binary.BigEndian.Uint32(frame[4:8]))
		if key == int16(kmsg.Produce) {
			c.produce[corr] = true
			c.ic.written++
			c.ic.cur[c]++
			c.ic.max = max(c.ic.max, c.ic.cur[c])
		}
		c.wbuf = c.wbuf[4+n:]
	}
	c.ic.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *countingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.ic.mu.Lock()
	c.rbuf = append(c.rbuf, b[:n]...)
	for len(c.rbuf) >= 8 {
		size := int(binary.BigEndian.Uint32(c.rbuf))
		if len(c.rbuf) < 4+size {
			break
		}
		corr := int32(binary.BigEndian.Uint32(c.rbuf[4:8]))
		if c.produce[corr] {
			delete(c.produce, corr)
			c.ic.cur[c]--
		}
		c.rbuf = c.rbuf[4+size:]
	}
	c.ic.mu.Unlock()
	return n, err
}

func (c *countingConn) Close() error {
	c.ic.mu.Lock()
	delete(c.ic.cur, c) // its requests are no longer in flight
	c.ic.mu.Unlock()
	return c.Conn.Close()
}
