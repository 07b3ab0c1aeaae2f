package hostfuncs

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"
	"unicode/utf16"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/kafkawasm/kafkawasm/internal/abi"
	"github.com/kafkawasm/kafkawasm/sdk/go/kwjson"
)

// Limits on what a guest can hand the host in one call.
const (
	// MaxLogBytes is the longest log message kept; longer ones are cut.
	MaxLogBytes = 16 << 10
	// MaxErrorBytes is the longest set_error message kept.
	MaxErrorBytes = 4 << 10
)

// ErrOutOfBounds is the cause of a trap raised when a guest passes a
// pointer and length outside its memory to a host function.
var ErrOutOfBounds = errors.New("hostfuncs: pointer and length outside guest memory")

// AbortError is the cause of the trap raised by env.abort (AssemblyScript's
// abort). The message, file, line and column are the guest's.
type AbortError struct {
	Msg, File  string
	Line, Col  uint32
	PluginName string
}

func (e *AbortError) Error() string {
	return fmt.Sprintf("plugin %q aborted: %s at %s:%d:%d", e.PluginName, e.Msg, e.File, e.Line, e.Col)
}

// Env is the host's view of one plugin: its name, its logger and its config
// table. It is immutable and safe for concurrent use.
type Env struct {
	plugin string
	logger *slog.Logger
	all    []byte            // whole config as a JSON object
	keys   map[string][]byte // JSON of each top-level value
}

// NewEnv returns the Env of a plugin. config is the plugin's `config` table
// (as decoded from TOML or built in Go); every value must be JSON-encodable.
// logger may be nil (slog.Default()); records carry plugin=name.
func NewEnv(name string, logger *slog.Logger, config map[string]any) (*Env, error) {
	if logger == nil {
		logger = slog.Default()
	}
	e := &Env{plugin: name, logger: logger.With("plugin", name), keys: make(map[string][]byte, len(config))}
	if config == nil {
		config = map[string]any{}
	}
	all, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("hostfuncs: plugin %q: config is not JSON-encodable: %w", name, err)
	}
	e.all = all
	for k, v := range config {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("hostfuncs: plugin %q: config key %q: %w", name, k, err)
		}
		e.keys[k] = b
	}
	return e, nil
}

// Plugin returns the plugin's name.
func (e *Env) Plugin() string { return e.plugin }

// Logger returns the plugin's logger (with plugin=name).
func (e *Env) Logger() *slog.Logger { return e.logger }

// ConfigJSON returns the whole config table as a JSON object, the input of
// kw_configure. The caller must not modify it.
func (e *Env) ConfigJSON() []byte { return e.all }

// Call is the per-instance state host functions update during a call: the
// message of the last set_error. It is used by one goroutine at a time.
type Call struct {
	env    *Env
	errMsg []byte
	hasErr bool
	doc    kwjson.Doc // json_scan scratch
}

// NewCall returns the state of one module instance of the plugin.
func NewCall(env *Env) *Call { return &Call{env: env} }

// Env returns the plugin's Env.
func (c *Call) Env() *Env { return c.env }

// Reset forgets the last set_error; call it before each export call.
func (c *Call) Reset() { c.errMsg, c.hasErr = c.errMsg[:0], false }

// Err returns the last set_error message of the current call, if any.
func (c *Call) Err() (string, bool) { return string(c.errMsg), c.hasErr }

type callKey struct{}

// WithCall returns a context that carries c to the host functions. Build it
// once per instance and reuse it for every call: it does not change.
func WithCall(ctx context.Context, c *Call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

func callFrom(ctx context.Context) *Call {
	c, _ := ctx.Value(callKey{}).(*Call)
	return c
}

var (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

var monoBase = time.Now()

// Instantiate registers the "kafkawasm" and "env" host modules in r. Call
// it once per runtime, before instantiating plugins.
func Instantiate(ctx context.Context, r wazero.Runtime) error {
	b := r.NewHostModuleBuilder(abi.HostModule)
	export := func(name string, fn api.GoModuleFunc, params, results []api.ValueType) {
		b.NewFunctionBuilder().WithGoModuleFunction(fn, params, results).Export(name)
	}
	export(abi.ImportLog, hostLog, []api.ValueType{i32, i32, i32}, nil)
	export(abi.ImportConfigGet, configGet, []api.ValueType{i32, i32, i32, i32}, []api.ValueType{i32})
	export(abi.ImportNowUnixNanos, func(_ context.Context, _ api.Module, s []uint64) {
		s[0] = uint64(time.Now().UnixNano())
	}, nil, []api.ValueType{i64})
	export(abi.ImportMonotonicNano, func(_ context.Context, _ api.Module, s []uint64) {
		s[0] = uint64(time.Since(monoBase).Nanoseconds())
	}, nil, []api.ValueType{i64})
	export(abi.ImportRandomFill, randomFill, []api.ValueType{i32, i32}, nil)
	export(abi.ImportSetError, setError, []api.ValueType{i32, i32}, nil)
	exportAccel(export)
	if _, err := b.Instantiate(ctx); err != nil {
		return fmt.Errorf("hostfuncs: instantiate %s: %w", abi.HostModule, err)
	}
	env := r.NewHostModuleBuilder(abi.EnvModule)
	env.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(abort),
		[]api.ValueType{i32, i32, i32, i32}, nil).Export(abi.ImportAbort)
	if _, err := env.Instantiate(ctx); err != nil {
		return fmt.Errorf("hostfuncs: instantiate %s: %w", abi.EnvModule, err)
	}
	return nil
}

// view returns guest memory [ptr, ptr+n) or traps.
func view(mod api.Module, ptr, n uint32, what string) []byte {
	b, ok := mod.Memory().Read(ptr, n)
	if !ok {
		panic(fmt.Errorf("%w: %s(%d, %d)", ErrOutOfBounds, what, ptr, n))
	}
	return b
}

func hostLog(ctx context.Context, mod api.Module, s []uint64) {
	c := callFrom(ctx)
	level, ptr, n := int32(s[0]), uint32(s[1]), uint32(s[2])
	msg := view(mod, ptr, n, abi.ImportLog)
	if c == nil {
		return
	}
	var lv slog.Level
	switch {
	case level <= abi.LogDebug:
		lv = slog.LevelDebug
	case level == abi.LogInfo:
		lv = slog.LevelInfo
	case level == abi.LogWarn:
		lv = slog.LevelWarn
	default:
		lv = slog.LevelError
	}
	lg := c.env.logger
	if !lg.Enabled(ctx, lv) {
		return
	}
	if len(msg) > MaxLogBytes {
		msg = msg[:MaxLogBytes]
	}
	lg.Log(ctx, lv, string(msg))
}

func configGet(ctx context.Context, mod api.Module, s []uint64) {
	kp, kn, bp, bn := uint32(s[0]), uint32(s[1]), uint32(s[2]), uint32(s[3])
	key := view(mod, kp, kn, abi.ImportConfigGet)
	c := callFrom(ctx)
	if c == nil {
		s[0] = uint64(uint32(0xffffffff))
		return
	}
	v, ok := c.env.keys[string(key)]
	if !ok {
		s[0] = uint64(uint32(0xffffffff)) // -1: absent
		return
	}
	if uint64(len(v)) <= uint64(bn) {
		copy(view(mod, bp, uint32(len(v)), abi.ImportConfigGet), v)
	}
	s[0] = uint64(uint32(len(v)))
}

func randomFill(_ context.Context, mod api.Module, s []uint64) {
	b := view(mod, uint32(s[0]), uint32(s[1]), abi.ImportRandomFill)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
}

func setError(ctx context.Context, mod api.Module, s []uint64) {
	msg := view(mod, uint32(s[0]), uint32(s[1]), abi.ImportSetError)
	c := callFrom(ctx)
	if c == nil {
		return
	}
	if len(msg) > MaxErrorBytes {
		msg = msg[:MaxErrorBytes]
	}
	c.errMsg = append(c.errMsg[:0], msg...)
	c.hasErr = true
}

// abort is AssemblyScript's env.abort(msg, file, line, col): it traps with
// an *AbortError. msg and file are AssemblyScript strings (UTF-16LE, byte
// length in the u32 before the pointer) or 0.
func abort(ctx context.Context, mod api.Module, s []uint64) {
	e := &AbortError{Msg: asString(mod, uint32(s[0])), File: asString(mod, uint32(s[1])),
		Line: uint32(s[2]), Col: uint32(s[3])}
	if c := callFrom(ctx); c != nil {
		e.PluginName = c.env.plugin
	}
	panic(e)
}

func asString(mod api.Module, ptr uint32) string {
	if ptr < 4 {
		return ""
	}
	n, ok := mod.Memory().ReadUint32Le(ptr - 4)
	if !ok || n > MaxErrorBytes*2 {
		return "?"
	}
	b, ok := mod.Memory().Read(ptr, n&^1)
	if !ok {
		return "?"
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return string(utf16.Decode(u))
}
