package kafka

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/wire"
)

// Transactions (KIP-98): a transactional producer (ProducerConfig.
// TransactionalID) writes records that read_committed consumers see only
// once the transaction commits.
//
// The coordinator is found with FindCoordinator; InitProducerId fences older
// instances with the same transactional id. Commit flushes every record and
// sends EndTxn; abort drops unsent records, waits for in-flight ones and
// sends EndTxn(abort).
//
// Each transaction runs in one of two protocols, chosen when it begins:
//   - V1 (KIP-98): before the first batch for a partition is sent, the
//     partition is added with AddPartitionsToTxn (batched over all
//     partitions waiting); SendOffsets sends AddOffsetsToTxn, then
//     TxnOffsetCommit (at most v4); EndTxn is at most v4; Produce at most
//     v11. The epoch stays the same from one transaction to the next.
//   - V2 (KIP-890 part 2), when the cluster's finalized transaction.version
//     feature is 2 or more and the coordinator speaks EndTxn v5: Produce v12+
//     adds partitions implicitly (no AddPartitionsToTxn), TxnOffsetCommit v5
//     adds the group implicitly (no AddOffsetsToTxn), and every EndTxn (v5)
//     bumps the epoch: its response carries the producer id and epoch for
//     the next transaction, and sequences restart at 0. A late write from a
//     previous transaction then carries an old epoch and is fenced.

// TxnAbortableError reports that the current transaction cannot commit
// (a record failed, or the producer's sequence state was lost): abort it
// and retry the whole transaction.
type TxnAbortableError struct{ Cause error }

func (e *TxnAbortableError) Error() string {
	return fmt.Sprintf("kafka: transaction must be aborted: %v", e.Cause)
}
func (e *TxnAbortableError) Unwrap() error { return e.Cause }

// ErrTxnAborted fails records that were still queued when their
// transaction was aborted.
var ErrTxnAborted = errors.New("kafka: transaction aborted")

// TxnErrorClass tells what to do after a transactional error.
type TxnErrorClass int

const (
	// TxnRetriable: retry the same operation (for example a commit that
	// timed out).
	TxnRetriable TxnErrorClass = iota
	// TxnAbortable: abort the transaction, then run it again.
	TxnAbortable
	// TxnFatal: the producer cannot continue (fenced, unauthorized):
	// close it and create a new one.
	TxnFatal
)

// ClassifyTxnError classifies an error returned by Transaction,
// CommitTransaction, AbortTransaction, BeginTransaction or Txn methods.
//
//	for {
//		err := p.Transaction(ctx, work)
//		switch kafka.ClassifyTxnError(err) {
//		case kafka.TxnFatal:
//			return err // recreate the producer
//		case kafka.TxnAbortable, kafka.TxnRetriable:
//			if err != nil {
//				continue // Transaction already aborted; run it again
//			}
//		}
//		return nil
//	}
func ClassifyTxnError(err error) TxnErrorClass {
	var fe *ProducerFencedError
	var ke *Error
	var ie *InvalidTxnStateError
	switch {
	case err == nil:
		return TxnRetriable
	case errors.As(err, &fe), errors.Is(err, ErrProducerClosed):
		return TxnFatal
	case errors.As(err, &ke) && (ke.Code == 53 || ke.Code == 49): // TRANSACTIONAL_ID_AUTHORIZATION_FAILED, INVALID_PRODUCER_ID_MAPPING
		return TxnFatal
	case errors.As(err, &ie):
		return TxnAbortable
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return TxnRetriable
	}
	return TxnAbortable
}

type txnState int

const (
	txnReady txnState = iota
	txnInProgress
	txnEnding
)

func (s txnState) String() string {
	switch s {
	case txnReady:
		return "READY"
	case txnInProgress:
		return "IN_TRANSACTION"
	case txnEnding:
		return "COMMITTING_OR_ABORTING"
	}
	return "UNKNOWN"
}

// txnManager holds one transactional producer's transaction state.
type txnManager struct {
	p  *Producer
	id string

	mu        sync.Mutex // guards the fields below; taken after partition.mu
	state     txnState
	started   time.Time
	added     map[*partition]bool
	pending   map[*partition]bool
	adding    bool
	abortable error
	coord     *brokerHandle
	v2        bool // the open (or last) transaction uses transactions V2
	touched   bool // the open transaction has partitions or offsets: EndTxn is due
	forceV1   bool // tests: never use V2

	queue fifo // serializes Transaction calls in arrival order
}

func newTxnManager(p *Producer) *txnManager {
	return &txnManager{p: p, id: p.cfg.TransactionalID, added: map[*partition]bool{}, pending: map[*partition]bool{}}
}

func (t *txnManager) setAbortable(err error) {
	t.mu.Lock()
	if t.state == txnInProgress && t.abortable == nil {
		t.abortable = err
	}
	t.mu.Unlock()
}

// canSend reports whether pt's batches may be sent now, asking for the
// partition to be added to the transaction if needed. Called with pt.mu held.
func (t *txnManager) canSend(pt *partition) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == txnReady {
		return false // records outside a transaction are refused at Send
	}
	if t.added[pt] {
		return true
	}
	if t.v2 { // the broker adds the partition when the Produce arrives
		t.added[pt] = true
		t.touched = true
		return true
	}
	if !t.pending[pt] {
		t.pending[pt] = true
		if !t.adding {
			t.adding = true
			go t.addPartitions()
		}
	}
	return false
}

// addPartitions sends AddPartitionsToTxn for every partition waiting, until
// none is left.
func (t *txnManager) addPartitions() {
	p := t.p
	for {
		t.mu.Lock()
		if len(t.pending) == 0 {
			t.adding = false
			t.mu.Unlock()
			return
		}
		parts := make([]*partition, 0, len(t.pending))
		for pt := range t.pending {
			parts = append(parts, pt)
		}
		t.mu.Unlock()
		pid, epoch, _ := p.producerIDAny()
		req := &wire.AddPartitionsToTxnRequest{TransactionalID: t.id, ProducerID: pid, ProducerEpoch: epoch}
		byTopic := map[string][]int32{}
		for _, pt := range parts {
			byTopic[pt.topic.name] = append(byTopic[pt.topic.name], pt.index)
		}
		for name, idx := range byTopic {
			req.Topics = append(req.Topics, wire.AddPartitionsToTxnTopic{Name: name, Partitions: idx})
		}
		ctx, cancel := context.WithTimeout(context.Background(), p.cfg.TransactionTimeout)
		resp, err := t.coordinatorRequest(ctx, req, 0, func(r wire.Response) int16 {
			// Retry the whole request while any partition has a retriable code.
			for _, tr := range r.(*wire.AddPartitionsToTxnResponse).Topics {
				for _, pr := range tr.Partitions {
					if txnRetriableCode(pr.ErrorCode) {
						return pr.ErrorCode
					}
				}
			}
			return 0
		})
		cancel()
		var failed error
		if err != nil {
			failed = err
		} else {
			t.mu.Lock()
			for _, tr := range resp.(*wire.AddPartitionsToTxnResponse).Topics {
				for _, pr := range tr.Partitions {
					for _, pt := range parts {
						if pt.topic.name == tr.Name && pt.index == pr.Index {
							delete(t.pending, pt)
							switch {
							case pr.ErrorCode == 0:
								t.added[pt] = true
								t.touched = true
							case failed != nil:
							case pr.ErrorCode == 90 || pr.ErrorCode == 47:
								failed = &ProducerFencedError{TransactionalID: t.id, Cause: errorFromCode(pr.ErrorCode, nil)}
							default:
								failed = errorFromCode(pr.ErrorCode, nil)
							}
						}
					}
				}
			}
			t.mu.Unlock()
		}
		if failed != nil {
			t.mu.Lock()
			for _, pt := range parts {
				delete(t.pending, pt)
			}
			t.mu.Unlock()
			var fe *ProducerFencedError
			if errors.As(failed, &fe) {
				p.idem.mu.Lock()
				p.idem.fatal = failed
				p.idem.mu.Unlock()
				p.failAllQueued(failed)
			} else {
				t.setAbortable(failed)
				p.failAllQueued(&TxnAbortableError{Cause: failed})
			}
		}
		for _, s := range p.allSinks() {
			s.wake()
		}
	}
}

// producerIDAny returns the id and epoch even while a bump is pending.
func (p *Producer) producerIDAny() (int64, int16, bool) {
	p.idem.mu.Lock()
	defer p.idem.mu.Unlock()
	return p.idem.pid, p.idem.epoch, p.idem.ready
}

func txnRetriableCode(code int16) bool {
	switch code {
	case 51, 14, 15, 16, 7: // CONCURRENT_TRANSACTIONS, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, REQUEST_TIMED_OUT
		return true
	}
	return false
}

// coordinatorRequest sends req to the transaction coordinator, finding it
// first, and retries (with backoff, until ctx ends) connection errors and
// the retriable codes that code extracts from the response. Fencing codes
// become *ProducerFencedError; other non-zero codes are returned as the
// response for the caller to judge. A maxVersion above 0 caps the version
// sent.
func (t *txnManager) coordinatorRequest(ctx context.Context, req wire.Request, maxVersion int16, code func(wire.Response) int16) (wire.Response, error) {
	p := t.p
	if maxVersion > 0 {
		req = versionCap{req, maxVersion}
	}
	// CONCURRENT_TRANSACTIONS is usual right after the previous EndTxn,
	// while the coordinator writes its markers: retry soon.
	backoff := 5 * time.Millisecond
	var lastErr error
	for {
		c, err := t.coordinatorConn(ctx)
		if err == nil {
			var resp wire.Response
			resp, _, err = c.do(ctx, req)
			if err == nil {
				switch ec := code(resp); {
				case ec == 0:
					return resp, nil
				case ec == 90 || ec == 47: // PRODUCER_FENCED, INVALID_PRODUCER_EPOCH
					return nil, &ProducerFencedError{TransactionalID: t.id, Cause: errorFromCode(ec, nil)}
				case txnRetriableCode(ec):
					if ec == 16 || ec == 15 {
						t.mu.Lock()
						t.coord = nil
						t.mu.Unlock()
					}
					err = errorFromCode(ec, nil)
				default:
					return resp, nil
				}
			} else {
				t.mu.Lock()
				t.coord = nil
				t.mu.Unlock()
			}
		}
		lastErr = err
		p.cl.cfg.Logger.Debug("kafka: transaction coordinator request retry", "api", req.Key(), "err", err)
		select {
		case <-time.After(backoff):
		case <-ctx.Done():
			return nil, fmt.Errorf("kafka: transaction coordinator request (api key %d): %w (last error: %v)", req.Key(), ctx.Err(), lastErr)
		case <-p.quit:
			return nil, ErrProducerClosed
		}
		backoff = min(backoff*2, p.cfg.MaxRetryBackoff)
	}
}

// coordinatorConn returns a connection to the transaction coordinator.
func (t *txnManager) coordinatorConn(ctx context.Context) (*conn, error) {
	t.mu.Lock()
	b := t.coord
	t.mu.Unlock()
	if b == nil {
		var err error
		b, err = t.p.cl.findCoordinator(ctx, wire.CoordinatorKeyTransaction, t.id)
		if err != nil {
			return nil, err
		}
		t.mu.Lock()
		t.coord = b
		t.mu.Unlock()
	}
	return t.p.cl.conn(ctx, b)
}

// findCoordinator asks any broker for the coordinator of key.
func (cl *Client) findCoordinator(ctx context.Context, keyType int8, key string) (*brokerHandle, error) {
	req := &wire.FindCoordinatorRequest{CoordinatorKey: key, KeyType: keyType, CoordinatorKeys: []string{key}}
	resp, _, err := cl.request(ctx, req)
	if err != nil {
		return nil, err
	}
	r := resp.(*wire.FindCoordinatorResponse)
	code, msg, node, host, port := r.ErrorCode, r.ErrorMessage, r.NodeID, r.Host, r.Port
	if len(r.Coordinators) > 0 {
		c := r.Coordinators[0]
		code, msg, node, host, port = c.ErrorCode, c.ErrorMessage, c.NodeID, c.Host, c.Port
	}
	if code != 0 {
		return nil, fmt.Errorf("kafka: find coordinator for %q: %w", key, errorFromCode(code, msg))
	}
	cl.updateBrokers([]wire.MetadataBroker{{NodeID: node, Host: host, Port: port}})
	return cl.broker(node), nil
}

// BeginTransaction starts a transaction. Records sent until Commit or
// AbortTransaction belong to it. Most callers use Transaction instead.
func (p *Producer) BeginTransaction(ctx context.Context) error {
	t := p.txn
	if t == nil {
		return &InvalidTxnStateError{Op: "BeginTransaction", State: "NOT_TRANSACTIONAL"}
	}
	if p.isClosed() {
		return ErrProducerClosed
	}
	if err := p.ensureProducerID(ctx); err != nil {
		return err
	}
	p.idem.mu.Lock()
	fatal := p.idem.fatal
	p.idem.mu.Unlock()
	if fatal != nil {
		return fatal
	}
	v2 := t.useTxnV2(ctx)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state != txnReady {
		return &InvalidTxnStateError{Op: "BeginTransaction", State: t.state.String()}
	}
	t.state = txnInProgress
	t.started = time.Now()
	t.abortable = nil
	t.touched = false
	t.v2 = v2
	clear(t.added)
	return nil
}

// useTxnV2 reports whether a transaction beginning now uses transactions V2:
// the cluster finalized transaction.version 2 or more and the coordinator
// speaks the V2 versions. If the coordinator cannot be reached, the last
// transaction's choice stands (the feature level is cluster-wide).
func (t *txnManager) useTxnV2(ctx context.Context) bool {
	t.mu.Lock()
	last, force := t.v2, t.forceV1
	t.mu.Unlock()
	if force {
		return false
	}
	c, err := t.coordinatorConn(ctx)
	if err != nil {
		return last
	}
	return c.txnVersion >= 2 && c.versions[wire.KeyProduce].Max >= 12 &&
		c.versions[wire.KeyEndTxn].Max >= 5 && c.versions[wire.KeyTxnOffsetCommit].Max >= 5
}

// produceVersionLimit is the highest Produce version a request of the
// current transaction may use: v12+ means "add the partitions implicitly".
func (t *txnManager) produceVersionLimit() int16 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.v2 {
		return 13
	}
	return 11
}

// versionCap caps the version negotiated for a request.
type versionCap struct {
	wire.Request
	max int16
}

func (v versionCap) MaxVersion() int16 { return min(v.Request.MaxVersion(), v.max) }

// CommitTransaction flushes every record of the transaction and commits it.
// If a record failed, it returns a *TxnAbortableError and the transaction
// stays open: call AbortTransaction.
func (p *Producer) CommitTransaction(ctx context.Context) error {
	return p.endTxn(ctx, true)
}

// AbortTransaction drops the transaction's unsent records (they fail with
// ErrTxnAborted), waits for the ones in flight, and aborts it.
func (p *Producer) AbortTransaction(ctx context.Context) error {
	return p.endTxn(ctx, false)
}

func (p *Producer) endTxn(ctx context.Context, commit bool) error {
	t := p.txn
	op := "AbortTransaction"
	if commit {
		op = "CommitTransaction"
	}
	if t == nil {
		return &InvalidTxnStateError{Op: op, State: "NOT_TRANSACTIONAL"}
	}
	t.mu.Lock()
	if t.state != txnInProgress {
		st := t.state
		t.mu.Unlock()
		return &InvalidTxnStateError{Op: op, State: st.String()}
	}
	if commit && time.Since(t.started) > p.cfg.TransactionTimeout {
		t.abortable = fmt.Errorf("transaction ran longer than TransactionTimeout (%v); the coordinator aborts it", p.cfg.TransactionTimeout)
	}
	if commit && t.abortable != nil {
		err := t.abortable
		t.mu.Unlock()
		return &TxnAbortableError{Cause: err}
	}
	t.state = txnEnding
	t.mu.Unlock()
	restore := func() {
		t.mu.Lock()
		t.state = txnInProgress
		t.mu.Unlock()
	}
	if !commit {
		p.failAllQueued(ErrTxnAborted)
	}
	if err := p.Flush(ctx); err != nil {
		restore()
		return err
	}
	t.mu.Lock()
	abortable := t.abortable
	touched, v2 := t.touched, t.v2
	t.mu.Unlock()
	if commit && abortable != nil {
		restore()
		return &TxnAbortableError{Cause: abortable}
	}
	p.idem.mu.Lock()
	fatal := p.idem.fatal
	resetting := p.idem.resetting || p.idem.bumping
	p.idem.mu.Unlock()
	if fatal != nil {
		restore()
		return fatal
	}
	if touched && !resetting {
		pid, epoch, _ := p.producerIDAny()
		req := &wire.EndTxnRequest{TransactionalID: t.id, ProducerID: pid, ProducerEpoch: epoch, Committed: commit}
		maxVersion := int16(4)
		if v2 {
			maxVersion = 0
		}
		resp, err := t.coordinatorRequest(ctx, req, maxVersion, func(r wire.Response) int16 { return r.(*wire.EndTxnResponse).ErrorCode })
		var fe *ProducerFencedError
		if err != nil && !commit && errors.As(err, &fe) {
			// The coordinator may have aborted the transaction itself
			// (it timed out) and bumped the epoch: KIP-588 lets us
			// recover by asking for the next epoch; a real new instance
			// answers PRODUCER_FENCED instead.
			err = p.recoverEpoch(ctx, pid, epoch)
		}
		if err != nil {
			if errors.As(err, &fe) {
				p.idem.mu.Lock()
				p.idem.fatal = err
				p.idem.mu.Unlock()
			}
			restore()
			return err
		}
		if ec := endTxnCode(resp); ec != 0 {
			restore()
			if ec == 48 { // INVALID_TXN_STATE
				return &InvalidTxnStateError{Op: op, State: "rejected by the coordinator"}
			}
			return fmt.Errorf("kafka: %s: %w", op, errorFromCode(ec, nil))
		}
		if r, ok := resp.(*wire.EndTxnResponse); ok && v2 && r.ProducerID >= 0 && r.ProducerEpoch >= 0 {
			// V2: the coordinator bumped the epoch (or, at the end of the
			// epoch range, gave a new producer id) for the next transaction.
			p.adoptProducerID(r.ProducerID, r.ProducerEpoch)
		}
	} else if resetting {
		// The epoch bump aborts the transaction on the coordinator; wait
		// for it so the next transaction starts with the new epoch.
		for {
			p.idem.mu.Lock()
			busy := p.idem.resetting || p.idem.bumping
			p.idem.mu.Unlock()
			if !busy {
				break
			}
			select {
			case <-ctx.Done():
				restore()
				return ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
		}
		if commit {
			restore()
			return &TxnAbortableError{Cause: errors.New("the producer's epoch was bumped during the transaction")}
		}
	}
	t.mu.Lock()
	t.state = txnReady
	clear(t.added)
	t.abortable = nil
	t.mu.Unlock()
	return nil
}

// Txn is an open transaction, passed to the function given to Transaction.
// Its methods may be called from several goroutines while that function
// runs, and not after it returns.
type Txn struct {
	p   *Producer
	ctx context.Context
}

// Send sends records in the transaction and waits for their acknowledgement.
func (tx *Txn) Send(ctx context.Context, topic string, msgs ...Message) ([]SendResult, error) {
	return tx.p.send(ctx, topic, msgs, nil).Wait(ctx)
}

// SendAsync queues records in the transaction; commit waits for them.
func (tx *Txn) SendAsync(topic string, msgs ...Message) *Pending {
	return tx.p.send(tx.ctx, topic, msgs, nil)
}

// GroupMetadata identifies a consumer group member for SendOffsets. Only
// GroupID is required; GenerationID -1 and an empty MemberID skip the
// broker's fencing of zombie consumers.
type GroupMetadata struct {
	GroupID         string
	GenerationID    int32
	MemberID        string
	GroupInstanceID *string
}

// SendOffsets commits consumer offsets (topic → partition → the next offset
// to consume) as part of the transaction, for consume-transform-produce.
func (tx *Txn) SendOffsets(ctx context.Context, group GroupMetadata, offsets map[string]map[int32]int64) error {
	return tx.p.SendOffsetsToTransaction(ctx, group, offsets)
}

// SendOffsetsToTransaction is Txn.SendOffsets for the lower-level API.
func (p *Producer) SendOffsetsToTransaction(ctx context.Context, group GroupMetadata, offsets map[string]map[int32]int64) error {
	t := p.txn
	if t == nil {
		return &InvalidTxnStateError{Op: "SendOffsets", State: "NOT_TRANSACTIONAL"}
	}
	t.mu.Lock()
	st := t.state
	t.mu.Unlock()
	if st != txnInProgress {
		return &InvalidTxnStateError{Op: "SendOffsets", State: st.String()}
	}
	if group.GenerationID == 0 && group.MemberID == "" {
		group.GenerationID = -1
	}
	pid, epoch, _ := p.producerIDAny()
	t.mu.Lock()
	v2 := t.v2
	t.mu.Unlock()
	if !v2 {
		// V1: the group joins the transaction first. (V2's TxnOffsetCommit
		// v5 adds it implicitly.)
		add := &wire.AddOffsetsToTxnRequest{TransactionalID: t.id, ProducerID: pid, ProducerEpoch: epoch, GroupID: group.GroupID}
		resp, err := t.coordinatorRequest(ctx, add, 0, func(r wire.Response) int16 { return r.(*wire.AddOffsetsToTxnResponse).ErrorCode })
		if err != nil {
			return err
		}
		if ec := resp.(*wire.AddOffsetsToTxnResponse).ErrorCode; ec != 0 {
			err := fmt.Errorf("kafka: AddOffsetsToTxn: %w", errorFromCode(ec, nil))
			t.setAbortable(err)
			return err
		}
	}
	t.mu.Lock()
	t.touched = true
	t.mu.Unlock()
	var commit wire.Request
	req := &wire.TxnOffsetCommitRequest{TransactionalID: t.id, GroupID: group.GroupID, ProducerID: pid, ProducerEpoch: epoch,
		GenerationID: group.GenerationID, MemberID: group.MemberID, GroupInstanceID: group.GroupInstanceID}
	for topic, parts := range offsets {
		tt := wire.TxnOffsetCommitTopic{Name: topic}
		for part, off := range parts {
			tt.Partitions = append(tt.Partitions, wire.TxnOffsetCommitPartition{Index: part, CommittedOffset: off, CommittedLeaderEpoch: -1})
		}
		req.Topics = append(req.Topics, tt)
	}
	commit = req
	if !v2 {
		commit = versionCap{req, 4}
	}
	backoff := 20 * time.Millisecond
	for {
		b, err := p.cl.findCoordinator(ctx, wire.CoordinatorKeyGroup, group.GroupID)
		var resp wire.Response
		if err == nil {
			var c *conn
			if c, err = p.cl.conn(ctx, b); err == nil {
				resp, _, err = c.do(ctx, commit)
			}
		}
		if err == nil {
			retry := false
			for _, tr := range resp.(*wire.TxnOffsetCommitResponse).Topics {
				for _, pr := range tr.Partitions {
					switch {
					case pr.ErrorCode == 0:
					case txnRetriableCode(pr.ErrorCode) || pr.ErrorCode == 27: // REBALANCE_IN_PROGRESS
						retry = true
						err = errorFromCode(pr.ErrorCode, nil)
					default:
						err := fmt.Errorf("kafka: TxnOffsetCommit %s[%d]: %w", tr.Name, pr.Index, errorFromCode(pr.ErrorCode, nil))
						t.setAbortable(err)
						return err
					}
				}
			}
			if !retry {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kafka: TxnOffsetCommit: %w (last error: %v)", ctx.Err(), err)
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, p.cfg.MaxRetryBackoff)
	}
}

// Transaction runs fn in a transaction: it commits when fn returns nil, and
// aborts when fn returns an error, panics (the panic is re-raised after the
// abort) or ctx ends, or when the commit fails with an abortable error. The
// transaction is also bounded by TransactionTimeout. Concurrent calls run
// one after another, in the order they were made.
//
// It returns fn's error, or the commit's, or the abort's. Use
// ClassifyTxnError to decide whether to retry.
func (p *Producer) Transaction(ctx context.Context, fn func(tx *Txn) error) (err error) {
	t := p.txn
	if t == nil {
		return &InvalidTxnStateError{Op: "Transaction", State: "NOT_TRANSACTIONAL"}
	}
	if err := t.queue.lock(ctx); err != nil {
		return err
	}
	defer t.queue.unlock()
	if err := p.BeginTransaction(ctx); err != nil {
		return err
	}
	tctx, cancel := context.WithTimeout(ctx, p.cfg.TransactionTimeout)
	defer cancel()
	abort := func(cause error) error {
		actx, acancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.TransactionTimeout)
		defer acancel()
		if aerr := p.AbortTransaction(actx); aerr != nil {
			return errors.Join(cause, fmt.Errorf("kafka: abort failed: %w", aerr))
		}
		return cause
	}
	defer func() {
		if r := recover(); r != nil {
			abort(fmt.Errorf("kafka: transaction function panicked: %v", r))
			panic(r)
		}
	}()
	if ferr := fn(&Txn{p: p, ctx: tctx}); ferr != nil {
		return abort(ferr)
	}
	if tctx.Err() != nil {
		return abort(fmt.Errorf("kafka: transaction not committed: %w", tctx.Err()))
	}
	if cerr := p.CommitTransaction(tctx); cerr != nil {
		if ClassifyTxnError(cerr) == TxnFatal {
			return cerr
		}
		return abort(cerr)
	}
	return nil
}

// fifo is a lock granted in request order.
type fifo struct {
	mu      sync.Mutex
	held    bool
	waiters []chan struct{}
}

func (f *fifo) lock(ctx context.Context) error {
	f.mu.Lock()
	if !f.held {
		f.held = true
		f.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	f.waiters = append(f.waiters, ch)
	f.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		f.mu.Lock()
		for i, w := range f.waiters {
			if w == ch {
				f.waiters = append(f.waiters[:i], f.waiters[i+1:]...)
				f.mu.Unlock()
				return ctx.Err()
			}
		}
		f.mu.Unlock()
		<-ch // granted while we gave up: pass it on
		f.unlock()
		return ctx.Err()
	}
}

func (f *fifo) unlock() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.waiters) == 0 {
		f.held = false
		return
	}
	ch := f.waiters[0]
	f.waiters = f.waiters[1:]
	close(ch)
}

func endTxnCode(resp wire.Response) int16 {
	if resp == nil { // recovered by recoverEpoch
		return 0
	}
	return resp.(*wire.EndTxnResponse).ErrorCode
}

// recoverEpoch asks InitProducerId for the epoch after (pid, epoch) once
// the coordinator aborted our transaction on its own, and renumbers
// sequences from 0.
func (p *Producer) recoverEpoch(ctx context.Context, pid int64, epoch int16) error {
	npid, nepoch, err := p.initProducerID(ctx, pid, epoch)
	if err != nil {
		return err
	}
	p.adoptProducerID(npid, nepoch)
	p.cl.cfg.Logger.Info("kafka: transaction was aborted by the coordinator; recovered with a new epoch", "producer_id", npid, "epoch", nepoch)
	return nil
}

// adoptProducerID switches to a new producer id and epoch between
// transactions (nothing is in flight) and restarts every partition's
// sequence at 0, as the broker expects after an epoch change.
func (p *Producer) adoptProducerID(pid int64, epoch int16) {
	for _, pt := range p.allPartitions() {
		pt.mu.Lock()
		pt.nextSeq, pt.expectSeq, pt.seqConfirmed = 0, 0, false
		pt.mu.Unlock()
	}
	p.idem.mu.Lock()
	p.idem.pid, p.idem.epoch = pid, epoch
	p.idem.mu.Unlock()
	p.cl.cfg.Logger.Debug("kafka: producer id and epoch for the next transaction", "producer_id", pid, "epoch", epoch)
}
