package kafka_test

import (
	"errors"
	"testing"

	"github.com/kafkawasm/kafkawasm/kafka"
)

func TestParseAcks(t *testing.T) {
	t.Parallel()
	cases := map[string]kafka.Acks{"all": kafka.AcksAll, "ALL": kafka.AcksAll, "-1": kafka.AcksAll, "": kafka.AcksAll,
		"leader": kafka.AcksLeader, "1": kafka.AcksLeader, "none": kafka.AcksNone, "0": kafka.AcksNone}
	for in, want := range cases {
		got, err := kafka.ParseAcks(in)
		if err != nil || got != want {
			t.Errorf("ParseAcks(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, a := range []kafka.Acks{kafka.AcksAll, kafka.AcksLeader, kafka.AcksNone} {
		if got, err := kafka.ParseAcks(a.String()); err != nil || got != a {
			t.Errorf("ParseAcks(%v.String()) = %v, %v", a, got, err)
		}
	}
	for _, bad := range []string{"2", "some", "al"} {
		if _, err := kafka.ParseAcks(bad); err == nil {
			t.Errorf("ParseAcks(%q): no error", bad)
		}
	}
}

func TestParseCompression(t *testing.T) {
	t.Parallel()
	for _, c := range []kafka.Compression{kafka.CompressionNone, kafka.CompressionGzip, kafka.CompressionSnappy, kafka.CompressionLZ4, kafka.CompressionZstd} {
		if got, err := kafka.ParseCompression(c.String()); err != nil || got != c {
			t.Errorf("ParseCompression(%q) = %v, %v", c.String(), got, err)
		}
	}
	if got, err := kafka.ParseCompression("ZSTD"); err != nil || got != kafka.CompressionZstd {
		t.Errorf("ParseCompression(ZSTD) = %v, %v", got, err)
	}
	if got, err := kafka.ParseCompression(""); err != nil || got != kafka.CompressionNone {
		t.Errorf("ParseCompression(\"\") = %v, %v", got, err)
	}
	if _, err := kafka.ParseCompression("brotli"); err == nil {
		t.Error("ParseCompression(brotli): no error")
	}
	// Kafka's codec ids, which go into the batch attributes.
	if kafka.CompressionGzip != 1 || kafka.CompressionSnappy != 2 || kafka.CompressionLZ4 != 3 || kafka.CompressionZstd != 4 {
		t.Error("codec ids differ from Kafka's")
	}
}

// Invalid configurations are refused by the constructors with a
// *ConfigError.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	for _, cfg := range []kafka.ClientConfig{{}, {Brokers: []string{"localhost"}}} {
		var ce *kafka.ConfigError
		if _, err := kafka.NewClient(cfg); !errors.As(err, &ce) || ce.Field != "Brokers" {
			t.Errorf("NewClient(%+v) = %v, want a *ConfigError for Brokers", cfg, err)
		}
	}
	_, addrs := startCluster(t, 1, "", 0)
	cl := newClient(t, addrs)
	for _, cfg := range []kafka.ProducerConfig{
		{MaxBatchBytes: -5},
		{RetryBackoff: 10e9, MaxRetryBackoff: 1e9},
		{Compression: 42},
	} {
		var ce *kafka.ConfigError
		if p, err := cl.Producer(cfg); !errors.As(err, &ce) || p != nil {
			t.Errorf("Producer(%+v) = %v, %v; want a *ConfigError", cfg, p, err)
		}
	}
	cl.Close()
	if _, err := cl.Producer(kafka.ProducerConfig{}); !errors.Is(err, kafka.ErrClientClosed) {
		t.Errorf("Producer on a closed client: %v, want ErrClientClosed", err)
	}
}
