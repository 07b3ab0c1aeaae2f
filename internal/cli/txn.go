package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/kafkawasm/kafkawasm/kafka"
)

// TxnAbortedError fails a record whose transaction was aborted (or whose
// commit failed): the broker may have written it, but read_committed
// consumers never see it.
type TxnAbortedError struct{ Cause error }

func (e *TxnAbortedError) Error() string { return "transaction aborted: " + e.Cause.Error() }

func (e *TxnAbortedError) Unwrap() error { return e.Cause }

// sendTxn sends msgs in a transaction of their own (a transactional
// producer, [producer] transactional_id): it commits when every record was
// acknowledged and aborts otherwise, and returns one result per message,
// every one failed if the transaction did not commit. It blocks until the
// commit or abort; transactions of one producer run one after another.
func sendTxn(ctx context.Context, p *kafka.Producer, topic string, msgs []kafka.Message) []kafka.SendResult {
	var res []kafka.SendResult
	err := p.Transaction(ctx, func(tx *kafka.Txn) error {
		r, err := tx.Send(ctx, topic, msgs...)
		res = r
		var de *kafka.DeliveryError
		if errors.As(err, &de) {
			return fmt.Errorf("%d of %d records failed (first: %v)", len(de.Failed), de.Total, de.Failed[0].Err)
		}
		return err
	})
	if err == nil {
		return res
	}
	if len(res) != len(msgs) {
		res = make([]kafka.SendResult, len(msgs))
		for i := range res {
			res[i] = kafka.SendResult{Topic: topic, Partition: -1}
		}
	}
	for i := range res {
		if res[i].Err == nil {
			res[i].Err = &TxnAbortedError{Cause: err}
		}
		res[i].Offset = -1
	}
	return res
}
