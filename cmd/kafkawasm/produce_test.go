package main_test

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"strings"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
)

// want is a record the test expects in the topic.
type want struct {
	line      int
	key       []byte
	value     []byte
	headers   []testkafka.Header
	partition int32 // -1: any
	ts        int64 // ms; 0: not checked
}

func h(kv ...string) []testkafka.Header {
	var out []testkafka.Header
	for i := 0; i < len(kv); i += 2 {
		hd := testkafka.Header{Key: kv[i], Value: []byte(kv[i+1])}
		if kv[i+1] == "<null>" {
			hd.Value = nil
		}
		out = append(out, hd)
	}
	return out
}

// jsonlInput returns a jsonl document exercising every field, and the
// records it must produce.
func jsonlInput(n int) (string, []want) {
	lines := []string{
		`{"key":"k1","value":"v1","headers":{"h1":"a","h2":"b"}}`,
		`{"key":"k1","value":"v2","headers":[["dup","1"],["dup","2"],["n",null],["e",""]]}`,
		`{"value":"no key"}`,
		`{"key":"","value":""}`,
		`{"key":"k5","value":null}`,
		`{"key":"\u00fc \ud83d\ude00 \"q\" \\ \n","value":"tab\there \/"}`,
		`{"key":"k7","value":{"nested":[1,2.5,{"a":null}]}}`,
		`{"key":"k8","value":"p2","partition":2}`,
		`{"key":"k9","value":"ts","timestamp":1700000000123}`,
		`{"key":"k10","value":"ts2","timestamp":"2024-01-02T03:04:05.678Z","headers":{}}`,
		"{\"key\":\"raw\",\"value\":\"\xff\xfe\x00\"}",
		``,
	}
	wants := []want{
		{line: 1, key: []byte("k1"), value: []byte("v1"), headers: h("h1", "a", "h2", "b"), partition: -1},
		{line: 2, key: []byte("k1"), value: []byte("v2"), headers: h("dup", "1", "dup", "2", "n", "<null>", "e", ""), partition: -1},
		{line: 3, value: []byte("no key"), partition: -1},
		{line: 4, key: []byte{}, value: []byte{}, partition: -1},
		{line: 5, key: []byte("k5"), partition: -1},
		{line: 6, key: []byte("ü 😀 \"q\" \\ \n"), value: []byte("tab\there /"), partition: -1},
		{line: 7, key: []byte("k7"), value: []byte(`{"nested":[1,2.5,{"a":null}]}`), partition: -1},
		{line: 8, key: []byte("k8"), value: []byte("p2"), partition: 2},
		{line: 9, key: []byte("k9"), value: []byte("ts"), partition: -1, ts: 1700000000123},
		{line: 10, key: []byte("k10"), value: []byte("ts2"), partition: -1, ts: time.Date(2024, 1, 2, 3, 4, 5, 678e6, time.UTC).UnixMilli()},
		{line: 11, key: []byte("raw"), value: []byte("\xff\xfe\x00"), partition: -1},
	}
	// line 11's value holds a raw NUL byte, which JSON forbids unescaped:
	// write it escaped, the other two bytes raw.
	lines[10] = "{\"key\":\"raw\",\"value\":\"\xff\xfe\\u0000\"}"
	for i := 0; i < n; i++ {
		line := len(lines) + 1
		lines = append(lines, fmt.Sprintf(`{"key":"user-%d","value":"event %d","headers":{"seq":"%d"}}`, i%7, i, i))
		wants = append(wants, want{line: line, key: []byte(fmt.Sprintf("user-%d", i%7)), value: []byte(fmt.Sprintf("event %d", i)),
			headers: h("seq", fmt.Sprint(i)), partition: -1})
	}
	return strings.Join(lines, "\n") + "\n", wants
}

// check compares what was read back with the expected records, located by
// the --print-results lines.
func check(t *testing.T, got []testkafka.Record, res map[int]result, wants []want) {
	t.Helper()
	if len(got) != len(wants) {
		t.Fatalf("read back %d records, want %d", len(got), len(wants))
	}
	at := map[[2]int64]testkafka.Record{}
	for _, r := range got {
		at[[2]int64{int64(r.Partition), r.Offset}] = r
	}
	eq := func(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }
	for _, w := range wants {
		rs, ok := res[w.line]
		if !ok {
			t.Fatalf("no result line for input line %d", w.line)
		}
		r, ok := at[[2]int64{int64(rs.partition), rs.offset}]
		if !ok {
			t.Fatalf("line %d: nothing at %d@%d", w.line, rs.partition, rs.offset)
		}
		if !eq(r.Key, w.key) || !eq(r.Value, w.value) {
			t.Errorf("line %d: got key %q value %q, want %q %q", w.line, r.Key, r.Value, w.key, w.value)
		}
		if len(r.Headers) != len(w.headers) {
			t.Errorf("line %d: headers %v, want %v", w.line, r.Headers, w.headers)
		} else {
			for i := range w.headers {
				if r.Headers[i].Key != w.headers[i].Key || !eq(r.Headers[i].Value, w.headers[i].Value) {
					t.Errorf("line %d: header %d: got %s=%q, want %s=%q", w.line, i, r.Headers[i].Key, r.Headers[i].Value, w.headers[i].Key, w.headers[i].Value)
				}
			}
		}
		if w.partition >= 0 && r.Partition != w.partition {
			t.Errorf("line %d: partition %d, want %d", w.line, r.Partition, w.partition)
		}
		if w.ts != 0 && r.Timestamp.UnixMilli() != w.ts {
			t.Errorf("line %d: timestamp %d, want %d", w.line, r.Timestamp.UnixMilli(), w.ts)
		}
	}
}

// TestProduceJSONL produces a jsonl file and reads it back byte for byte,
// headers in order, with franz-go (and kcat on the real broker).
func TestProduceJSONL(t *testing.T) {
	forEachCluster(t, func(t *testing.T, c cluster) {
		topic := c.createTopic(t, "produce", 3)
		doc, wants := jsonlInput(300)
		in := writeFile(t, "in.jsonl", []byte(doc))
		cfg := writeConfig(t, "[producer]\nlinger_ms = 2\ncompression = \"lz4\"\n")
		stdout, stderr, code := run(t, "", "produce", "-c", cfg, "--brokers", c.bootstrap(), "-t", topic, "--print-results", "--chunk", "64", in)
		if code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, stderr)
		}
		if !strings.Contains(stderr, fmt.Sprintf("produced %d records", len(wants))) {
			t.Errorf("summary missing from stderr:\n%s", stderr)
		}
		res := parseResults(t, stdout)
		got := testkafka.ReadAll(t, c.brokers, topic, len(wants), time.Minute)
		check(t, got, res, wants)
		// Records of one key keep the file's order.
		last := map[string]int64{}
		for _, w := range wants {
			if w.key == nil || w.partition >= 0 {
				continue
			}
			r := res[w.line]
			if prev, ok := last[string(w.key)]; ok && r.offset <= prev {
				t.Errorf("line %d: offset %d not after %d for key %q", w.line, r.offset, prev, w.key)
			}
			last[string(w.key)] = r.offset
		}
		if c.real {
			kc := testkafka.ReadAllKcat(t, c.bootstrap(), topic, len(wants))
			if d := testkafka.DiffCoreAll(got, kc); d != "" {
				t.Errorf("franz-go and kcat disagree: %s", d)
			}
		}
	})
}

// TestProducePlugins produces through a partitioner and an enricher.
func TestProducePlugins(t *testing.T) {
	forEachCluster(t, func(t *testing.T, c cluster) {
		topic := c.createTopic(t, "plugins", 4)
		cfg := writeConfig(t, fmt.Sprintf(`
[plugins.fnv]
kind = "partitioner"
path = "FIXTURES/partitioner.wasm"
[plugins.tag]
kind = "enricher"
path = "FIXTURES/enricher.wasm"
config = { host = "e2e" }
[topics.%s]
partitioner = "fnv"
enrichers = ["tag"]
`, topic))
		in := "{\"key\":\"alpha\",\"value\":\"1\",\"headers\":{\"own\":\"x\"}}\n{\"key\":\"bad\",\"value\":\"2\"}\n{\"key\":\"gamma\",\"value\":\"3\"}\n"
		stdout, stderr, code := run(t, in, "produce", "-c", cfg, "-b", c.bootstrap(), "-t", topic, "--print-results", "-")
		if code != 1 || !strings.Contains(stderr, "line 2: not delivered") || !strings.Contains(stderr, "rejected key") {
			t.Fatalf("want exit 1 and line 2 rejected by the enricher; got %d, stderr:\n%s", code, stderr)
		}
		res := parseResults(t, stdout)
		if r := res[2]; r.partition != -1 || !strings.Contains(r.rest, "error=") {
			t.Errorf("line 2 result: %q", r.rest)
		}
		fnv := func(k string) int32 {
			f := fnv.New32a()
			f.Write([]byte(k))
			return int32(f.Sum32() % 4)
		}
		wants := []want{
			{line: 1, key: []byte("alpha"), value: []byte("1"), headers: h("own", "x", "x-wasm", "1", "x-key", "alpha", "x-host", `"e2e"`), partition: fnv("alpha")},
			{line: 3, key: []byte("gamma"), value: []byte("3"), headers: h("x-wasm", "1", "x-key", "gamma", "x-host", `"e2e"`), partition: fnv("gamma")},
		}
		if !strings.Contains(res[1].rest, "headers=own:x,x-wasm:1,x-key:alpha,x-host:") {
			t.Errorf("result line does not show the added headers: %q", res[1].rest)
		}
		check(t, testkafka.ReadAll(t, c.brokers, topic, len(wants), time.Minute), res, wants)
	})
}

// TestProduceFailures: malformed lines, an oversize record and a bad
// partition are reported with their line numbers; the rest is delivered.
func TestProduceFailures(t *testing.T) {
	_, addrs := testkafka.StartKfake(t, 1)
	c := cluster{brokers: addrs}
	topic := c.createTopic(t, "failures", 2)
	cfg := writeConfig(t, "[producer]\nmax_message_bytes = 1000\nmax_buffered_bytes = 100000\n")
	in := strings.Join([]string{
		`{"value":"ok 1"}`,
		`{"value": oops}`,
		`{"value":"ok 3"}`,
		`{"value":"` + strings.Repeat("x", 2000) + `"}`,
		`{"value":"bad partition","partition":9}`,
		`{"vale":"typo"}`,
		`{"value":"ok 7"}`,
	}, "\n")
	_, stderr, code := run(t, in, "produce", "-c", cfg, "--brokers", c.bootstrap(), "-t", topic)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
	}
	for _, s := range []string{"line 2: skipped: malformed", "line 4: not delivered", "over the 1000-byte limit", "line 5: not delivered", "out of range",
		`line 6: skipped: malformed: unknown field "vale"`, "produced 3 records", "2 failed, 2 malformed"} {
		if !strings.Contains(stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, stderr)
		}
	}
	got := testkafka.ReadAll(t, c.brokers, topic, 3, 30*time.Second)
	if len(got) != 3 {
		t.Fatalf("read %d records, want 3", len(got))
	}
}

// TestProduceLines produces stdin in lines format.
func TestProduceLines(t *testing.T) {
	_, addrs := testkafka.StartKfake(t, 1)
	c := cluster{brokers: addrs}
	topic := c.createTopic(t, "lines", 1)
	stdout, stderr, code := run(t, "one\r\n\nthree with spaces\nlast-no-newline", "produce", "--format", "lines", "-b", c.bootstrap(), "-t", topic, "--print-results")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	res := parseResults(t, stdout)
	got := testkafka.ReadAll(t, c.brokers, topic, 4, 30*time.Second)
	check(t, got, res, []want{
		{line: 1, value: []byte("one"), partition: 0},
		{line: 2, value: []byte{}, partition: 0},
		{line: 3, value: []byte("three with spaces"), partition: 0},
		{line: 4, value: []byte("last-no-newline"), partition: 0},
	})
}

// TestProduceEmbeddedBroker: with no brokers the binary starts its own.
func TestProduceEmbeddedBroker(t *testing.T) {
	cfg := writeConfig(t, "[dev_broker]\npartitions = 4\n")
	stdout, stderr, code := run(t, `{"key":"a","value":"1"}`+"\n"+`{"key":"b","value":"2","partition":3}`+"\n",
		"produce", "-c", cfg, "-t", "demo", "--print-results", "--log-format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "embedded development broker") || !strings.Contains(stderr, `"level":"WARN"`) ||
		!strings.Contains(stderr, `"msg":"done","topic":"demo","delivered":2,"failed":0`) {
		t.Errorf("stderr does not announce the embedded broker as JSON:\n%s", stderr)
	}
	res := parseResults(t, stdout)
	if len(res) != 2 || res[2].partition != 3 || res[1].offset != 0 {
		t.Errorf("results: %v", res)
	}
}

// TestProduceTransactional: with transactional_id every chunk is a
// transaction; a chunk with a failing record is aborted as a whole and
// read_committed consumers see only the committed chunks.
func TestProduceTransactional(t *testing.T) {
	forEachCluster(t, func(t *testing.T, c cluster) {
		topic := c.createTopic(t, "txn", 2)
		cfg := writeConfig(t, fmt.Sprintf("[producer]\ntransactional_id = %q\nmax_message_bytes = 1000\nmax_buffered_bytes = 1000000\n", topic))
		var in strings.Builder
		for i := range 250 {
			v := fmt.Sprintf("r%d", i)
			if i == 130 {
				v = strings.Repeat("x", 2000) // fails: its chunk (lines 101-200) is aborted
			}
			fmt.Fprintf(&in, `{"key":"k%d","value":%q}`+"\n", i%5, v)
		}
		stdout, stderr, code := run(t, in.String(), "produce", "-c", cfg, "-b", c.bootstrap(), "-t", topic, "--transactional-batch", "100", "--print-results")
		if code != 1 {
			t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr)
		}
		res := parseResults(t, stdout)
		for line := 1; line <= 250; line++ {
			aborted := line > 100 && line <= 200
			if r := res[line]; aborted != (r.partition == -1) || (aborted && line != 131 && !strings.Contains(r.rest, "transaction aborted")) {
				t.Fatalf("line %d: %q", line, r.rest)
			}
		}
		got := testkafka.ReadAll(t, c.brokers, topic, 150, time.Minute, testkafka.ReadCommitted(), testkafka.QuietPeriod(time.Second))
		if len(got) != 150 {
			t.Fatalf("read_committed sees %d records, want 150", len(got))
		}
		for _, r := range got {
			if !r.Transactional {
				t.Fatalf("record %s is not transactional", r)
			}
		}
	})
}
