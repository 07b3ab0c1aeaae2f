package metrics

import (
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

func TestMetrics(t *testing.T) {
	m := New()
	var _ kafka.Observer = m
	m.SetBufferUsage(func() (int, int) { return 1234, 5 })
	m.OnBatch("t", 0, 10, 500, 3*time.Millisecond, nil)
	m.OnBatch("t", 1, 4, 100, time.Millisecond, errors.New("x"))
	m.OnRetry("t", 1, 1, errors.New("x"))
	m.OnRequest(1, 2, 2*time.Millisecond, nil)
	m.RecordsDone("t", []kafka.SendResult{{}, {}, {Err: errors.New("x")}})
	m.PluginCall("p", runtime.KindEnricher, 8, 1, time.Microsecond)
	m.HTTPRequest("/topics", 200, time.Millisecond)
	m.Reload(nil)
	m.SetPluginStats(func() []PluginStats {
		return []PluginStats{{Name: "p", Kind: runtime.KindEnricher, Stats: runtime.Stats{Calls: 3, Traps: 1, Instances: 2}}}
	})

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{
		`kafkawasm_records_sent_total{topic="t"} 2`,
		`kafkawasm_records_failed_total{topic="t"} 1`,
		`kafkawasm_bytes_sent_total{topic="t"} 500`,
		`kafkawasm_batches_total{result="error",topic="t"} 1`,
		`kafkawasm_batch_retries_total{topic="t"} 1`,
		`kafkawasm_batch_records_count 1`,
		`kafkawasm_produce_requests_total{result="ok"} 1`,
		`kafkawasm_buffered_bytes 1234`,
		`kafkawasm_buffered_records 5`,
		`kafkawasm_plugin_records_total{kind="enricher",plugin="p"} 8`,
		`kafkawasm_plugin_errors_total{kind="enricher",plugin="p"} 1`,
		`kafkawasm_plugin_call_duration_seconds_count{kind="enricher",plugin="p"} 1`,
		`kafkawasm_http_requests_total{code="200",route="/topics"} 1`,
		`kafkawasm_config_reloads_total{result="ok"} 1`,
		`kafkawasm_plugin_runtime_calls_total{kind="enricher",plugin="p"} 3`,
		`kafkawasm_plugin_runtime_traps_total{kind="enricher",plugin="p"} 1`,
		`kafkawasm_plugin_runtime_instances{kind="enricher",plugin="p"} 2`,
		`go_goroutines`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("missing %s", want)
		}
	}
}
