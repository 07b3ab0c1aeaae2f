package runtime

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	goruntime "runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/kafkawasm/kafkawasm/hostfuncs"
	"github.com/kafkawasm/kafkawasm/internal/abi"
)

// Defaults of PluginConfig.
const (
	DefaultMaxMemoryMB   = 16
	DefaultTimeout       = 100 * time.Millisecond
	DefaultMaxBatchBytes = 1 << 20
	// MinInitTimeout bounds instantiation, _initialize and kw_configure:
	// max(Timeout, MinInitTimeout), since a Go guest's runtime start-up
	// takes a few milliseconds.
	MinInitTimeout = time.Second
)

// PluginConfig describes one plugin to load.
type PluginConfig struct {
	// Name identifies the plugin in errors, logs and TOML references.
	Name string
	// Kind says which exports the host uses.
	Kind Kind
	// Path of the .wasm file; or Wasm, the module's bytes (exactly one).
	Path string
	Wasm []byte
	// SHA256, if set, pins the module: hex of its SHA-256 digest, with or
	// without a "sha256:" prefix. A mismatch fails the load.
	SHA256 string
	// MaxMemoryMB caps each instance's linear memory (default 16 MiB). An
	// instance whose memory grew past three quarters of it is discarded
	// after its call and replaced on demand.
	MaxMemoryMB int
	// Timeout bounds each call (one batch chunk): default 100 ms; negative:
	// no bound. Instantiation and initialisation get max(Timeout, 1s).
	Timeout time.Duration
	// TimeBound picks the mechanism that enforces Timeout (default
	// TimeBoundInstrument).
	TimeBound TimeBound
	// OnError is the failure policy (default OnErrorFail).
	OnError OnError
	// Config is handed to the plugin: as JSON to kw_configure, and key by
	// key through the config_get import.
	Config map[string]any
	// Grants gives the plugin's WASI imports real clocks ("clock") or real
	// random bytes ("random"); see hostfuncs.Grant.
	Grants []string
	// PoolSize is the number of instances, and so of concurrent calls
	// (default GOMAXPROCS). Callers beyond it wait for a free instance.
	PoolSize int
	// MaxBatchBytes bounds the input of one call; larger batches are split
	// into chunks (default 1 MiB). A single larger record goes alone.
	MaxBatchBytes int
	// Logger receives the plugin's log records, stdout and stderr (with
	// plugin=Name). Nil: the Runtime's logger.
	Logger *slog.Logger
}

// Plugin is a loaded, validated plugin with its pool of instances.
//
// A Plugin is safe for concurrent use: every call takes an instance from
// the pool for its duration, so an instance is never used by two
// goroutines at once. Its adapters (Partitioner, Interceptor, ValueCodec,
// KeyCodec, Codec) share the pool and are safe for concurrent use too. They
// block only while all PoolSize instances are busy.
type Plugin struct {
	name      string
	kind      Kind
	onError   OnError
	rt        *Runtime
	eng       *engine
	cm        wazero.CompiledModule
	env       *hostfuncs.Env
	grants    []hostfuncs.Grant
	logger    *slog.Logger
	timeout   time.Duration // <= 0: none
	bound     TimeBound
	maxBatch  int
	watermark uint64 // memory size in bytes past which an instance is recycled
	digest    string
	abiMinor  uint16
	pool      chan *instance // nil entries are free slots
	size      int

	closed    atomic.Bool
	closeOnce sync.Once
	stats     stats
}

// Load loads a plugin into the Default runtime.
func Load(ctx context.Context, cfg PluginConfig) (*Plugin, error) {
	return Default().Load(ctx, cfg)
}

// Load reads, checks, compiles (through the compilation cache) and
// validates a plugin, then starts one instance, which runs _initialize,
// checks the ABI version and runs kw_configure. Every failure is a
// *PluginError whose Cause wraps one of the load-time ErrXxx.
func (r *Runtime) Load(ctx context.Context, cfg PluginConfig) (*Plugin, error) {
	p, err := r.prepare(cfg)
	if err != nil {
		return nil, &PluginError{Plugin: cfg.Name, Kind: cfg.Kind, Cause: err}
	}
	if err := p.compile(ctx, cfg); err != nil {
		return nil, &PluginError{Plugin: p.name, Kind: p.kind, Cause: err}
	}
	in, err := p.newInstance(ctx)
	if err != nil {
		p.cm.Close(ctx)
		return nil, &PluginError{Plugin: p.name, Kind: p.kind, Cause: err}
	}
	p.abiMinor = in.abiMinor
	p.pool = make(chan *instance, p.size)
	p.pool <- in
	for range p.size - 1 {
		p.pool <- nil
	}
	return p, nil
}

func (r *Runtime) prepare(cfg PluginConfig) (*Plugin, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, args...))
	}
	if cfg.Name == "" {
		return nil, bad("empty name")
	}
	kind, err := parseKind(string(cfg.Kind))
	if err != nil {
		return nil, bad("%v", err)
	}
	onErr, err := parseOnError(string(cfg.OnError))
	if err != nil {
		return nil, bad("%v", err)
	}
	if kind == KindCodec && onErr == OnErrorFallback {
		return nil, bad("on_error %q is not allowed for codecs: a record that could not be encoded must not be sent", onErr)
	}
	if (cfg.Path == "") == (cfg.Wasm == nil) {
		return nil, bad("exactly one of path and wasm bytes is required")
	}
	mem := cfg.MaxMemoryMB
	if mem == 0 {
		mem = DefaultMaxMemoryMB
	}
	if mem < 1 || mem > 4096 {
		return nil, bad("max_memory_mb %d: want 1 to 4096", mem)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	if cfg.TimeBound < TimeBoundInstrument || cfg.TimeBound > TimeBoundNone {
		return nil, bad("time bound %v", cfg.TimeBound)
	}
	bound := cfg.TimeBound
	if timeout < 0 || bound == TimeBoundNone {
		timeout, bound = -1, TimeBoundNone
	}
	var grants []hostfuncs.Grant
	for _, g := range cfg.Grants {
		gr, err := hostfuncs.ParseGrant(g)
		if err != nil {
			return nil, bad("%v", err)
		}
		grants = append(grants, gr)
	}
	size := cfg.PoolSize
	if size <= 0 {
		size = goruntime.GOMAXPROCS(0)
	}
	maxBatch := cfg.MaxBatchBytes
	if maxBatch <= 0 {
		maxBatch = DefaultMaxBatchBytes
	}
	logger := cfg.Logger
	if logger == nil {
		logger = r.logger
	}
	env, err := hostfuncs.NewEnv(cfg.Name, logger, cfg.Config)
	if err != nil {
		return nil, bad("%v", err)
	}
	return &Plugin{
		name: cfg.Name, kind: kind, onError: onErr, rt: r, env: env, grants: grants,
		logger: env.Logger(), timeout: timeout, bound: bound, maxBatch: maxBatch,
		watermark: uint64(mem) << 20 * 3 / 4, size: size,
	}, nil
}

// parallelCompileBytes is the module size from which a cold compile is
// spread over all cores.
const parallelCompileBytes = 256 << 10

func (p *Plugin) compile(ctx context.Context, cfg PluginConfig) error {
	mem := cfg.MaxMemoryMB
	if mem == 0 {
		mem = DefaultMaxMemoryMB
	}
	// The wazero runtime (with its host modules) is set up on another core
	// while the module is read, hashed and instrumented.
	type engineResult struct {
		eng *engine
		err error
	}
	engc := make(chan engineResult, 1)
	go func() {
		eng, err := p.rt.engine(ctx, engineKey{memoryPages: uint32(mem) * 16, closeOnDone: p.bound == TimeBoundContext})
		engc <- engineResult{eng, err}
	}()
	bin := cfg.Wasm
	if cfg.Path != "" {
		b, err := os.ReadFile(cfg.Path)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidConfig, err)
		}
		bin = b
	}
	sum := sha256.Sum256(bin)
	p.digest = hex.EncodeToString(sum[:])
	if want := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(cfg.SHA256), "sha256:")); want != "" && want != p.digest {
		return fmt.Errorf("%w: module has %s, config pins %s", ErrSHA256Mismatch, p.digest, want)
	}
	if p.bound == TimeBoundInstrument {
		out, err := p.rt.instrument(bin, p.digest)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalidModule, err)
		}
		bin = out
	}
	res := <-engc
	if res.err != nil {
		return res.err
	}
	p.eng = res.eng
	// A cold compile of a large module uses every core (a warm one reads
	// the compiled code from the cache; a small one is done before workers
	// would pay off).
	cctx := ctx
	if len(bin) >= parallelCompileBytes {
		cctx = experimental.WithCompilationWorkers(ctx, goruntime.GOMAXPROCS(0))
	}
	p.rt.compileMu.Lock()
	cm, err := p.eng.r.CompileModule(cctx, bin)
	p.rt.compileMu.Unlock()
	if err != nil {
		if strings.Contains(err.Error(), "over limit") || strings.Contains(err.Error(), "exceeds") {
			return fmt.Errorf("%w: %s (max_memory_mb %d)", ErrMemoryLimit, firstLine(err.Error()), mem)
		}
		return fmt.Errorf("%w: %s", ErrInvalidModule, firstLine(err.Error()))
	}
	if err := p.validate(cm); err != nil {
		cm.Close(ctx)
		return err
	}
	p.cm = cm
	return nil
}

// validate checks imports and exports against what the host provides and
// what the kind requires.
func (p *Plugin) validate(cm wazero.CompiledModule) error {
	for _, def := range cm.ImportedFunctions() {
		mod, name, _ := def.Import()
		have, ok := p.eng.funcs[mod][name]
		if !ok {
			return fmt.Errorf("%w: function %s.%s", ErrUnknownImport, mod, name)
		}
		if !sameSig(have, def) {
			return fmt.Errorf("%w: function %s.%s has signature %s, the host's is %s",
				ErrUnknownImport, mod, name, sig(def), sig(have))
		}
	}
	for _, m := range cm.ImportedMemories() {
		mod, name, _ := m.Import()
		return fmt.Errorf("%w: memory %s.%s (a plugin must define its own memory)", ErrUnknownImport, mod, name)
	}
	exports := cm.ExportedFunctions()
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	type export struct {
		name            string
		params, results []api.ValueType
	}
	need := []export{
		{abi.ExportABIVersion, nil, []api.ValueType{i32}},
		{abi.ExportInput, []api.ValueType{i32}, []api.ValueType{i32}},
	}
	for _, name := range opExports[p.kind] {
		need = append(need, export{name, []api.ValueType{i32}, []api.ValueType{i64}})
	}
	for _, n := range need {
		def, ok := exports[n.name]
		if !ok {
			return fmt.Errorf("%w: %s needs export %s", ErrMissingExport, p.kind, n.name)
		}
		if !types(def.ParamTypes(), n.params) || !types(def.ResultTypes(), n.results) {
			return fmt.Errorf("%w: export %s has signature %s, want (%s) -> (%s)",
				ErrMissingExport, n.name, sig(def), typeNames(n.params), typeNames(n.results))
		}
	}
	optional := map[string]struct{ params, results []api.ValueType }{
		abi.ExportConfigure:  {[]api.ValueType{i32}, []api.ValueType{i32}},
		abi.ExportInitialize: {nil, nil},
	}
	for name, want := range optional {
		if def, ok := exports[name]; ok && (!types(def.ParamTypes(), want.params) || !types(def.ResultTypes(), want.results)) {
			return fmt.Errorf("%w: export %s has signature %s, want (%s) -> (%s)",
				ErrMissingExport, name, sig(def), typeNames(want.params), typeNames(want.results))
		}
	}
	if p.bound != TimeBoundInstrument {
		for name := range exports {
			if strings.HasPrefix(name, abi.ReservedExportPrefix) {
				return fmt.Errorf("%w: export %q uses the reserved prefix %q", ErrInvalidModule, name, abi.ReservedExportPrefix)
			}
		}
	}
	return nil
}

// opExports are the operations each kind must export.
var opExports = map[Kind][]string{
	KindPartitioner: {abi.ExportPartition},
	KindEnricher:    {abi.ExportEnrich},
	KindCodec:       {abi.ExportEncode, abi.ExportDecode},
}

func sameSig(a, b api.FunctionDefinition) bool {
	return types(a.ParamTypes(), b.ParamTypes()) && types(a.ResultTypes(), b.ResultTypes())
}

func types(a, b []api.ValueType) bool { return bytes.Equal(a, b) }

func typeNames(ts []api.ValueType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = api.ValueTypeName(t)
	}
	return strings.Join(s, ", ")
}

func sig(d api.FunctionDefinition) string {
	return "(" + typeNames(d.ParamTypes()) + ") -> (" + typeNames(d.ResultTypes()) + ")"
}

// Name returns the plugin's name.
func (p *Plugin) Name() string { return p.name }

// Kind returns the plugin's kind.
func (p *Plugin) Kind() Kind { return p.kind }

// SHA256 returns the hex SHA-256 digest of the module as loaded (before
// instrumentation), the value to pin in sha256.
func (p *Plugin) SHA256() string { return p.digest }

// ABIVersion returns the ABI version the module declared.
func (p *Plugin) ABIVersion() (major, minor uint16) { return abi.VersionMajor, p.abiMinor }

// Close waits for in-flight calls to finish, closes the plugin's instances
// and compiled module. Calls after Close fail with ErrClosed.
func (p *Plugin) Close(ctx context.Context) error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		for range p.size {
			if in := <-p.pool; in != nil {
				in.close()
			}
		}
		close(p.pool)
		p.cm.Close(ctx)
	})
	return nil
}
