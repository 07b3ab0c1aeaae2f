package hostfuncs

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Grant names a capability a plugin's config may grant its WASI imports.
// Without grants, WASI clocks are fixed and WASI random is deterministic
// (wazero's defaults), so that plugins cannot observe the host. The
// kafkawasm imports now_unix_nanos, monotonic_nanos and random_fill are
// always real: they are the ABI's sanctioned way to read the clock and
// random bytes.
type Grant string

// Grants a plugin may receive.
const (
	// GrantClock makes WASI clock_time_get return the real wall and
	// monotonic clocks (Go's time.Now in a Go guest, for example).
	GrantClock Grant = "clock"
	// GrantRandom makes WASI random_get return crypto/rand bytes (seeds of
	// Go's and Rust's standard random generators, for example).
	GrantRandom Grant = "random"
)

// ParseGrant checks a grant name.
func ParseGrant(s string) (Grant, error) {
	switch g := Grant(s); g {
	case GrantClock, GrantRandom:
		return g, nil
	}
	return "", fmt.Errorf("hostfuncs: unknown grant %q (want %q or %q)", s, GrantClock, GrantRandom)
}

// InstantiateWASI registers wazero's wasi_snapshot_preview1 in r. What a
// guest can do with it is decided by its ModuleConfig (see Sandbox): with
// no preopened directory, no environment variables, no arguments and no
// sockets, path_open, environ_get and sock_* have nothing to reach.
func InstantiateWASI(ctx context.Context, r wazero.Runtime) error {
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, r); err != nil {
		return fmt.Errorf("hostfuncs: instantiate WASI: %w", err)
	}
	return nil
}

// Sandbox returns the ModuleConfig of one plugin instance: anonymous (so
// that a module can be instantiated many times), no start functions (the
// runtime calls _initialize itself), no filesystem, environment or
// arguments, stdin empty, stdout and stderr forwarded line by line to the
// plugin's logger (info and warn), and real clocks or random only if
// granted.
func Sandbox(env *Env, grants []Grant) wazero.ModuleConfig {
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions().
		WithStdin(bytes.NewReader(nil)).
		WithStdout(newLineLogger(env.logger, slog.LevelInfo, "stdout")).
		WithStderr(newLineLogger(env.logger, slog.LevelWarn, "stderr"))
	for _, g := range grants {
		switch g {
		case GrantClock:
			cfg = cfg.WithSysWalltime().WithSysNanotime()
		case GrantRandom:
			cfg = cfg.WithRandSource(rand.Reader)
		}
	}
	return cfg
}

// lineLogger turns a guest's stdout or stderr into log records, one per
// line; lines longer than MaxLogBytes are cut.
type lineLogger struct {
	mu     sync.Mutex
	logger *slog.Logger
	level  slog.Level
	stream string
	buf    []byte // guarded by mu
}

func newLineLogger(l *slog.Logger, level slog.Level, stream string) io.Writer {
	return &lineLogger{logger: l, level: level, stream: stream}
}

func (w *lineLogger) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			room := MaxLogBytes - len(w.buf)
			w.buf = append(w.buf, p[:min(len(p), max(room, 0))]...)
			break
		}
		line := p[:i]
		if room := MaxLogBytes - len(w.buf); len(line) > room {
			line = line[:max(room, 0)]
		}
		w.buf = append(w.buf, line...)
		w.logger.Log(context.Background(), w.level, string(w.buf), "stream", w.stream)
		w.buf = w.buf[:0]
		p = p[i+1:]
	}
	return n, nil
}
