//go:build race

package record_test

// raceEnabled is true under -race, where sync.Pool drops pooled values at
// random, so allocation counts are meaningless.
const raceEnabled = true
