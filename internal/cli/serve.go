package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"syscall"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/cli/config"
	"github.com/kafkawasm/kafkawasm/internal/cli/metrics"
	"github.com/kafkawasm/kafkawasm/internal/cli/restproxy"
)

func serveCmd() *command {
	return &command{
		name:    "serve",
		usage:   "serve [-c producer.toml] [--listen 127.0.0.1:8080] [flags]",
		summary: "serve an HTTP ingest API compatible with Confluent REST Proxy v2 (produce)",
		long: `Serves, on --listen:

  POST /topics/{topic}   Confluent REST Proxy v2 produce API. Content types
                         application/vnd.kafka.json.v2+json (JSON keys and values),
                         application/vnd.kafka.binary.v2+json (base64 keys and values)
                         and application/json (like json.v2). Body:
                           {"records":[{"key":…,"value":…,"partition":…}]}
                         In the json formats keys and values are stored as their
                         JSON text (a string keeps its quotes, as with Confluent's
                         proxy); a topic's value_codec receives that text.
                         Answered after the broker acknowledged every record:
                           {"key_schema_id":null,"value_schema_id":null,
                            "offsets":[{"partition":…,"offset":…,"error_code":…,"error":…}]}
                         A record that fails (too large, refused by a plugin, broker
                         error) fails alone, in its offsets entry (error_code 50002,
                         or 50003 when retrying may succeed). Whole-request errors
                         are {"error_code":…,"message":…}: 400 malformed JSON or
                         wrong JSON types, 422 no records or bad base64, 404/40401
                         unknown topic, 404/40402 unknown partition, 413 body too
                         large, 415 unsupported Content-Type.
  GET /metrics           Prometheus metrics (records, bytes, batches, retries,
                         latencies, buffer usage, per-plugin calls/errors/latency).
  GET /healthz           200 while the process runs.
  GET /readyz            200 while accepting records, 503 while shutting down.

The address it listens on is printed on stdout ("http://HOST:PORT").

With [producer] transactional_id set, every request is one transaction
(committed when all its records were acknowledged, else aborted, all its
records then failing); transactions run one after another.

Signals: SIGTERM or SIGINT stops accepting connections, answers the requests
in progress, flushes every record and exits 0 (1 if records could not be
delivered before --shutdown-timeout). SIGHUP reloads the config file and its
plugins: records received from then on go through the new plugins and
[producer] settings, records already accepted finish with the old ones;
none is lost or sent twice. A config that does not load is logged and the
old one kept.`,
		examples: `
kafkawasm serve -c producer.toml
kafkawasm serve -c producer.toml --listen 0.0.0.0:8082 --log-format json
curl -s -X POST -H 'Content-Type: application/vnd.kafka.json.v2+json' \
  --data '{"records":[{"key":"user-1","value":{"id":"o-1","total":9.5}}]}' \
  http://127.0.0.1:8080/topics/orders
kill -HUP $(pidof kafkawasm)   # reload producer.toml and the plugins`,
		run: runServe,
	}
}

type serveOpts struct {
	config, brokers, listen string
	maxBody                 int
	shutdownTimeout         time.Duration
	topicWait               time.Duration
}

func runServe(env Env, args []string) int {
	var o serveOpts
	f := newFlags(serveCmd())
	f.String(&o.config, "c,config", "", "FILE", "config file (default ./producer.toml if present, else built-in defaults)")
	f.String(&o.brokers, "b,brokers", "", "LIST", "comma-separated brokers, overriding the config file and "+config.EnvBrokers)
	f.String(&o.listen, "l,listen", "127.0.0.1:8080", "ADDR", "HTTP listen address")
	f.Int(&o.maxBody, "max-body-bytes", restproxy.DefaultMaxBodySize, "N", "largest request body accepted (413 beyond)")
	f.Duration(&o.shutdownTimeout, "shutdown-timeout", time.Minute, "on SIGTERM, how long to wait for requests in progress and the final flush")
	f.Duration(&o.topicWait, "topic-wait", 5*time.Second, "how long to wait for an unknown topic to appear (or be auto-created) before answering 404")
	pos, log, code := parseArgs(f, env, args)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		return usageError(env, "serve", "unexpected argument %q", pos[0])
	}
	if o.maxBody < 1 || o.topicWait <= 0 {
		return usageError(env, "serve", "--max-body-bytes and --topic-wait must be positive")
	}
	file, err := loadConfig(o.config, o.brokers, env.Getenv)
	if err != nil {
		printConfigError(env, err)
		return ExitUsage
	}
	s := &session{log: log, getenv: env.Getenv, file: file}
	defer s.close()
	m := metrics.New()
	b := &backend{s: s, m: m, log: log, opts: o}
	if err := b.start(file); err != nil {
		printConfigError(env, err)
		return exitCode(err)
	}

	mux := http.NewServeMux()
	mux.Handle("POST /topics/{topic}", &restproxy.Handler{Backend: b, MaxBodySize: int64(o.maxBody), Observer: m, Logger: log})
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if b.draining.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		fmt.Fprintf(env.Stderr, "kafkawasm serve: %v\n", err)
		b.close(context.Background())
		return ExitFailed
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(env.Stdout, "http://%s\n", ln.Addr())
	log.Info("serving", "addr", ln.Addr().String(), "config", file.Path)

	sigs, stop := env.signals()
	defer stop()
	var serveErr error
loop:
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				if err := b.reload(); err != nil {
					log.Error("reload failed; keeping the running config", "err", err)
				}
				continue
			}
			log.Info("shutting down: no new connections, finishing requests in progress, flushing", "signal", sig.String())
			break loop
		case err := <-served:
			serveErr = err
			break loop
		}
	}
	b.draining.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Error("requests still in progress at the shutdown timeout", "err", err)
		serveErr = errors.Join(serveErr, err)
	}
	if err := b.close(ctx); err != nil {
		log.Error("flushing the producer", "err", err)
		serveErr = errors.Join(serveErr, err)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		fmt.Fprintf(env.Stderr, "kafkawasm serve: %v\n", serveErr)
		return ExitFailed
	}
	log.Info("stopped: every accepted record was flushed")
	return ExitOK
}
