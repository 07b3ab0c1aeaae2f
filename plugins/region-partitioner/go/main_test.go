package main

import (
	"testing"

	"github.com/kafkawasm/kafkawasm/kafka"
)

func TestMurmur2MatchesKafka(t *testing.T) {
	// Published values from Kafka's UtilsTest.testMurmur2.
	known := map[string]int32{
		"21":                         -973932308,
		"foobar":                     -790332482,
		"a-little-bit-long-string":   -985981536,
		"a-little-bit-longer-string": -1486304829,
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	}
	for s, want := range known {
		if got := murmur2([]byte(s)); got != want {
			t.Errorf("murmur2(%q) = %d, want %d", s, got, want)
		}
	}
	for n := 0; n < 40; n++ {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*37 + n)
		}
		if murmur2(b) != kafka.Murmur2(b) {
			t.Errorf("len %d differs from kafka.Murmur2", n)
		}
	}
}

func TestRegionRange(t *testing.T) {
	var got [][2]int
	for i := 0; i < 3; i++ {
		lo, hi := regionRange(i, 3, 10)
		got = append(got, [2]int{lo, hi})
	}
	if got != nil && (got[0] != [2]int{0, 3} || got[1] != [2]int{3, 6} || got[2] != [2]int{6, 10}) {
		t.Errorf("ranges %v", got)
	}
}
