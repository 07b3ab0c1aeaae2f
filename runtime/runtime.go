package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/kafkawasm/kafkawasm/hostfuncs"
	"github.com/kafkawasm/kafkawasm/internal/abi"
	"github.com/kafkawasm/kafkawasm/runtime/internal/guard"
)

// RuntimeConfig configures a Runtime. The zero value is usable.
type RuntimeConfig struct {
	// CacheDir is where compiled modules are cached across processes.
	// Empty: os.UserCacheDir()/kafkawasm/wazero (an in-memory cache if that
	// cannot be created). "-": no on-disk cache.
	CacheDir string
	// Logger receives the runtime's and, by default, the plugins' records.
	// Nil: slog.Default().
	Logger *slog.Logger
}

// Runtime compiles and runs plugins. It holds the compilation cache, the
// wazero runtimes (one per memory limit and time-bound mode, sharing the
// cache) with the host modules instantiated once in each, and the watchdog
// of instrumented plugins. A process usually needs one (Default).
//
// A Runtime is safe for concurrent use. Close it after closing its plugins.
type Runtime struct {
	cfg    RuntimeConfig
	logger *slog.Logger
	cache  wazero.CompilationCache
	wd     *watchdog

	// guardDir caches instrumented modules on disk (by the SHA-256 of the
	// original) when there is an on-disk compilation cache; otherwise
	// instrumented caches them in memory.
	guardDir string

	// compileMu serializes CompileModule: wazero v1.12.0 can publish a
	// module loaded from the on-disk cache to a concurrent compile before
	// it is ready, which panics (wazero issue 2547). Compiling is rare
	// (load and reload only), so one lock per Runtime costs nothing.
	compileMu sync.Mutex

	mu           sync.Mutex
	engines      map[engineKey]*engine // guarded by mu
	instrumented map[string][]byte     // guarded by mu
	closed       bool                  // guarded by mu
}

type engineKey struct {
	memoryPages uint32
	closeOnDone bool
}

// engine is one wazero.Runtime and the signatures of what its host modules
// export, by module and name.
type engine struct {
	r     wazero.Runtime
	funcs map[string]map[string]api.FunctionDefinition
}

// DefaultCacheDir returns the default on-disk compilation cache directory.
func DefaultCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "kafkawasm", "wazero"), nil
}

// NewRuntime returns a Runtime. It fails only if an explicitly configured
// cache directory cannot be used.
func NewRuntime(cfg RuntimeConfig) (*Runtime, error) {
	r := &Runtime{cfg: cfg, logger: cfg.Logger, engines: map[engineKey]*engine{}}
	if r.logger == nil {
		r.logger = slog.Default()
	}
	switch cfg.CacheDir {
	case "-":
		r.cache = wazero.NewCompilationCache()
	case "":
		dir, err := DefaultCacheDir()
		if err == nil {
			r.cache, err = wazero.NewCompilationCacheWithDir(dir)
		}
		if err != nil {
			r.logger.Warn("kafkawasm: no on-disk compilation cache", "err", err)
			r.cache = wazero.NewCompilationCache()
		} else {
			r.guardDir = filepath.Join(dir, guardCacheVersion)
		}
	default:
		c, err := wazero.NewCompilationCacheWithDir(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("kafkawasm: compilation cache %s: %w", cfg.CacheDir, err)
		}
		r.cache = c
		r.guardDir = filepath.Join(cfg.CacheDir, guardCacheVersion)
	}
	r.instrumented = map[string][]byte{}
	r.wd = newWatchdog()
	return r, nil
}

var (
	defaultOnce sync.Once
	defaultRT   *Runtime
)

// Default returns the process-wide Runtime used by the package-level Load
// and Build, created on first use with the zero RuntimeConfig.
func Default() *Runtime {
	defaultOnce.Do(func() {
		defaultRT, _ = NewRuntime(RuntimeConfig{}) // cannot fail with CacheDir ""
	})
	return defaultRT
}

// engine returns (creating it on first use) the wazero runtime for a memory
// limit and time-bound mode.
func (r *Runtime) engine(ctx context.Context, key engineKey) (*engine, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	if e := r.engines[key]; e != nil {
		return e, nil
	}
	rc := wazero.NewRuntimeConfigCompiler().
		WithCompilationCache(r.cache).
		WithMemoryLimitPages(key.memoryPages).
		WithCloseOnContextDone(key.closeOnDone)
	wr := wazero.NewRuntimeWithConfig(ctx, rc)
	if err := hostfuncs.Instantiate(ctx, wr); err != nil {
		wr.Close(ctx)
		return nil, err
	}
	if err := hostfuncs.InstantiateWASI(ctx, wr); err != nil {
		wr.Close(ctx)
		return nil, err
	}
	e := &engine{r: wr, funcs: map[string]map[string]api.FunctionDefinition{}}
	for _, name := range []string{abi.HostModule, abi.EnvModule, abi.WASIModule} {
		e.funcs[name] = wr.Module(name).ExportedFunctionDefinitions()
	}
	r.engines[key] = e
	return e, nil
}

// guardCacheVersion names the directory of cached instrumented modules;
// bump it when package guard changes its output.
const guardCacheVersion = "kafkawasm-guard-v1"

// instrument returns bin rewritten by guard.Instrument, from the cache if
// it was done before (digest is bin's hex SHA-256). Like wazero's cache of
// compiled code, the on-disk cache is trusted: protect the directory.
func (r *Runtime) instrument(bin []byte, digest string) ([]byte, error) {
	if r.guardDir == "" {
		r.mu.Lock()
		out, ok := r.instrumented[digest]
		r.mu.Unlock()
		if ok {
			return out, nil
		}
	} else if out, err := os.ReadFile(filepath.Join(r.guardDir, digest+".wasm")); err == nil {
		return out, nil
	}
	out, err := guard.Instrument(bin)
	if err != nil {
		return nil, err
	}
	if r.guardDir == "" {
		r.mu.Lock()
		r.instrumented[digest] = out
		r.mu.Unlock()
		return out, nil
	}
	if err := os.MkdirAll(r.guardDir, 0o700); err == nil {
		tmp, err := os.CreateTemp(r.guardDir, "tmp-*")
		if err == nil {
			_, werr := tmp.Write(out)
			cerr := tmp.Close()
			if werr != nil || cerr != nil || os.Rename(tmp.Name(), filepath.Join(r.guardDir, digest+".wasm")) != nil {
				os.Remove(tmp.Name())
			}
		}
	}
	return out, nil
}

// Close closes every wazero runtime (and so every plugin instance) of r and
// the compilation cache. Plugins loaded from r fail with ErrClosed after.
func (r *Runtime) Close(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	engines := r.engines
	r.engines = nil
	r.mu.Unlock()
	var errs []error
	for _, e := range engines {
		errs = append(errs, e.r.Close(ctx))
	}
	errs = append(errs, r.cache.Close(ctx))
	return errors.Join(errs...)
}
