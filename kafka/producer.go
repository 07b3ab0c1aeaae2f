package kafka

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/record"
)

// Producer sends records to Kafka. Create one with Client.Producer. It is
// safe for concurrent use by many goroutines.
type Producer struct {
	cl    *Client
	cfg   ProducerConfig
	codec CompressionCodec // nil for CompressionNone

	mu      sync.Mutex // guards topics, sinks and closed; taken before no other lock
	topics  map[string]*topicState
	sinks   map[int32]*sink
	closed  bool
	closing chan struct{} // closed when Close starts
	quit    chan struct{} // closed when Close ends: stops goroutines

	flushing atomic.Int32 // > 0 while a Flush or Close wants every batch sent now
	buf      bufferLimiter
	wg       sync.WaitGroup

	idem idemState   // used when cfg.Idempotent
	txn  *txnManager // non-nil when cfg.TransactionalID is set
}

// topicState is a producer's view of one topic.
type topicState struct {
	name   string
	meta   atomic.Pointer[topicMeta]
	parts  atomic.Pointer[[]*partition] // grows when partitions are added
	sticky atomic.Int32                 // current sticky partition, -1 none
	rr     atomic.Uint32                // round-robin counter
}

// Producer returns a new producer using the client's connections.
func (cl *Client) Producer(cfg ProducerConfig) (*Producer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	p := &Producer{
		cl:      cl,
		cfg:     cfg,
		topics:  make(map[string]*topicState),
		sinks:   make(map[int32]*sink),
		closing: make(chan struct{}),
		quit:    make(chan struct{}),
	}
	if cfg.Compression != CompressionNone {
		p.codec = LookupCompressionCodec(cfg.Compression)
	}
	p.buf.init(cfg.MaxBufferedBytes, cfg.MaxBufferedRecords)
	if cfg.TransactionalID != "" {
		p.txn = newTxnManager(p)
	}
	cl.mu.Lock()
	if cl.closed {
		cl.mu.Unlock()
		return nil, ErrClientClosed
	}
	cl.producers[p] = struct{}{}
	cl.mu.Unlock()
	cl.meta.listen(p, p.onMetadata)
	p.wg.Add(1)
	go p.reaper()
	return p, nil
}

// Pending is the outcome of a SendAsync call. It is safe for concurrent use.
type Pending struct {
	topic     string
	results   []SendResult
	remaining atomic.Int32
	done      chan struct{}
}

func newPending(topic string, n int) *Pending {
	pd := &Pending{topic: topic, results: make([]SendResult, n), done: make(chan struct{})}
	pd.remaining.Store(int32(n))
	if n == 0 {
		close(pd.done)
	}
	return pd
}

// Done is closed when every record of the call has a result.
func (pd *Pending) Done() <-chan struct{} { return pd.done }

// Wait waits until every record has a result, or ctx ends. It returns the
// results in message order and, if any record failed, a *DeliveryError.
// When ctx ends first it returns ctx's error; the records stay queued and
// are still delivered.
func (pd *Pending) Wait(ctx context.Context) ([]SendResult, error) {
	select {
	case <-pd.done:
		return pd.results, deliveryError(pd.results)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (pd *Pending) resolve(i int, partition int32, offset int64, appendTime int64, err error) {
	r := &pd.results[i]
	r.Partition = partition
	r.Offset = offset
	r.Err = err
	if appendTime >= 0 && err == nil {
		r.Timestamp = time.UnixMilli(appendTime)
	}
	if pd.remaining.Add(-1) == 0 {
		close(pd.done)
	}
}

// Send queues the messages and waits until the broker acknowledged all of
// them (per Acks), or ctx ends. A record that fails does not fail the
// others: results[i].Err tells, and err is a *DeliveryError listing them.
// When ctx ends before all results are known, Send returns ctx's error and
// the queued records are still delivered.
func (p *Producer) Send(ctx context.Context, topic string, msgs ...Message) ([]SendResult, error) {
	return p.send(ctx, topic, msgs, nil).Wait(ctx)
}

// SendAsync queues the messages and returns at once (blocking only while
// the buffer is full, up to the delivery timeout). Flush or Close delivers
// them if the linger or size triggers have not yet.
func (p *Producer) SendAsync(topic string, msgs ...Message) *Pending {
	return p.send(context.Background(), topic, msgs, nil)
}

// send runs the produce path up to the accumulator. preErrs, if non-nil,
// marks records that already failed (typed-topic codecs).
func (p *Producer) send(ctx context.Context, topic string, msgs []Message, preErrs []error) *Pending {
	pd := newPending(topic, len(msgs))
	if len(msgs) == 0 {
		return pd
	}
	now := time.Now()
	nowMs := now.UnixMilli()
	deadline := now.Add(p.cfg.DeliveryTimeout)
	for i := range pd.results {
		pd.results[i] = SendResult{Topic: topic, Partition: -1, Offset: -1}
		if ts := msgs[i].Timestamp; !ts.IsZero() {
			pd.results[i].Timestamp = ts
		} else {
			pd.results[i].Timestamp = time.UnixMilli(nowMs)
		}
	}
	errs := preErrs
	failAll := func(err error) *Pending {
		for i := range msgs {
			if errs != nil && errs[i] != nil {
				pd.resolve(i, -1, -1, -1, errs[i])
			} else {
				pd.resolve(i, -1, -1, -1, err)
			}
		}
		return pd
	}
	if p.isClosed() {
		return failAll(ErrProducerClosed)
	}
	if t := p.txn; t != nil {
		t.mu.Lock()
		st := t.state
		t.mu.Unlock()
		if st != txnInProgress {
			return failAll(&InvalidTxnStateError{Op: "Send", State: st.String() + " (a transactional producer sends only inside a transaction)"})
		}
	}
	if len(p.cfg.Interceptors) > 0 {
		msgs = append([]Message(nil), msgs...) // interceptors rewrite our copy
		if errs == nil {
			errs = make([]error, len(msgs))
		}
		for _, ic := range p.cfg.Interceptors {
			runInterceptor(ic, topic, msgs, errs)
		}
	}
	ts, err := p.topicState(ctx, topic, deadline)
	if err != nil {
		return failAll(err)
	}
	parts := *ts.parts.Load()
	n := len(parts)
	var chosen []int32
	if rp, ok := p.cfg.Partitioner.(RecordPartitioner); ok {
		chosen = make([]int32, len(msgs))
		if errs == nil {
			errs = make([]error, len(msgs))
		}
		rp.PartitionRecords(topic, msgs, n, chosen, errs)
	}
	_, roundRobin := p.cfg.Partitioner.(*roundRobinPartitioner)
	for i := range msgs {
		m := &msgs[i]
		if errs != nil && errs[i] != nil {
			pd.resolve(i, -1, -1, -1, errs[i])
			continue
		}
		var part int32
		switch {
		case m.Partition != nil:
			part = *m.Partition
		case chosen != nil:
			part = chosen[i]
		case roundRobin:
			part = int32((ts.rr.Add(1) - 1) % uint32(n))
		default:
			part = int32(p.cfg.Partitioner.Partition(topic, m.Key, m.Value, n))
		}
		if part == -1 && m.Partition == nil {
			part = p.stickyFor(ts, parts, m)
		}
		if part < 0 || int(part) >= n {
			pd.resolve(i, part, -1, -1, &EncodeError{Topic: topic, Index: i, Stage: "partitioner",
				Err: fmt.Errorf("partition %d out of range [0, %d)", part, n)})
			continue
		}
		tsMs := nowMs
		if !m.Timestamp.IsZero() {
			tsMs = m.Timestamp.UnixMilli()
		}
		p.append(ctx, parts[part], m, tsMs, pd, i, deadline)
	}
	return pd
}

// stickyPartition returns the topic's current sticky partition, choosing
// one at random if there is none.
func (ts *topicState) stickyPartition(n int) int32 {
	if s := ts.sticky.Load(); s >= 0 && int(s) < n {
		return s
	}
	s := int32(rand.IntN(n))
	if ts.sticky.CompareAndSwap(-1, s) {
		return s
	}
	if cur := ts.sticky.Load(); cur >= 0 && int(cur) < n {
		return cur
	}
	ts.sticky.Store(s)
	return s
}

// stickyFor returns the sticky partition for a keyless record. If the
// record would not fit in the sticky partition's open batch, that batch is
// closed and the sticky partition moves on first, so the record starts the
// next partition's batch instead of a one-record batch left behind
// (KIP-480).
func (p *Producer) stickyFor(ts *topicState, parts []*partition, m *Message) int32 {
	n := len(parts)
	part := ts.stickyPartition(n)
	size := record.RecordSize(0, 0, m.Key, m.Value, recordHeaders(m.Headers)) + 13
	pt := parts[part]
	pt.mu.Lock()
	overflow := pt.open != nil && pt.open.builder.Count() > 0 && pt.open.builder.Size()+size > p.cfg.MaxBatchBytes
	if overflow {
		p.closeOpen(pt)
	}
	s := pt.sink
	pt.mu.Unlock()
	if !overflow {
		return part
	}
	if s != nil {
		s.wake()
	}
	ts.batchClosed(part, n)
	return ts.stickyPartition(n)
}

// batchClosed moves the sticky partition on when its batch completes, so
// keyless records fill one batch at a time and spread uniformly over time.
func (ts *topicState) batchClosed(part int32, n int) {
	if n <= 1 || ts.sticky.Load() != part {
		return
	}
	next := int32(rand.IntN(n - 1))
	if next >= part {
		next++
	}
	ts.sticky.CompareAndSwap(part, next)
}

func (p *Producer) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// topicState returns the producer's state for topic, fetching metadata
// (which auto-creates the topic where the broker allows it) until the topic
// has partitions, ctx ends or the delivery deadline passes.
func (p *Producer) topicState(ctx context.Context, topic string, deadline time.Time) (*topicState, error) {
	p.mu.Lock()
	ts := p.topics[topic]
	p.mu.Unlock()
	if ts != nil {
		return ts, nil
	}
	backoff := 10 * time.Millisecond
	var lastErr error
	for {
		rctx, cancel := context.WithDeadline(ctx, deadline)
		err := p.cl.meta.refresh(rctx, []string{topic})
		cancel()
		if err == nil {
			tm := p.cl.meta.topic(topic)
			switch {
			case tm == nil:
				lastErr = ErrUnknownTopicOrPartition
			case tm.err != nil:
				lastErr = tm.err
				var ke *Error
				if errors.As(tm.err, &ke) && !ke.Retriable() {
					return nil, fmt.Errorf("kafka: topic %q: %w", topic, tm.err)
				}
			case len(tm.partitions) == 0:
				lastErr = ErrUnknownTopicOrPartition
			default:
				return p.addTopic(topic, tm), nil
			}
		} else {
			if permanentDialError(err) {
				return nil, err
			}
			// A refresh cut short by the deadline says less than the
			// answer before it (e.g. UNKNOWN_TOPIC_OR_PARTITION).
			if lastErr == nil || !errors.Is(err, context.DeadlineExceeded) {
				lastErr = err
			}
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("kafka: waiting for metadata of topic %q: %w (last error: %v)", topic, ctx.Err(), lastErr)
		}
		if time.Now().Add(backoff).After(deadline) {
			return nil, &SendTimeoutError{Topic: topic, Partition: -1, Timeout: p.cfg.DeliveryTimeout, Cause: lastErr}
		}
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		case <-p.closing:
			return nil, ErrProducerClosed
		}
		backoff = min(backoff*2, p.cfg.MaxRetryBackoff)
	}
}

// addTopic creates the topic's state from its first metadata.
func (p *Producer) addTopic(name string, tm *topicMeta) *topicState {
	p.mu.Lock()
	if ts := p.topics[name]; ts != nil {
		p.mu.Unlock()
		return ts
	}
	ts := &topicState{name: name}
	ts.sticky.Store(-1)
	ts.meta.Store(tm)
	parts := make([]*partition, len(tm.partitions))
	for i := range parts {
		parts[i] = &partition{topic: ts, index: int32(i), leader: -1}
	}
	ts.parts.Store(&parts)
	p.topics[name] = ts
	p.mu.Unlock()
	p.routeTopic(ts, tm)
	return ts
}

// onMetadata re-routes partitions after a metadata update.
func (p *Producer) onMetadata() {
	p.mu.Lock()
	topics := make([]*topicState, 0, len(p.topics))
	for _, ts := range p.topics {
		topics = append(topics, ts)
	}
	p.mu.Unlock()
	for _, ts := range topics {
		tm := p.cl.meta.topic(ts.name)
		if tm == nil || tm.err != nil || len(tm.partitions) == 0 {
			continue
		}
		ts.meta.Store(tm)
		if old := *ts.parts.Load(); len(tm.partitions) > len(old) {
			grown := append(append([]*partition(nil), old...), make([]*partition, len(tm.partitions)-len(old))...)
			for i := len(old); i < len(grown); i++ {
				grown[i] = &partition{topic: ts, index: int32(i), leader: -1}
			}
			ts.parts.Store(&grown)
		}
		p.routeTopic(ts, tm)
	}
}

// routeTopic attaches every partition of ts to the sink of its leader.
func (p *Producer) routeTopic(ts *topicState, tm *topicMeta) {
	parts := *ts.parts.Load()
	for i, pm := range tm.partitions {
		if i >= len(parts) {
			break
		}
		pt := parts[i]
		pt.mu.Lock()
		if pt.leader == pm.leader && (pt.sink != nil || pm.leader < 0) {
			pt.mu.Unlock()
			continue
		}
		old := pt.sink
		var ns *sink
		if pm.leader >= 0 {
			ns = p.sinkFor(pm.leader)
		}
		pt.leader = pm.leader
		pt.sink = ns
		pt.mu.Unlock()
		if old != nil {
			old.remove(pt)
		}
		if ns != nil {
			ns.add(pt)
			ns.wake()
		}
	}
}

// sinkFor returns the sink of broker id, starting it if needed.
func (p *Producer) sinkFor(id int32) *sink {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.sinks[id]
	if s == nil {
		s = newSink(p, id)
		p.sinks[id] = s
		if !p.closed || p.flushing.Load() > 0 {
			p.wg.Add(1)
			go s.run()
		}
	}
	return s
}

func (p *Producer) allSinks() []*sink {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]*sink, 0, len(p.sinks))
	for _, s := range p.sinks {
		out = append(out, s)
	}
	return out
}

func (p *Producer) allPartitions() []*partition {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*partition
	for _, ts := range p.topics {
		out = append(out, *ts.parts.Load()...)
	}
	return out
}

// Flush sends every queued record now and waits until all records queued
// before the call have a result, or ctx ends.
func (p *Producer) Flush(ctx context.Context) error {
	if p.isClosed() {
		return ErrProducerClosed
	}
	return p.flush(ctx)
}

func (p *Producer) flush(ctx context.Context) error {
	p.flushing.Add(1)
	defer p.flushing.Add(-1)
	var waits []<-chan struct{}
	for _, pt := range p.allPartitions() {
		pt.mu.Lock()
		if pt.open != nil {
			waits = append(waits, pt.open.done)
		}
		for _, b := range pt.ready {
			waits = append(waits, b.done)
		}
		for _, b := range pt.inflight {
			waits = append(waits, b.done)
		}
		pt.mu.Unlock()
	}
	for _, s := range p.allSinks() {
		s.wake()
	}
	for _, ch := range waits {
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Close stops accepting records (later sends fail with ErrProducerClosed),
// flushes everything queued and waits for it until ctx ends; records still
// undelivered then fail with ErrProducerClosed. It returns ctx's error if
// the flush did not complete. A transaction still open is aborted (its
// unsent records fail with ErrTxnAborted). Close is idempotent.
func (p *Producer) Close(ctx context.Context) error {
	if t := p.txn; t != nil {
		t.mu.Lock()
		open := t.state == txnInProgress
		t.mu.Unlock()
		if open {
			if err := p.AbortTransaction(ctx); err != nil {
				p.cl.cfg.Logger.Warn("kafka: aborting the open transaction on Close failed", "err", err)
			}
		}
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.quit
		return nil
	}
	p.closed = true
	close(p.closing)
	p.mu.Unlock()
	p.buf.wakeAll()
	err := p.flush(ctx)
	close(p.quit)
	for _, s := range p.allSinks() {
		s.wake()
	}
	p.wg.Wait()
	// Whatever is left (Close gave up) fails now.
	for _, pt := range p.allPartitions() {
		pt.mu.Lock()
		var left []*batch
		if pt.open != nil {
			left = append(left, pt.open)
			pt.open = nil
		}
		left = append(left, pt.ready...)
		left = append(left, pt.inflight...)
		pt.ready, pt.inflight = nil, nil
		pt.mu.Unlock()
		for _, b := range left {
			p.failBatch(b, ErrProducerClosed)
		}
	}
	p.cl.meta.listen(p, nil)
	p.cl.mu.Lock()
	delete(p.cl.producers, p)
	p.cl.mu.Unlock()
	return err
}

// reaper fails batches that outlived the delivery timeout while waiting to
// be sent (for example while their leader is unreachable).
func (p *Producer) reaper() {
	defer p.wg.Done()
	tick := min(p.cfg.DeliveryTimeout/20, 100*time.Millisecond)
	t := time.NewTicker(max(tick, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case now := <-t.C:
			orphans := false
			for _, pt := range p.allPartitions() {
				if p.expire(pt, now) {
					orphans = true
				}
			}
			if orphans {
				// Records wait for a partition without a known leader:
				// keep asking until the cluster elects one.
				p.cl.meta.trigger()
			}
			if p.cfg.Idempotent {
				p.maybeBump()
			}
		}
	}
}

// expire fails the queued (not in-flight) batches of pt whose deadline
// passed (a retried batch may be older than the open one, so it checks
// them all). It reports whether pt holds records but has no leader.
func (p *Producer) expire(pt *partition, now time.Time) (orphan bool) {
	pt.mu.Lock()
	orphan = pt.sink == nil && (pt.open != nil || len(pt.ready) > 0)
	var dead []*batch
	keep := pt.ready[:0]
	for _, b := range pt.ready {
		if now.After(p.giveUpAt(b)) {
			dead = append(dead, b)
		} else {
			keep = append(keep, b)
		}
	}
	for i := len(keep); i < len(pt.ready); i++ {
		pt.ready[i] = nil
	}
	pt.ready = keep
	if pt.open != nil && now.After(pt.open.deadline) {
		dead = append(dead, pt.open)
		pt.open = nil
	}
	var lastErr error
	if pt.sink != nil {
		lastErr = pt.sink.lastError()
	}
	pt.mu.Unlock()
	gap := false
	for _, b := range dead {
		cause := b.lastErr
		if cause == nil {
			cause = lastErr
		}
		gap = gap || b.seq >= 0
		p.failBatch(b, &SendTimeoutError{Topic: pt.topic.name, Partition: pt.index, Timeout: p.cfg.DeliveryTimeout, Cause: cause, MaybeWritten: b.maybeWritten})
	}
	if gap && p.cfg.Idempotent {
		p.requestBump(errors.New("a batch with a sequence number expired"))
	}
	return orphan
}
