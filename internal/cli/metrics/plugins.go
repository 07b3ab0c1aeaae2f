package metrics

import (
	"sort"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kafkawasm/kafkawasm/runtime"
)

// PluginStats is a snapshot of one loaded plugin's runtime counters.
type PluginStats struct {
	Name  string
	Kind  runtime.Kind
	Stats runtime.Stats
}

// pluginCollector exports the plugin runtime's own counters (guest calls,
// timeouts, traps, failures, recycled and live instances) of the plugins
// currently loaded. After a reload the counters restart from zero, which
// Prometheus treats as a counter reset.
type pluginCollector struct {
	fn atomic.Pointer[func() []PluginStats]

	calls, records, timeouts, traps, failures, recycled, created, instances *prometheus.Desc
}

func newPluginCollector() *pluginCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "plugin_runtime", name), help, []string{"plugin", "kind"}, nil)
	}
	return &pluginCollector{
		calls:     d("calls_total", "Guest calls (one per batch chunk), counted by the plugin runtime."),
		records:   d("records_total", "Records passed to the guest, counted by the plugin runtime."),
		timeouts:  d("timeouts_total", "Guest calls stopped by the plugin's time bound."),
		traps:     d("traps_total", "Guest calls that trapped."),
		failures:  d("failures_total", "Whole-call failures: -1 results, malformed output, instantiation errors."),
		recycled:  d("recycled_total", "Instances discarded (trap, timeout, memory watermark)."),
		created:   d("instances_created_total", "Instances created, including the first."),
		instances: d("instances", "Live instances."),
	}
}

// Describe implements prometheus.Collector.
func (c *pluginCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.calls, c.records, c.timeouts, c.traps, c.failures, c.recycled, c.created, c.instances} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *pluginCollector) Collect(ch chan<- prometheus.Metric) {
	fn := c.fn.Load()
	if fn == nil {
		return
	}
	stats := (*fn)()
	sort.Slice(stats, func(i, j int) bool { return stats[i].Name < stats[j].Name })
	for _, p := range stats {
		l := []string{p.Name, string(p.Kind)}
		s := p.Stats
		counter := func(d *prometheus.Desc, v uint64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), l...)
		}
		counter(c.calls, s.Calls)
		counter(c.records, s.Records)
		counter(c.timeouts, s.Timeouts)
		counter(c.traps, s.Traps)
		counter(c.failures, s.Failures)
		counter(c.recycled, s.Recycled)
		counter(c.created, s.Created)
		ch <- prometheus.MustNewConstMetric(c.instances, prometheus.GaugeValue, float64(s.Instances), l...)
	}
}

// SetPluginStats sets the function that lists the loaded plugins' runtime
// counters (the serve command points it at its current plugins).
func (m *Metrics) SetPluginStats(fn func() []PluginStats) { m.plugins.fn.Store(&fn) }
