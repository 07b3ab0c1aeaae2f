package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/kafkawasm/kafkawasm/internal/cli/config"
	"github.com/kafkawasm/kafkawasm/internal/cli/devbroker"
	"github.com/kafkawasm/kafkawasm/internal/cli/pipeline"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/kafkawasm/kafkawasm/runtime"
)

// DefaultConfig is the config file used when -c is not given and it
// exists in the working directory.
const DefaultConfig = "producer.toml"

// usageErr marks an error as bad usage or config (exit code 2).
type usageErr struct{ error }

func (e usageErr) Unwrap() error { return e.error }

// exitCode maps an error to ExitUsage for config and usage problems and
// ExitFailed otherwise.
func exitCode(err error) int {
	var ue usageErr
	var ce *config.Error
	var ke *kafka.ConfigError
	var pe *runtime.PluginError
	var rce *runtime.ConfigError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ue), errors.As(err, &ce), errors.As(err, &ke), errors.As(err, &pe), errors.As(err, &rce):
		return ExitUsage
	}
	return ExitFailed
}

// loadConfig loads the config at path (or producer.toml if present, or
// the built-in defaults when path is empty) and applies --brokers.
func loadConfig(path, brokers string, getenv func(string) string) (*config.File, error) {
	var (
		f   *config.File
		err error
	)
	switch {
	case path != "":
		f, err = config.Load(path, getenv)
	default:
		if _, statErr := os.Stat(DefaultConfig); statErr == nil {
			f, err = config.Load(DefaultConfig, getenv)
		} else if f, err = config.Parse("(built-in defaults)", nil, getenv); f != nil {
			f.Dir = "."
		}
	}
	if err != nil {
		return f, err
	}
	if b := strings.TrimSpace(brokers); b != "" {
		f.Client.Brokers = config.SplitBrokers(b)
		f.BrokersFrom = "--brokers"
	}
	return f, nil
}

// session is what produce and serve share: the config, the connection
// (to the configured brokers or the embedded development broker) and the
// plugin runtime.
type session struct {
	log    *slog.Logger
	getenv func(string) string
	file   *config.File
	broker *devbroker.Broker // nil with real brokers
	client *kafka.Client
	rt     *runtime.Runtime // created on first use
}

// openSession connects as file says, starting the embedded development
// broker when it names no brokers.
func openSession(file *config.File, log *slog.Logger, getenv func(string) string) (*session, error) {
	s := &session{log: log, getenv: getenv, file: file}
	cl, err := s.newClient(file)
	if err != nil {
		s.close()
		return nil, err
	}
	s.client = cl
	return s, nil
}

// newClient returns a client for file's [client] table, starting the
// embedded development broker (once per session) when it names no brokers.
func (s *session) newClient(file *config.File) (*kafka.Client, error) {
	cc, err := file.KafkaClientConfig(s.getenv)
	if err != nil {
		return nil, err
	}
	cc.Logger = s.log.With("component", "kafka")
	if len(cc.Brokers) == 0 {
		if s.broker == nil {
			b, err := devbroker.Start(devbroker.Options{Port: file.DevBroker.Port, Partitions: file.DevBroker.Partitions})
			if err != nil {
				return nil, err
			}
			s.broker = b
			s.log.Warn(fmt.Sprintf("no brokers configured: started the embedded development broker on %s "+
				"(in memory, %d partitions per new topic; everything is lost on exit). "+
				"Set [client] brokers, %s or --brokers to use a Kafka cluster.",
				b, file.DevBroker.Partitions, config.EnvBrokers),
				"dev_broker", b.String())
		}
		cc.Brokers = s.broker.Addrs()
	} else {
		s.log.Info("connecting", "brokers", strings.Join(cc.Brokers, ","), "from", file.BrokersFrom)
	}
	if cc.TLS != nil && cc.TLS.InsecureSkipVerify {
		s.log.Warn("!!! TLS CERTIFICATE VERIFICATION IS DISABLED ([client.tls] insecure_skip_verify = true): " +
			"anyone on the network path can impersonate the brokers. Use this only for testing.")
	}
	cl, err := kafka.NewClient(cc)
	if err != nil {
		return nil, usageErr{err}
	}
	return cl, nil
}

// runtime returns the session's plugin runtime.
func (s *session) runtime() (*runtime.Runtime, error) {
	if s.rt == nil {
		rt, err := runtime.NewRuntime(runtime.RuntimeConfig{Logger: s.log.With("component", "plugins")})
		if err != nil {
			return nil, err
		}
		s.rt = rt
	}
	return s.rt, nil
}

// loadPipeline loads file's plugins.
func (s *session) loadPipeline(ctx context.Context, file *config.File, obs pipeline.Observer) (*pipeline.Pipeline, error) {
	rt, err := s.runtime()
	if err != nil {
		return nil, err
	}
	pl, err := pipeline.Load(ctx, rt, file, obs)
	if err != nil {
		return nil, pluginProblems(file, err)
	}
	if n := len(pl.Plugins()); n > 0 {
		names := make([]string, 0, n)
		for name, p := range pl.Plugins() {
			names = append(names, fmt.Sprintf("%s(%s)", name, p.Kind()))
		}
		sort.Strings(names)
		s.log.Info("plugins loaded", "plugins", strings.Join(names, " "))
	}
	return pl, nil
}

// newProducer returns a producer configured by file with pl's plugins.
func (s *session) newProducer(file *config.File, pl *pipeline.Pipeline, obs kafka.Observer) (*kafka.Producer, error) {
	return newProducer(s.client, file, pl, obs)
}

// newProducer returns a producer of cl configured by file with pl's plugins.
func newProducer(cl *kafka.Client, file *config.File, pl *pipeline.Pipeline, obs kafka.Observer) (*kafka.Producer, error) {
	pc := file.Producer.KafkaProducerConfig()
	pl.Configure(&pc)
	pc.Observer = obs
	p, err := cl.Producer(pc)
	if err != nil {
		return nil, usageErr{fmt.Errorf("%s: [producer]: %w", file.Path, err)}
	}
	return p, nil
}

// close closes the client, the runtime and the embedded broker.
func (s *session) close() {
	if s.client != nil {
		s.client.Close()
	}
	if s.rt != nil {
		s.rt.Close(context.Background())
	}
	if s.broker != nil {
		s.broker.Close()
	}
}

// pluginProblems turns plugin load errors into a *config.Error that
// locates each failing plugin's table in the file.
func pluginProblems(file *config.File, err error) error {
	var problems []config.Problem
	for _, e := range flattenErr(err) {
		var pe *runtime.PluginError
		if errors.As(e, &pe) {
			problems = append(problems, config.Problem{File: file.Path, Pos: file.PosOf("plugins", pe.Plugin), Plugin: pe.Plugin, Msg: e.Error()})
		} else {
			problems = append(problems, config.Problem{File: file.Path, Msg: e.Error()})
		}
	}
	return &config.Error{Problems: problems}
}

// flattenErr undoes errors.Join.
func flattenErr(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flattenErr(e)...)
		}
		return out
	}
	return []error{err}
}

// printConfigError prints a config error, one problem a line.
func printConfigError(env Env, err error) {
	var ce *config.Error
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			fmt.Fprintf(env.Stderr, "%s\n", p)
		}
		return
	}
	fmt.Fprintf(env.Stderr, "kafkawasm: %s\n", strings.TrimPrefix(err.Error(), "kafkawasm: "))
}
