package kafka_test

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/kafka"
)

// sharedFile returns the path of a file of ../shared/kafka-protocol (from
// the repository root), or skips the test when it is missing, except in CI.
func sharedFile(t *testing.T, name string) string {
	t.Helper()
	path := filepath.Join("..", "..", "shared", "kafka-protocol", name)
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %v (required in CI)", path, err)
		}
		t.Skipf("%s not available: %v", path, err)
	}
	return path
}

// readTSV returns the rows of a tab-separated file, without its header.
func readTSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for first := true; sc.Scan(); first = false {
		if first || strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		rows = append(rows, strings.Split(sc.Text(), "\t"))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s has no rows", path)
	}
	return rows
}

func TestMurmur2Vectors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want int32
	}{
		// Kafka's UtilsTest and librdkafka (anchors note).
		{"21", -973932308},
		{"foobar", -790332482},
		{"abc", 479470107},
		{"kafka", int32Bits(0xd067cf64)},
		{"1234", int32Bits(0x9fc97b14)},
		{"", 0x106e08d9}, // an empty key is hashed
	}
	for _, tc := range cases {
		if got := kafka.Murmur2([]byte(tc.in)); got != tc.want {
			t.Errorf("Murmur2(%q) = %d (%#x), want %d (%#x)", tc.in, got, uint32(got), tc.want, uint32(tc.want))
		}
	}
	t.Run("murmur2-vectors.tsv", func(t *testing.T) {
		for _, row := range readTSV(t, sharedFile(t, "murmur2-vectors.tsv")) {
			if len(row) != 2 {
				t.Fatalf("bad row %q", row)
			}
			want, err := strconv.ParseInt(row[1], 10, 32)
			if err != nil {
				t.Fatalf("row %q: %v", row, err)
			}
			if got := kafka.Murmur2([]byte(row[0])); got != int32(want) {
				t.Errorf("Murmur2(%q) = %d, want %d", row[0], got, want)
			}
		}
	})
}

func int32Bits(u uint32) int32 { return int32(u) }

// javaPartition is Kafka's placement of a keyed record.
func javaPartition(key []byte, n int) int32 {
	return int32(int(uint32(kafka.Murmur2(key))&0x7fffffff) % n)
}

// TestMurmur2Placement reads keyed records back and checks each one is on
// the partition the Java client would choose, for the default partitioner
// and Murmur2Partitioner set explicitly.
func TestMurmur2Placement(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"default", "explicit"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			const parts = 7
			cfg := kafka.ProducerConfig{}
			if name == "explicit" {
				cfg.Partitioner = kafka.Murmur2Partitioner
			}
			_, addrs, p := clusterAndProducer(t, "keyed", parts, cfg)
			msgs := seqMessages("m", 400, 97)
			msgs = append(msgs, kafka.Message{Key: []byte{}, Value: []byte("empty key")})
			res := mustSend(t, p, "keyed", msgs...)
			for i, r := range res {
				if want := javaPartition(msgs[i].Key, parts); r.Partition != want {
					t.Fatalf("result %d (key %q): partition %d, want %d", i, msgs[i].Key, r.Partition, want)
				}
			}
			recs := readBack(t, addrs, "keyed", len(msgs))
			if len(recs) != len(msgs) {
				t.Fatalf("read %d records, want %d", len(recs), len(msgs))
			}
			for _, r := range recs {
				if r.Key == nil {
					t.Fatalf("record %s lost its key", r)
				}
				if want := javaPartition(r.Key, parts); r.Partition != want {
					t.Errorf("record %s: partition %d, want %d", r, r.Partition, want)
				}
			}
		})
	}
}

func TestRoundRobinPartitioner(t *testing.T) {
	t.Parallel()
	const parts = 6
	_, addrs, p := clusterAndProducer(t, "rr", parts, kafka.ProducerConfig{Partitioner: kafka.RoundRobinPartitioner})
	msgs := seqMessages("rr", 60, 1) // one key for all: round-robin ignores it
	res := mustSend(t, p, "rr", msgs...)
	for i := 1; i < len(res); i++ {
		if res[i].Partition != (res[i-1].Partition+1)%parts {
			t.Fatalf("result %d on partition %d after %d, want the next one", i, res[i].Partition, res[i-1].Partition)
		}
	}
	counts := map[int32]int{}
	for _, r := range readBack(t, addrs, "rr", len(msgs)) {
		counts[r.Partition]++
	}
	for part := range int32(parts) {
		if counts[part] != 10 {
			t.Errorf("partition %d got %d records, want 10 (counts %v)", part, counts[part], counts)
		}
	}
}

// TestPartitionerFunc: a custom partitioner places records; -1 means
// sticky; an out-of-range answer fails that record alone.
func TestPartitionerFunc(t *testing.T) {
	t.Parallel()
	const parts = 4
	var calls atomic.Int32
	byKey := kafka.PartitionerFunc(func(topic string, key, value []byte, n int) int {
		calls.Add(1)
		if topic != "custom" || n != parts {
			panic(fmt.Sprintf("partitioner called with topic %q, %d partitions", topic, n))
		}
		switch {
		case key == nil:
			return -1
		case string(key) == "bad":
			return n + 5
		case string(key) == "negative":
			return -2
		}
		return int(key[0]-'0') % n
	})
	_, addrs, p := clusterAndProducer(t, "custom", parts, kafka.ProducerConfig{Partitioner: byKey})
	msgs := []kafka.Message{
		{Key: []byte("1"), Value: []byte("a")},
		{Key: []byte("bad"), Value: []byte("b")},
		{Key: []byte("3"), Value: []byte("c")},
		{Key: []byte("negative"), Value: []byte("d")},
		{Value: []byte("e")}, {Value: []byte("f")}, {Value: []byte("g")},
		{Key: []byte("bad"), Value: []byte("explicit"), Partition: new(int32(2))},
	}
	res, err := p.Send(testCtx(t), "custom", msgs...)
	var de *kafka.DeliveryError
	if !errors.As(err, &de) || len(de.Failed) != 2 || de.Total != len(msgs) {
		t.Fatalf("Send: %v, want a *DeliveryError with 2 of %d failed", err, len(msgs))
	}
	for _, i := range []int{1, 3} {
		var ee *kafka.EncodeError
		if !errors.As(res[i].Err, &ee) || ee.Index != i || ee.Topic != "custom" {
			t.Errorf("record %d: %v, want an *EncodeError for index %d", i, res[i].Err, i)
		}
	}
	want := map[int]int32{0: 1, 2: 3, 7: 2}
	for i, part := range want {
		if res[i].Err != nil || res[i].Partition != part {
			t.Errorf("record %d: %+v, want partition %d", i, res[i], part)
		}
	}
	if res[4].Partition != res[5].Partition || res[5].Partition != res[6].Partition {
		t.Errorf("keyless records with -1 on partitions %d, %d, %d: want one sticky partition", res[4].Partition, res[5].Partition, res[6].Partition)
	}
	if n := calls.Load(); n != 7 {
		t.Errorf("partitioner called %d times, want 7 (not for the explicit partition)", n)
	}
	recs := readBack(t, addrs, "custom", 6)
	if len(recs) != 6 {
		t.Fatalf("read %d records, want 6", len(recs))
	}
}

// An explicit Message.Partition bypasses every partitioner and is checked.
func TestExplicitPartition(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		part kafka.Partitioner
	}{
		{"murmur2", nil},
		{"roundrobin", kafka.RoundRobinPartitioner},
		{"func", kafka.PartitionerFunc(func(string, []byte, []byte, int) int { return 0 })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, addrs, p := clusterAndProducer(t, "explicit", 5, kafka.ProducerConfig{Partitioner: tc.part})
			var msgs []kafka.Message
			for i := range 20 {
				msgs = append(msgs, kafka.Message{Key: fmt.Appendf(nil, "k%d", i), Value: []byte("v"), Partition: new(int32(3))})
			}
			msgs = append(msgs, kafka.Message{Value: []byte("out of range"), Partition: new(int32(5))},
				kafka.Message{Value: []byte("negative"), Partition: new(int32(-1))})
			res, err := p.Send(testCtx(t), "explicit", msgs...)
			var de *kafka.DeliveryError
			if !errors.As(err, &de) || len(de.Failed) != 2 {
				t.Fatalf("Send: %v, want the 2 out-of-range records to fail", err)
			}
			for i, r := range res[:20] {
				if r.Err != nil || r.Partition != 3 {
					t.Fatalf("result %d: %+v, want partition 3", i, r)
				}
			}
			for _, r := range res[20:] {
				var ee *kafka.EncodeError
				if !errors.As(r.Err, &ee) {
					t.Errorf("out-of-range partition: %v, want *EncodeError", r.Err)
				}
			}
			for _, r := range readBack(t, addrs, "explicit", 20) {
				if r.Partition != 3 {
					t.Errorf("record %s not on partition 3", r)
				}
			}
		})
	}
}

// TestStickyPartitioner: keyless records fill one partition's batch, then
// move to another partition; the first record that does not fit a full
// batch already goes to the next partition (KIP-480), so every batch but
// the last of each partition is full. Over many batches the partitions get
// about the same number of records.
func TestStickyPartitioner(t *testing.T) {
	t.Parallel()
	const parts = 6
	c, addrs := startCluster(t, 1, "sticky", parts)
	obs := observeProduce(c)
	p := newProducer(t, newClient(t, addrs), kafka.ProducerConfig{Linger: time.Hour, MaxBatchBytes: 1024})
	const n = 3000
	msgs := seqMessages("sticky-record-padding-padding-padding-padding-padding-padding-padding-padding", n, 0)
	pds := make([]*kafka.Pending, n)
	for i := range msgs {
		pds[i] = p.SendAsync("sticky", msgs[i])
	}
	if err := p.Flush(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	placed := make([]int32, n)
	for i, pd := range pds {
		res, err := pd.Wait(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		placed[i] = res[0].Partition
	}
	// Runs of consecutive records on one partition.
	var runs []int
	for i := 0; i < n; {
		j := i
		for j < n && placed[j] == placed[i] {
			j++
		}
		runs = append(runs, j-i)
		i = j
	}
	if len(runs) < 50 {
		t.Fatalf("%d runs for %d records: the sticky partition hardly moved", len(runs), n)
	}
	full := 0
	for _, r := range obs.all() {
		for _, k := range r.records {
			full = max(full, k)
		}
	}
	short, long := 0, 0
	for _, r := range runs[:len(runs)-1] {
		switch {
		case r < full:
			short++
		case r > full:
			long++
		}
	}
	// A run may end early when its partial batch was sent along with a
	// request built for another partition (the sink carries every
	// partition's pending records, as Java's drain does; the sticky
	// partition moves on when its batch is sent). Most runs fill a batch.
	if short > len(runs)/4 {
		t.Errorf("%d of %d runs shorter than a full batch (%d records): the sticky partition moved before its batch was full; runs %v", short, len(runs), full, runs[:min(len(runs), 20)])
	}
	if long > 0 {
		t.Errorf("%d of %d runs longer than a full batch (%d records): the record that did not fit the full batch stayed on the old partition as a new one-record batch instead of going to the next sticky partition (KIP-480); runs %v", long, len(runs), full, runs[:min(len(runs), 20)])
	}
	counts := map[int32]int{}
	for _, r := range readBack(t, addrs, "sticky", n) {
		counts[r.Partition]++
	}
	for part := range int32(parts) {
		if c := counts[part]; c < n/parts/3 {
			t.Errorf("partition %d got %d of %d records (counts %v): not uniform", part, c, n, counts)
		}
	}
}

// A keyless record under Murmur2Partitioner is sticky (not hashed), while
// an empty key is hashed.
func TestNilKeyStickyEmptyKeyHashed(t *testing.T) {
	t.Parallel()
	const parts = 8
	_, _, p := clusterAndProducer(t, "nilkey", parts, kafka.ProducerConfig{})
	var msgs []kafka.Message
	for range 30 {
		msgs = append(msgs, kafka.Message{Value: []byte("no key")})
	}
	res := mustSend(t, p, "nilkey", msgs...)
	for _, r := range res {
		if r.Partition != res[0].Partition {
			t.Fatalf("keyless records of one small Send on partitions %d and %d, want one sticky partition", res[0].Partition, r.Partition)
		}
	}
	res = mustSend(t, p, "nilkey", kafka.Message{Key: []byte{}, Value: []byte("empty key")}, kafka.Message{Key: []byte{}, Value: []byte("empty key")})
	want := int32(0x106e08d9 % parts)
	if res[0].Partition != want || res[1].Partition != want {
		t.Fatalf("empty keys on partitions %d, %d; want %d (murmur2 of empty is 0x106e08d9)", res[0].Partition, res[1].Partition, want)
	}
}

// recordPartitioner implements kafka.RecordPartitioner: it sees headers and
// fails single records.
type recordPartitioner struct{ calls atomic.Int32 }

func (*recordPartitioner) Partition(string, []byte, []byte, int) int { panic("Partition called") }

func (rp *recordPartitioner) PartitionRecords(_ string, msgs []kafka.Message, n int, out []int32, errs []error) {
	rp.calls.Add(1)
	for i, m := range msgs {
		switch {
		case len(m.Headers) == 0:
			out[i] = -1
		case m.Headers[0].Key == "fail":
			errs[i] = errors.New("refused by partitioner")
		default:
			v, _ := strconv.Atoi(string(m.Headers[0].Value))
			out[i] = int32(v % n)
		}
	}
}

func TestRecordPartitioner(t *testing.T) {
	t.Parallel()
	rp := &recordPartitioner{}
	_, _, p := clusterAndProducer(t, "recpart", 3, kafka.ProducerConfig{Partitioner: rp})
	msgs := []kafka.Message{
		{Value: []byte("a"), Headers: []kafka.Header{{Key: "p", Value: []byte("2")}}},
		{Value: []byte("b"), Headers: []kafka.Header{{Key: "fail"}}},
		{Value: []byte("c")},
		{Value: []byte("d"), Headers: []kafka.Header{{Key: "p", Value: []byte("4")}}},
	}
	res, err := p.Send(testCtx(t), "recpart", msgs...)
	var de *kafka.DeliveryError
	if !errors.As(err, &de) || len(de.Failed) != 1 || res[1].Err == nil {
		t.Fatalf("Send: %v, want only record 1 failed", err)
	}
	if res[0].Partition != 2 || res[3].Partition != 1 || res[2].Err != nil {
		t.Fatalf("results %+v", res)
	}
	if rp.calls.Load() != 1 {
		t.Errorf("PartitionRecords called %d times for one Send, want 1", rp.calls.Load())
	}
}
