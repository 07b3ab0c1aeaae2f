package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/wire"
)

// The idempotent producer (KIP-98, with KIP-360 epoch bumps).
//
// The broker gives the producer an id and epoch; every batch carries them and
// a per-partition sequence number, assigned in order when the batch is first
// sent. Up to MaxInFlight (≤ 5) batches per partition are in flight; a batch
// that must be retried keeps its sequence and goes back into the queue in
// sequence order, so the broker sees every partition's batches in order and
// drops a retried batch it already wrote (DUPLICATE_SEQUENCE_NUMBER, or NONE
// with the original offset).
//
// When a partition's sequence can no longer continue (UNKNOWN_PRODUCER_ID,
// OUT_OF_ORDER_SEQUENCE_NUMBER on the batch the broker expects next, or a
// batch that failed for good after it got a sequence), the producer bumps
// its epoch: it stops sending new batches, lets every in-flight request end,
// resends with the old epoch any batch whose outcome is unknown (a lost
// connection), so the broker deduplicates it rather than writing it twice,
// then asks InitProducerId for epoch+1 and renumbers every unacknowledged
// batch from 0.

// idemState is the producer id and the epoch-bump state machine.
type idemState struct {
	mu        sync.Mutex // guards the fields below; taken after partition.mu, never before
	pid       int64
	epoch     int16
	ready     bool  // pid/epoch are valid
	resetting bool  // a bump is pending: only maybe-written batches are sent
	bumping   bool  // the bump's InitProducerId is under way
	inflight  int   // batches in flight over all partitions
	fatal     error // the producer cannot continue (fenced)
	initMu    sync.Mutex
}

// seqAdd returns s+n in Kafka's sequence space, which wraps from 2^31-1 to 0.
func seqAdd(s int32, n int) int32 {
	return int32((int64(s) + int64(n)) % (1 << 31))
}

// ensureProducerID gets a producer id if there is none yet. Concurrent
// callers share one request.
func (p *Producer) ensureProducerID(ctx context.Context) error {
	st := &p.idem
	st.mu.Lock()
	if st.ready || st.fatal != nil {
		err := st.fatal
		st.mu.Unlock()
		return err
	}
	st.mu.Unlock()
	st.initMu.Lock()
	defer st.initMu.Unlock()
	st.mu.Lock()
	if st.ready {
		st.mu.Unlock()
		return nil
	}
	st.mu.Unlock()
	pid, epoch, err := p.initProducerID(ctx, -1, -1)
	if err != nil {
		return err
	}
	st.mu.Lock()
	st.pid, st.epoch, st.ready = pid, epoch, true
	st.mu.Unlock()
	p.cl.cfg.Logger.Debug("kafka: producer id", "id", pid, "epoch", epoch)
	return nil
}

// initProducerID sends InitProducerId (to the transaction coordinator for a
// transactional producer). With a current pid/epoch it asks for a bump.
func (p *Producer) initProducerID(ctx context.Context, pid int64, epoch int16) (int64, int16, error) {
	req := &wire.InitProducerIDRequest{TransactionTimeoutMs: int32(p.cfg.TransactionTimeout / time.Millisecond), ProducerID: pid, ProducerEpoch: epoch}
	if p.cfg.TransactionalID != "" {
		id := p.cfg.TransactionalID
		req.TransactionalID = &id
	}
	backoff := p.cfg.RetryBackoff
	for {
		var resp wire.Response
		var err error
		if p.txn != nil {
			resp, err = p.txn.coordinatorRequest(ctx, req, 0, func(r wire.Response) int16 { return r.(*wire.InitProducerIDResponse).ErrorCode })
		} else {
			resp, _, err = p.cl.request(ctx, req)
		}
		if err == nil {
			r := resp.(*wire.InitProducerIDResponse)
			if r.ErrorCode == 0 {
				return r.ProducerID, r.ProducerEpoch, nil
			}
			err = errorFromCode(r.ErrorCode, nil)
			var ke *Error
			if errors.As(err, &ke) && (ke.Code == 90 || ke.Code == 47) { // PRODUCER_FENCED, INVALID_PRODUCER_EPOCH
				return 0, 0, &ProducerFencedError{TransactionalID: p.cfg.TransactionalID, Cause: err}
			}
			if !ke.Retriable() && ke.Code != 51 { // CONCURRENT_TRANSACTIONS is retried too
				return 0, 0, fmt.Errorf("kafka: InitProducerId: %w", err)
			}
		}
		if ctx.Err() != nil {
			return 0, 0, fmt.Errorf("kafka: InitProducerId: %w (last error: %v)", ctx.Err(), err)
		}
		p.cl.cfg.Logger.Debug("kafka: InitProducerId retry", "err", err)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
		}
		backoff = min(backoff*2, p.cfg.MaxRetryBackoff)
	}
}

// producerID returns the current id and epoch.
func (p *Producer) producerID() (int64, int16, bool) {
	p.idem.mu.Lock()
	defer p.idem.mu.Unlock()
	return p.idem.pid, p.idem.epoch, p.idem.ready && !p.idem.resetting
}

// requestBump asks for an epoch bump (see the comment at the top).
func (p *Producer) requestBump(reason error) {
	if p.txn != nil {
		// The open transaction cannot complete: it must be aborted. The
		// bump (InitProducerId with the current epoch) also makes the
		// coordinator abort it.
		p.txn.setAbortable(fmt.Errorf("kafka: transaction must be aborted: %w", reason))
		defer p.failAllQueued(&TxnAbortableError{Cause: reason})
	}
	st := &p.idem
	st.mu.Lock()
	already := st.resetting
	st.resetting = true
	st.mu.Unlock()
	if !already {
		p.cl.cfg.Logger.Info("kafka: resetting idempotent producer sequences (epoch bump)", "reason", reason)
	}
	p.maybeBump()
}

// maybeBump starts the bump once nothing is in flight and no queued batch
// has an unknown outcome.
func (p *Producer) maybeBump() {
	st := &p.idem
	st.mu.Lock()
	if !st.resetting || st.bumping || st.inflight > 0 || st.fatal != nil {
		st.mu.Unlock()
		return
	}
	st.mu.Unlock()
	for _, pt := range p.allPartitions() {
		pt.mu.Lock()
		for _, b := range pt.ready {
			if b.maybeWritten && b.seq >= 0 {
				pt.mu.Unlock()
				return // it is being resent with the old epoch first
			}
		}
		pt.mu.Unlock()
	}
	st.mu.Lock()
	if st.bumping || st.inflight > 0 || !st.resetting {
		st.mu.Unlock()
		return
	}
	st.bumping = true
	pid, epoch := st.pid, st.epoch
	st.mu.Unlock()
	go p.bump(pid, epoch)
}

func (p *Producer) bump(pid int64, epoch int16) {
	ctx, cancel := context.WithTimeout(context.Background(), p.cfg.DeliveryTimeout)
	defer cancel()
	go func() {
		select {
		case <-p.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	npid, nepoch, err := p.initProducerID(ctx, pid, epoch)
	st := &p.idem
	if err != nil {
		st.mu.Lock()
		st.bumping = false
		var fe *ProducerFencedError
		if errors.As(err, &fe) {
			st.fatal = err
		}
		st.mu.Unlock()
		p.cl.cfg.Logger.Warn("kafka: epoch bump failed", "err", err)
		if st.fatal != nil {
			p.failAllQueued(err)
		} else {
			time.AfterFunc(p.cfg.RetryBackoff, p.maybeBump)
		}
		return
	}
	// Renumber every unacknowledged batch from 0 under the new epoch.
	for _, pt := range p.allPartitions() {
		pt.mu.Lock()
		pt.nextSeq, pt.expectSeq, pt.seqConfirmed = 0, 0, false
		var failed []*batch
		keep := pt.ready[:0]
		for _, b := range pt.ready {
			if b.wire == nil {
				if err := p.finish(b); err != nil {
					failed = append(failed, b)
					continue
				}
			}
			b.seq = pt.nextSeq
			b.maybeWritten = false
			pt.nextSeq = seqAdd(pt.nextSeq, len(b.refs))
			setProducer(b.wire, npid, nepoch, b.seq)
			keep = append(keep, b)
		}
		pt.ready = keep
		pt.mu.Unlock()
		for _, b := range failed {
			p.failBatch(b, errors.New("kafka: cannot encode batch"))
		}
	}
	st.mu.Lock()
	st.pid, st.epoch = npid, nepoch
	st.resetting, st.bumping = false, false
	st.mu.Unlock()
	p.cl.cfg.Logger.Info("kafka: idempotent producer epoch bumped", "producer_id", npid, "epoch", nepoch)
	for _, s := range p.allSinks() {
		s.wake()
	}
}

// failAllQueued fails every queued (not in-flight) batch; used when the
// producer is fenced.
func (p *Producer) failAllQueued(err error) {
	for _, pt := range p.allPartitions() {
		pt.mu.Lock()
		left := pt.ready
		pt.ready = nil
		if pt.open != nil {
			left = append(left, pt.open)
			pt.open = nil
		}
		pt.mu.Unlock()
		for _, b := range left {
			p.failBatch(b, err)
		}
	}
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Offsets in the v2 record batch header.
const (
	offCRC        = 17
	offAttributes = 21
	offProducerID = 43
	offEpoch      = 51
	offSequence   = 53
)

// setProducer rewrites the producer id, epoch and base sequence of an
// encoded batch and recomputes its CRC (which covers them).
func setProducer(w []byte, pid int64, epoch int16, seq int32) {
	binary.BigEndian.PutUint64(w[offProducerID:], uint64(pid))
	binary.BigEndian.PutUint16(w[offEpoch:], uint16(epoch))
	binary.BigEndian.PutUint32(w[offSequence:], uint32(seq))
	binary.BigEndian.PutUint32(w[offCRC:], crc32.Checksum(w[offAttributes:], castagnoli))
}
