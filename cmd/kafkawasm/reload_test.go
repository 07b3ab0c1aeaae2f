package main_test

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// enricherConfig wires topic to the fixture enricher, which adds the
// header x-host = the JSON of its config's host.
func enricherConfig(topic, path, host string) string {
	return fmt.Sprintf(`
[producer]
linger_ms = 10
[plugins.tag]
kind = "enricher"
path = %q
config = { host = %q }
[topics.%s]
enrichers = ["tag"]
`, path, host, topic)
}

// TestServeSIGHUPPluginSwap swaps the plugin (a new module file and a new
// config) under load: every record acknowledged is in the topic exactly
// once, went through exactly one plugin version, and each client's
// records switch from the old version to the new one once, never back.
func TestServeSIGHUPPluginSwap(t *testing.T) {
	forEachCluster(t, func(t *testing.T, c cluster) {
		topic := c.createTopic(t, "sighup", 3)
		wasm, err := os.ReadFile(fixtures + "/enricher.wasm")
		if err != nil {
			t.Fatal(err)
		}
		v1 := writeFile(t, "tag-v1.wasm", wasm)
		v2 := writeFile(t, "tag-v2.wasm", wasm)
		cfg := writeConfig(t, enricherConfig(topic, v1, "v1"))
		p, url := startServe(t, "-c", cfg, "--brokers", c.bootstrap())
		g := newLoadGen(url, topic, 6, 20)
		g.waitFor(t, 1000)

		// A config that does not load is refused; the old one stays.
		os.WriteFile(cfg, []byte(strings.Replace(enricherConfig(topic, v2, "v2"), "linger_ms = 10", "linger_ms = 10\nbogus = 1", 1)), 0o644)
		p.signal(syscall.SIGHUP)
		waitMetric(t, url, `kafkawasm_config_reloads_total{result="error"}`, 1)

		os.WriteFile(cfg, []byte(enricherConfig(topic, v2, "v2")), 0o644)
		p.signal(syscall.SIGHUP)
		waitMetric(t, url, `kafkawasm_config_reloads_total{result="ok"}`, 1)
		after := g.total()
		g.waitFor(t, after+1000)
		for _, m := range []string{`kafkawasm_plugin_records_total{kind="enricher",plugin="tag"}`, `kafkawasm_plugin_runtime_calls_total{kind="enricher",plugin="tag"}`} {
			if v := scrape(t, url, m); v < 1 {
				t.Errorf("%s = %v", m, v)
			}
		}
		p.signal(syscall.SIGTERM)
		code := p.wait(time.Minute)
		g.halt()
		if code != 0 {
			t.Fatalf("exit %d; stderr:\n%s", code, p.stderr.String())
		}
		if len(g.failures) > 0 {
			t.Fatalf("requests failed: %v", g.failures[:min(5, len(g.failures))])
		}
		if !strings.Contains(p.stderr.String(), "producer.bogus: unknown key") {
			t.Errorf("the refused reload is not explained on stderr:\n%s", p.stderr.String())
		}
		recs := checkExactlyOnce(t, c, topic, g)
		counts := map[string]int{}
		for client, vals := range g.acked {
			seenV2 := false
			for _, v := range vals {
				r, ok := recs[v]
				if !ok {
					continue
				}
				var hosts []string
				for _, h := range r.Headers {
					if h.Key == "x-host" {
						hosts = append(hosts, string(h.Value))
					}
				}
				if len(hosts) != 1 || (hosts[0] != `"v1"` && hosts[0] != `"v2"`) {
					t.Fatalf("record %s: x-host headers %q, want exactly one of \"v1\" / \"v2\"", v, hosts)
				}
				counts[hosts[0]]++
				if hosts[0] == `"v2"` {
					seenV2 = true
				} else if seenV2 {
					t.Errorf("client %d: record %s went through v1 after a record through v2", client, v)
				}
			}
		}
		if counts[`"v1"`] < 1000 || counts[`"v2"`] < 500 {
			t.Errorf("records per plugin version: %v", counts)
		}
		t.Logf("records per plugin version: %v", counts)
	})
}

// waitMetric waits until a metric reaches want.
func waitMetric(t *testing.T, url, metric string, want float64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for scrape(t, url, metric) < want {
		if time.Now().After(deadline) {
			t.Fatalf("%s did not reach %v", metric, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
