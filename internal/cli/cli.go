// Package cli implements the kafkawasm command: produce, serve, validate,
// plugin, broker and version. cmd/kafkawasm only calls Main.
//
// Exit codes (the command-line contract of product.md): 0 when everything
// was delivered (or the check passed), 1 when some records failed or the
// run failed, 2 for bad usage or a bad config.
package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/kafkawasm/kafkawasm/kafka"
)

// Exit codes.
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2
)

// Env is what a command sees of its process: standard streams, the
// environment and signals. Tests substitute their own.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Signals delivers SIGINT, SIGTERM and SIGHUP; nil means the process's
	// own (signal.Notify).
	Signals <-chan os.Signal
	// StderrTerminal says whether stderr is a terminal (progress display,
	// log format).
	StderrTerminal bool
}

// OSEnv returns the Env of the running process.
func OSEnv() Env {
	return Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		StderrTerminal: isTerminal(os.Stderr)}
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// signals returns env's signal channel, subscribing to the process's
// signals when env has none; stop unsubscribes.
func (env Env) signals() (ch <-chan os.Signal, stop func()) {
	if env.Signals != nil {
		return env.Signals, func() {}
	}
	c := make(chan os.Signal, 4)
	signal.Notify(c, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	return c, func() { signal.Stop(c) }
}

// command is one subcommand.
type command struct {
	name     string
	usage    string // after "kafkawasm "
	summary  string
	long     string
	examples string
	run      func(env Env, args []string) int
}

func commands() []*command {
	return []*command{produceCmd(), serveCmd(), validateCmd(), pluginCmd(), brokerCmd(), versionCmd()}
}

// Main runs the kafkawasm command line and returns the exit code.
func Main(args []string, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if len(args) == 0 {
		usage(env.Stderr)
		return ExitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			return Main([]string{args[1], "--help"}, env)
		}
		usage(env.Stdout)
		return ExitOK
	case "-v", "--version":
		return Main([]string{"version"}, env)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(env, args[1:])
		}
	}
	fmt.Fprintf(env.Stderr, "kafkawasm: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return ExitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `kafkawasm %s: a Kafka producer with WebAssembly plugins, driven by producer.toml.

Usage:
  kafkawasm <command> [flags] [arguments]

Commands:
`, kafka.Version)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
With no brokers configured (the default), produce and serve start an embedded
development broker on 127.0.0.1, so everything works without a Kafka cluster.

Examples:
  kafkawasm produce -c producer.toml -t orders --print-results examples/sample.jsonl
  kafkawasm serve -c producer.toml --listen 127.0.0.1:8080
  kafkawasm validate -c producer.toml
  kafkawasm <command> --help

Exit codes: 0 all delivered, 1 some records failed, 2 bad usage or config.
`)
}

// parseArgs parses a command's flags and sets up logging; it returns the
// exit code to return at once (help, usage error), or -1 to go on.
func parseArgs(f *flags, env Env, args []string) (pos []string, logger *slog.Logger, code int) {
	pos, err := f.parse(args, env.Stdout)
	if errors.Is(err, errHelp) {
		return nil, nil, ExitOK
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "kafkawasm %s: %v\nRun 'kafkawasm %s --help' for usage.\n", f.cmd.name, err, f.cmd.name)
		return nil, nil, ExitUsage
	}
	logger, err = newLogger(env.Stderr, f.logFmt, f.logLevel)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kafkawasm %s: %v\n", f.cmd.name, err)
		return nil, nil, ExitUsage
	}
	return pos, logger, -1
}

// newLogger returns a slog logger on w: text (the default, for terminals)
// or JSON.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level: %q is not debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch strings.ToLower(format) {
	case "text", "":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: %q is not text or json", format)
}

// usageError prints a usage problem and returns ExitUsage.
func usageError(env Env, cmd, format string, args ...any) int {
	fmt.Fprintf(env.Stderr, "kafkawasm %s: %s\nRun 'kafkawasm %s --help' for usage.\n", cmd, fmt.Sprintf(format, args...), cmd)
	return ExitUsage
}
