package runtime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
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
	// original and guard.Version) when there is an on-disk compilation
	// cache; otherwise instrumented caches them in memory.
	guardDir string
	rewrite  func([]byte) ([]byte, error) // guard.Instrument; tests count calls

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
	r.rewrite = guard.Instrument
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

// guardCacheVersion names the directory of cached instrumented modules:
// it changes with package guard's output format.
var guardCacheVersion = fmt.Sprintf("kafkawasm-guard-v%d", guard.Version)

// A cached instrumented module is a file named by the hex SHA-256 of the
// original module in guardDir: guardMagic, that SHA-256 (32 bytes), the
// CRC-32C of the instrumented module (4 bytes, little-endian), then the
// instrumented module.
const (
	guardMagic     = "kwguard\x00"
	guardHeaderLen = len(guardMagic) + sha256.Size + 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// instrument returns bin rewritten by guard.Instrument, from the cache if
// it was done before (digest is bin's hex SHA-256). An on-disk entry that
// is not intact (truncated, corrupted, another module's) is rewritten. Like
// wazero's cache of compiled code, the directory is trusted: the checksum
// catches accidents, not tampering.
func (r *Runtime) instrument(bin []byte, digest string) ([]byte, error) {
	sum, err := hex.DecodeString(digest)
	if err != nil || len(sum) != sha256.Size {
		return nil, fmt.Errorf("bad digest %q", digest)
	}
	path := filepath.Join(r.guardDir, digest+".wasm")
	if r.guardDir == "" {
		r.mu.Lock()
		out, ok := r.instrumented[digest]
		r.mu.Unlock()
		if ok {
			return out, nil
		}
	} else if file, err := os.ReadFile(path); err == nil {
		if out, ok := openGuardEntry(file, sum); ok {
			return out, nil
		}
		r.logger.Warn("kafkawasm: damaged entry in the instrumentation cache, rewriting it", "path", path)
	}
	out, err := r.rewrite(bin)
	if err != nil {
		return nil, err
	}
	if r.guardDir == "" {
		r.mu.Lock()
		r.instrumented[digest] = out
		r.mu.Unlock()
		return out, nil
	}
	if err := writeGuardEntry(r.guardDir, path, sum, out); err != nil {
		r.logger.Warn("kafkawasm: cannot cache the instrumented module", "err", err)
	}
	return out, nil
}

// openGuardEntry returns the instrumented module of a cache file if the
// file is intact and belongs to the module with SHA-256 sum.
func openGuardEntry(file, sum []byte) ([]byte, bool) {
	if len(file) < guardHeaderLen || string(file[:len(guardMagic)]) != guardMagic ||
		!bytes.Equal(file[len(guardMagic):len(guardMagic)+sha256.Size], sum) {
		return nil, false
	}
	out := file[guardHeaderLen:]
	if binary.LittleEndian.Uint32(file[guardHeaderLen-4:]) != crc32.Checksum(out, castagnoli) {
		return nil, false
	}
	return out, true
}

// writeGuardEntry writes a cache file atomically (a temporary file renamed).
func writeGuardEntry(dir, path string, sum, out []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "tmp-*")
	if err != nil {
		return err
	}
	hdr := append([]byte(guardMagic), sum...)
	hdr = binary.LittleEndian.AppendUint32(hdr, crc32.Checksum(out, castagnoli))
	if _, err = tmp.Write(hdr); err == nil {
		_, err = tmp.Write(out)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
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
