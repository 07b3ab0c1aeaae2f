package kafka

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrProducerClosed is returned by Send, SendAsync, Flush and Transaction
// once Close has been called, and fails records still queued when Close
// gives up.
var ErrProducerClosed = errors.New("kafka: producer closed")

// ErrClientClosed is returned by Client methods after Client.Close.
var ErrClientClosed = errors.New("kafka: client closed")

type errorInfo struct {
	name      string
	retriable bool
}

// Error is an error code returned by a broker.
type Error struct {
	Code    int16
	Message string // the broker's error message, if it sent one
}

// Name is Kafka's name for the code, e.g. "NOT_LEADER_OR_FOLLOWER".
func (e *Error) Name() string {
	if info, ok := errorTable[e.Code]; ok {
		return info.name
	}
	return fmt.Sprintf("UNKNOWN_CODE_%d", e.Code)
}

// Retriable reports whether Kafka classifies the code as retriable.
func (e *Error) Retriable() bool { return errorTable[e.Code].retriable }

func (e *Error) Error() string {
	if e.Message != "" {
		return fmt.Sprintf("kafka: broker error %s (%d): %s", e.Name(), e.Code, e.Message)
	}
	return fmt.Sprintf("kafka: broker error %s (%d)", e.Name(), e.Code)
}

// Is makes errors.Is(err, &kafka.Error{Code: n}) match any *Error with code n.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Broker error codes the producer treats specially, usable with errors.Is.
var (
	ErrUnknownTopicOrPartition = &Error{Code: 3}
	ErrNotLeader               = &Error{Code: 6}
	ErrRequestTimedOut         = &Error{Code: 7}
	ErrMessageTooLarge         = &Error{Code: 10}
	ErrTopicAuthorization      = &Error{Code: 29}
	ErrUnsupportedVersion      = &Error{Code: 35}
	ErrOutOfOrderSequence      = &Error{Code: 45}
	ErrDuplicateSequence       = &Error{Code: 46}
	ErrInvalidProducerEpoch    = &Error{Code: 47}
	ErrSASLAuthentication      = &Error{Code: 58}
	ErrUnknownProducerID       = &Error{Code: 59}
)

func errorFromCode(code int16, msg *string) error {
	if code == 0 {
		return nil
	}
	e := &Error{Code: code}
	if msg != nil {
		e.Message = *msg
	}
	return e
}

// RecordTooLargeError reports a record that cannot fit in a batch the
// broker accepts. Nothing of it was sent.
type RecordTooLargeError struct {
	Topic     string
	Partition int32
	Size      int // the record's encoded size in bytes
	Limit     int // the limit it exceeds
}

func (e *RecordTooLargeError) Error() string {
	return fmt.Sprintf("kafka: record for %s[%d] is %d bytes, over the %d-byte limit", e.Topic, e.Partition, e.Size, e.Limit)
}

// Unwrap returns ErrMessageTooLarge.
func (e *RecordTooLargeError) Unwrap() error { return ErrMessageTooLarge }

// SendTimeoutError reports a record that was not acknowledged within the
// delivery timeout. Cause, when known, is the last error seen (for example
// a connection error while the broker was down).
//
// MaybeWritten tells the two outcomes apart. When false, the record was
// not written: no request carrying it reached the broker, or the broker
// refused it. When true, a request carrying it got no definite answer (the
// connection dropped, the request timed out, or the broker appended it but
// could not confirm replication): it may be in the log. An idempotent
// producer first keeps resending such a batch at the same sequence for up
// to ProducerConfig.RequestTimeout past the delivery deadline, which
// settles it whenever the broker can be reached (a batch the broker has is
// then reported delivered, with its offset), so MaybeWritten is set only if
// the broker stayed unreachable. Sending the record again after a
// MaybeWritten error can duplicate it. errors.Is(err, ErrMaybeWritten)
// reports MaybeWritten.
type SendTimeoutError struct {
	Topic        string
	Partition    int32
	Timeout      time.Duration
	Cause        error
	MaybeWritten bool
}

// ErrMaybeWritten matches (with errors.Is) a *SendTimeoutError whose
// records may have been written.
var ErrMaybeWritten = errors.New("kafka: the record may have been written")

func (e *SendTimeoutError) Error() string {
	s := fmt.Sprintf("kafka: record for %s[%d] not acknowledged within the %v delivery timeout", e.Topic, e.Partition, e.Timeout)
	if e.MaybeWritten {
		s += " (the broker may have written it: no definite answer)"
	}
	if e.Cause != nil {
		s += ": last error: " + e.Cause.Error()
	}
	return s
}

func (e *SendTimeoutError) Unwrap() error { return e.Cause }

// Is reports whether target is ErrMaybeWritten and the records may have
// been written.
func (e *SendTimeoutError) Is(target error) bool { return target == ErrMaybeWritten && e.MaybeWritten }

// ConfigError reports an invalid configuration field.
type ConfigError struct {
	Field  string
	Reason string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("kafka: config %s: %s", e.Field, e.Reason) }

// ProducerFencedError reports that another producer with the same
// transactional id (or a newer epoch) took over. It is fatal: the producer
// must be closed and recreated.
type ProducerFencedError struct {
	TransactionalID string
	Cause           error
}

func (e *ProducerFencedError) Error() string {
	return fmt.Sprintf("kafka: producer with transactional id %q was fenced by a newer instance", e.TransactionalID)
}

func (e *ProducerFencedError) Unwrap() error { return e.Cause }

// InvalidTxnStateError reports an operation that the transaction's current
// state does not allow (for example Send outside a transaction on a
// transactional producer).
type InvalidTxnStateError struct {
	Op    string
	State string
}

func (e *InvalidTxnStateError) Error() string {
	return fmt.Sprintf("kafka: %s is not allowed in transaction state %s", e.Op, e.State)
}

// EncodeError reports a record that an interceptor, codec or partitioner
// refused. Only that record fails.
type EncodeError struct {
	Topic string
	Index int // the record's index in its Send call
	Stage string
	Err   error
}

func (e *EncodeError) Error() string {
	return fmt.Sprintf("kafka: record %d for %s failed in %s: %v", e.Index, e.Topic, e.Stage, e.Err)
}

func (e *EncodeError) Unwrap() error { return e.Err }

// DeliveryError is returned by Send (and Pending.Wait) when some records of
// the call failed; the others were delivered. errors.As finds the per-record
// errors through Unwrap.
type DeliveryError struct {
	Total  int
	Failed []SendResult // the failed results, each with Err set
}

func (e *DeliveryError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kafka: %d of %d records failed", len(e.Failed), e.Total)
	for i, r := range e.Failed {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(e.Failed)-3)
			break
		}
		b.WriteString("; ")
		b.WriteString(r.Err.Error())
	}
	return b.String()
}

func (e *DeliveryError) Unwrap() []error {
	out := make([]error, len(e.Failed))
	for i, r := range e.Failed {
		out[i] = r.Err
	}
	return out
}

func deliveryError(results []SendResult) error {
	var failed []SendResult
	for _, r := range results {
		if r.Err != nil {
			failed = append(failed, r)
		}
	}
	if failed == nil {
		return nil
	}
	return &DeliveryError{Total: len(results), Failed: failed}
}
