package kafka

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

// TestProducerConfigDefaults: the zero ProducerConfig gets the seed's
// defaults (and ours for the options beyond the seed).
func TestProducerConfigDefaults(t *testing.T) {
	c, err := ProducerConfig{}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Acks", c.Acks, AcksAll},
		{"Compression", c.Compression, CompressionNone},
		{"Linger", c.Linger, 5 * time.Millisecond},
		{"MaxBatchBytes", c.MaxBatchBytes, 16384},
		{"Retries", c.Retries, 3},
		{"RetryBackoff", c.RetryBackoff, 100 * time.Millisecond},
		{"MaxRetryBackoff", c.MaxRetryBackoff, time.Second},
		{"Partitioner", c.Partitioner, Murmur2Partitioner},
		{"RequestTimeout", c.RequestTimeout, 30 * time.Second},
		{"MaxInFlight", c.MaxInFlight, 5},
		{"Idempotent", c.Idempotent, false},
		{"TransactionalID", c.TransactionalID, ""},
		{"TransactionTimeout", c.TransactionTimeout, 60 * time.Second},
		{"DeliveryTimeout", c.DeliveryTimeout, 120 * time.Second},
		{"MaxBufferedRecords", c.MaxBufferedRecords, 100000},
		{"MaxBufferedBytes", c.MaxBufferedBytes, 32 << 20},
		{"MaxMessageBytes", c.MaxMessageBytes, 1 << 20},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("default %s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	if AcksAll.wire() != -1 || AcksLeader.wire() != 1 || AcksNone.wire() != 0 {
		t.Errorf("acks on the wire: %d %d %d", AcksAll.wire(), AcksLeader.wire(), AcksNone.wire())
	}
}

// TestProducerConfigExplicit: set values are kept; the "none" sentinels
// map to zero; a transactional id implies idempotence.
func TestProducerConfigExplicit(t *testing.T) {
	in := ProducerConfig{
		Acks: AcksLeader, Compression: CompressionZstd, Linger: time.Second, MaxBatchBytes: 1000,
		Retries: 7, RetryBackoff: time.Millisecond, MaxRetryBackoff: 2 * time.Millisecond,
		Partitioner: RoundRobinPartitioner, RequestTimeout: time.Minute, MaxInFlight: 9,
		TransactionTimeout: 5 * time.Second, DeliveryTimeout: time.Hour,
		MaxBufferedRecords: 10, MaxBufferedBytes: 4 << 20, MaxMessageBytes: 2 << 20,
	}
	c, err := in.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.Acks != in.Acks || c.Compression != in.Compression || c.Linger != in.Linger || c.MaxBatchBytes != in.MaxBatchBytes ||
		c.Retries != in.Retries || c.RetryBackoff != in.RetryBackoff || c.MaxRetryBackoff != in.MaxRetryBackoff ||
		c.Partitioner != in.Partitioner || c.RequestTimeout != in.RequestTimeout || c.MaxInFlight != in.MaxInFlight ||
		c.TransactionTimeout != in.TransactionTimeout || c.DeliveryTimeout != in.DeliveryTimeout ||
		c.MaxBufferedRecords != in.MaxBufferedRecords || c.MaxBufferedBytes != in.MaxBufferedBytes || c.MaxMessageBytes != in.MaxMessageBytes {
		t.Errorf("withDefaults changed explicit values:\n in  %+v\n out %+v", in, c)
	}
	c, err = ProducerConfig{Linger: NoLinger, Retries: NoRetries}.withDefaults()
	if err != nil || c.Linger != 0 || c.Retries != 0 {
		t.Errorf("NoLinger/NoRetries: Linger %v Retries %d err %v, want 0, 0", c.Linger, c.Retries, err)
	}
	c, err = ProducerConfig{TransactionalID: "tx"}.withDefaults()
	if err != nil || !c.Idempotent {
		t.Errorf("TransactionalID: Idempotent %v err %v, want implied", c.Idempotent, err)
	}
	// Idempotent retries are safe: unlimited by default, bounded by the
	// delivery timeout; an explicit count is kept.
	if c.Retries != math.MaxInt32 {
		t.Errorf("idempotent default Retries %d, want MaxInt32", c.Retries)
	}
	if c, _ := (ProducerConfig{Idempotent: true, Retries: 2}).withDefaults(); c.Retries != 2 {
		t.Errorf("idempotent explicit Retries %d, want 2", c.Retries)
	}
}

func TestProducerConfigInvalid(t *testing.T) {
	cases := []struct {
		name  string
		cfg   ProducerConfig
		field string
	}{
		{"acks", ProducerConfig{Acks: 7}, "Acks"},
		{"compression", ProducerConfig{Compression: 9}, "Compression"},
		{"negative batch", ProducerConfig{MaxBatchBytes: -1}, "MaxBatchBytes"},
		{"backoff cap below base", ProducerConfig{RetryBackoff: time.Second, MaxRetryBackoff: time.Millisecond}, "MaxRetryBackoff"},
		{"negative in-flight", ProducerConfig{MaxInFlight: -1}, "MaxInFlight"},
		{"idempotent acks", ProducerConfig{Idempotent: true, Acks: AcksLeader}, "Acks"},
		{"idempotent in-flight", ProducerConfig{Idempotent: true, MaxInFlight: 6}, "MaxInFlight"},
		{"transactional acks", ProducerConfig{TransactionalID: "tx", Acks: AcksNone}, "Acks"},
		{"buffer below message", ProducerConfig{MaxBufferedBytes: 1000, MaxMessageBytes: 2000}, "MaxBufferedBytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.cfg.withDefaults()
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("withDefaults(%+v) = %v, want a *ConfigError", tc.cfg, err)
			}
			found := false
			for e := range allConfigErrors(err) {
				found = found || e.Field == tc.field
			}
			if !found {
				t.Fatalf("error %q does not name field %s", err, tc.field)
			}
			if !strings.HasPrefix(err.Error(), "kafka: config ") {
				t.Errorf("message %q: want the \"kafka: config\" prefix", err)
			}
		})
	}
	// Several problems are all reported, in one error.
	_, err := ProducerConfig{Acks: 7, MaxBatchBytes: -1}.withDefaults()
	n := 0
	for range allConfigErrors(err) {
		n++
	}
	if n != 2 {
		t.Errorf("two invalid fields gave %d config errors: %v", n, err)
	}
}

// allConfigErrors yields the *ConfigErrors in err's tree.
func allConfigErrors(err error) func(func(*ConfigError) bool) {
	return func(yield func(*ConfigError) bool) {
		var walk func(error) bool
		walk = func(e error) bool {
			switch x := e.(type) {
			case *ConfigError:
				return yield(x)
			case interface{ Unwrap() []error }:
				for _, c := range x.Unwrap() {
					if !walk(c) {
						return false
					}
				}
			case interface{ Unwrap() error }:
				return walk(x.Unwrap())
			}
			return true
		}
		if err != nil {
			walk(err)
		}
	}
}

func TestClientConfigDefaults(t *testing.T) {
	c, err := ClientConfig{Brokers: []string{"127.0.0.1:9092"}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.ClientID != "kafkawasm" || c.ConnectTimeout != 10*time.Second || c.RequestTimeout != 30*time.Second ||
		c.MetadataRefreshInterval != 5*time.Minute || c.Logger == nil {
		t.Errorf("client defaults: %+v", c)
	}
	for _, bad := range []ClientConfig{
		{},
		{Brokers: []string{"no-port"}},
		{Brokers: []string{"h:1"}, SASL: &SASLConfig{Mechanism: "GSSAPI"}},
	} {
		var ce *ConfigError
		if _, err := bad.withDefaults(); !errors.As(err, &ce) {
			t.Errorf("withDefaults(%+v) = %v, want *ConfigError", bad, err)
		}
	}
}
