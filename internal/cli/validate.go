package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/cli/config"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

func validateCmd() *command {
	return &command{
		name:    "validate",
		usage:   "validate [-c producer.toml]",
		summary: "check a config file and load every plugin it names",
		long: `Checks the config file strictly (unknown keys, wrong types, out of range
values, TLS files, the SASL password variable, plugin files and their sha256
pins, plugin kinds, topics wired to undefined plugins), then loads and
instantiates every plugin (ABI version, exports, imports, memory limit, and
the plugin's own check of its [plugins.NAME.config]).

Every problem is reported at once, one a line, as FILE:LINE:COL: KEY: MESSAGE
(plugin load failures name the plugin). Exit code 0 when the file is valid,
2 otherwise.`,
		examples: `
kafkawasm validate -c producer.toml
kafkawasm validate -c deploy/prod.toml && kafkawasm serve -c deploy/prod.toml`,
		run: runValidate,
	}
}

func runValidate(env Env, args []string) int {
	var path string
	f := newFlags(validateCmd())
	f.String(&path, "c,config", DefaultConfig, "FILE", "config file")
	pos, log, code := parseArgs(f, env, args)
	if code >= 0 {
		return code
	}
	if len(pos) == 1 && path == DefaultConfig {
		path = pos[0] // "kafkawasm validate FILE" works too
	} else if len(pos) > 0 {
		return usageError(env, "validate", "unexpected argument %q", pos[0])
	}
	file, err := config.Load(path, env.Getenv)
	var problems []config.Problem
	var ce *config.Error
	if errors.As(err, &ce) {
		problems = append(problems, ce.Problems...)
	} else if err != nil {
		problems = append(problems, config.Problem{File: path, Msg: err.Error()})
	}
	if file == nil {
		return report(env, path, problems, nil)
	}
	if _, err := file.KafkaClientConfig(env.Getenv); errors.As(err, &ce) {
		problems = append(problems, ce.Problems...)
	}
	if !hasKey(problems, "producer") {
		if err := checkProducer(file); err != nil {
			problems = append(problems, config.Problem{File: path, Pos: file.PosOf("producer"), Key: "producer", Msg: err.Error()})
		}
	}
	// Load the plugins whose tables are fine: their own problems would
	// only be reported twice.
	bad := map[string]bool{}
	for _, p := range problems {
		if rest, ok := strings.CutPrefix(p.Key, "plugins."); ok {
			bad[strings.SplitN(rest, ".", 2)[0]] = true
		}
	}
	rt, err := runtime.NewRuntime(runtime.RuntimeConfig{Logger: log.With("component", "plugins")})
	if err != nil {
		problems = append(problems, config.Problem{File: path, Msg: err.Error()})
		return report(env, path, problems, nil)
	}
	defer rt.Close(context.Background())
	var loaded []string
	names := make([]string, 0, len(file.Plugins.Plugins))
	for n := range file.Plugins.Plugins {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		if bad[strings.Trim(name, `"`)] || bad[fmt.Sprintf("%q", name)] {
			continue
		}
		pc, err := file.Plugins.PluginConfig(name, file.Dir)
		if err == nil {
			var p *runtime.Plugin
			if p, err = rt.Load(context.Background(), pc); err == nil {
				major, minor := p.ABIVersion()
				loaded = append(loaded, fmt.Sprintf("%s (%s, ABI %d.%d, sha256 %s)", name, p.Kind(), major, minor, p.SHA256()))
				p.Close(context.Background())
				continue
			}
		}
		problems = append(problems, config.Problem{File: path, Pos: file.PosOf("plugins", name), Plugin: name, Msg: err.Error()})
	}
	return report(env, path, problems, loaded)
}

func report(env Env, path string, problems []config.Problem, loaded []string) int {
	for _, p := range problems {
		fmt.Fprintln(env.Stderr, p.String())
	}
	if len(problems) > 0 {
		fmt.Fprintf(env.Stderr, "%s: %d problem(s)\n", path, len(problems))
		return ExitUsage
	}
	fmt.Fprintf(env.Stdout, "%s: OK", path)
	if len(loaded) > 0 {
		fmt.Fprintf(env.Stdout, "; %d plugin(s) loaded:\n", len(loaded))
		for _, l := range loaded {
			fmt.Fprintf(env.Stdout, "  %s\n", l)
		}
	} else {
		fmt.Fprintln(env.Stdout)
	}
	return ExitOK
}

func hasKey(problems []config.Problem, table string) bool {
	for _, p := range problems {
		if p.Key == table || strings.HasPrefix(p.Key, table+".") {
			return true
		}
	}
	return false
}

// checkProducer runs the kafka package's own checks of the [producer]
// settings (combinations such as the idempotent producer's limits), on a
// client that never connects.
func checkProducer(file *config.File) error {
	cl, err := kafka.NewClient(kafka.ClientConfig{Brokers: []string{"127.0.0.1:1"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	defer cl.Close()
	p, err := cl.Producer(file.Producer.KafkaProducerConfig())
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	p.Close(ctx)
	return nil
}
