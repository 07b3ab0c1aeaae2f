// Package metrics exposes kafkawasm's producer, plugin and HTTP metrics
// in the Prometheus format (github.com/prometheus/client_golang).
//
// Metrics implements kafka.Observer (batches, retries, produce requests)
// and pipeline.Observer (plugin calls); the serve command adds the record
// outcomes it hands back to HTTP clients (RecordsDone), so that
// kafkawasm_records_sent_total counts exactly the records answered with
// an offset. All methods are safe for concurrent use and never block.
package metrics

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

// Namespace prefixes every metric name.
const Namespace = "kafkawasm"

// Metrics holds the registry and every collector.
type Metrics struct {
	reg *prometheus.Registry

	recordsSent   *prometheus.CounterVec
	recordsFailed *prometheus.CounterVec
	bytesSent     *prometheus.CounterVec
	batches       *prometheus.CounterVec
	retries       *prometheus.CounterVec
	batchRecords  prometheus.Histogram
	batchBytes    prometheus.Histogram
	batchLatency  prometheus.Histogram
	requests      *prometheus.CounterVec
	requestRTT    prometheus.Histogram

	httpRequests *prometheus.CounterVec
	httpLatency  *prometheus.HistogramVec

	pluginCalls   *prometheus.CounterVec
	pluginRecords *prometheus.CounterVec
	pluginErrors  *prometheus.CounterVec
	pluginLatency *prometheus.HistogramVec

	buffer  atomic.Pointer[func() (bytes, records int)]
	reloads *prometheus.CounterVec
	plugins *pluginCollector
}

// New returns a Metrics with its own registry (plus the Go and process
// collectors).
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	f := func(name, help string, labels ...string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
		m.reg.MustRegister(c)
		return c
	}
	h := func(name, help string, buckets []float64) prometheus.Histogram {
		c := prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: Namespace, Name: name, Help: help, Buckets: buckets})
		m.reg.MustRegister(c)
		return c
	}
	latency := prometheus.ExponentialBuckets(0.0005, 2, 16) // 0.5ms .. ~16s
	m.recordsSent = f("records_sent_total", "Records acknowledged by the broker.", "topic")
	m.recordsFailed = f("records_failed_total", "Records that failed (plugin, encoding, size, broker or timeout errors).", "topic")
	m.bytesSent = f("bytes_sent_total", "Record batch bytes acknowledged by the broker (compressed, as sent).", "topic")
	m.batches = f("batches_total", "Record batches completed, by result (ok or error).", "topic", "result")
	m.retries = f("batch_retries_total", "Record batches queued again after a retriable error.", "topic")
	m.batchRecords = h("batch_records", "Records per completed batch.", prometheus.ExponentialBuckets(1, 2, 16))
	m.batchBytes = h("batch_bytes", "Encoded bytes per completed batch.", prometheus.ExponentialBuckets(64, 2, 18))
	m.batchLatency = h("batch_latency_seconds", "Time from a batch's first record to the broker's answer.", latency)
	m.requests = f("produce_requests_total", "Produce requests answered or failed, by result.", "result")
	m.requestRTT = h("produce_request_duration_seconds", "Round-trip time of produce requests.", latency)
	m.httpRequests = f("http_requests_total", "HTTP requests served, by route and status code.", "route", "code")
	m.httpLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "http_request_duration_seconds",
		Help: "HTTP request latency, from the request to the response (after the broker's acknowledgements).", Buckets: latency}, []string{"route"})
	m.reg.MustRegister(m.httpLatency)
	m.pluginCalls = f("plugin_calls_total", "Plugin stage calls (one per send call and topic).", "plugin", "kind")
	m.pluginRecords = f("plugin_records_total", "Records passed to a plugin stage.", "plugin", "kind")
	m.pluginErrors = f("plugin_errors_total", "Records a plugin stage failed.", "plugin", "kind")
	m.pluginLatency = prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "plugin_call_duration_seconds",
		Help: "Duration of plugin stage calls.", Buckets: prometheus.ExponentialBuckets(0.00001, 2, 18)}, []string{"plugin", "kind"})
	m.reg.MustRegister(m.pluginLatency)
	m.reloads = f("config_reloads_total", "Config reloads (SIGHUP), by result.", "result")
	for _, g := range []struct {
		name, help string
		bytes      bool
	}{{"buffered_bytes", "Encoded bytes held by the producer (queued or in flight).", true},
		{"buffered_records", "Records held by the producer (queued or in flight).", false}} {
		bytes := g.bytes
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: Namespace, Name: g.name, Help: g.help}, func() float64 {
			fn := m.buffer.Load()
			if fn == nil {
				return 0
			}
			b, r := (*fn)()
			if bytes {
				return float64(b)
			}
			return float64(r)
		}))
	}
	m.plugins = newPluginCollector()
	m.reg.MustRegister(m.plugins)
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// SetBufferUsage sets the function the buffer gauges read (normally the
// current producer's BufferUsage).
func (m *Metrics) SetBufferUsage(fn func() (bytes, records int)) { m.buffer.Store(&fn) }

// RecordsDone counts the outcomes of records handed back to a client.
func (m *Metrics) RecordsDone(topic string, results []kafka.SendResult) {
	ok, failed := 0, 0
	for i := range results {
		if results[i].Err == nil {
			ok++
		} else {
			failed++
		}
	}
	if ok > 0 {
		m.recordsSent.WithLabelValues(topic).Add(float64(ok))
	}
	if failed > 0 {
		m.recordsFailed.WithLabelValues(topic).Add(float64(failed))
	}
}

// HTTPRequest counts one served request.
func (m *Metrics) HTTPRequest(route string, code int, d time.Duration) {
	m.httpRequests.WithLabelValues(route, strconv.Itoa(code)).Inc()
	m.httpLatency.WithLabelValues(route).Observe(d.Seconds())
}

// Reload counts a config reload.
func (m *Metrics) Reload(err error) {
	if err != nil {
		m.reloads.WithLabelValues("error").Inc()
		return
	}
	m.reloads.WithLabelValues("ok").Inc()
}

// OnBatch implements kafka.Observer.
func (m *Metrics) OnBatch(topic string, _ int32, records, bytes int, latency time.Duration, err error) {
	if err != nil {
		m.batches.WithLabelValues(topic, "error").Inc()
		return
	}
	m.batches.WithLabelValues(topic, "ok").Inc()
	m.bytesSent.WithLabelValues(topic).Add(float64(bytes))
	m.batchRecords.Observe(float64(records))
	m.batchBytes.Observe(float64(bytes))
	m.batchLatency.Observe(latency.Seconds())
}

// OnRetry implements kafka.Observer.
func (m *Metrics) OnRetry(topic string, _ int32, _ int, _ error) {
	m.retries.WithLabelValues(topic).Inc()
}

// OnRequest implements kafka.Observer.
func (m *Metrics) OnRequest(_ int32, _ int, rtt time.Duration, err error) {
	if err != nil {
		m.requests.WithLabelValues("error").Inc()
	} else {
		m.requests.WithLabelValues("ok").Inc()
	}
	m.requestRTT.Observe(rtt.Seconds())
}

// PluginCall implements pipeline.Observer.
func (m *Metrics) PluginCall(plugin string, kind runtime.Kind, records, failed int, d time.Duration) {
	k := string(kind)
	m.pluginCalls.WithLabelValues(plugin, k).Inc()
	m.pluginRecords.WithLabelValues(plugin, k).Add(float64(records))
	if failed > 0 {
		m.pluginErrors.WithLabelValues(plugin, k).Add(float64(failed))
	}
	m.pluginLatency.WithLabelValues(plugin, k).Observe(d.Seconds())
}
