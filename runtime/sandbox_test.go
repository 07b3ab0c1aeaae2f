package runtime_test

import (
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/runtime"
)

// WASI errno values (wasi_snapshot_preview1).
const (
	errnoBADF  = 8
	errnoNOSYS = 52
)

func TestSandboxNoFilesystem(t *testing.T) {
	p := load(t, runtime.PluginConfig{Name: "fs_probe", Kind: runtime.KindPartitioner})
	out, errs := partition(p, 100, records("open-file", "prestat", "open-dir", "open-absolute"))
	for i, e := range errs {
		if e != nil {
			t.Fatalf("probe %d: %v", i, e)
		}
		if out[i] == 0 {
			t.Fatalf("probe %d succeeded: the guest reached the filesystem", i)
		}
	}
	if out[0] != errnoBADF || out[1] != errnoBADF || out[2] != errnoBADF {
		t.Fatalf("errnos %v, want EBADF (%d): no preopened directory", out, errnoBADF)
	}
}

func TestSandboxNoEnvironment(t *testing.T) {
	t.Setenv("KAFKAWASM_SECRET", "hunter2")
	p := load(t, runtime.PluginConfig{Name: "env_probe", Kind: runtime.KindPartitioner})
	out, errs := partition(p, 100, records("a"))
	if errs[0] != nil || out[0] != 0 {
		t.Fatalf("environment/arguments visible: sizes sum %d, %v", out[0], errs[0])
	}
}

func TestSandboxNoSockets(t *testing.T) {
	p := load(t, runtime.PluginConfig{Name: "sock_probe", Kind: runtime.KindPartitioner})
	out, errs := partition(p, 100, records("a"))
	if errs[0] != nil || out[0] == 0 {
		t.Fatalf("sock_accept: errno %d, %v", out[0], errs[0])
	}
	if out[0] != errnoBADF && out[0] != errnoNOSYS {
		t.Fatalf("sock_accept errno %d, want EBADF or ENOSYS", out[0])
	}
	// sock_open (no such WASI p1 function) is refused at load: see
	// TestLoadRefusesHostileModules.
}

func probeHeaders(t *testing.T, p *runtime.Plugin) map[string]uint64 {
	t.Helper()
	msgs := records("a")
	errs := make([]error, 1)
	p.Interceptor().Intercept("t", msgs, errs)
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	m := map[string]uint64{}
	for _, h := range msgs[0].Headers {
		m[h.Key] = binary.LittleEndian.Uint64(h.Value)
	}
	return m
}

// WASI clocks and random are fixed unless granted; the kafkawasm imports
// are always real.
func TestSandboxClockAndRandomGrants(t *testing.T) {
	now := uint64(time.Now().UnixNano())
	near := func(v uint64) bool { return v > now-uint64(time.Hour) && v < now+uint64(time.Hour) }

	a := load(t, runtime.PluginConfig{Name: "time_probe", Kind: runtime.KindEnricher, PoolSize: 1})
	b := load(t, runtime.PluginConfig{Name: "time_probe", Kind: runtime.KindEnricher, PoolSize: 1})
	ha, hb := probeHeaders(t, a), probeHeaders(t, b)
	if near(ha["wasi_wall"]) {
		t.Errorf("ungranted WASI clock is real: %d", ha["wasi_wall"])
	}
	if ha["wasi_rand"] != hb["wasi_rand"] {
		t.Errorf("ungranted WASI random differs across instances: %x %x", ha["wasi_rand"], hb["wasi_rand"])
	}
	if !near(ha["kw_wall"]) || ha["kw_mono"] == 0 {
		t.Errorf("kafkawasm clocks: wall %d mono %d", ha["kw_wall"], ha["kw_mono"])
	}
	if ha["kw_rand"] == hb["kw_rand"] {
		t.Errorf("random_fill repeats across instances: %x", ha["kw_rand"])
	}

	g1 := load(t, runtime.PluginConfig{Name: "time_probe", Kind: runtime.KindEnricher, Grants: []string{"clock", "random"}})
	g2 := load(t, runtime.PluginConfig{Name: "time_probe", Kind: runtime.KindEnricher, Grants: []string{"clock", "random"}})
	h1, h2 := probeHeaders(t, g1), probeHeaders(t, g2)
	if !near(h1["wasi_wall"]) {
		t.Errorf("granted WASI clock is not real: %d", h1["wasi_wall"])
	}
	if h1["wasi_rand"] == h2["wasi_rand"] {
		t.Errorf("granted WASI random repeats: %x", h1["wasi_rand"])
	}
}

// Guest log calls and stdout reach the logger with the plugin's name.
func TestPluginLogging(t *testing.T) {
	var buf syncBuffer
	logger := newTextLogger(&buf)
	load(t, runtime.PluginConfig{Name: "partitioner", Kind: runtime.KindPartitioner, Logger: logger})
	if got := buf.String(); !strings.Contains(got, "msg=configured") || !strings.Contains(got, "plugin=partitioner") {
		t.Fatalf("log = %q", got)
	}
}
