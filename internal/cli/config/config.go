// Package config loads and validates kafkawasm's producer.toml.
//
// Decoding is strict: an unknown key, a value of the wrong type or an out
// of range value is a Problem located by file, line and column, and Load
// reports all of them at once (as *Error). Absent keys take the seed
// API's defaults, so an empty file is a valid config that produces to the
// embedded development broker.
//
// The loader parses with github.com/BurntSushi/toml into a generic tree,
// then walks it with typed getters; key positions come from a small
// second scan of the text (keypos.go), because the TOML library keeps
// them private.
package config

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

// EnvBrokers names the environment variable that, when set and not empty,
// replaces [client] brokers (comma-separated host:port list).
const EnvBrokers = "KAFKAWASM_BROKERS"

// File is a loaded producer.toml. It is immutable after Load.
type File struct {
	// Path is the file's path as given to Load; Dir is its directory,
	// against which relative paths in the file are resolved.
	Path, Dir string

	Client    Client
	Producer  Producer
	DevBroker DevBroker
	// Plugins holds the [plugins.NAME] and [topics.NAME] tables, decoded
	// and validated by the plugin runtime. Never nil.
	Plugins *runtime.PluginsConfig

	// BrokersFrom says where Client.Brokers came from: "file", EnvBrokers
	// or "--brokers" (set by the command line).
	BrokersFrom string

	// Raw is the decoded TOML tree and Meta its metadata, for delegating
	// tables to other decoders.
	Raw  map[string]any
	Meta toml.MetaData

	keys *keyIndex
}

// Client is the [client] table.
type Client struct {
	ClientID                string
	Brokers                 []string // empty: start the embedded development broker
	ConnectTimeout          time.Duration
	RequestTimeout          time.Duration
	MetadataRefreshInterval time.Duration
	TLS                     *TLS  // nil: plaintext
	SASL                    *SASL // nil: no authentication
}

// TLS is the [client.tls] table; its presence turns TLS on.
type TLS struct {
	CAFile, CertFile, KeyFile string // resolved against File.Dir
	ServerName                string
	InsecureSkipVerify        bool
}

// SASL is the [client.sasl] table. The password is never in the file:
// PasswordEnv names the environment variable holding it.
type SASL struct {
	Mechanism   kafka.SASLMechanism
	Username    string
	PasswordEnv string
}

// Producer is the [producer] table: the seed API's options in snake_case
// with its defaults, plus the bounded-buffer and delivery options.
type Producer struct {
	Acks               kafka.Acks
	Compression        kafka.Compression
	Linger             time.Duration // 0 means no linger
	MaxBatchBytes      int
	Retries            int // 0 means no retries
	RetryBackoff       time.Duration
	MaxRetryBackoff    time.Duration
	Partitioner        string // "murmur2", "round-robin" or a partitioner plugin's name
	RequestTimeout     time.Duration
	MaxInFlight        int
	Idempotent         bool
	TransactionalID    string
	TransactionTimeout time.Duration
	DeliveryTimeout    time.Duration
	MaxBufferedRecords int
	MaxBufferedBytes   int
	MaxMessageBytes    int
}

// DevBroker is the [dev_broker] table, used when no brokers are configured.
type DevBroker struct {
	Partitions int // default partitions of auto-created topics; default 3
	Port       int // 0: any free port
}

// Default returns the config of an empty file.
func Default() *File {
	f := &File{BrokersFrom: "file", Plugins: &runtime.PluginsConfig{}}
	w := &walker{keys: indexKeys(nil)}
	f.Client = w.client(nil)
	f.Producer = w.producer(nil)
	f.DevBroker = w.devBroker(nil)
	return f
}

// Load reads and validates the config file at path. getenv (os.Getenv
// when nil) supplies EnvBrokers. On problems it returns *Error listing all
// of them and, when the file is valid TOML, the partially loaded *File.
func Load(path string, getenv func(string) string) (*File, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Problems: []Problem{{File: path, Msg: err.Error()}}}
	}
	return Parse(path, src, getenv)
}

// Parse is Load on file contents already read; path is used for
// messages and to resolve relative paths.
func Parse(path string, src []byte, getenv func(string) string) (*File, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var raw map[string]any
	md, err := toml.Decode(string(src), &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{Problems: []Problem{{File: path, Pos: Pos{pe.Position.Line, pe.Position.Col}, Msg: pe.Message}}}
		}
		return nil, &Error{Problems: []Problem{{File: path, Msg: err.Error()}}}
	}
	dir := filepath.Dir(path)
	f := &File{Path: path, Dir: dir, Raw: raw, Meta: md, keys: indexKeys(src), BrokersFrom: "file"}
	w := &walker{file: path, keys: f.keys}
	w.known(raw, nil, "client", "producer", "dev_broker", "plugins", "topics")

	sub := func(key string) map[string]any {
		t, _ := w.table(raw, nil, key)
		return t
	}
	f.Client = w.client(sub("client"))
	if f.Client.TLS != nil {
		for _, p := range []*string{&f.Client.TLS.CAFile, &f.Client.TLS.CertFile, &f.Client.TLS.KeyFile} {
			if *p != "" && !filepath.IsAbs(*p) {
				*p = filepath.Join(dir, *p)
			}
		}
	}
	if env := strings.TrimSpace(getenv(EnvBrokers)); env != "" {
		f.Client.Brokers = SplitBrokers(env)
		f.BrokersFrom = EnvBrokers
	}
	f.Producer = w.producer(sub("producer"))
	f.DevBroker = w.devBroker(sub("dev_broker"))
	w.pluginTables(f, src)
	w.producerPartitioner(f)
	if len(w.problems) > 0 {
		sortProblems(w.problems)
		return f, &Error{Problems: w.problems}
	}
	return f, nil
}

// PosOf returns the position of a key path in the file (or of its
// longest defined prefix), for callers that report their own problems.
func (f *File) PosOf(path ...string) Pos {
	if f.keys == nil {
		return Pos{}
	}
	return f.keys.pos(path...)
}

// SplitBrokers splits a comma-separated broker list, dropping blanks.
func SplitBrokers(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

func (w *walker) client(m map[string]any) Client {
	path := []string{"client"}
	w.known(m, path, "client_id", "brokers", "connect_timeout_ms", "request_timeout_ms",
		"metadata_refresh_interval_ms", "tls", "sasl")
	c := Client{
		ClientID:                w.str(m, path, "client_id", "kafkawasm"),
		Brokers:                 w.strings(m, path, "brokers"),
		ConnectTimeout:          w.millis(m, path, "connect_timeout_ms", 10*time.Second, 1),
		RequestTimeout:          w.millis(m, path, "request_timeout_ms", 30*time.Second, 1),
		MetadataRefreshInterval: w.millis(m, path, "metadata_refresh_interval_ms", 5*time.Minute, 1),
	}
	for _, b := range c.Brokers {
		if i := strings.LastIndexByte(b, ':'); i <= 0 || i == len(b)-1 {
			w.problem(child(path, "brokers"), "%q is not host:port", b)
		}
	}
	if t, ok := w.table(m, path, "tls"); ok {
		tp := child(path, "tls")
		w.known(t, tp, "ca_file", "cert_file", "key_file", "server_name", "insecure_skip_verify")
		c.TLS = &TLS{
			CAFile:             w.str(t, tp, "ca_file", ""),
			CertFile:           w.str(t, tp, "cert_file", ""),
			KeyFile:            w.str(t, tp, "key_file", ""),
			ServerName:         w.str(t, tp, "server_name", ""),
			InsecureSkipVerify: w.boolean(t, tp, "insecure_skip_verify", false),
		}
		if (c.TLS.CertFile == "") != (c.TLS.KeyFile == "") {
			w.problem(tp, "cert_file and key_file must be given together")
		}
	}
	if s, ok := w.table(m, path, "sasl"); ok {
		sp := child(path, "sasl")
		w.known(s, sp, "mechanism", "username", "password_env")
		c.SASL = &SASL{
			Mechanism:   kafka.SASLMechanism(strings.ToUpper(w.str(s, sp, "mechanism", "PLAIN"))),
			Username:    w.str(s, sp, "username", ""),
			PasswordEnv: w.str(s, sp, "password_env", ""),
		}
		switch c.SASL.Mechanism {
		case kafka.SASLPlain, kafka.SASLScramSHA256, kafka.SASLScramSHA512:
		default:
			w.problem(child(sp, "mechanism"), "unsupported mechanism %q (want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)", c.SASL.Mechanism)
		}
		if c.SASL.Username == "" {
			w.problem(sp, "username is required")
		}
		if c.SASL.PasswordEnv == "" {
			w.problem(sp, "password_env is required: the name of the environment variable holding the password (the password itself never goes in this file)")
		}
	}
	return c
}

func (w *walker) producer(m map[string]any) Producer {
	path := []string{"producer"}
	w.known(m, path, "acks", "compression", "linger_ms", "max_batch_bytes", "retries",
		"retry_backoff_ms", "max_retry_backoff_ms", "partitioner", "request_timeout_ms",
		"max_in_flight", "idempotent", "transactional_id", "transaction_timeout_ms",
		"delivery_timeout_ms", "max_buffered_records", "max_buffered_bytes", "max_message_bytes")
	const maxInt = math.MaxInt32
	p := Producer{
		Linger:             w.millis(m, path, "linger_ms", 5*time.Millisecond, 0),
		MaxBatchBytes:      int(w.integer(m, path, "max_batch_bytes", 16384, 1, maxInt)),
		Retries:            int(w.integer(m, path, "retries", 3, 0, maxInt)),
		RetryBackoff:       w.millis(m, path, "retry_backoff_ms", 100*time.Millisecond, 1),
		MaxRetryBackoff:    w.millis(m, path, "max_retry_backoff_ms", time.Second, 1),
		Partitioner:        w.str(m, path, "partitioner", "murmur2"),
		RequestTimeout:     w.millis(m, path, "request_timeout_ms", 30*time.Second, 1),
		MaxInFlight:        int(w.integer(m, path, "max_in_flight", 5, 1, maxInt)),
		Idempotent:         w.boolean(m, path, "idempotent", false),
		TransactionalID:    w.str(m, path, "transactional_id", ""),
		TransactionTimeout: w.millis(m, path, "transaction_timeout_ms", 60*time.Second, 1),
		DeliveryTimeout:    w.millis(m, path, "delivery_timeout_ms", 120*time.Second, 1),
		MaxBufferedRecords: int(w.integer(m, path, "max_buffered_records", 100000, 1, maxInt)),
		MaxBufferedBytes:   int(w.integer(m, path, "max_buffered_bytes", 32<<20, 1, maxInt)),
		MaxMessageBytes:    int(w.integer(m, path, "max_message_bytes", 1<<20, 1, maxInt)),
	}
	var err error
	if p.Acks, err = kafka.ParseAcks(w.str(m, path, "acks", "all")); err != nil {
		w.problem(child(path, "acks"), "unknown value %q (want \"all\", \"leader\" or \"none\")", m["acks"])
	}
	if p.Compression, err = kafka.ParseCompression(w.str(m, path, "compression", "none")); err != nil {
		w.problem(child(path, "compression"), "unknown codec %q (want \"none\", \"gzip\", \"snappy\", \"lz4\" or \"zstd\")", m["compression"])
	}
	if p.MaxRetryBackoff < p.RetryBackoff {
		w.problem(child(path, "max_retry_backoff_ms"), "must not be less than retry_backoff_ms (%d)", p.RetryBackoff.Milliseconds())
	}
	if p.MaxBufferedBytes < p.MaxMessageBytes {
		w.problem(child(path, "max_buffered_bytes"), "must be at least max_message_bytes (%d)", p.MaxMessageBytes)
	}
	if (p.Idempotent || p.TransactionalID != "") && p.Acks != kafka.AcksAll {
		w.problem(child(path, "acks"), "the idempotent producer requires acks = \"all\"")
	}
	return p
}

func (w *walker) devBroker(m map[string]any) DevBroker {
	path := []string{"dev_broker"}
	w.known(m, path, "partitions", "port")
	return DevBroker{
		Partitions: int(w.integer(m, path, "partitions", 3, 1, 10000)),
		Port:       int(w.integer(m, path, "port", 0, 0, 65535)),
	}
}

// KafkaProducerConfig converts the [producer] table to the kafka
// package's config, without Partitioner, Interceptors and Observer.
func (p Producer) KafkaProducerConfig() kafka.ProducerConfig {
	c := kafka.ProducerConfig{
		Acks:               p.Acks,
		Compression:        p.Compression,
		Linger:             p.Linger,
		MaxBatchBytes:      p.MaxBatchBytes,
		Retries:            p.Retries,
		RetryBackoff:       p.RetryBackoff,
		MaxRetryBackoff:    p.MaxRetryBackoff,
		RequestTimeout:     p.RequestTimeout,
		MaxInFlight:        p.MaxInFlight,
		Idempotent:         p.Idempotent,
		TransactionalID:    p.TransactionalID,
		TransactionTimeout: p.TransactionTimeout,
		DeliveryTimeout:    p.DeliveryTimeout,
		MaxBufferedRecords: p.MaxBufferedRecords,
		MaxBufferedBytes:   p.MaxBufferedBytes,
		MaxMessageBytes:    p.MaxMessageBytes,
	}
	if c.Linger == 0 {
		c.Linger = kafka.NoLinger
	}
	if c.Retries == 0 {
		c.Retries = kafka.NoRetries
	}
	switch p.Partitioner {
	case "round-robin":
		c.Partitioner = kafka.RoundRobinPartitioner
	default:
		c.Partitioner = kafka.Murmur2Partitioner
	}
	return c
}

// BuiltinPartitioner reports whether name is a built-in partitioner.
func BuiltinPartitioner(name string) bool { return name == "murmur2" || name == "round-robin" }
