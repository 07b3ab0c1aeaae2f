package kafka_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/kafka"
)

// TestErrorCodes: every code of errors.tsv has its Kafka name and retriable
// flag on *kafka.Error.
func TestErrorCodes(t *testing.T) {
	t.Parallel()
	for _, row := range readTSV(t, sharedFile(t, "errors.tsv")) {
		code, err := strconv.Atoi(row[0])
		if err != nil || len(row) != 3 {
			t.Fatalf("bad row %q", row)
		}
		e := &kafka.Error{Code: int16(code)}
		if e.Name() != row[1] || e.Retriable() != (row[2] == "yes") {
			t.Errorf("code %d: %s retriable=%v, want %s retriable=%s", code, e.Name(), e.Retriable(), row[1], row[2])
		}
		if !strings.HasPrefix(e.Error(), "kafka: ") || !strings.Contains(e.Error(), row[1]) {
			t.Errorf("code %d: message %q", code, e.Error())
		}
	}
	if name := (&kafka.Error{Code: 31999}).Name(); name != "UNKNOWN_CODE_31999" {
		t.Errorf("unknown code named %q", name)
	}
}

func TestErrorSentinels(t *testing.T) {
	t.Parallel()
	cases := []struct {
		sentinel *kafka.Error
		code     int16
		name     string
	}{
		{kafka.ErrUnknownTopicOrPartition, 3, "UNKNOWN_TOPIC_OR_PARTITION"},
		{kafka.ErrNotLeader, 6, "NOT_LEADER_OR_FOLLOWER"},
		{kafka.ErrRequestTimedOut, 7, "REQUEST_TIMED_OUT"},
		{kafka.ErrMessageTooLarge, 10, "MESSAGE_TOO_LARGE"},
		{kafka.ErrTopicAuthorization, 29, "TOPIC_AUTHORIZATION_FAILED"},
		{kafka.ErrUnsupportedVersion, 35, "UNSUPPORTED_VERSION"},
		{kafka.ErrOutOfOrderSequence, 45, "OUT_OF_ORDER_SEQUENCE_NUMBER"},
		{kafka.ErrDuplicateSequence, 46, "DUPLICATE_SEQUENCE_NUMBER"},
		{kafka.ErrInvalidProducerEpoch, 47, "INVALID_PRODUCER_EPOCH"},
		{kafka.ErrSASLAuthentication, 58, "SASL_AUTHENTICATION_FAILED"},
		{kafka.ErrUnknownProducerID, 59, "UNKNOWN_PRODUCER_ID"},
	}
	for _, tc := range cases {
		if tc.sentinel.Code != tc.code || tc.sentinel.Name() != tc.name {
			t.Errorf("sentinel %v: code %d name %s, want %d %s", tc.sentinel, tc.sentinel.Code, tc.sentinel.Name(), tc.code, tc.name)
		}
		// Any *Error with the code matches, whatever its message.
		wrapped := fmt.Errorf("ctx: %w", &kafka.Error{Code: tc.code, Message: "from the broker"})
		if !errors.Is(wrapped, tc.sentinel) {
			t.Errorf("errors.Is(%v, %v) = false", wrapped, tc.sentinel)
		}
		if errors.Is(wrapped, &kafka.Error{Code: tc.code + 100}) {
			t.Errorf("code %d matched code %d", tc.code, tc.code+100)
		}
	}
}

// TestDeliveryErrorUnwrap: errors.As and errors.Is reach the per-record
// errors (and their causes) through a *DeliveryError.
func TestDeliveryErrorUnwrap(t *testing.T) {
	t.Parallel()
	rtl := &kafka.RecordTooLargeError{Topic: "t", Partition: 1, Size: 2000, Limit: 1000}
	ste := &kafka.SendTimeoutError{Topic: "t", Partition: 2, Timeout: time.Second, Cause: &kafka.Error{Code: 6}}
	de := &kafka.DeliveryError{Total: 5, Failed: []kafka.SendResult{
		{Topic: "t", Partition: 1, Offset: -1, Err: rtl},
		{Topic: "t", Partition: 2, Offset: -1, Err: ste},
	}}
	var err error = fmt.Errorf("send: %w", de)
	var gotRTL *kafka.RecordTooLargeError
	var gotSTE *kafka.SendTimeoutError
	var gotDE *kafka.DeliveryError
	if !errors.As(err, &gotRTL) || gotRTL != rtl {
		t.Error("errors.As did not find the *RecordTooLargeError")
	}
	if !errors.As(err, &gotSTE) || gotSTE != ste {
		t.Error("errors.As did not find the *SendTimeoutError")
	}
	if !errors.As(err, &gotDE) || gotDE.Total != 5 {
		t.Error("errors.As did not find the *DeliveryError")
	}
	if !errors.Is(err, kafka.ErrNotLeader) {
		t.Error("errors.Is(err, ErrNotLeader) = false through SendTimeoutError.Cause")
	}
	if !errors.Is(err, kafka.ErrMessageTooLarge) {
		t.Error("errors.Is(err, ErrMessageTooLarge) = false through RecordTooLargeError")
	}
	if errors.Is(err, kafka.ErrProducerClosed) {
		t.Error("errors.Is(err, ErrProducerClosed) = true")
	}
	msg := de.Error()
	for _, want := range []string{"kafka: 2 of 5 records failed", "2000 bytes", "1000-byte limit", "1s delivery timeout", "NOT_LEADER_OR_FOLLOWER"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	// Long lists are cut after three.
	many := &kafka.DeliveryError{Total: 10}
	for range 7 {
		many.Failed = append(many.Failed, kafka.SendResult{Err: kafka.ErrProducerClosed})
	}
	if msg := many.Error(); !strings.Contains(msg, "and 4 more") || strings.Count(msg, "producer closed") != 3 {
		t.Errorf("message %q: want three errors and \"and 4 more\"", msg)
	}
}

func TestTypedErrorFields(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection refused")
	cases := []struct {
		err    error
		want   []string
		unwrap error
	}{
		{&kafka.RecordTooLargeError{Topic: "t", Partition: 3, Size: 10, Limit: 5}, []string{"kafka:", "t[3]", "10 bytes", "5-byte"}, kafka.ErrMessageTooLarge},
		{&kafka.SendTimeoutError{Topic: "t", Partition: -1, Timeout: 2 * time.Second, Cause: cause}, []string{"kafka:", "t[-1]", "2s", "connection refused"}, cause},
		{&kafka.EncodeError{Topic: "t", Index: 4, Stage: "value codec", Err: cause}, []string{"kafka:", "record 4", "value codec"}, cause},
		{&kafka.ConfigError{Field: "Acks", Reason: "bad"}, []string{"kafka: config Acks: bad"}, nil},
		{&kafka.ConnError{Addr: "h:1", Op: "dial", Err: cause}, []string{"kafka:", "h:1", "dial"}, cause},
	}
	for _, tc := range cases {
		for _, w := range tc.want {
			if !strings.Contains(tc.err.Error(), w) {
				t.Errorf("%T message %q lacks %q", tc.err, tc.err, w)
			}
		}
		if tc.unwrap != nil && !errors.Is(tc.err, tc.unwrap) {
			t.Errorf("%T does not unwrap to %v", tc.err, tc.unwrap)
		}
	}
}
