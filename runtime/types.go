package runtime

import (
	"fmt"

	"github.com/kafkawasm/kafkawasm/kafka"
)

// Kind is what a plugin does.
type Kind string

// Plugin kinds.
const (
	KindPartitioner Kind = "partitioner"
	KindCodec       Kind = "codec"
	KindEnricher    Kind = "enricher"
)

func parseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case KindPartitioner, KindCodec, KindEnricher:
		return k, nil
	}
	return "", fmt.Errorf("kind %q: want %q, %q or %q", s, KindPartitioner, KindCodec, KindEnricher)
}

// OnError is a plugin's failure policy for host-detected failures: a trap,
// a timeout, a whole-call failure, malformed output or an out-of-range
// partition. A record the plugin rejects on purpose always fails.
type OnError string

// Failure policies.
const (
	// OnErrorFail fails the affected records with a *PluginError (default).
	OnErrorFail OnError = "fail"
	// OnErrorFallback lets the affected records go on: a partitioner's
	// records go to the default partitioner, an enricher is skipped for
	// them. Codecs do not allow it: a record whose value could not be
	// encoded must not be sent.
	OnErrorFallback OnError = "fallback"
)

func parseOnError(s string) (OnError, error) {
	switch o := OnError(s); o {
	case "":
		return OnErrorFail, nil
	case OnErrorFail, OnErrorFallback:
		return o, nil
	}
	return "", fmt.Errorf("on_error %q: want %q or %q", s, OnErrorFail, OnErrorFallback)
}

// TimeBound is how a plugin's calls are bounded in time. See the package
// documentation for the measured cost of each.
type TimeBound int

const (
	// TimeBoundInstrument (the default) rewrites the module at load time so
	// that every loop header and function entry checks a stop flag, which
	// a shared watchdog goroutine sets when a call passes its deadline.
	TimeBoundInstrument TimeBound = iota
	// TimeBoundContext uses wazero's WithCloseOnContextDone and a context
	// deadline per call: every loop iteration returns to Go to check, and
	// every call starts a goroutine. Kept for comparison.
	TimeBoundContext
	// TimeBoundNone does not bound calls: a plugin that loops forever
	// blocks its caller forever. Only for trusted plugins and benchmarks.
	TimeBoundNone
)

func (t TimeBound) String() string {
	switch t {
	case TimeBoundInstrument:
		return "instrument"
	case TimeBoundContext:
		return "context"
	case TimeBoundNone:
		return "none"
	}
	return fmt.Sprintf("TimeBound(%d)", int(t))
}

// The adapters satisfy the kafka extension interfaces.
var (
	_ kafka.RecordPartitioner = (*partitioner)(nil)
	_ kafka.Interceptor       = enricher{}
	_ kafka.Interceptor       = codecInterceptor{}
	_ kafka.Codec[[]byte]     = byteCodec{}
	_ kafka.RecordPartitioner = pipelinePartitioner{}
	_ kafka.Interceptor       = pipelineInterceptor{}
)
