package hostfuncs_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/kafkawasm/kafkawasm/hostfuncs"
)

// guest is a hand-assembled module that re-exports the host functions
// through thin wrappers, so that tests can call them with chosen
// pointers. It has one page of memory, exported as "memory".
//
//	(module
//	  (import "kafkawasm" "log" (func $log (param i32 i32 i32)))
//	  (import "kafkawasm" "config_get" (func $cg (param i32 i32 i32 i32) (result i32)))
//	  (import "kafkawasm" "set_error" (func $se (param i32 i32)))
//	  (import "kafkawasm" "random_fill" (func $rf (param i32 i32)))
//	  (import "env" "abort" (func $ab (param i32 i32 i32 i32)))
//	  (memory (export "memory") 1)
//	  (func (export "log") (param i32 i32 i32) local.get 0 local.get 1 local.get 2 call $log)
//	  (func (export "config_get") (param i32 i32 i32 i32) (result i32) local.get 0 local.get 1 local.get 2 local.get 3 call $cg)
//	  (func (export "set_error") (param i32 i32) local.get 0 local.get 1 call $se)
//	  (func (export "random_fill") (param i32 i32) local.get 0 local.get 1 call $rf)
//	  (func (export "abort") (param i32 i32 i32 i32) local.get 0 local.get 1 local.get 2 local.get 3 call $ab))

func guestWasm() []byte {
	var b []byte
	sec := func(id byte, body []byte) {
		b = append(b, id)
		b = appendLEB(b, uint32(len(body)))
		b = append(b, body...)
	}
	b = append(b, 0, 'a', 's', 'm', 1, 0, 0, 0)
	// types: 0 (i32 i32 i32)->() 1 (i32 i32 i32 i32)->(i32) 2 (i32 i32)->() 3 (i32 i32 i32 i32)->()
	sec(1, []byte{4,
		0x60, 3, 0x7f, 0x7f, 0x7f, 0,
		0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 1, 0x7f,
		0x60, 2, 0x7f, 0x7f, 0,
		0x60, 4, 0x7f, 0x7f, 0x7f, 0x7f, 0})
	imp := []byte{5}
	for _, x := range []struct {
		mod, name string
		typ       byte
	}{{"kafkawasm", "log", 0}, {"kafkawasm", "config_get", 1}, {"kafkawasm", "set_error", 2}, {"kafkawasm", "random_fill", 2}, {"env", "abort", 3}} {
		imp = append(imp, byte(len(x.mod)))
		imp = append(imp, x.mod...)
		imp = append(imp, byte(len(x.name)))
		imp = append(imp, x.name...)
		imp = append(imp, 0, x.typ)
	}
	sec(2, imp)
	sec(3, []byte{5, 0, 1, 2, 2, 3})
	sec(5, []byte{1, 0, 1})
	exp := []byte{6}
	for i, name := range []string{"log", "config_get", "set_error", "random_fill", "abort"} {
		exp = append(exp, byte(len(name)))
		exp = append(exp, name...)
		exp = append(exp, 0, byte(5+i))
	}
	exp = append(exp, 6)
	exp = append(exp, "memory"...)
	exp = append(exp, 2, 0)
	sec(7, exp)
	code := []byte{5}
	for i, n := range []int{3, 4, 2, 2, 4} {
		body := []byte{0}
		for j := range n {
			body = append(body, 0x20, byte(j))
		}
		body = append(body, 0x10, byte(i), 0x0b)
		code = append(code, byte(len(body)))
		code = append(code, body...)
	}
	sec(10, code)
	return b
}

func appendLEB(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

type fixture struct {
	mod  api.Module
	call *hostfuncs.Call
	ctx  context.Context
	logs *bytes.Buffer
}

func newFixture(t *testing.T, config map[string]any) *fixture {
	ctx := context.Background()
	r := wazero.NewRuntime(ctx)
	t.Cleanup(func() { r.Close(ctx) })
	if err := hostfuncs.Instantiate(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := hostfuncs.InstantiateWASI(ctx, r); err != nil {
		t.Fatal(err)
	}
	logs := &bytes.Buffer{}
	env, err := hostfuncs.NewEnv("probe", slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})), config)
	if err != nil {
		t.Fatal(err)
	}
	mod, err := r.InstantiateWithConfig(ctx, guestWasm(), hostfuncs.Sandbox(env, nil))
	if err != nil {
		t.Fatal(err)
	}
	call := hostfuncs.NewCall(env)
	return &fixture{mod: mod, call: call, ctx: hostfuncs.WithCall(ctx, call), logs: logs}
}

func (f *fixture) invoke(t *testing.T, name string, args ...uint64) ([]uint64, error) {
	return f.mod.ExportedFunction(name).Call(f.ctx, args...)
}

func TestLogAndSetError(t *testing.T) {
	f := newFixture(t, nil)
	f.mod.Memory().Write(100, []byte("hello host"))
	if _, err := f.invoke(t, "log", 2, 100, 10); err != nil {
		t.Fatal(err)
	}
	if got := f.logs.String(); !strings.Contains(got, "level=WARN") || !strings.Contains(got, `msg="hello host"`) || !strings.Contains(got, "plugin=probe") {
		t.Fatalf("log = %q", got)
	}
	if _, err := f.invoke(t, "set_error", 100, 5); err != nil {
		t.Fatal(err)
	}
	if msg, ok := f.call.Err(); !ok || msg != "hello" {
		t.Fatalf("Err = %q %v", msg, ok)
	}
	f.call.Reset()
	if _, ok := f.call.Err(); ok {
		t.Fatal("Reset kept the error")
	}
	_, err := f.invoke(t, "log", 1, 65530, 100)
	if !errors.Is(err, hostfuncs.ErrOutOfBounds) {
		t.Fatalf("out-of-bounds log: %v", err)
	}
}

func TestConfigGet(t *testing.T) {
	f := newFixture(t, map[string]any{"host": "web-1", "regions": []string{"eu", "us"}})
	mem := f.mod.Memory()
	mem.Write(0, []byte("regions"))
	res, err := f.invoke(t, "config_get", 0, 7, 1000, 100)
	if err != nil || int32(res[0]) != 11 {
		t.Fatalf("config_get = %v %v", res, err)
	}
	if b, _ := mem.Read(1000, 11); string(b) != `["eu","us"]` {
		t.Fatalf("value %q", b)
	}
	// Too small a buffer: the full length, nothing written.
	mem.Write(2000, []byte("xxxx"))
	res, _ = f.invoke(t, "config_get", 0, 7, 2000, 4)
	if b, _ := mem.Read(2000, 4); int32(res[0]) != 11 || string(b) != "xxxx" {
		t.Fatalf("small buffer: %d %q", int32(res[0]), b)
	}
	mem.Write(0, []byte("absent"))
	if res, _ = f.invoke(t, "config_get", 0, 6, 1000, 100); int32(res[0]) != -1 {
		t.Fatalf("absent key = %d", int32(res[0]))
	}
}

func TestRandomFill(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.invoke(t, "random_fill", 500, 32); err != nil {
		t.Fatal(err)
	}
	b, _ := f.mod.Memory().Read(500, 32)
	if bytes.Equal(b, make([]byte, 32)) {
		t.Fatal("no random bytes")
	}
	if _, err := f.invoke(t, "random_fill", math.MaxUint32-4, 32); !errors.Is(err, hostfuncs.ErrOutOfBounds) {
		t.Fatalf("out of bounds: %v", err)
	}
}

func TestAbort(t *testing.T) {
	f := newFixture(t, nil)
	mem := f.mod.Memory()
	mem.WriteUint32Le(12, 4)
	mem.Write(16, []byte("h\x00i\x00"))
	_, err := f.invoke(t, "abort", 16, 0, 7, 3)
	var ab *hostfuncs.AbortError
	if !errors.As(err, &ab) || ab.Msg != "hi" || ab.Line != 7 || ab.PluginName != "probe" {
		t.Fatalf("err = %v", err)
	}
}

func TestNewEnvRejectsUnencodableConfig(t *testing.T) {
	if _, err := hostfuncs.NewEnv("p", nil, map[string]any{"f": func() {}}); err == nil {
		t.Fatal("no error")
	}
	env, err := hostfuncs.NewEnv("p", nil, nil)
	if err != nil || string(env.ConfigJSON()) != "{}" || env.Plugin() != "p" {
		t.Fatalf("%v %s", err, env.ConfigJSON())
	}
}

func TestParseGrant(t *testing.T) {
	if g, err := hostfuncs.ParseGrant("clock"); err != nil || g != hostfuncs.GrantClock {
		t.Fatal(g, err)
	}
	if _, err := hostfuncs.ParseGrant("fs"); err == nil {
		t.Fatal("fs granted")
	}
}
