package testkafka

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestUnquoteRaw(t *testing.T) {
	cases := []struct {
		in   string
		want []byte
	}{
		{`null`, nil},
		{``, nil},
		{`""`, []byte{}},
		{`"abc"`, []byte("abc")},
		{`"a\u0000b\u0001\"\\\/\n\r\t\b\f"`, []byte("a\x00b\x01\"\\/\n\r\t\b\f")},
		{"\"\xff\xfe\xc3\xa9\x80\"", []byte("\xff\xfe\xc3\xa9\x80")},
		{`"\u00e9"`, []byte("é")},
		{`"\ud83d\ude00"`, []byte("😀")},
	}
	for _, c := range cases {
		got, err := unquoteRaw([]byte(c.in))
		if err != nil {
			t.Fatalf("unquoteRaw(%q): %v", c.in, err)
		}
		if !bytesEqualNull(got, c.want) {
			t.Errorf("unquoteRaw(%q) = %q (nil=%v), want %q (nil=%v)", c.in, got, got == nil, c.want, c.want == nil)
		}
	}
	for _, bad := range []string{`"\`, `"\x"`, `"\u12"`, `abc`} {
		if _, err := unquoteRaw([]byte(bad)); err == nil {
			t.Errorf("unquoteRaw(%q): want error", bad)
		}
	}
}

func TestParseKcatJSON(t *testing.T) {
	// Shape of kcat 1.7 -J lines (raw non-UTF-8 bytes are real kcat output).
	out := "{\"topic\":\"t\",\"partition\":1,\"offset\":7,\"tstype\":\"create\",\"ts\":1700000000123,\"broker\":1,\"headers\":[\"h\",\"\xff\",\"h\",null],\"key\":\"\x80k\",\"payload\":\"a\\u0000b\xff\"}\n" +
		"% Reached end of topic t [1] at offset 8\n" +
		`{"topic":"t","partition":0,"offset":0,"tstype":"logappend","ts":5,"broker":1,"key":null,"payload":""}` + "\n"
	rs, err := parseKcatJSON([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	want := []Record{
		{Topic: "t", Partition: 0, Offset: 0, Key: nil, Value: []byte{}, Timestamp: time.UnixMilli(5), TimestampType: 1},
		{Topic: "t", Partition: 1, Offset: 7, Key: []byte("\x80k"), Value: []byte("a\x00b\xff"),
			Headers:   []Header{{"h", []byte("\xff")}, {"h", nil}},
			Timestamp: time.UnixMilli(1700000000123), TimestampType: 0},
	}
	if d := DiffCoreAll(want, rs); d != "" {
		t.Fatal(d)
	}
}

func TestTopicName(t *testing.T) {
	a, b := TopicName(t, "p/x"), TopicName(t, "p/x")
	if a == b {
		t.Fatalf("TopicName not unique: %s", a)
	}
	if !strings.HasPrefix(a, "p_x-TestTopicName-") || unsafeTopicChars.MatchString(a) {
		t.Fatalf("bad topic name %q", a)
	}
}

// makeRecords builds n records spread over partitions: keys, values, null
// keys/values, empty values, duplicate header keys, explicit timestamps.
func makeRecords(topic string, n int, partitions int32, binary bool) []*kgo.Record {
	base := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	var rs []*kgo.Record
	for i := 0; i < n; i++ {
		r := &kgo.Record{
			Topic:     topic,
			Partition: int32(i) % partitions,
			Key:       []byte(fmt.Sprintf("key-%03d", i)),
			Value:     []byte(fmt.Sprintf("value %d: héllo wörld ✓ \"quoted\" \\ \n\t", i)),
			Timestamp: base.Add(time.Duration(i) * time.Millisecond),
			Headers: []kgo.RecordHeader{
				{Key: "dup", Value: []byte("first")},
				{Key: "i", Value: []byte(fmt.Sprint(i))},
				{Key: "dup", Value: []byte("second")},
			},
		}
		switch i % 10 {
		case 3:
			r.Key = nil
		case 4:
			r.Value = nil
		case 5:
			r.Value = []byte{}
		case 6:
			r.Headers = nil
		case 7:
			r.Headers = append(r.Headers, kgo.RecordHeader{Key: "nullv", Value: nil}, kgo.RecordHeader{Key: "empty", Value: []byte{}})
		}
		if binary && r.Value != nil && len(r.Value) > 0 {
			r.Value = append([]byte{0x00, 0xff, 0xfe, 0x80, byte(i), 0x1f, 0x7f, '"', '\\'}, r.Value...)
			r.Key = append([]byte{0xc3, 0x28, byte(i)}, r.Key...)
			r.Headers = append(r.Headers, kgo.RecordHeader{Key: "bin", Value: []byte{0xff, 0x00, byte(i)}})
		}
		rs = append(rs, r)
	}
	return rs
}

func produceSync(t *testing.T, cl *kgo.Client, rs []*kgo.Record) []Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
		t.Fatalf("ProduceSync: %v", err)
	}
	var want []Record
	for _, r := range rs {
		w := fromKgo(r) // partition and offset were filled in by the produce
		w.TimestampType = 0
		want = append(want, w)
	}
	sortRecords(want)
	return want
}

func TestRoundTripRealBroker(t *testing.T) {
	bootstrap := Bootstrap(t)
	brokers := SplitBrokers(bootstrap)
	topic := TopicName(t, "testkafka")
	CreateTopic(t, brokers, topic, 3, nil)

	cl := NewClient(t, brokers, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	want := produceSync(t, cl, makeRecords(topic, 100, 3, false))

	got := ReadAll(t, brokers, topic, 100, 30*time.Second)
	if d := DiffCoreAll(want, got); d != "" {
		t.Fatalf("ReadAll differs from produced: %s", d)
	}
	for _, r := range got {
		if r.Compression == "" || r.Transactional || r.Control || r.ProducerID < 0 {
			t.Fatalf("unexpected batch attributes: %+v", r)
		}
	}
	if n := len(ByPartition(got)); n != 3 {
		t.Fatalf("records in %d partitions, want 3", n)
	}

	kc := ReadAllKcat(t, bootstrap, topic, 100)
	if d := DiffCoreAll(want, kc); d != "" {
		t.Fatalf("ReadAllKcat differs from produced: %s", d)
	}
}

func TestBinaryRoundTripRealBroker(t *testing.T) {
	bootstrap := Bootstrap(t)
	brokers := SplitBrokers(bootstrap)
	topic := TopicName(t, "testkafka-bin")
	CreateTopic(t, brokers, topic, 2, nil)

	cl := NewClient(t, brokers, kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	want := produceSync(t, cl, makeRecords(topic, 40, 2, true))

	got := ReadAll(t, brokers, topic, 40, 30*time.Second)
	if d := DiffCoreAll(want, got); d != "" {
		t.Fatalf("ReadAll differs from produced: %s", d)
	}
	if got[0].Compression != "zstd" {
		t.Errorf("compression = %q, want zstd", got[0].Compression)
	}
	kc := ReadAllKcat(t, bootstrap, topic, 40)
	if d := DiffCoreAll(want, kc); d != "" {
		t.Fatalf("ReadAllKcat differs from produced (binary): %s", d)
	}
}

func TestReadCommittedRealBroker(t *testing.T) {
	bootstrap := Bootstrap(t)
	brokers := SplitBrokers(bootstrap)
	topic := TopicName(t, "testkafka-txn")
	CreateTopic(t, brokers, topic, 1, nil)

	cl := NewClient(t, brokers, kgo.TransactionalID(topic+"-txn"), kgo.DefaultProduceTopic(topic))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, commit := range []bool{false, true} {
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 5; i++ {
			v := fmt.Sprintf("commit=%v %d", commit, i)
			if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		if err := cl.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
			t.Fatal(err)
		}
	}

	committed := ReadAll(t, brokers, topic, 5, 30*time.Second, ReadCommitted())
	if len(committed) != 5 {
		t.Fatalf("read_committed: %d records, want 5: %v", len(committed), committed)
	}
	for _, r := range committed {
		if !bytes.HasPrefix(r.Value, []byte("commit=true")) || !r.Transactional {
			t.Fatalf("unexpected committed record %v (transactional=%v)", r, r.Transactional)
		}
	}
	all := ReadAll(t, brokers, topic, 10, 30*time.Second, KeepControlRecords())
	var data, control int
	for _, r := range all {
		if r.Control {
			control++
		} else {
			data++
		}
	}
	if data != 10 || control != 2 {
		t.Fatalf("read_uncommitted with control records: %d data, %d control; want 10, 2", data, control)
	}

	kc := ReadAllKcat(t, bootstrap, topic, 5, "isolation.level=read_committed")
	if d := DiffCoreAll(committed, kc); d != "" {
		t.Fatalf("kcat read_committed differs: %s", d)
	}
}

func TestKfake(t *testing.T) {
	_, addrs := StartKfake(t, 2)
	topic := TopicName(t, "kfake")
	CreateTopic(t, addrs, topic, 4, nil)
	cl := NewClient(t, addrs, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	want := produceSync(t, cl, makeRecords(topic, 20, 4, true))
	got := ReadAll(t, addrs, topic, 20, 30*time.Second, QuietPeriod(100*time.Millisecond))
	if d := DiffCoreAll(want, got); d != "" {
		t.Fatalf("ReadAll on kfake differs from produced: %s", d)
	}
}

func TestDiffCore(t *testing.T) {
	base := Record{Topic: "t", Key: []byte("k"), Value: []byte{}, Timestamp: time.UnixMilli(1),
		Headers: []Header{{"a", []byte("1")}, {"a", []byte("2")}}}
	if d := DiffCore(base, base); d != "" {
		t.Fatalf("equal records differ: %s", d)
	}
	mut := []func(*Record){
		func(r *Record) { r.Value = nil }, // null vs empty
		func(r *Record) { r.Key = nil },   // null key
		func(r *Record) { r.Headers = []Header{{"a", []byte("2")}, {"a", []byte("1")}} },  // order
		func(r *Record) { r.Headers = []Header{{"a", []byte("1")}, {"a", nil}} },          // null header
		func(r *Record) { r.Timestamp = time.UnixMilli(2) },                               // ts
		func(r *Record) { r.Offset = 1 },                                                  // offset
		func(r *Record) { r.Partition = 1 },                                               // partition
		func(r *Record) { r.TimestampType = 1 },                                           // ts type
		func(r *Record) { r.Headers = append(r.Headers[:1:1], Header{"b", []byte("2")}) }, // header key
	}
	for i, m := range mut {
		r := base
		r.Headers = append([]Header(nil), base.Headers...)
		m(&r)
		if DiffCore(base, r) == "" {
			t.Errorf("mutation %d not detected", i)
		}
	}
}
