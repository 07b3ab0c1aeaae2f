package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/kafkawasm/kafkawasm/internal/record"
)

// recordOverhead is the fixed size of a record batch header.
const recordOverhead = 61

// partition is a producer's queue for one topic partition.
//
// Batches move open → ready → inflight → done. Order is kept by sending
// only the head of ready, and (without idempotence) only while nothing is
// in flight; a batch that is retried goes back to the head of ready.
type partition struct {
	topic *topicState
	index int32

	mu           sync.Mutex // guards the fields below; never held with sink.mu
	open         *batch     // being filled
	ready        []*batch   // closed, waiting to be sent, in order
	inflight     []*batch   // sent, awaiting a response, in order
	backoffUntil time.Time
	leader       int32
	sink         *sink // nil while the leader is unknown
	orderSeq     int64 // last order number given to a batch
	nextSeq      int32 // idempotence: sequence of the next new batch
	expectSeq    int32 // idempotence: sequence the broker expects next
	// seqConfirmed is set once the broker acknowledged a batch of this
	// partition under the current producer id and epoch. Until then only
	// one batch is in flight: a broker with no state for the producer
	// accepts any first sequence, so a later batch could overtake a first
	// one that failed (NOT_LEADER) and leave it behind for good.
	seqConfirmed bool
}

// recRef ties a record in a batch to its caller's result slot.
type recRef struct {
	pd  *Pending
	idx int32
}

// batch is one record batch of one partition.
type batch struct {
	part     *partition
	builder  *record.Builder // nil once finished
	wire     []byte          // the encoded batch, once finished
	refs     []recRef
	bytes    int // buffer bytes accounted for the records
	created  time.Time
	deadline time.Time // the first record's delivery deadline
	attempts int
	lastErr  error
	done     chan struct{} // closed when every record has a result

	order        int64 // send order within the partition, from the first send; 0 before
	seq          int32 // idempotence: base sequence, -1 until the first send
	pooled       bool  // wire came from wirePool
	maybeWritten bool  // a request carrying it got no answer: the broker may have it

	finished atomic.Bool // set once by finishBatch

	parent   *batch // set on the halves of a split batch
	children int32  // guarded by parent's part.mu: halves not yet done
}

var builderPool = sync.Pool{New: func() any { return new(record.Builder) }}

// giveUpAt is when b fails if still unacknowledged: its delivery deadline,
// or, for an idempotent producer's batch in doubt (a request carrying it
// got no definite answer), one RequestTimeout later. Resending it at the
// same sequence settles its fate (the broker answers with its offset if it
// has it), so a record the broker wrote is not reported as failed merely
// because the answer came late; only when the broker cannot be reached for
// that long does it fail, with SendTimeoutError.MaybeWritten set.
// Called with b.part.mu held, or before b is shared.
func (p *Producer) giveUpAt(b *batch) time.Time {
	if p.cfg.Idempotent && b.maybeWritten && b.seq >= 0 {
		return b.deadline.Add(p.cfg.RequestTimeout)
	}
	return b.deadline
}

func (p *Producer) newBatch(pt *partition, tsMs int64, deadline time.Time) *batch {
	b := &batch{part: pt, builder: builderPool.Get().(*record.Builder), created: time.Now(), deadline: deadline, done: make(chan struct{}), seq: -1}
	b.builder.Reset(tsMs)
	b.builder.Reserve(p.cfg.MaxBatchBytes)
	return b
}

// wirePool recycles encoded batch buffers (returned when a batch finishes).
var wirePool = sync.Pool{New: func() any { return new([]byte) }}

// recordHeaders views kafka headers as record headers without copying;
// the two types have the same layout (checked in TestHeaderLayout).
func recordHeaders(h []Header) []record.Header {
	if len(h) == 0 {
		return nil
	}
	return unsafe.Slice((*record.Header)(unsafe.Pointer(unsafe.SliceData(h))), len(h))
}

// append adds one record to its partition's open batch, blocking while the
// buffer is full.
func (p *Producer) append(ctx context.Context, pt *partition, m *Message, tsMs int64, pd *Pending, idx int, deadline time.Time) {
	hdrs := recordHeaders(m.Headers)
	// An upper bound of the encoded size: deltas take at most 10 and 5 bytes.
	size := record.RecordSize(0, 0, m.Key, m.Value, hdrs) + 13
	if size+recordOverhead > p.cfg.MaxMessageBytes {
		pd.resolve(idx, pt.index, -1, -1, &RecordTooLargeError{Topic: pt.topic.name, Partition: pt.index, Size: size + recordOverhead, Limit: p.cfg.MaxMessageBytes})
		return
	}
	if err := p.buf.acquire(ctx, size, deadline, p.closing); err != nil {
		if err == errBufferTimeout {
			err = &SendTimeoutError{Topic: pt.topic.name, Partition: pt.index, Timeout: p.cfg.DeliveryTimeout, Cause: fmt.Errorf("buffer full (%d records, %d bytes max)", p.cfg.MaxBufferedRecords, p.cfg.MaxBufferedBytes)}
		}
		pd.resolve(idx, pt.index, -1, -1, err)
		return
	}
	var closed bool
	pt.mu.Lock()
	if pt.open != nil && pt.open.builder.Count() > 0 && pt.open.builder.Size()+size > p.cfg.MaxBatchBytes {
		p.closeOpen(pt)
		closed = true
	}
	newBatch := pt.open == nil
	if newBatch {
		pt.open = p.newBatch(pt, tsMs, deadline)
	}
	b := pt.open
	b.builder.Append(tsMs, m.Key, m.Value, hdrs)
	b.refs = append(b.refs, recRef{pd: pd, idx: int32(idx)})
	b.bytes += size
	if b.builder.Size() >= p.cfg.MaxBatchBytes {
		p.closeOpen(pt)
		closed = true
	}
	s := pt.sink
	pt.mu.Unlock()
	if closed {
		pt.topic.batchClosed(pt.index, len(*pt.topic.parts.Load()))
	}
	if s == nil {
		return
	}
	if closed || p.cfg.Linger == 0 {
		s.wake()
	}
	if newBatch && p.cfg.Linger > 0 {
		time.AfterFunc(p.cfg.Linger, func() { p.wakePartition(pt) })
	}
}

// closeOpen moves the open batch to ready. Called with pt.mu held.
func (p *Producer) closeOpen(pt *partition) {
	pt.ready = append(pt.ready, pt.open)
	pt.open = nil
}

// lingerDone reports whether the open batch may be sent now.
func (p *Producer) lingerDone(b *batch, now time.Time) bool {
	return p.flushing.Load() > 0 || now.Sub(b.created) >= p.cfg.Linger
}

// completeBatch resolves every record of a delivered batch.
func (p *Producer) completeBatch(b *batch, baseOffset, appendTime int64) {
	if !b.finished.CompareAndSwap(false, true) {
		return // Close already failed it
	}
	pt := b.part
	for i, r := range b.refs {
		off := int64(-1)
		if baseOffset >= 0 {
			off = baseOffset + int64(i)
		}
		r.pd.resolve(int(r.idx), pt.index, off, appendTime, nil)
	}
	p.finishBatch(b, nil)
}

// failBatch fails every record of b with err.
func (p *Producer) failBatch(b *batch, err error) {
	if !b.finished.CompareAndSwap(false, true) {
		return
	}
	if p.txn != nil && !errors.Is(err, ErrTxnAborted) {
		p.txn.setAbortable(err)
	}
	for _, r := range b.refs {
		r.pd.resolve(int(r.idx), b.part.index, -1, -1, err)
	}
	p.finishBatch(b, err)
}

func (p *Producer) finishBatch(b *batch, err error) {
	if o := p.cfg.Observer; o != nil && len(b.refs) > 0 {
		o.OnBatch(b.part.topic.name, b.part.index, len(b.refs), len(b.wire), time.Since(b.created), err)
	}
	p.buf.release(b.bytes, len(b.refs))
	if b.builder != nil {
		builderPool.Put(b.builder)
		b.builder = nil
	}
	b.refs = nil
	if b.wire != nil && b.pooled {
		w := b.wire[:0]
		wirePool.Put(&w)
	}
	b.wire = nil
	close(b.done)
	for par := b.parent; par != nil; par = par.parent {
		par.part.mu.Lock()
		par.children--
		last := par.children == 0
		par.part.mu.Unlock()
		if !last {
			break
		}
		close(par.done)
	}
}

// errBufferTimeout is acquire's result when the delivery deadline passed.
var errBufferTimeout = fmt.Errorf("kafka: buffer full until the delivery timeout")

// bufferLimiter bounds the records and bytes a producer holds. Waiters are
// woken by closing a channel that is then replaced.
type bufferLimiter struct {
	mu                   sync.Mutex // guards the fields below
	bytes, records       int
	maxBytes, maxRecords int
	wait                 chan struct{}
}

func (l *bufferLimiter) init(maxBytes, maxRecords int) {
	l.maxBytes, l.maxRecords = maxBytes, maxRecords
	l.wait = make(chan struct{})
}

// acquire takes room for one record of n bytes, waiting until there is
// room, ctx ends, the deadline passes or the producer closes.
func (l *bufferLimiter) acquire(ctx context.Context, n int, deadline time.Time, closing <-chan struct{}) error {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		l.mu.Lock()
		if l.records+1 <= l.maxRecords && (l.bytes+n <= l.maxBytes || l.records == 0) {
			l.records++
			l.bytes += n
			l.mu.Unlock()
			return nil
		}
		ch := l.wait
		l.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(time.Until(deadline))
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("kafka: waiting for buffer space: %w", ctx.Err())
		case <-closing:
			return ErrProducerClosed
		case <-timer.C:
			return errBufferTimeout
		}
	}
}

func (l *bufferLimiter) release(n, records int) {
	l.mu.Lock()
	l.bytes -= n
	l.records -= records
	ch := l.wait
	l.wait = make(chan struct{})
	l.mu.Unlock()
	close(ch)
}

func (l *bufferLimiter) wakeAll() { l.release(0, 0) }

// usage returns the buffered bytes and records.
func (l *bufferLimiter) usage() (bytes, records int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.bytes, l.records
}
