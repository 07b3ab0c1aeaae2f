package kafka

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/compress"
	"github.com/kafkawasm/kafkawasm/internal/record"
	"github.com/kafkawasm/kafkawasm/internal/wire"
)

// maxRequestBatchBytes bounds the encoded batches packed into one Produce
// request (the broker's socket.request.max.bytes is 100 MiB).
const maxRequestBatchBytes = 8 << 20

// sink sends the ready batches of every partition one broker leads: one
// Produce request carries the head batch of each ready partition, and at
// most MaxInFlight requests are outstanding on the connection.
type sink struct {
	p    *Producer
	node int32

	mu           sync.Mutex // guards the fields below; never held with partition.mu
	parts        map[*partition]struct{}
	inflight     int
	backoffUntil time.Time // after a failed dial
	dialFailures int
	lastErr      error

	wakeCh chan struct{} // capacity 1
}

func newSink(p *Producer, node int32) *sink {
	return &sink{p: p, node: node, parts: make(map[*partition]struct{}), wakeCh: make(chan struct{}, 1)}
}

func (s *sink) wake() {
	select {
	case s.wakeCh <- struct{}{}:
	default:
	}
}

func (s *sink) add(pt *partition) {
	s.mu.Lock()
	s.parts[pt] = struct{}{}
	s.mu.Unlock()
}

func (s *sink) remove(pt *partition) {
	s.mu.Lock()
	delete(s.parts, pt)
	s.mu.Unlock()
}

func (s *sink) lastError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

func (s *sink) run() {
	defer s.p.wg.Done()
	for {
		select {
		case <-s.wakeCh:
			s.drain()
		case <-s.p.quit:
			return
		}
	}
}

// drain sends requests until nothing is sendable or the in-flight limit is
// reached. Responses wake the sink again.
func (s *sink) drain() {
	p := s.p
	for {
		s.mu.Lock()
		if s.inflight >= p.cfg.MaxInFlight {
			s.mu.Unlock()
			return
		}
		if wait := time.Until(s.backoffUntil); wait > 0 {
			s.mu.Unlock()
			time.AfterFunc(wait, s.wake)
			return
		}
		parts := make([]*partition, 0, len(s.parts))
		for pt := range s.parts {
			parts = append(parts, pt)
		}
		s.mu.Unlock()
		if !s.anySendable(parts) {
			return
		}
		bh := p.cl.broker(s.node)
		if bh == nil {
			p.cl.meta.trigger()
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), p.cl.cfg.ConnectTimeout)
		c, err := p.cl.conn(ctx, bh)
		cancel()
		if err != nil && permanentDialError(err) {
			s.mu.Lock()
			s.lastErr = err
			s.mu.Unlock()
			s.failQueued(parts, err)
			return
		}
		if err != nil {
			s.mu.Lock()
			s.dialFailures++
			s.lastErr = err
			s.backoffUntil = time.Now().Add(backoff(p.cfg.RetryBackoff, p.cfg.MaxRetryBackoff, s.dialFailures))
			s.mu.Unlock()
			p.cl.meta.trigger()
			s.wake()
			return
		}
		s.mu.Lock()
		s.dialFailures = 0
		s.mu.Unlock()
		if p.cfg.Idempotent {
			ctx, cancel := context.WithTimeout(context.Background(), p.cl.cfg.RequestTimeout)
			err := p.ensureProducerID(ctx)
			cancel()
			if err != nil {
				s.mu.Lock()
				s.lastErr = err
				s.mu.Unlock()
				var fe *ProducerFencedError
				if errors.As(err, &fe) {
					p.failAllQueued(err)
					return
				}
				time.AfterFunc(p.cfg.RetryBackoff, s.wake)
				return
			}
		}
		batches := s.collect(parts)
		if len(batches) == 0 {
			return
		}
		s.produce(c, batches)
	}
}

// anySendable reports whether some partition has a batch to send, without
// taking it.
func (s *sink) anySendable(parts []*partition) bool {
	now := time.Now()
	var next time.Time // the earliest end of a backoff or linger
	for _, pt := range parts {
		pt.mu.Lock()
		ok := s.sendableLocked(pt, now, false)
		if !ok && pt.sink == s && (pt.open != nil || len(pt.ready) > 0) {
			at := pt.backoffUntil
			if pt.open != nil && len(pt.ready) == 0 {
				at = later(at, pt.open.created.Add(s.p.cfg.Linger))
			}
			if at.After(now) && (next.IsZero() || at.Before(next)) {
				next = at
			}
		}
		pt.mu.Unlock()
		if ok {
			return true
		}
	}
	if !next.IsZero() {
		// Nothing is sendable yet: wake up when the first wait ends, so
		// no batch depends on a timer armed by another sink.
		time.AfterFunc(time.Until(next), s.wake)
	}
	return false
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// wakePartition wakes the sink that leads pt when called (not the one that
// led it when a timer was armed: the leader may have moved since).
func (p *Producer) wakePartition(pt *partition) {
	pt.mu.Lock()
	s := pt.sink
	pt.mu.Unlock()
	if s != nil {
		s.wake()
	}
}

// sendableLocked reports whether pt's head batch may be sent now. With
// piggyback, an open batch still lingering counts too: once a request to
// the broker is being built anyway (some partition is ready), it carries
// every partition's pending records, as the Java client's drain does, so
// linger costs no extra round trips under load.
func (s *sink) sendableLocked(pt *partition, now time.Time, piggyback bool) bool {
	p := s.p
	if pt.sink != s || len(pt.inflight) >= p.maxPartitionInflight() || now.Before(pt.backoffUntil) {
		return false
	}
	if p.cfg.Idempotent && !pt.seqConfirmed && len(pt.inflight) > 0 {
		return false
	}
	if p.cfg.Idempotent {
		p.idem.mu.Lock()
		resetting, fatal := p.idem.resetting, p.idem.fatal
		p.idem.mu.Unlock()
		if fatal != nil {
			return false
		}
		if resetting { // only resend batches whose outcome is unknown
			return len(pt.ready) > 0 && pt.ready[0].maybeWritten && pt.ready[0].seq >= 0
		}
	}
	if !(len(pt.ready) > 0 || (pt.open != nil && (piggyback || p.lingerDone(pt.open, now)))) {
		return false
	}
	return p.txn == nil || p.txn.canSend(pt)
}

// maxPartitionInflight is 1 without idempotence (so a retried batch cannot
// be overtaken), and MaxInFlight with it (sequences keep the order).
func (p *Producer) maxPartitionInflight() int {
	if p.cfg.Idempotent {
		return p.cfg.MaxInFlight
	}
	return 1
}

// collect takes the head batch of every sendable partition, finishing
// (encoding and compressing) batches sent for the first time.
func (s *sink) collect(parts []*partition) []*batch {
	p := s.p
	now := time.Now()
	var out []*batch
	total := 0
	var wakeAt time.Time
	for _, pt := range parts {
		pt.mu.Lock()
		if !s.sendableLocked(pt, now, true) {
			if pt.sink == s && len(pt.inflight) == 0 && pt.open != nil && len(pt.ready) == 0 && !now.Before(pt.backoffUntil) {
				// Linger still running: its timer wakes us.
			} else if pt.sink == s && now.Before(pt.backoffUntil) && (wakeAt.IsZero() || pt.backoffUntil.Before(wakeAt)) {
				wakeAt = pt.backoffUntil
			}
			pt.mu.Unlock()
			continue
		}
		if len(pt.ready) == 0 {
			p.closeOpen(pt)
			defer pt.topic.batchClosed(pt.index, len(*pt.topic.parts.Load()))
		}
		b := pt.ready[0]
		pt.ready[0] = nil
		pt.ready = pt.ready[1:]
		pt.inflight = append(pt.inflight, b)
		if b.order == 0 {
			pt.orderSeq++
			b.order = pt.orderSeq
		}
		if p.cfg.Idempotent {
			if b.seq < 0 {
				b.seq = pt.nextSeq
				pt.nextSeq = seqAdd(pt.nextSeq, len(b.refs))
			}
			p.idem.mu.Lock()
			p.idem.inflight++
			p.idem.mu.Unlock()
		}
		pt.mu.Unlock()
		if b.wire == nil {
			if err := p.finish(b); err != nil {
				pt.mu.Lock()
				p.leaveInflight(pt, b)
				pt.mu.Unlock()
				p.failBatch(b, err)
				continue
			}
		}
		out = append(out, b)
		total += len(b.wire)
		if total >= maxRequestBatchBytes {
			s.wake() // more next round
			break
		}
	}
	if !wakeAt.IsZero() {
		time.AfterFunc(time.Until(wakeAt), s.wake)
	}
	return out
}

func removeBatch(list []*batch, b *batch) []*batch {
	for i, x := range list {
		if x == b {
			copy(list[i:], list[i+1:])
			list[len(list)-1] = nil
			return list[:len(list)-1]
		}
	}
	return list
}

// finish encodes b for the wire.
func (p *Producer) finish(b *batch) error {
	opts := record.BatchOptions{ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1}
	if p.cfg.Idempotent {
		p.idem.mu.Lock()
		opts.ProducerID, opts.ProducerEpoch = p.idem.pid, p.idem.epoch
		p.idem.mu.Unlock()
		opts.BaseSequence = b.seq
		opts.Transactional = p.cfg.TransactionalID != ""
	}
	if p.codec != nil {
		opts.Codec = p.codec
		opts.CodecID = int8(p.cfg.Compression)
	}
	buf := wirePool.Get().(*[]byte)
	w, err := b.builder.Finish((*buf)[:0], opts)
	if err != nil {
		wirePool.Put(buf)
		return err
	}
	b.wire = w
	b.pooled = true
	builderPool.Put(b.builder)
	b.builder = nil
	return nil
}

// produce sends one Produce request with the given batches.
func (s *sink) produce(c *conn, batches []*batch) {
	p := s.p
	req := &wire.ProduceRequest{Acks: p.cfg.Acks.wire(), TimeoutMillis: int32(p.cfg.RequestTimeout / time.Millisecond)}
	haveIDs := true
	earliest := p.giveUpAt(batches[0])
	for _, b := range batches {
		tm := b.part.topic.meta.Load()
		if tm.id == ([16]byte{}) {
			haveIDs = false
		}
		if at := p.giveUpAt(b); at.Before(earliest) {
			earliest = at
		}
		var t *wire.ProduceTopic
		for i := range req.Topics {
			if req.Topics[i].Name == tm.name {
				t = &req.Topics[i]
				break
			}
		}
		if t == nil {
			req.Topics = append(req.Topics, wire.ProduceTopic{Name: tm.name, TopicID: tm.id})
			t = &req.Topics[len(req.Topics)-1]
		}
		t.Partitions = append(t.Partitions, wire.ProducePartition{Index: b.part.index, Records: b.wire})
	}
	limit := int16(13)
	if !haveIDs {
		limit = 12
	}
	if p.txn != nil {
		// v12+ tells the broker to add the partitions to the transaction
		// implicitly (transactions V2); a V1 transaction sends
		// AddPartitionsToTxn instead and must stay at v11.
		limit = min(limit, p.txn.produceVersionLimit())
		id := p.cfg.TransactionalID
		req.TransactionalID = &id
	}
	v, ok := wire.NegotiateMax(req, c.versions, limit)
	var err error
	if !ok {
		err = &Error{Code: 35, Message: "broker supports no Produce version kafkawasm implements"}
	}
	if err != nil {
		for _, b := range batches {
			s.retryOrFail(b, err)
		}
		return
	}
	// A request never waits past the records' delivery deadline (plus a
	// little, so the broker's own timeout answers first).
	timeout := min(p.cfg.RequestTimeout+time.Second, max(time.Until(earliest), 0)+time.Second)
	s.mu.Lock()
	s.inflight++
	s.mu.Unlock()
	noResponse := p.cfg.Acks == AcksNone
	sent := time.Now()
	c.sendOpt(req, v, timeout, noResponse, func(resp wire.Response, err error) {
		if o := p.cfg.Observer; o != nil {
			o.OnRequest(s.node, len(batches), time.Since(sent), err)
		}
		s.handle(batches, resp, err)
		s.mu.Lock()
		s.inflight--
		s.mu.Unlock()
		s.wake()
	})
}

// handle processes the answer to one Produce request.
func (s *sink) handle(batches []*batch, resp wire.Response, err error) {
	p := s.p
	if err != nil {
		s.mu.Lock()
		s.lastErr = err
		s.mu.Unlock()
		p.cl.meta.trigger()
		for _, b := range batches {
			s.retryOrFail(b, err)
		}
		return
	}
	if resp == nil { // acks=0
		for _, b := range batches {
			s.done(b, -1, -1)
		}
		return
	}
	r := resp.(*wire.ProduceResponse)
	for _, b := range batches {
		tm := b.part.topic.meta.Load()
		var pr *wire.ProducePartitionResponse
	find:
		for i := range r.Topics {
			t := &r.Topics[i]
			if t.Name != tm.name && (t.TopicID != tm.id || t.TopicID == [16]byte{}) {
				continue
			}
			for j := range t.Partitions {
				if t.Partitions[j].Index == b.part.index {
					pr = &t.Partitions[j]
					break find
				}
			}
		}
		switch {
		case pr == nil:
			s.retryOrFail(b, &Error{Code: -1, Message: "partition missing from produce response"})
		case pr.ErrorCode == 0:
			s.done(b, pr.BaseOffset, pr.LogAppendTimeMs)
		case pr.ErrorCode == 46 && p.cfg.Idempotent: // DUPLICATE_SEQUENCE_NUMBER: already written
			s.done(b, pr.BaseOffset, pr.LogAppendTimeMs)
		case (pr.ErrorCode == 45 || pr.ErrorCode == 59) && p.cfg.Idempotent:
			s.sequenceError(b, errorFromCode(pr.ErrorCode, pr.ErrorMessage))
		case (pr.ErrorCode == 47 || pr.ErrorCode == 90) && p.cfg.Idempotent: // fenced
			s.fenced(b, errorFromCode(pr.ErrorCode, pr.ErrorMessage))
		case pr.ErrorCode == 10 || pr.ErrorCode == 18: // MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE
			s.tooLarge(b, errorFromCode(pr.ErrorCode, pr.ErrorMessage))
		default:
			kerr := errorFromCode(pr.ErrorCode, pr.ErrorMessage)
			if kerr.(*Error).Retriable() {
				p.cl.meta.trigger()
			}
			s.retryOrFail(b, kerr)
		}
	}
}

// done completes a delivered batch.
func (s *sink) done(b *batch, baseOffset, appendTime int64) {
	p := s.p
	pt := b.part
	pt.mu.Lock()
	p.leaveInflight(pt, b)
	if b.seq >= 0 {
		pt.expectSeq = seqAdd(b.seq, len(b.refs))
		pt.seqConfirmed = true
	}
	pt.mu.Unlock()
	p.completeBatch(b, baseOffset, appendTime)
	p.afterInflight()
}

// leaveInflight removes b from pt's in-flight list. Called with pt.mu held.
func (p *Producer) leaveInflight(pt *partition, b *batch) {
	n := len(pt.inflight)
	pt.inflight = removeBatch(pt.inflight, b)
	if p.cfg.Idempotent && len(pt.inflight) < n {
		p.idem.mu.Lock()
		p.idem.inflight--
		p.idem.mu.Unlock()
	}
}

// afterInflight lets a pending epoch bump start once nothing is in flight.
func (p *Producer) afterInflight() {
	if p.cfg.Idempotent {
		p.maybeBump()
	}
}

// requeue puts b back into pt.ready in send order. Called with pt.mu held.
func requeue(pt *partition, b *batch) {
	i := 0
	for i < len(pt.ready) && pt.ready[i].order != 0 && pt.ready[i].order < b.order {
		i++
	}
	pt.ready = append(pt.ready, nil)
	copy(pt.ready[i+1:], pt.ready[i:])
	pt.ready[i] = b
}

// sequenceError handles OUT_OF_ORDER_SEQUENCE_NUMBER and
// UNKNOWN_PRODUCER_ID. An out-of-order batch that is not the one the broker
// expects next only follows an earlier batch being retried: it is queued
// again behind it. Otherwise the broker lost our sequence state: bump the
// epoch and renumber.
func (s *sink) sequenceError(b *batch, err error) {
	p := s.p
	pt := b.part
	pt.mu.Lock()
	p.leaveInflight(pt, b)
	// The batch the broker expects next, or one it can never accept
	// because later sequences were written (possible only if it had no
	// state for us): either way the sequence cannot continue.
	head := b.seq == pt.expectSeq || seqBefore(b.seq, pt.expectSeq)
	p.cl.cfg.Logger.Debug("kafka: sequence error", "topic", pt.topic.name, "partition", pt.index, "seq", b.seq, "records", len(b.refs), "expect", pt.expectSeq, "head", head, "maybe_written", b.maybeWritten, "err", err)
	b.lastErr = err
	b.maybeWritten = false // the broker answered: it did not write it
	requeue(pt, b)
	ps := pt.sink
	pt.mu.Unlock()
	if head || errors.Is(err, ErrUnknownProducerID) {
		p.requestBump(err)
	}
	p.afterInflight()
	if ps != nil {
		ps.wake()
	}
}

// fenced fails b: another producer took over the id (or epoch).
func (s *sink) fenced(b *batch, err error) {
	p := s.p
	pt := b.part
	ferr := &ProducerFencedError{TransactionalID: p.cfg.TransactionalID, Cause: err}
	p.idem.mu.Lock()
	p.idem.fatal = ferr
	p.idem.mu.Unlock()
	pt.mu.Lock()
	p.leaveInflight(pt, b)
	pt.mu.Unlock()
	p.failBatch(b, ferr)
	p.failAllQueued(ferr)
	p.afterInflight()
}

// retryOrFail puts b back at the head of its partition's queue after a
// backoff, or fails it if the error is not retriable, the retries are used
// up or the delivery deadline passed.
func (s *sink) retryOrFail(b *batch, err error) {
	p := s.p
	pt := b.part
	now := time.Now()
	pt.mu.Lock()
	p.leaveInflight(pt, b)
	canRetry := retriable(err)
	if inDoubt(err) {
		// The broker may have written it. This stays true until the
		// broker answers for this sequence: a later attempt's NOT_LEADER
		// says nothing about an earlier attempt's fate.
		b.maybeWritten = true
	}
	// An idempotent producer settles a batch in doubt (resending it at the
	// same sequence is safe) instead of giving up on it when the retry
	// count runs out; the delivery deadline (plus giveUpAt's allowance)
	// still bounds it.
	settling := p.cfg.Idempotent && b.maybeWritten && b.seq >= 0
	giveUp := p.giveUpAt(b)
	if !canRetry || (b.attempts >= p.cfg.Retries && !settling) || !now.Before(giveUp) {
		hadSeq := b.seq >= 0
		maybe := b.maybeWritten
		pt.mu.Unlock()
		if canRetry && !now.Before(giveUp) {
			err = &SendTimeoutError{Topic: pt.topic.name, Partition: pt.index, Timeout: p.cfg.DeliveryTimeout, Cause: err, MaybeWritten: maybe}
		}
		p.failBatch(b, err)
		if p.cfg.Idempotent && hadSeq {
			p.requestBump(fmt.Errorf("batch with sequence failed: %w", err))
		}
		p.afterInflight()
		return
	}
	b.attempts++
	attempts := b.attempts
	b.lastErr = err
	requeue(pt, b)
	wait := backoff(p.cfg.RetryBackoff, p.cfg.MaxRetryBackoff, attempts)
	pt.backoffUntil = now.Add(wait)
	ps := pt.sink
	pt.mu.Unlock()
	if o := p.cfg.Observer; o != nil {
		o.OnRetry(pt.topic.name, pt.index, attempts, err)
	}
	p.cl.cfg.Logger.Debug("kafka: retrying batch", "topic", pt.topic.name, "partition", pt.index, "attempt", attempts, "backoff", wait, "err", err)
	if ps != nil {
		time.AfterFunc(wait, func() { p.wakePartition(pt) })
	}
	p.afterInflight()
}

// tooLarge splits a batch the broker refused as too large, or fails its
// only record with *RecordTooLargeError.
func (s *sink) tooLarge(b *batch, err error) {
	p := s.p
	pt := b.part
	hadSeq := b.seq >= 0 && p.cfg.Idempotent
	defer func() {
		if hadSeq { // the sequence now has a gap
			p.requestBump(err)
		}
		p.afterInflight()
	}()
	if len(b.refs) <= 1 {
		pt.mu.Lock()
		p.leaveInflight(pt, b)
		pt.mu.Unlock()
		p.failBatch(b, &RecordTooLargeError{Topic: pt.topic.name, Partition: pt.index, Size: len(b.wire), Limit: -1})
		return
	}
	halves, serr := p.split(b)
	pt.mu.Lock()
	p.leaveInflight(pt, b)
	if serr != nil {
		pt.mu.Unlock()
		p.failBatch(b, errors.Join(err, serr))
		return
	}
	b.children = int32(len(halves))
	for _, h := range halves {
		h.order = b.order
	}
	pt.ready = append(halves, pt.ready...)
	ps := pt.sink
	pt.mu.Unlock()
	// The halves own the records and their buffer bytes now.
	b.refs = nil
	b.bytes = 0
	b.wire = nil
	if ps != nil {
		ps.wake()
	}
}

// split re-encodes b's records into two batches.
func (p *Producer) split(b *batch) ([]*batch, error) {
	batches, err := record.DecodeBatches(b.wire, func(id int8) compress.Codec {
		if c := LookupCompressionCodec(Compression(id)); c != nil {
			return c
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var recs []record.Record
	for _, rb := range batches {
		recs = append(recs, rb.Records...)
	}
	if len(recs) != len(b.refs) {
		return nil, errors.New("kafka: split: record count mismatch")
	}
	mid := len(recs) / 2
	var halves []*batch
	for _, r := range [][2]int{{0, mid}, {mid, len(recs)}} {
		h := p.newBatch(b.part, recs[r[0]].Timestamp, b.deadline)
		h.created = b.created
		h.attempts = b.attempts
		h.parent = b
		for i := r[0]; i < r[1]; i++ {
			h.builder.Append(recs[i].Timestamp, recs[i].Key, recs[i].Value, recs[i].Headers)
		}
		h.refs = append(h.refs, b.refs[r[0]:r[1]]...)
		h.bytes = b.bytes * (r[1] - r[0]) / len(recs)
		halves = append(halves, h)
	}
	halves[1].bytes = b.bytes - halves[0].bytes
	return halves, nil
}

// retriable reports whether a produce failure may be retried.
// inDoubt reports whether a failed produce attempt may still have been
// written: no answer came (the connection dropped or the request timed out),
// or the broker appended the batch but could not confirm its replication in
// time (REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND).
func inDoubt(err error) bool {
	var ce *ConnError
	var ke *Error
	switch {
	case errors.As(err, &ce):
		return true
	case errors.As(err, &ke):
		return ke.Code == 7 || ke.Code == 20
	}
	return false
}

func retriable(err error) bool {
	var ke *Error
	if errors.As(err, &ke) {
		return ke.Retriable()
	}
	var ce *ConnError
	return errors.As(err, &ce)
}

// backoff returns the jittered exponential backoff before attempt n (1-based):
// base·2^(n-1), capped, scaled by a random factor in [0.8, 1.2] (KIP-580).
func backoff(base, maxB time.Duration, n int) time.Duration {
	d := base
	for i := 1; i < n && d < maxB; i++ {
		d *= 2
	}
	d = min(d, maxB)
	jitter := 0.8 + 0.4*rand.Float64()
	return time.Duration(float64(d) * jitter)
}

// failQueued fails every batch queued (not in flight) on the given
// partitions; used when the broker cannot be reached for good (bad
// credentials or certificates).
func (s *sink) failQueued(parts []*partition, err error) {
	for _, pt := range parts {
		pt.mu.Lock()
		left := pt.ready
		pt.ready = nil
		if pt.open != nil {
			left = append(left, pt.open)
			pt.open = nil
		}
		pt.mu.Unlock()
		gap := false
		for _, b := range left {
			gap = gap || b.seq >= 0
			s.p.failBatch(b, err)
		}
		if gap && s.p.cfg.Idempotent {
			s.p.requestBump(err)
		}
	}
}

// seqBefore reports whether sequence a comes before b in Kafka's wrapping
// sequence space.
func seqBefore(a, b int32) bool {
	d := (int64(b) - int64(a) + (1 << 31)) % (1 << 31)
	return d > 0 && d < 1<<30
}
