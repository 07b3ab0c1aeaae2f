package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/kafkawasm/kafkawasm/internal/abi"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

func pluginCmd() *command {
	return &command{
		name:    "plugin",
		usage:   "plugin inspect|test|bench PLUGIN.wasm [flags]",
		summary: "inspect, test (conformance vectors) and benchmark a plugin module",
		long: `Tools for plugin authors.

  inspect PLUGIN.wasm   prints the module's kind (from its exports), ABI version,
                        size, sha256 (the value to pin in producer.toml), exports
                        and imports, and whether the host accepts it.
  test PLUGIN.wasm --vectors FILE
                        runs a conformance vector file (the format of
                        plugins/testdata/vectors/*.json) through the plugin
                        runtime, as the producer would, and prints a diff for
                        every mismatch. Exit 0 all pass, 1 mismatches.
  bench PLUGIN.wasm     measures ns/record through the runtime for batches of
                        1, 16 and 256 records.

Run 'kafkawasm plugin SUBCOMMAND --help' for the flags of each.`,
		examples: `
kafkawasm plugin inspect plugins/region-partitioner/region-partitioner.wasm
kafkawasm plugin test plugins/json-codec/json-codec.wasm --vectors plugins/testdata/vectors/json-codec.json
kafkawasm plugin bench plugins/region-partitioner/region-partitioner.wasm --config '{"header":"region","regions":["eu","us","ap"]}'`,
		run: runPlugin,
	}
}

func runPlugin(env Env, args []string) int {
	if len(args) == 0 {
		f := newFlags(pluginCmd())
		f.help(env.Stderr)
		return ExitUsage
	}
	switch args[0] {
	case "inspect":
		return runInspect(env, args[1:])
	case "test":
		return runPluginTest(env, args[1:])
	case "bench":
		return runPluginBench(env, args[1:])
	case "-h", "--help", "help":
		newFlags(pluginCmd()).help(env.Stdout)
		return ExitOK
	}
	return usageError(env, "plugin", "unknown subcommand %q (want inspect, test or bench)", args[0])
}

// pluginFlags holds the flags shared by the plugin subcommands.
type pluginFlags struct {
	kind, config string
	maxMemoryMB  int
}

func (p *pluginFlags) define(f *flags) {
	f.String(&p.kind, "kind", "", "KIND", "partitioner, codec or enricher (default: from the module's exports)")
	f.String(&p.config, "config", "", "JSON", "the plugin's config as a JSON object, or @FILE to read it from a file")
	f.Int(&p.maxMemoryMB, "max-memory-mb", 0, "N", "memory cap per instance (default 16)")
}

// configTable parses --config.
func (p *pluginFlags) configTable() (map[string]any, error) {
	src := p.config
	if src == "" {
		return nil, nil
	}
	if name, ok := strings.CutPrefix(src, "@"); ok {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		src = string(b)
	}
	return decodeConfigJSON([]byte(src))
}

func decodeConfigJSON(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("--config: not a JSON object: %v", err)
	}
	return m, nil
}

// moduleInfo is what a module declares, read without instantiating it.
type moduleInfo struct {
	size    int
	sha256  string
	kinds   []runtime.Kind
	exports []string
	imports []string
}

func inspectModule(ctx context.Context, wasm []byte) (*moduleInfo, error) {
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer r.Close(ctx)
	cm, err := r.CompileModule(ctx, wasm)
	if err != nil {
		return nil, fmt.Errorf("not a valid WebAssembly module: %v", firstLine(err.Error()))
	}
	sum := sha256.Sum256(wasm)
	info := &moduleInfo{size: len(wasm), sha256: hex.EncodeToString(sum[:])}
	fns := cm.ExportedFunctions()
	for name, d := range fns {
		info.exports = append(info.exports, "func "+name+signature(d))
	}
	for name, m := range cm.ExportedMemories() {
		mx, _ := m.Max()
		info.exports = append(info.exports, fmt.Sprintf("memory %s (min %d pages, max %d)", name, m.Min(), mx))
	}
	for _, d := range cm.ImportedFunctions() {
		mod, name, _ := d.Import()
		info.imports = append(info.imports, fmt.Sprintf("func %s.%s%s", mod, name, signature(d)))
	}
	for _, m := range cm.ImportedMemories() {
		mod, name, _ := m.Import()
		info.imports = append(info.imports, fmt.Sprintf("memory %s.%s", mod, name))
	}
	sort.Strings(info.exports)
	sort.Strings(info.imports)
	has := func(n string) bool { _, ok := fns[n]; return ok }
	if has(abi.ExportPartition) {
		info.kinds = append(info.kinds, runtime.KindPartitioner)
	}
	if has(abi.ExportEncode) && has(abi.ExportDecode) {
		info.kinds = append(info.kinds, runtime.KindCodec)
	}
	if has(abi.ExportEnrich) {
		info.kinds = append(info.kinds, runtime.KindEnricher)
	}
	return info, nil
}

func signature(d api.FunctionDefinition) string {
	names := func(ts []api.ValueType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = api.ValueTypeName(t)
		}
		return strings.Join(s, ", ")
	}
	return "(" + names(d.ParamTypes()) + ") -> (" + names(d.ResultTypes()) + ")"
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// openPlugin reads a module, picks its kind and loads it into a runtime
// (the caller closes both).
func openPlugin(ctx context.Context, path string, pf pluginFlags, cfg map[string]any, log *slog.Logger) (*runtime.Runtime, *runtime.Plugin, *moduleInfo, error) {
	wasm, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, nil, usageErr{err}
	}
	info, err := inspectModule(ctx, wasm)
	if err != nil {
		return nil, nil, nil, err
	}
	rt, err := runtime.NewRuntime(runtime.RuntimeConfig{CacheDir: "-", Logger: log})
	if err != nil {
		return nil, nil, info, err
	}
	name := strings.TrimSuffix(baseName(path), ".wasm")
	load := func(kind runtime.Kind) (*runtime.Plugin, error) {
		return rt.Load(ctx, runtime.PluginConfig{Name: name, Kind: kind, Wasm: wasm, Config: cfg, MaxMemoryMB: pf.maxMemoryMB})
	}
	kind := runtime.Kind(pf.kind)
	var probeErr error
	if kind == "" && len(info.kinds) > 1 {
		// SDKs may export every operation and fail the unregistered ones:
		// call each once to find the one the module implements.
		info.kinds, probeErr = probeKinds(load, info.kinds)
	}
	if kind == "" {
		if len(info.kinds) != 1 {
			rt.Close(ctx)
			if probeErr != nil {
				return nil, nil, info, fmt.Errorf("the module exports the operations of several kinds (%v) and could not be loaded to tell which it implements (pass --kind, and --config if it needs one): %w", info.kinds, probeErr)
			}
			return nil, nil, info, usageErr{fmt.Errorf("cannot tell the plugin's kind from its exports (%v): use --kind", info.kinds)}
		}
		kind = info.kinds[0]
	}
	p, err := load(kind)
	if err != nil {
		rt.Close(ctx)
		return nil, nil, info, err
	}
	return rt, p, info, nil
}

// probeKinds keeps the kinds whose operation does not fail a sample call
// as a whole (the SDKs' "not registered" failure).
func probeKinds(load func(runtime.Kind) (*runtime.Plugin, error), kinds []runtime.Kind) ([]runtime.Kind, error) {
	var out []runtime.Kind
	for _, k := range kinds {
		p, err := load(k)
		if err != nil {
			return kinds, err // e.g. the config is refused: cannot tell
		}
		msgs := []kafka.Message{{Key: []byte("k"), Value: []byte(`{"id":"1"}`)}}
		errs := []error{nil}
		switch k {
		case runtime.KindPartitioner:
			p.Partitioner().PartitionRecords("probe", msgs, 1, []int32{0}, errs)
		case runtime.KindCodec:
			_, errs[0] = p.Codec().Encode(msgs[0].Value)
		default:
			p.Interceptor().Intercept("probe", msgs, errs)
		}
		p.Close(context.Background())
		if errs[0] == nil || !errors.Is(errs[0], runtime.ErrCallFailed) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		return kinds, nil
	}
	return out, nil
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func runInspect(env Env, args []string) int {
	var pf pluginFlags
	f := newFlags(&command{name: "plugin inspect", usage: "plugin inspect PLUGIN.wasm [--kind KIND] [--config JSON]",
		long: "Prints a plugin module's kind, ABI version, size, sha256, exports and imports, and loads it\n" +
			"through the plugin runtime to check that the host accepts it (with --config as its config).",
		examples: "kafkawasm plugin inspect plugins/header-enricher/header-enricher.wasm"})
	pf.define(f)
	pos, log, code := parseArgs(f, env, args)
	if code >= 0 {
		return code
	}
	if len(pos) != 1 {
		return usageError(env, "plugin inspect", "want exactly one PLUGIN.wasm")
	}
	cfg, err := pf.configTable()
	if err != nil {
		return usageError(env, "plugin inspect", "%v", err)
	}
	ctx := context.Background()
	rt, p, info, err := openPlugin(ctx, pos[0], pf, cfg, log)
	if info == nil {
		fmt.Fprintf(env.Stderr, "kafkawasm plugin inspect: %s: %v\n", pos[0], err)
		return exitCode(err)
	}
	w := env.Stdout
	fmt.Fprintf(w, "file:    %s\nsize:    %d bytes\nsha256:  %s\n", pos[0], info.size, info.sha256)
	kinds := make([]string, len(info.kinds))
	for i, k := range info.kinds {
		kinds[i] = string(k)
	}
	fmt.Fprintf(w, "kind:    %s\n", orNone(strings.Join(kinds, ", ")))
	switch {
	case err == nil:
		major, minor := p.ABIVersion()
		fmt.Fprintf(w, "abi:     %d.%d (host speaks %d.%d)\nloads:   yes (%s)\n", major, minor, abi.VersionMajor, abi.VersionMinor, p.Kind())
		p.Close(ctx)
		rt.Close(ctx)
	case errors.Is(err, runtime.ErrConfigure):
		fmt.Fprintf(w, "abi:     %d.x (accepted; the minor version is read after kw_configure)\n", abi.VersionMajor)
		fmt.Fprintf(w, "loads:   no: it refused the config (pass one with --config): %v\n", err)
	default:
		fmt.Fprintf(w, "loads:   no: %v\n", err)
	}
	fmt.Fprintf(w, "exports:\n")
	printList(w, info.exports)
	fmt.Fprintf(w, "imports:\n")
	printList(w, info.imports)
	if err != nil && !errors.Is(err, runtime.ErrConfigure) {
		return ExitFailed
	}
	return ExitOK
}

func orNone(s string) string {
	if s == "" {
		return "none (no kw_partition, kw_encode+kw_decode or kw_enrich export)"
	}
	return s
}

func printList(w io.Writer, xs []string) {
	if len(xs) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, x := range xs {
		fmt.Fprintf(w, "  %s\n", x)
	}
}
