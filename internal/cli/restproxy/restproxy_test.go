package restproxy

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/kafka"
)

// fakeBackend records what it is sent and answers with consecutive
// offsets; a value "too-large" fails with *kafka.RecordTooLargeError.
type fakeBackend struct {
	mu     sync.Mutex
	topics map[string]int
	got    []kafka.Message
	next   int64
}

func (f *fakeBackend) Partitions(_ context.Context, topic string) (int, error) {
	if n, ok := f.topics[topic]; ok {
		return n, nil
	}
	return 0, ErrUnknownTopic
}

func (f *fakeBackend) Produce(_ context.Context, topic string, msgs []kafka.Message) ([]kafka.SendResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	res := make([]kafka.SendResult, len(msgs))
	for i, m := range msgs {
		f.got = append(f.got, m)
		res[i] = kafka.SendResult{Topic: topic, Partition: 0, Offset: f.next}
		if m.Partition != nil {
			res[i].Partition = *m.Partition
		}
		if string(m.Value) == `"too-large"` {
			res[i] = kafka.SendResult{Topic: topic, Partition: -1, Offset: -1, Err: &kafka.RecordTooLargeError{Topic: topic, Size: 2000, Limit: 1000}}
			continue
		}
		if string(m.Value) == `"timeout"` {
			res[i] = kafka.SendResult{Topic: topic, Partition: -1, Offset: -1, Err: &kafka.SendTimeoutError{Topic: topic, Timeout: time.Second}}
			continue
		}
		f.next++
	}
	return res, nil
}

type obs struct {
	mu    sync.Mutex
	codes []int
	ok    int
}

func (o *obs) HTTPRequest(_ string, code int, _ time.Duration) {
	o.mu.Lock()
	o.codes = append(o.codes, code)
	o.mu.Unlock()
}

func (o *obs) RecordsDone(_ string, rs []kafka.SendResult) {
	o.mu.Lock()
	for _, r := range rs {
		if r.Err == nil {
			o.ok++
		}
	}
	o.mu.Unlock()
}

func newServer(t *testing.T) (*httptest.Server, *fakeBackend, *obs) {
	t.Helper()
	fb := &fakeBackend{topics: map[string]int{"orders": 3}}
	o := &obs{}
	mux := http.NewServeMux()
	mux.Handle("POST /topics/{topic}", &Handler{Backend: fb, MaxBodySize: 4096, Observer: o})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, fb, o
}

func post(t *testing.T, url, ct, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(url, ct, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("status %d: body is not JSON: %v", resp.StatusCode, err)
	}
	if got := resp.Header.Get("Content-Type"); got != ContentTypeV2 {
		t.Errorf("Content-Type %q", got)
	}
	return resp.StatusCode, m
}

func TestProduceJSON(t *testing.T) {
	srv, fb, o := newServer(t)
	code, m := post(t, srv.URL+"/topics/orders", ContentTypeJSON,
		`{"records":[{"key":"k1","value":{"a": 1, "b": [true, null]}},{"value":"s","partition":2},{"value":null},{"value":"too-large"},{"value":"timeout"}]}`)
	if code != 200 {
		t.Fatalf("status %d: %v", code, m)
	}
	raw, _ := json.Marshal(m)
	var resp Response
	if err := json.Unmarshal(raw, &resp); err != nil || len(resp.Offsets) != 5 {
		t.Fatalf("response %s: %v", raw, err)
	}
	if _, ok := m["key_schema_id"]; !ok || m["key_schema_id"] != nil || m["value_schema_id"] != nil {
		t.Errorf("schema ids: %s", raw)
	}
	for i, want := range []struct {
		part, off int64
		code      int
	}{{0, 0, 0}, {2, 1, 0}, {0, 2, 0}, {-1, -1, CodeKafkaError}, {-1, -1, CodeKafkaRetriable}} {
		o := resp.Offsets[i]
		switch {
		case want.code == 0 && (o.Partition == nil || int64(*o.Partition) != want.part || *o.Offset != want.off || o.ErrorCode != nil || o.Error != nil):
			t.Errorf("offset %d: %s", i, raw)
		case want.code != 0 && (o.Partition != nil || o.Offset != nil || o.ErrorCode == nil || *o.ErrorCode != want.code || o.Error == nil || *o.Error == ""):
			t.Errorf("offset %d: %s", i, raw)
		}
	}
	if string(fb.got[0].Key) != `"k1"` || string(fb.got[0].Value) != `{"a":1,"b":[true,null]}` || fb.got[2].Value != nil {
		t.Errorf("records %q %q %q", fb.got[0].Key, fb.got[0].Value, fb.got[2].Value)
	}
	if o.ok != 3 {
		t.Errorf("observer counted %d ok records", o.ok)
	}
}

func TestProduceBinary(t *testing.T) {
	srv, fb, _ := newServer(t)
	raw := []byte{0, 1, 0xff, '\n'}
	b64 := base64.StdEncoding.EncodeToString(raw)
	code, m := post(t, srv.URL+"/topics/orders", ContentTypeBinary+"; charset=utf-8",
		fmt.Sprintf(`{"records":[{"key":%q,"value":%q},{"value":null}]}`, b64, b64))
	if code != 200 {
		t.Fatalf("status %d: %v", code, m)
	}
	if string(fb.got[0].Key) != string(raw) || string(fb.got[0].Value) != string(raw) || fb.got[1].Value != nil || fb.got[1].Key != nil {
		t.Errorf("records %+v", fb.got)
	}
}

func TestErrors(t *testing.T) {
	srv, _, _ := newServer(t)
	big := `{"records":[{"value":"` + strings.Repeat("x", 5000) + `"}]}`
	tests := []struct {
		name, path, ct, body string
		status, code         int
	}{
		{"malformed JSON", "/topics/orders", ContentTypeJSON, `{"records":[`, 400, 400},
		{"not JSON", "/topics/orders", ContentTypePlain, `hello`, 400, 400},
		{"wrong type", "/topics/orders", ContentTypeJSON, `{"records":{"value":1}}`, 400, 400},
		{"partition wrong type", "/topics/orders", ContentTypeJSON, `{"records":[{"value":1,"partition":"x"}]}`, 400, 400},
		{"no records", "/topics/orders", ContentTypeJSON, `{}`, 422, 422},
		{"empty records", "/topics/orders", ContentTypeJSON, `{"records":[]}`, 422, 422},
		{"bad base64", "/topics/orders", ContentTypeBinary, `{"records":[{"value":"!!!"}]}`, 422, 422},
		{"binary not a string", "/topics/orders", ContentTypeBinary, `{"records":[{"value":5}]}`, 400, 400},
		{"unknown topic", "/topics/nope", ContentTypeJSON, `{"records":[{"value":1}]}`, 404, 40401},
		{"invalid topic name", "/topics/a%20b", ContentTypeJSON, `{"records":[{"value":1}]}`, 404, 40401},
		{"unknown partition", "/topics/orders", ContentTypeJSON, `{"records":[{"value":1,"partition":3}]}`, 404, 40402},
		{"negative partition", "/topics/orders", ContentTypeJSON, `{"records":[{"value":1,"partition":-1}]}`, 404, 40402},
		{"too large", "/topics/orders", ContentTypeJSON, big, 413, 413},
		{"unsupported media type", "/topics/orders", "text/plain", `{"records":[{"value":1}]}`, 415, 415},
		{"avro unsupported", "/topics/orders", "application/vnd.kafka.avro.v2+json", `{"records":[{"value":1}]}`, 415, 415},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, m := post(t, srv.URL+tc.path, tc.ct, tc.body)
			if status != tc.status || m["error_code"] != float64(tc.code) || m["message"] == "" {
				t.Errorf("got %d %v, want %d with error_code %d", status, m, tc.status, tc.code)
			}
		})
	}
}
