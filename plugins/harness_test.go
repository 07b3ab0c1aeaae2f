package plugins_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/kafkawasm/kafkawasm/hostfuncs"
	sdk "github.com/kafkawasm/kafkawasm/sdk/go"
	"github.com/kafkawasm/kafkawasm/sdk/go/kwjson"
)

// A direct wazero harness: it plays the host side of docs/ABI.md with the
// sdk package's layout encoders and decoders, so the vectors check the
// plugins' bytes independently of the runtime package.

type harness struct {
	rt  wazero.Runtime
	ctx context.Context

	mu       sync.Mutex
	compiled map[string]*module // by path: each build is compiled once per test binary
}

var (
	harnessOnce sync.Once
	sharedH     *harness
)

// theHarness returns a wazero runtime with the kafkawasm host module and WASI
// instantiated once for all tests.
func theHarness(t *testing.T) *harness {
	t.Helper()
	harnessOnce.Do(func() {
		ctx := context.Background()
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithMemoryLimitPages(1024))
		wasi_snapshot_preview1.MustInstantiate(ctx, rt)
		b := rt.NewHostModuleBuilder("kafkawasm")
		b.NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, level, ptr, n uint32) {
			st := stateOf(ctx)
			msg, _ := m.Memory().Read(ptr, n)
			st.logs = append(st.logs, fmt.Sprintf("%d:%s", level, msg))
		}).Export("log")
		b.NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, kp, kn, bp, bn uint32) int32 {
			st := stateOf(ctx)
			key, _ := m.Memory().Read(kp, kn)
			v, ok := st.config[string(key)]
			if !ok {
				return -1
			}
			if len(v) <= int(bn) {
				m.Memory().Write(bp, v)
			}
			return int32(len(v))
		}).Export("config_get")
		b.NewFunctionBuilder().WithFunc(func() int64 { return time.Now().UnixNano() }).Export("now_unix_nanos")
		start := time.Now()
		b.NewFunctionBuilder().WithFunc(func() int64 { return int64(time.Since(start)) }).Export("monotonic_nanos")
		b.NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, ptr, n uint32) {
			buf := make([]byte, n)
			_, _ = rand.Read(buf)
			m.Memory().Write(ptr, buf)
		}).Export("random_fill")
		b.NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, ptr, n uint32) {
			msg, _ := m.Memory().Read(ptr, n)
			stateOf(ctx).lastErr = string(msg)
		}).Export("set_error")
		// ABI 1.1 host primitives: the host's own implementations over
		// the guest's memory.
		mem := func(m api.Module) []byte { b, _ := m.Memory().Read(0, m.Memory().Size()); return b }
		b.NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, ptr, n, out uint32) uint32 {
			return hostfuncs.SHA256(mem(m), ptr, n, out)
		}).Export("sha256")
		b.NewFunctionBuilder().WithFunc(func(ctx context.Context, m api.Module, src, n, tape, tapeCap, strs, strsCap, flags uint32) int64 {
			var d kwjson.Doc
			return hostfuncs.ScanJSON(&d, mem(m), src, n, tape, tapeCap, strs, strsCap, flags)
		}).Export("json_scan")
		if _, err := b.Instantiate(ctx); err != nil {
			panic(err)
		}
		sharedH = &harness{rt: rt, ctx: ctx, compiled: map[string]*module{}}
	})
	return sharedH
}

type callState struct {
	config  map[string]json.RawMessage
	lastErr string
	logs    []string
}

type stateKey struct{}

func stateOf(ctx context.Context) *callState { return ctx.Value(stateKey{}).(*callState) }

// module is one compiled plugin build.
type module struct {
	h        *harness
	compiled wazero.CompiledModule
}

func (h *harness) compile(t *testing.T, path string) *module {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	if m := h.compiled[path]; m != nil {
		return m
	}
	wasm, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := h.rt.CompileModule(h.ctx, wasm)
	if err != nil {
		t.Fatalf("compile %s: %v", path, err)
	}
	m := &module{h: h, compiled: cm}
	h.compiled[path] = m
	return m
}

// imports lists the module's imports as "module.name".
func (m *module) imports() []string {
	var out []string
	for _, f := range m.compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		out = append(out, mod+"."+name)
	}
	return out
}

// instance is one instantiated plugin.
type instance struct {
	mod   api.Module
	ctx   context.Context
	state *callState
	input api.Function
	fns   map[string]api.Function
}

func (m *module) instantiate(t *testing.T) *instance {
	t.Helper()
	st := &callState{}
	ctx := context.WithValue(m.h.ctx, stateKey{}, st)
	cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize")
	mod, err := m.h.rt.InstantiateModule(ctx, m.compiled, cfg)
	if err != nil {
		t.Fatalf("instantiate: %v (set_error: %q)", err, st.lastErr)
	}
	t.Cleanup(func() { mod.Close(m.h.ctx) })
	in := &instance{mod: mod, ctx: ctx, state: st, input: mod.ExportedFunction("kw_input"), fns: map[string]api.Function{}}
	if v := mod.ExportedFunction("kw_abi_version"); v == nil {
		t.Fatal("no kw_abi_version export")
	} else if res, err := v.Call(ctx); err != nil || res[0]>>16 != 1 {
		t.Fatalf("kw_abi_version = %v, %v", res, err)
	}
	for _, name := range []string{"kw_configure", "kw_partition", "kw_encode", "kw_decode", "kw_enrich"} {
		in.fns[name] = mod.ExportedFunction(name)
	}
	return in
}

// call writes input through kw_input, calls fn and returns its i64 result.
func (in *instance) call(fn string, input []byte) (uint64, error) {
	f := in.fns[fn]
	if f == nil {
		return 0, errors.New("module does not export " + fn)
	}
	res, err := in.input.Call(in.ctx, uint64(len(input)))
	if err != nil {
		return 0, fmt.Errorf("kw_input: %w", err)
	}
	ptr := uint32(res[0])
	if ptr == 0 {
		return 0, errors.New("kw_input returned 0")
	}
	if !in.mod.Memory().Write(ptr, input) {
		return 0, errors.New("kw_input returned a buffer outside memory")
	}
	in.state.lastErr = ""
	res, err = f.Call(in.ctx, uint64(len(input)))
	if err != nil {
		return 0, fmt.Errorf("%s trapped: %w (set_error %q)", fn, err, in.state.lastErr)
	}
	return res[0], nil
}

// output copies the (ptr<<32 | len) output buffer of a call.
func (in *instance) output(fn string, input []byte) ([]byte, error) {
	r, err := in.call(fn, input)
	if err != nil {
		return nil, err
	}
	if int64(r) == -1 {
		msg := in.state.lastErr
		if msg == "" {
			msg = "plugin failed"
		}
		return nil, errors.New(msg)
	}
	out, ok := in.mod.Memory().Read(uint32(r>>32), uint32(r))
	if !ok {
		return nil, fmt.Errorf("%s: output %#x past the end of memory", fn, r)
	}
	return append([]byte(nil), out...), nil
}

// Configure calls kw_configure with the config JSON and makes the top-level
// keys available to config_get.
func (in *instance) Configure(cfg []byte) error {
	var top map[string]json.RawMessage
	if json.Unmarshal(cfg, &top) == nil {
		in.state.config = top
	}
	r, err := in.call("kw_configure", cfg)
	if err != nil {
		return err
	}
	if int32(r) != 0 {
		return errors.New(in.state.lastErr)
	}
	return nil
}

func (in *instance) Partition(topic string, n int, recs []sdk.Record) ([]sdk.PartitionResult, error) {
	out, err := in.output("kw_partition", sdk.AppendBatchInput(nil, topic, n, recs))
	if err != nil {
		return nil, err
	}
	return sdk.ParsePartitionOutput(out, len(recs))
}

func (in *instance) Codec(op, topic string, vals [][]byte) ([]sdk.CodecResult, error) {
	out, err := in.output("kw_"+op, sdk.AppendCodecInput(nil, topic, vals))
	if err != nil {
		return nil, err
	}
	return sdk.ParseCodecOutput(out, len(vals))
}

func (in *instance) Enrich(topic string, recs []sdk.Record) ([]sdk.EnrichResult, error) {
	out, err := in.output("kw_enrich", sdk.AppendBatchInput(nil, topic, 0, recs))
	if err != nil {
		return nil, err
	}
	return sdk.ParseEnrichOutput(out, len(recs))
}

// NoOpinion: the ABI's -1.
func (in *instance) NoOpinion([]byte, int) int32 { return sdk.NoOpinion }

// le32 is a helper for hand-built inputs.
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
