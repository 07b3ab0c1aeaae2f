package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/cli/config"
)

func produceCmd() *command {
	return &command{
		name:    "produce",
		usage:   "produce [-c producer.toml] -t TOPIC [flags] [FILE|-]",
		summary: "produce the records of a file (or stdin) through the configured plugins",
		long: `Reads records from FILE (or stdin when FILE is "-" or absent) and produces
them to TOPIC through the plugins wired to it in the config file.

--format lines: every line is one record's value (no key); a trailing "\r"
is dropped, an empty line is an empty value.
--format jsonl: every line is a JSON object
  {"key": …, "value": …, "headers": {"k": "v"} or [["k", "v"], …],
   "partition": 0, "timestamp": 1700000000000 or "2024-01-02T03:04:05Z"}
with every field optional. A string key or value is sent as its bytes; null
is a null key or value; any other JSON value (object, array, number) is sent
as its JSON text, which a typed topic's value_codec then encodes. Blank lines
are skipped.

A malformed line is reported on stderr with its line number and skipped; a
record the broker or a plugin refuses is reported with its line number and
reason. With --print-results every record gets a result line on stdout:
  TOPIC PARTITION OFFSET line=N [key=…] [headers=k:v,…]
(PARTITION and OFFSET are -1 and error="…" follows for a failed record).
On a terminal a live progress line is shown on stderr, otherwise a one-line
summary at the end. With --log-format json these reports are JSON log
records ("malformed line skipped", "record not delivered", "done") with
the line number.

With [producer] transactional_id set, every --transactional-batch N records
(default: --chunk) are one transaction: committed when all of them were
acknowledged, aborted (and all reported failed) otherwise, so a crash loses
no committed record and read_committed readers never see a partial batch.

Exit code: 0 when every record was delivered, 1 when some failed or some
lines were malformed, 2 for bad usage or config.`,
		examples: `
kafkawasm produce -c producer.toml -t orders --print-results examples/sample.jsonl
kafkawasm produce -t logs --format lines app.log
cat events.jsonl | kafkawasm produce -c producer.toml -t events --format jsonl -
kafkawasm produce -c producer.toml --brokers kafka-1:9092,kafka-2:9092 -t events events.jsonl`,
		run: runProduce,
	}
}

type produceOpts struct {
	config, topic, brokers, format, progress string
	printResults                             bool
	chunk, txnBatch                          int
}

func runProduce(env Env, args []string) int {
	var o produceOpts
	f := newFlags(produceCmd())
	f.String(&o.config, "c,config", "", "FILE", "config file (default ./producer.toml if present, else built-in defaults)")
	f.String(&o.topic, "t,topic", "", "TOPIC", "topic to produce to (required)")
	f.String(&o.brokers, "b,brokers", "", "LIST", "comma-separated brokers, overriding the config file and "+config.EnvBrokers)
	f.String(&o.format, "f,format", "jsonl", "FORMAT", "input format: lines or jsonl")
	f.Bool(&o.printResults, "print-results", "print one result line per record on stdout")
	f.String(&o.progress, "progress", "auto", "WHEN", "live progress on stderr: auto (on a terminal, without --print-results), always or never")
	f.Int(&o.chunk, "chunk", 1000, "N", "records per send call (larger: faster, more memory)")
	f.Int(&o.txnBatch, "transactional-batch", 0, "N", "with [producer] transactional_id: commit every N input records (default --chunk)")
	pos, log, code := parseArgs(f, env, args)
	if code >= 0 {
		return code
	}
	switch {
	case o.topic == "":
		return usageError(env, "produce", "--topic is required")
	case o.format != "lines" && o.format != "jsonl":
		return usageError(env, "produce", "--format must be lines or jsonl, not %q", o.format)
	case len(pos) > 1:
		return usageError(env, "produce", "at most one input file, got %d", len(pos))
	case o.chunk < 1:
		return usageError(env, "produce", "--chunk must be at least 1")
	case o.txnBatch < 0:
		return usageError(env, "produce", "--transactional-batch must be at least 1")
	case o.progress != "auto" && o.progress != "always" && o.progress != "never":
		return usageError(env, "produce", "--progress must be auto, always or never")
	}
	file, err := loadConfig(o.config, o.brokers, env.Getenv)
	if err != nil {
		printConfigError(env, err)
		return ExitUsage
	}
	if o.txnBatch > 0 {
		if file.Producer.TransactionalID == "" {
			return usageError(env, "produce", "--transactional-batch needs [producer] transactional_id in the config")
		}
		o.chunk = o.txnBatch
	}
	in, name := env.Stdin, "stdin"
	if len(pos) == 1 && pos[0] != "-" {
		fh, err := os.Open(pos[0])
		if err != nil {
			return usageError(env, "produce", "%v", err)
		}
		defer fh.Close()
		in, name = fh, pos[0]
	}

	s, err := openSession(file, log, env.Getenv)
	if err != nil {
		printConfigError(env, err)
		return exitCode(err)
	}
	defer s.close()
	ctx := context.Background()
	pl, err := s.loadPipeline(ctx, file, nil)
	if err != nil {
		printConfigError(env, err)
		return exitCode(err)
	}
	defer pl.Close(ctx)
	p, err := s.newProducer(file, pl, nil)
	if err != nil {
		printConfigError(env, err)
		return exitCode(err)
	}
	run := &produceRun{
		env: env, opts: o, file: file, producer: p, pipeline: pl, input: in, inputName: name,
		showProgress: o.progress == "always" || (o.progress == "auto" && env.StderrTerminal && !o.printResults),
	}
	if f.logFmt == "json" {
		run.jsonLog = log
		run.showProgress = false
	}
	sigs, stop := env.signals()
	defer stop()
	go func() {
		n := 0
		for range sigs {
			if n++; n == 1 {
				run.interrupt()
				log.Warn("interrupted: reading stops; delivering the records already queued (interrupt again to exit at once)")
				continue
			}
			fmt.Fprintln(env.Stderr, "kafkawasm produce: interrupted twice, exiting without waiting for deliveries")
			os.Exit(130)
		}
	}()
	err = run.run()
	closeCtx, cancel := context.WithTimeout(ctx, file.Producer.DeliveryTimeout+file.Producer.RequestTimeout)
	defer cancel()
	if cerr := p.Close(closeCtx); cerr != nil && err == nil {
		err = fmt.Errorf("closing the producer: %w", cerr)
	}
	run.wait()
	run.summary(time.Since(run.start))
	switch {
	case err != nil && !errors.Is(err, io.EOF):
		fmt.Fprintf(env.Stderr, "kafkawasm produce: %v\n", err)
		return ExitFailed
	case run.interrupted.Load():
		return ExitFailed
	case run.failed.Load() > 0 || run.malformed.Load() > 0:
		return ExitFailed
	}
	return ExitOK
}
