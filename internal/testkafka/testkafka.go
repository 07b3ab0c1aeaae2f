// Package testkafka holds helpers for integration tests that talk to a real
// Kafka broker (started by scripts/kafka.sh, address in KAFKA_BOOTSTRAP) or to
// an in-process franz-go kfake cluster.
//
// It is imported ONLY from _test.go files. It deliberately depends on franz-go
// (kgo, kadm, kfake) as an independent, well-tested client to create topics and
// read back what the code under test produced; ReadAllKcat adds a second
// independent reader (kcat / librdkafka). Never import this package from
// non-test code.
package testkafka

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// EnvBootstrap is the environment variable holding the bootstrap address
// ("host:port[,host:port...]") of the real broker used by integration tests.
const EnvBootstrap = "KAFKA_BOOTSTRAP"

// DefaultTimeout bounds helper operations that take no explicit timeout
// (topic creation, ReadAllKcat).
var DefaultTimeout = 60 * time.Second

// InCI reports whether the tests run in CI (CI=true, as set by .ci/run's caller).
func InCI() bool {
	switch strings.ToLower(strings.TrimSpace(os.Getenv("CI"))) {
	case "true", "1", "yes":
		return true
	}
	return false
}

// Bootstrap returns KAFKA_BOOTSTRAP. If it is unset: in CI (CI=true) it calls
// t.Fatal, since integration tests must never be skipped there; otherwise it
// calls t.Skip with a message telling how to run them.
func Bootstrap(t testing.TB) string {
	t.Helper()
	b := strings.TrimSpace(os.Getenv(EnvBootstrap))
	if b != "" {
		return b
	}
	const how = "start a broker with `scripts/kafka.sh start` (or `make kafka-up`) and export KAFKA_BOOTSTRAP=127.0.0.1:9092"
	if InCI() {
		t.Fatalf("%s is not set but CI=true: integration tests must not be skipped in CI; %s", EnvBootstrap, how)
	}
	t.Skipf("integration test skipped: %s is not set; %s", EnvBootstrap, how)
	return ""
}

// Brokers returns Bootstrap split on commas, ready for kgo.SeedBrokers.
func Brokers(t testing.TB) []string {
	t.Helper()
	return SplitBrokers(Bootstrap(t))
}

// SplitBrokers splits a comma-separated broker list, dropping empty entries.
func SplitBrokers(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

var unsafeTopicChars = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

// TopicName returns a unique, valid topic name built from prefix, the test
// name and a random suffix, e.g. "produce-TestFoo_sub-3fa2c1d09e1b".
func TopicName(t testing.TB, prefix string) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatalf("TopicName: %v", err)
	}
	name := unsafeTopicChars.ReplaceAllString(t.Name(), "_")
	if len(name) > 120 {
		name = name[:120]
	}
	parts := []string{}
	if p := unsafeTopicChars.ReplaceAllString(prefix, "_"); p != "" {
		parts = append(parts, p)
	}
	parts = append(parts, name, hex.EncodeToString(b[:]))
	return strings.Join(parts, "-")
}

// NewClient returns a kgo client seeded with brokers and closed at test
// cleanup. Extra options are appended after the seed brokers.
func NewClient(t testing.TB, brokers []string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		t.Fatalf("kgo.NewClient(%v): %v", brokers, err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// NewAdmin returns a kadm client over a fresh kgo client (closed at cleanup).
func NewAdmin(t testing.TB, brokers []string) *kadm.Client {
	t.Helper()
	return kadm.NewClient(NewClient(t, brokers))
}

// CreateTopic creates topic with the given number of partitions and
// replication factor 1 (configs may be nil) and waits until every partition
// has a leader in the metadata. An existing topic is a test failure (use
// TopicName for unique names). The topic is deleted at cleanup unless the
// test failed (so its data can be inspected).
func CreateTopic(t testing.TB, brokers []string, topic string, partitions int32, configs map[string]*string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatalf("CreateTopic %s: kgo.NewClient: %v", topic, err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)

	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()

	for {
		_, err = adm.CreateTopic(ctx, partitions, 1, configs, topic)
		// Right after a broker (re)start the controller may not be ready yet.
		if err == nil || !isRetriable(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("CreateTopic %s (partitions=%d): %v", topic, partitions, err)
	}
	if err := waitTopicReady(ctx, cl, topic, partitions); err != nil {
		t.Fatalf("CreateTopic %s: waiting for metadata: %v", topic, err)
	}

	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("testkafka: keeping topic %s of failed test", topic)
			return
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
		if err != nil {
			return
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = kadm.NewClient(cl).DeleteTopic(ctx, topic)
	})
}

func isRetriable(err error) bool {
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Retriable || errors.Is(err, kerr.NotController)
	}
	return false
}

// waitTopicReady polls (uncached) metadata until topic has want partitions
// that all have a leader.
func waitTopicReady(ctx context.Context, cl *kgo.Client, topic string, want int32) error {
	var last error
	for {
		req := kmsg.NewPtrMetadataRequest()
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(topic)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, cl)
		last = err
		if err == nil {
			last = checkTopicMeta(resp, topic, want)
			if last == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %v)", ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func checkTopicMeta(resp *kmsg.MetadataResponse, topic string, want int32) error {
	for _, mt := range resp.Topics {
		if mt.Topic == nil || *mt.Topic != topic {
			continue
		}
		if err := kerr.ErrorForCode(mt.ErrorCode); err != nil {
			return err
		}
		if int32(len(mt.Partitions)) != want {
			return fmt.Errorf("%d of %d partitions visible", len(mt.Partitions), want)
		}
		for _, p := range mt.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return fmt.Errorf("partition %d: %w", p.Partition, err)
			}
			if p.Leader < 0 {
				return fmt.Errorf("partition %d has no leader", p.Partition)
			}
		}
		return nil
	}
	return errors.New("topic not in metadata yet")
}

// StartKfake starts an in-process franz-go kfake cluster with n brokers
// (opts are passed through, after kfake.NumBrokers(n)), closes it at cleanup,
// and returns it with its listen addresses.
func StartKfake(t testing.TB, n int, opts ...kfake.Opt) (*kfake.Cluster, []string) {
	t.Helper()
	if n <= 0 {
		n = 1
	}
	c, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(n)}, opts...)...)
	if err != nil {
		t.Fatalf("kfake.NewCluster: %v", err)
	}
	t.Cleanup(c.Close)
	return c, c.ListenAddrs()
}

// sortRecords orders records by topic, partition, offset.
func sortRecords(rs []Record) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Topic != b.Topic {
			return a.Topic < b.Topic
		}
		if a.Partition != b.Partition {
			return a.Partition < b.Partition
		}
		return a.Offset < b.Offset
	})
}

// CommittedOffsets returns the committed offsets of a consumer group
// (topic → partition → offset), read with franz-go's admin client.
func CommittedOffsets(t testing.TB, brokers []string, group string) map[string]map[int32]int64 {
	t.Helper()
	adm := NewAdmin(t, brokers)
	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	resp, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		t.Fatalf("CommittedOffsets %s: %v", group, err)
	}
	out := map[string]map[int32]int64{}
	for topic, parts := range resp {
		for part, o := range parts {
			if o.Err != nil {
				t.Fatalf("CommittedOffsets %s %s[%d]: %v", group, topic, part, o.Err)
			}
			if out[topic] == nil {
				out[topic] = map[int32]int64{}
			}
			out[topic][part] = o.At
		}
	}
	return out
}
