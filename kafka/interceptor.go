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

// runInterceptor calls ic with only the records that have not failed yet,
// mapping its verdicts back to their places.
func runInterceptor(ic Interceptor, topic string, msgs []Message, errs []error) {
	failed := 0
	for _, e := range errs {
		if e != nil {
			failed++
		}
	}
	if failed == 0 {
		ic.Intercept(topic, msgs, errs)
		return
	}
	if failed == len(msgs) {
		return
	}
	idx := make([]int, 0, len(msgs)-failed)
	sub := make([]Message, 0, len(msgs)-failed)
	for i, e := range errs {
		if e == nil {
			idx = append(idx, i)
			sub = append(sub, msgs[i])
		}
	}
	subErrs := make([]error, len(sub))
	ic.Intercept(topic, sub, subErrs)
	for j, i := range idx {
		msgs[i] = sub[j]
		errs[i] = subErrs[j]
	}
}
