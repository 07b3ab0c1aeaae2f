package runtime_test

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/runtime"
)

const fixtureDir = "../plugins/testdata/hostile"

func fixture(name string) string { return filepath.Join(fixtureDir, name+".wasm") }

var (
	sharedOnce sync.Once
	sharedRT   *runtime.Runtime
)

// testRuntime is shared by the tests of this package: compiling once per
// module is the point of a Runtime. Its cache is in memory.
func testRuntime(t testing.TB) *runtime.Runtime {
	sharedOnce.Do(func() {
		var err error
		sharedRT, err = runtime.NewRuntime(runtime.RuntimeConfig{CacheDir: "-", Logger: quietLogger()})
		if err != nil {
			panic(err)
		}
	})
	return sharedRT
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(discard{}, &slog.HandlerOptions{Level: slog.LevelError + 100}))
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func load(t testing.TB, cfg runtime.PluginConfig) *runtime.Plugin {
	t.Helper()
	if cfg.Path == "" && cfg.Wasm == nil {
		cfg.Path = fixture(cfg.Name)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 200 * time.Millisecond
	}
	p, err := testRuntime(t).Load(context.Background(), cfg)
	if err != nil {
		t.Fatalf("load %s: %v", cfg.Name, err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedRT != nil {
		sharedRT.Close(context.Background())
	}
	os.Exit(code)
}

func readFixture(name string) ([]byte, error) { return os.ReadFile(fixture(name)) }

func newTextLogger(w *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
