package main_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
)

// startServe starts `kafkawasm serve` on a free port and returns its URL.
func startServe(t *testing.T, args ...string) (*proc, string) {
	t.Helper()
	p := start(t, nil, nil, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...)...)
	url := p.firstLine(time.Minute)
	if !strings.HasPrefix(url, "http://") {
		t.Fatalf("first stdout line %q is not the address", url)
	}
	return p, url
}

type offset struct {
	Partition *int32  `json:"partition"`
	Offset    *int64  `json:"offset"`
	ErrorCode *int    `json:"error_code"`
	Error     *string `json:"error"`
}

type produceResponse struct {
	KeySchemaID   *int     `json:"key_schema_id"`
	ValueSchemaID *int     `json:"value_schema_id"`
	Offsets       []offset `json:"offsets"`
	ErrorCode     int      `json:"error_code"`
	Message       string   `json:"message"`
}

var httpClient = &http.Client{Timeout: 2 * time.Minute}

func postJSON(t *testing.T, url, ct string, body []byte) (int, produceResponse, error) {
	resp, err := httpClient.Post(url, ct, bytes.NewReader(body))
	if err != nil {
		return 0, produceResponse{}, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var pr produceResponse
	if err := json.Unmarshal(raw, &pr); err != nil {
		return resp.StatusCode, pr, fmt.Errorf("status %d, body %q: %v", resp.StatusCode, raw, err)
	}
	return resp.StatusCode, pr, nil
}

// binaryBody builds a binary-format request of the given values.
func binaryBody(keys, values [][]byte) []byte {
	type rec struct {
		Key   *string `json:"key"`
		Value *string `json:"value"`
	}
	var body struct {
		Records []rec `json:"records"`
	}
	for i := range values {
		var r rec
		if keys != nil && keys[i] != nil {
			k := base64.StdEncoding.EncodeToString(keys[i])
			r.Key = &k
		}
		if values[i] != nil {
			v := base64.StdEncoding.EncodeToString(values[i])
			r.Value = &v
		}
		body.Records = append(body.Records, r)
	}
	b, _ := json.Marshal(body)
	return b
}

// scrape returns the value of one metric line (name with labels) or -1.
func scrape(t *testing.T, url, metric string) float64 {
	t.Helper()
	resp, err := httpClient.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, metric+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %v", l, err)
			}
			return f
		}
	}
	return -1
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := httpClient.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServe drives the REST Proxy v2 API: a 1,000-record request answered
// with the offsets the records are found at, the binary format, per-record
// errors, whole-request errors, health endpoints and /metrics.
func TestServe(t *testing.T) {
	forEachCluster(t, func(t *testing.T, c cluster) {
		topic := c.createTopic(t, "serve", 4)
		cfg := writeConfig(t, "[producer]\nmax_message_bytes = 1000\nmax_buffered_bytes = 1000000\n")
		p, url := startServe(t, "-c", cfg, "--brokers", c.bootstrap(), "--max-body-bytes", "300000", "--topic-wait", "2s")
		if code, body := get(t, url+"/healthz"); code != 200 || body != "ok\n" {
			t.Errorf("/healthz: %d %q", code, body)
		}
		if code, _ := get(t, url+"/readyz"); code != 200 {
			t.Errorf("/readyz: %d", code)
		}

		// 1,000 records in the json format.
		var recs []string
		for i := range 1000 {
			recs = append(recs, fmt.Sprintf(`{"key":"k-%d","value":{"i":%d,"s":"v\u00e9"}}`, i%10, i))
		}
		status, pr, err := postJSON(t, url+"/topics/"+topic, "application/vnd.kafka.json.v2+json", []byte(`{"records":[`+strings.Join(recs, ",")+`]}`))
		if err != nil || status != 200 || len(pr.Offsets) != 1000 || pr.KeySchemaID != nil {
			t.Fatalf("json request: %d %v %d offsets", status, err, len(pr.Offsets))
		}
		// 10 binary records, then 3 with an oversize one in the middle.
		var vals [][]byte
		for i := range 10 {
			vals = append(vals, []byte{byte(i), 0xff, 0, '\n'})
		}
		status, bpr, err := postJSON(t, url+"/topics/"+topic, "application/vnd.kafka.binary.v2+json", binaryBody(nil, vals))
		if err != nil || status != 200 || len(bpr.Offsets) != 10 {
			t.Fatalf("binary request: %d %v", status, err)
		}
		status, opr, err := postJSON(t, url+"/topics/"+topic, "application/json",
			[]byte(`{"records":[{"value":"small"},{"value":"`+strings.Repeat("x", 2000)+`"},{"value":"small too"}]}`))
		if err != nil || status != 200 || len(opr.Offsets) != 3 {
			t.Fatalf("oversize request: %d %v", status, err)
		}
		if o := opr.Offsets[1]; o.ErrorCode == nil || *o.ErrorCode != 50002 || o.Error == nil || !strings.Contains(*o.Error, "limit") || o.Partition != nil || o.Offset != nil {
			t.Errorf("oversize record: %+v", o)
		}
		for _, i := range []int{0, 2} {
			if o := opr.Offsets[i]; o.ErrorCode != nil || o.Offset == nil {
				t.Errorf("record %d next to the oversize one: %+v", i, o)
			}
		}

		got := testkafka.ReadAll(t, c.brokers, topic, 1012, time.Minute)
		if len(got) != 1012 {
			t.Fatalf("read back %d records, want 1012", len(got))
		}
		at := map[[2]int64]testkafka.Record{}
		for _, r := range got {
			at[[2]int64{int64(r.Partition), r.Offset}] = r
		}
		find := func(o offset) testkafka.Record {
			if o.ErrorCode != nil || o.Partition == nil || o.Offset == nil {
				t.Fatalf("unexpected failure: %+v", o)
			}
			r, ok := at[[2]int64{int64(*o.Partition), *o.Offset}]
			if !ok {
				t.Fatalf("nothing at %d@%d", *o.Partition, *o.Offset)
			}
			return r
		}
		for i, o := range pr.Offsets {
			r := find(o)
			if want := fmt.Sprintf(`{"i":%d,"s":"v\u00e9"}`, i); string(r.Value) != want || string(r.Key) != fmt.Sprintf(`"k-%d"`, i%10) {
				t.Fatalf("offset entry %d points at key %s value %s, want %s", i, r.Key, r.Value, want)
			}
		}
		for i, o := range bpr.Offsets {
			if r := find(o); !bytes.Equal(r.Value, vals[i]) || r.Key != nil {
				t.Fatalf("binary record %d: %q", i, r.Value)
			}
		}
		if r := find(opr.Offsets[2]); string(r.Value) != `"small too"` {
			t.Errorf("json string value is kept as JSON text: %q", r.Value)
		}

		// Whole-request errors.
		for _, tc := range []struct {
			name, topic, ct, body string
			status, code          int
		}{
			{"malformed JSON", topic, "application/vnd.kafka.json.v2+json", `{"records":[{"value":`, 400, 400},
			{"wrong JSON type", topic, "application/vnd.kafka.json.v2+json", `{"records":"x"}`, 400, 400},
			{"no records", topic, "application/json", `{"records":[]}`, 422, 422},
			{"bad base64", topic, "application/vnd.kafka.binary.v2+json", `{"records":[{"value":"%%%"}]}`, 422, 422},
			{"unknown partition", topic, "application/json", `{"records":[{"value":1,"partition":4}]}`, 404, 40402},
			{"unsupported content type", topic, "text/csv", `a,b`, 415, 415},
			{"too large", topic, "application/json", `{"records":[{"value":"` + strings.Repeat("y", 300001) + `"}]}`, 413, 413},
		} {
			status, er, err := postJSON(t, url+"/topics/"+tc.topic, tc.ct, []byte(tc.body))
			if err != nil || status != tc.status || er.ErrorCode != tc.code || er.Message == "" {
				t.Errorf("%s: got %d %+v %v, want %d/%d", tc.name, status, er, err, tc.status, tc.code)
			}
		}
		if !c.real { // the real broker creates topics on first use
			status, er, err := postJSON(t, url+"/topics/no-such-topic", "application/json", []byte(`{"records":[{"value":1}]}`))
			if err != nil || status != 404 || er.ErrorCode != 40401 {
				t.Errorf("unknown topic: %d %+v %v", status, er, err)
			}
		}

		// The counters match what was sent.
		for metric, want := range map[string]float64{
			`kafkawasm_records_sent_total{topic="` + topic + `"}`:       1012,
			`kafkawasm_records_failed_total{topic="` + topic + `"}`:     1,
			`kafkawasm_http_requests_total{code="200",route="/topics"}`: 3,
			`kafkawasm_http_requests_total{code="400",route="/topics"}`: 2,
			`kafkawasm_http_requests_total{code="422",route="/topics"}`: 2,
		} {
			if got := scrape(t, url, metric); got != want {
				t.Errorf("%s = %v, want %v", metric, got, want)
			}
		}
		if b := scrape(t, url, `kafkawasm_batches_total{result="ok",topic="`+topic+`"}`); b < 1 {
			t.Errorf("batches_total = %v", b)
		}
		if scrape(t, url, "kafkawasm_buffered_records") < 0 || scrape(t, url, "kafkawasm_produce_request_duration_seconds_count") < 1 {
			t.Error("buffer gauge or request latency histogram missing")
		}
		p.signal(syscall.SIGTERM)
		if code := p.wait(time.Minute); code != 0 {
			t.Fatalf("exit %d after SIGTERM; stderr:\n%s", code, p.stderr.String())
		}
	})
}

// loadGen posts binary-format requests from several clients, each
// sequentially, and remembers what every 200 acknowledged, in order.
type loadGen struct {
	url, topic string
	batch      int
	stop       chan struct{}
	wg         sync.WaitGroup

	mu       sync.Mutex
	acked    [][]string // per client, values acknowledged, in order
	failures []string
}

func newLoadGen(url, topic string, clients, batch int) *loadGen {
	g := &loadGen{url: url, topic: topic, batch: batch, stop: make(chan struct{}), acked: make([][]string, clients)}
	for c := range clients {
		g.wg.Add(1)
		go g.client(c)
	}
	return g
}

func (g *loadGen) client(c int) {
	defer g.wg.Done()
	for seq := 0; ; seq++ {
		select {
		case <-g.stop:
			return
		default:
		}
		vals := make([][]byte, g.batch)
		for i := range vals {
			vals[i] = fmt.Appendf(nil, "c%d-r%d-%d", c, seq, i)
		}
		resp, err := httpClient.Post(g.url+"/topics/"+g.topic, "application/vnd.kafka.binary.v2+json", bytes.NewReader(binaryBody(nil, vals)))
		if err != nil {
			// The server stopped accepting: nothing of this request was read.
			select {
			case <-g.stop:
				return
			case <-time.After(20 * time.Millisecond):
				continue
			}
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var pr produceResponse
		json.Unmarshal(raw, &pr)
		g.mu.Lock()
		if resp.StatusCode != 200 || len(pr.Offsets) != len(vals) {
			g.failures = append(g.failures, fmt.Sprintf("status %d: %s", resp.StatusCode, raw))
		} else {
			for i, o := range pr.Offsets {
				if o.ErrorCode != nil {
					g.failures = append(g.failures, fmt.Sprintf("record %s: %s", vals[i], *o.Error))
					continue
				}
				g.acked[c] = append(g.acked[c], string(vals[i]))
			}
		}
		g.mu.Unlock()
	}
}

// total returns how many records were acknowledged.
func (g *loadGen) total() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	n := 0
	for _, a := range g.acked {
		n += len(a)
	}
	return n
}

func (g *loadGen) halt() {
	close(g.stop)
	g.wg.Wait()
}

// waitFor waits until at least n records were acknowledged.
func (g *loadGen) waitFor(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for g.total() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d records acknowledged; failures: %v", g.total(), n, g.failures)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkExactlyOnce reads the topic back and checks that it holds exactly
// the acknowledged records, once each; it returns them by value.
func checkExactlyOnce(t *testing.T, c cluster, topic string, g *loadGen) map[string]testkafka.Record {
	t.Helper()
	want := g.total()
	got := testkafka.ReadAll(t, c.brokers, topic, want, time.Minute, testkafka.QuietPeriod(time.Second))
	byValue := map[string]testkafka.Record{}
	for _, r := range got {
		if _, dup := byValue[string(r.Value)]; dup {
			t.Errorf("duplicate record %q", r.Value)
		}
		byValue[string(r.Value)] = r
	}
	for _, vs := range g.acked {
		for _, v := range vs {
			if _, ok := byValue[v]; !ok {
				t.Errorf("acknowledged record %q is not in the topic", v)
			}
		}
	}
	if len(got) != want {
		t.Errorf("topic holds %d records, %d were acknowledged", len(got), want)
	}
	return byValue
}

// TestServeSIGTERMUnderLoad: SIGTERM while clients are posting loses
// nothing: every acknowledged record is in the topic, exactly once, and
// the process exits 0.
func TestServeSIGTERMUnderLoad(t *testing.T) {
	forEachCluster(t, func(t *testing.T, c cluster) {
		topic := c.createTopic(t, "sigterm", 3)
		cfg := writeConfig(t, "[producer]\nlinger_ms = 20\n")
		p, url := startServe(t, "-c", cfg, "--brokers", c.bootstrap())
		g := newLoadGen(url, topic, 8, 50)
		g.waitFor(t, 3000)
		p.signal(syscall.SIGTERM)
		code := p.wait(time.Minute)
		g.halt()
		if code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, p.stderr.String())
		}
		if len(g.failures) > 0 {
			t.Fatalf("requests failed: %v", g.failures[:min(5, len(g.failures))])
		}
		checkExactlyOnce(t, c, topic, g)
		t.Logf("%d records acknowledged before and during shutdown", g.total())
	})
}

// TestServeTransactional: with transactional_id every request is one
// transaction: all its records are committed, or none.
func TestServeTransactional(t *testing.T) {
	forEachCluster(t, func(t *testing.T, c cluster) {
		topic := c.createTopic(t, "servetxn", 2)
		cfg := writeConfig(t, fmt.Sprintf("[producer]\ntransactional_id = %q\nmax_message_bytes = 1000\nmax_buffered_bytes = 1000000\n", topic))
		p, url := startServe(t, "-c", cfg, "--brokers", c.bootstrap())
		var good []string
		for i := range 50 {
			good = append(good, fmt.Sprintf(`{"value":"ok-%d"}`, i))
		}
		status, pr, err := postJSON(t, url+"/topics/"+topic, "application/json", []byte(`{"records":[`+strings.Join(good, ",")+`]}`))
		if err != nil || status != 200 || len(pr.Offsets) != 50 || pr.Offsets[49].ErrorCode != nil {
			t.Fatalf("good request: %d %v %+v", status, err, pr)
		}
		status, pr, err = postJSON(t, url+"/topics/"+topic, "application/json",
			[]byte(`{"records":[{"value":"a"},{"value":"`+strings.Repeat("x", 2000)+`"},{"value":"c"}]}`))
		if err != nil || status != 200 || len(pr.Offsets) != 3 {
			t.Fatalf("bad request: %d %v", status, err)
		}
		for i, o := range pr.Offsets {
			if o.ErrorCode == nil || o.Offset != nil || (i != 1 && !strings.Contains(*o.Error, "transaction aborted")) {
				t.Errorf("record %d of the aborted request: %+v", i, o)
			}
		}
		got := testkafka.ReadAll(t, c.brokers, topic, 50, time.Minute, testkafka.ReadCommitted(), testkafka.QuietPeriod(time.Second))
		if len(got) != 50 {
			t.Errorf("read_committed sees %d records, want 50", len(got))
		}
		p.signal(syscall.SIGTERM)
		if code := p.wait(time.Minute); code != 0 {
			t.Fatalf("exit %d: %s", code, p.stderr.String())
		}
	})
}
