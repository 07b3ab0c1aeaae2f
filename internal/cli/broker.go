package cli

import (
	"fmt"
	"runtime/debug"
	"syscall"

	"github.com/kafkawasm/kafkawasm/internal/cli/devbroker"
	"github.com/kafkawasm/kafkawasm/kafka"
)

func brokerCmd() *command {
	return &command{
		name:    "broker",
		usage:   "broker [--port 9092] [--partitions N]",
		summary: "run the embedded development broker (in memory, for local work)",
		long: `Runs kafkawasm's embedded development broker on 127.0.0.1 until SIGINT or
SIGTERM: an in-memory Kafka (franz-go's kfake) that creates topics on first
use. Point any Kafka client at it, or other kafkawasm commands with
--brokers / KAFKAWASM_BROKERS. Everything is lost when it stops; it is not
for production.

It prints its address ("127.0.0.1:PORT") on stdout once it listens.`,
		examples: `
kafkawasm broker --port 9092
kafkawasm broker --port 9092 --partitions 6 &
KAFKAWASM_BROKERS=127.0.0.1:9092 kafkawasm produce -t events events.jsonl`,
		run: runBroker,
	}
}

func runBroker(env Env, args []string) int {
	var port, partitions int
	var topics string
	var noAuto bool
	f := newFlags(brokerCmd())
	f.Int(&port, "p,port", 9092, "PORT", "port on 127.0.0.1 (0: any free port)")
	f.Int(&partitions, "partitions", 3, "N", "partitions of automatically created topics")
	f.String(&topics, "topics", "", "LIST", "comma-separated topics to create at start")
	f.Bool(&noAuto, "no-auto-create", "do not create topics on first use")
	pos, log, code := parseArgs(f, env, args)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		return usageError(env, "broker", "unexpected argument %q", pos[0])
	}
	if port < 0 || port > 65535 || partitions < 1 {
		return usageError(env, "broker", "--port must be 0-65535 and --partitions at least 1")
	}
	b, err := devbroker.Start(devbroker.Options{Port: port, Partitions: partitions, NoAutoCreate: noAuto, Topics: splitList(topics)})
	if err != nil {
		fmt.Fprintf(env.Stderr, "kafkawasm broker: %v\n", err)
		return ExitFailed
	}
	defer b.Close()
	fmt.Fprintln(env.Stdout, b.String())
	log.Warn("embedded development broker running (in memory; everything is lost on exit; not for production)",
		"addr", b.String(), "partitions", partitions, "auto_create", !noAuto)
	sigs, stop := env.signals()
	defer stop()
	for s := range sigs {
		if s == syscall.SIGHUP {
			continue
		}
		log.Info("stopping the development broker", "signal", s.String())
		break
	}
	return ExitOK
}

func versionCmd() *command {
	return &command{
		name:     "version",
		usage:    "version",
		summary:  "print the version",
		long:     "Prints kafkawasm's version, the Go version it was built with and its module version.",
		examples: "kafkawasm version",
		run: func(env Env, args []string) int {
			f := newFlags(versionCmd())
			if _, _, code := parseArgs(f, env, args); code >= 0 {
				return code
			}
			mod := "(devel)"
			goVer := ""
			if bi, ok := debug.ReadBuildInfo(); ok {
				mod, goVer = bi.Main.Version, bi.GoVersion
			}
			fmt.Fprintf(env.Stdout, "kafkawasm %s (module %s, %s, %s/%s)\n", kafka.Version, mod, goVer, goos(), goarch())
			return ExitOK
		},
	}
}

func goos() string   { return runtimeGOOS }
func goarch() string { return runtimeGOARCH }
