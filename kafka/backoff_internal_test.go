package kafka

import (
	"testing"
	"time"
)

// TestBackoff: base·2^(n-1), capped at the maximum, then jittered by a
// factor in [0.8, 1.2] (KIP-580).
func TestBackoff(t *testing.T) {
	const ms = time.Millisecond
	cases := []struct {
		base, max time.Duration
		n         int
		nominal   time.Duration
	}{
		{100 * ms, time.Second, 1, 100 * ms},
		{100 * ms, time.Second, 2, 200 * ms},
		{100 * ms, time.Second, 3, 400 * ms},
		{100 * ms, time.Second, 4, 800 * ms},
		{100 * ms, time.Second, 5, time.Second}, // 1.6s capped
		{100 * ms, time.Second, 6, time.Second},
		{100 * ms, time.Second, 1000, time.Second}, // no overflow
		{100 * ms, 150 * ms, 2, 150 * ms},
		{time.Second, time.Second, 3, time.Second},
		{ms, time.Hour, 11, 1024 * ms},
		{100 * ms, time.Second, 0, 100 * ms}, // before the first retry: the base
	}
	for _, tc := range cases {
		lo := time.Duration(float64(tc.nominal) * 0.8)
		hi := time.Duration(float64(tc.nominal) * 1.2)
		minSeen, maxSeen := time.Duration(1<<62), time.Duration(0)
		for range 500 {
			d := backoff(tc.base, tc.max, tc.n)
			if d < lo || d > hi {
				t.Fatalf("backoff(%v, %v, %d) = %v, want within [%v, %v]", tc.base, tc.max, tc.n, d, lo, hi)
			}
			minSeen, maxSeen = min(minSeen, d), max(maxSeen, d)
		}
		// Jitter: 500 draws spread over most of the ±20% range.
		if minSeen > time.Duration(float64(tc.nominal)*0.9) || maxSeen < time.Duration(float64(tc.nominal)*1.1) {
			t.Errorf("backoff(%v, %v, %d) drew only [%v, %v]: no jitter", tc.base, tc.max, tc.n, minSeen, maxSeen)
		}
	}
}
