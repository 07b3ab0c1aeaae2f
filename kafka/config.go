package kafka

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"strings"
	"time"
)

// Acks says how many replicas must acknowledge a Produce request.
type Acks int8

const (
	// AcksAll waits for all in-sync replicas (Kafka acks=-1). The default.
	AcksAll Acks = iota
	// AcksLeader waits for the partition leader only (acks=1).
	AcksLeader
	// AcksNone does not wait at all (acks=0): results carry Offset -1.
	AcksNone
)

func (a Acks) wire() int16 {
	switch a {
	case AcksLeader:
		return 1
	case AcksNone:
		return 0
	}
	return -1
}

// String returns "all", "leader" or "none".
func (a Acks) String() string {
	switch a {
	case AcksAll:
		return "all"
	case AcksLeader:
		return "leader"
	case AcksNone:
		return "none"
	}
	return fmt.Sprintf("Acks(%d)", int8(a))
}

// ParseAcks parses "all" (or "-1"), "leader" (or "1") and "none" (or "0").
func ParseAcks(s string) (Acks, error) {
	switch strings.ToLower(s) {
	case "all", "-1", "":
		return AcksAll, nil
	case "leader", "1":
		return AcksLeader, nil
	case "none", "0":
		return AcksNone, nil
	}
	return 0, fmt.Errorf("kafka: unknown acks %q (want all, leader or none)", s)
}

// Compression is a record batch compression codec. Its value is Kafka's
// codec id (the low three bits of the batch attributes).
type Compression int8

const (
	CompressionNone   Compression = 0 // the default
	CompressionGzip   Compression = 1
	CompressionSnappy Compression = 2
	CompressionLZ4    Compression = 3
	CompressionZstd   Compression = 4
)

// String returns "none", "gzip", "snappy", "lz4" or "zstd".
func (c Compression) String() string {
	switch c {
	case CompressionNone:
		return "none"
	case CompressionGzip:
		return "gzip"
	case CompressionSnappy:
		return "snappy"
	case CompressionLZ4:
		return "lz4"
	case CompressionZstd:
		return "zstd"
	}
	return fmt.Sprintf("Compression(%d)", int8(c))
}

// ParseCompression parses a codec name as String prints it.
func ParseCompression(s string) (Compression, error) {
	for c := CompressionNone; c <= CompressionZstd; c++ {
		if strings.EqualFold(s, c.String()) {
			return c, nil
		}
	}
	if s == "" {
		return CompressionNone, nil
	}
	return 0, fmt.Errorf("kafka: unknown compression %q (want none, gzip, snappy, lz4 or zstd)", s)
}

// SASLMechanism names a SASL mechanism.
type SASLMechanism string

const (
	SASLPlain       SASLMechanism = "PLAIN"
	SASLScramSHA256 SASLMechanism = "SCRAM-SHA-256"
	SASLScramSHA512 SASLMechanism = "SCRAM-SHA-512"
)

// SASLConfig configures SASL authentication. The password never appears in
// logs or errors.
type SASLConfig struct {
	Mechanism SASLMechanism
	Username  string
	Password  string
}

// ClientConfig configures a [Client]. The zero value of every field but
// Brokers is a usable default.
type ClientConfig struct {
	// ClientID is sent with every request. Default "kafkawasm".
	ClientID string
	// Brokers are bootstrap addresses ("host:port"); any one that answers
	// is enough. Required.
	Brokers []string
	// ConnectTimeout bounds dialing (and TLS/SASL set-up). Default 10s.
	ConnectTimeout time.Duration
	// RequestTimeout bounds every non-produce request. Default 30s.
	RequestTimeout time.Duration
	// MetadataRefreshInterval is how often metadata is refreshed even
	// without errors. Default 5m.
	MetadataRefreshInterval time.Duration
	// TLS, when non-nil, is used for every broker connection.
	TLS *tls.Config
	// SASL, when non-nil, authenticates every broker connection.
	SASL *SASLConfig
	// Logger receives the client's logs. Default: slog.Default() with
	// component=kafkawasm.
	Logger *slog.Logger
	// Dial, when non-nil, replaces net.Dialer.DialContext (tests, proxies).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	// requestHook, set by tests only, sees the API key and version of
	// every request a connection writes, from the writing goroutine.
	requestHook func(key, version int16)
}

func (c ClientConfig) withDefaults() (ClientConfig, error) {
	if len(c.Brokers) == 0 {
		return c, &ConfigError{Field: "Brokers", Reason: "at least one bootstrap broker is required"}
	}
	for _, b := range c.Brokers {
		if _, _, err := net.SplitHostPort(b); err != nil {
			return c, &ConfigError{Field: "Brokers", Reason: fmt.Sprintf("%q is not host:port", b)}
		}
	}
	if c.ClientID == "" {
		c.ClientID = "kafkawasm"
	}
	c.ConnectTimeout = orDuration(c.ConnectTimeout, 10*time.Second)
	c.RequestTimeout = orDuration(c.RequestTimeout, 30*time.Second)
	c.MetadataRefreshInterval = orDuration(c.MetadataRefreshInterval, 5*time.Minute)
	if c.Logger == nil {
		c.Logger = slog.Default().With("component", "kafkawasm")
	}
	if c.SASL != nil {
		switch c.SASL.Mechanism {
		case SASLPlain, SASLScramSHA256, SASLScramSHA512:
		default:
			return c, &ConfigError{Field: "SASL.Mechanism", Reason: fmt.Sprintf("unsupported mechanism %q (want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)", c.SASL.Mechanism)}
		}
		switch {
		case c.SASL.Username == "":
			return c, &ConfigError{Field: "SASL.Username", Reason: "empty"}
		case c.SASL.Password == "":
			return c, &ConfigError{Field: "SASL.Password", Reason: "empty"}
		case c.SASL.Mechanism == SASLPlain && strings.ContainsRune(c.SASL.Username, 0):
			return c, &ConfigError{Field: "SASL.Username", Reason: "contains a NUL byte, which PLAIN cannot carry"}
		case c.SASL.Mechanism == SASLPlain && strings.ContainsRune(c.SASL.Password, 0):
			return c, &ConfigError{Field: "SASL.Password", Reason: "contains a NUL byte, which PLAIN cannot carry"}
		}
	}
	return c, nil
}

// NoLinger, as ProducerConfig.Linger, sends batches as soon as a connection
// can take them instead of waiting the default 5ms.
const NoLinger time.Duration = -1

// NoRetries, as ProducerConfig.Retries, disables retries.
const NoRetries = -1

// ProducerConfig configures a [Producer]. Every field's zero value means its
// documented default (the seed API's defaults).
type ProducerConfig struct {
	// Acks: AcksAll (default), AcksLeader or AcksNone.
	Acks Acks
	// Compression of record batches. Default CompressionNone.
	Compression Compression
	// Linger is how long a partition's batch waits for more records before
	// it is sent. Default 5ms; NoLinger for none.
	Linger time.Duration
	// MaxBatchBytes: a batch is sent once it reaches this many bytes
	// (uncompressed, batch header included). Default 16384.
	MaxBatchBytes int
	// Retries on retriable errors, per batch. Default 3 (with Idempotent:
	// unlimited, bounded by DeliveryTimeout, since retries are safe);
	// NoRetries for none. Retries stop early when DeliveryTimeout expires.
	Retries int
	// RetryBackoff is the first retry's backoff. Default 100ms.
	RetryBackoff time.Duration
	// MaxRetryBackoff caps the exponential, jittered backoff. Default 1s.
	MaxRetryBackoff time.Duration
	// Partitioner places records that have no explicit partition. Default
	// Murmur2Partitioner.
	Partitioner Partitioner
	// RequestTimeout bounds one Produce request (and is sent to the broker
	// as the produce timeout). Default 30s.
	RequestTimeout time.Duration
	// MaxInFlight is the number of Produce requests in flight per broker
	// connection; per-partition order is kept regardless. Default 5.
	MaxInFlight int
	// Idempotent enables the idempotent producer (requires AcksAll).
	Idempotent bool
	// TransactionalID enables transactions (implies Idempotent).
	TransactionalID string
	// TransactionTimeout is sent to the broker and enforced by the client.
	// Default 60s.
	TransactionTimeout time.Duration

	// DeliveryTimeout bounds the time from Send to acknowledgement,
	// including time blocked on a full buffer and all retries; a record not
	// acknowledged by then fails with *SendTimeoutError. Default 120s.
	// Exception: with Idempotent, a batch whose fate is in doubt (a request
	// carrying it got no definite answer) is resent at its sequence for up
	// to RequestTimeout more to learn it, so that a record the broker wrote
	// is reported delivered rather than failed (see SendTimeoutError).
	DeliveryTimeout time.Duration
	// MaxBufferedRecords bounds records queued and in flight; Send blocks
	// while it is reached. Default 100000.
	MaxBufferedRecords int
	// MaxBufferedBytes bounds the encoded bytes queued and in flight; Send
	// blocks while it is reached. Default 32 MiB.
	MaxBufferedBytes int
	// MaxMessageBytes is the largest batch a single record may produce
	// (Kafka's max.request.size / the broker's message.max.bytes); a larger
	// record fails with *RecordTooLargeError before anything is sent.
	// Default 1048576.
	MaxMessageBytes int
	// Interceptors run in order on every record before partitioning; they
	// may rewrite keys, values and headers, or fail single records.
	Interceptors []Interceptor
	// Observer, when non-nil, receives batch, retry and request events
	// (for metrics).
	Observer Observer
}

func (c ProducerConfig) withDefaults() (ProducerConfig, error) {
	var errs []error
	bad := func(field, reason string) { errs = append(errs, &ConfigError{Field: field, Reason: reason}) }
	if c.Acks < AcksAll || c.Acks > AcksNone {
		bad("Acks", "unknown value")
	}
	if c.Compression < CompressionNone || c.Compression > CompressionZstd {
		bad("Compression", "unknown codec")
	}
	switch {
	case c.Linger == 0:
		c.Linger = 5 * time.Millisecond
	case c.Linger < 0:
		c.Linger = 0
	}
	if c.MaxBatchBytes < 0 {
		bad("MaxBatchBytes", "must not be negative")
	}
	c.MaxBatchBytes = orInt(c.MaxBatchBytes, 16384)
	if c.TransactionalID != "" {
		c.Idempotent = true
	}
	switch {
	case c.Retries == 0 && c.Idempotent:
		c.Retries = math.MaxInt32 // bounded by DeliveryTimeout, like Java's default
	case c.Retries == 0:
		c.Retries = 3
	case c.Retries < 0:
		c.Retries = 0
	}
	c.RetryBackoff = orDuration(c.RetryBackoff, 100*time.Millisecond)
	c.MaxRetryBackoff = orDuration(c.MaxRetryBackoff, time.Second)
	if c.MaxRetryBackoff < c.RetryBackoff {
		bad("MaxRetryBackoff", "must not be less than RetryBackoff")
	}
	if c.Partitioner == nil {
		c.Partitioner = Murmur2Partitioner
	}
	c.RequestTimeout = orDuration(c.RequestTimeout, 30*time.Second)
	if c.MaxInFlight < 0 {
		bad("MaxInFlight", "must not be negative")
	}
	c.MaxInFlight = orInt(c.MaxInFlight, 5)
	if c.TransactionalID != "" {
		c.Idempotent = true
	}
	if c.Idempotent && c.Acks != AcksAll {
		bad("Acks", "the idempotent producer requires AcksAll")
	}
	if c.Idempotent && c.MaxInFlight > 5 {
		bad("MaxInFlight", "the idempotent producer allows at most 5 requests in flight")
	}
	c.TransactionTimeout = orDuration(c.TransactionTimeout, 60*time.Second)
	c.DeliveryTimeout = orDuration(c.DeliveryTimeout, 120*time.Second)
	c.MaxBufferedRecords = orInt(c.MaxBufferedRecords, 100000)
	c.MaxBufferedBytes = orInt(c.MaxBufferedBytes, 32<<20)
	c.MaxMessageBytes = orInt(c.MaxMessageBytes, 1<<20)
	if c.MaxBufferedBytes < c.MaxMessageBytes {
		bad("MaxBufferedBytes", "must be at least MaxMessageBytes")
	}
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	return c, nil
}

func orDuration(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

func orInt(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}
