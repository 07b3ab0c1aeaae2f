package kafka

// Interceptor sees every record before it is partitioned and may rewrite its
// key, value and headers in place, or fail single records.
//
// Intercept is called once per Send/SendAsync call with that call's records
// (all for one topic). It sets errs[i] to fail record i alone; the other
// records go on. Interceptors run in the order configured, each seeing the
// previous one's output; a record failed by one is not shown to the next.
// It runs on the caller's goroutine, possibly on many at once, so it must be
// safe for concurrent use. It may replace msgs[i].Headers, Key or Value with
// new slices but must not modify the caller's original slices' contents.
type Interceptor interface {
	Intercept(topic string, msgs []Message, errs []error)
}

// InterceptorFunc adapts a function to Interceptor.
type InterceptorFunc func(topic string, msgs []Message, errs []error)

// Intercept calls f.
func (f InterceptorFunc) Intercept(topic string, msgs []Message, errs []error) { f(topic, msgs, errs) }
