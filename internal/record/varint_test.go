package record

import (
	"bytes"
	"math"
	"testing"
)

func TestVarint(t *testing.T) {
	tests := []struct {
		v    int64
		want []byte
	}{
		{0, []byte{0x00}},
		{-1, []byte{0x01}},
		{1, []byte{0x02}},
		{-2, []byte{0x03}},
		{63, []byte{0x7e}},
		{-64, []byte{0x7f}},
		{64, []byte{0x80, 0x01}},
		{-65, []byte{0x81, 0x01}},
		{300, []byte{0xd8, 0x04}},
		{8191, []byte{0xfe, 0x7f}},
		{8192, []byte{0x80, 0x80, 0x01}},
		{math.MaxInt32, []byte{0xfe, 0xff, 0xff, 0xff, 0x0f}},
		{math.MinInt32, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}},
		{math.MaxInt32 + 1, []byte{0x80, 0x80, 0x80, 0x80, 0x10}},
		{math.MaxInt64, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{math.MinInt64, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
	}
	for _, tt := range tests {
		got := appendVarint([]byte{0xAA}, tt.v)
		if !bytes.Equal(got[1:], tt.want) || got[0] != 0xAA {
			t.Errorf("appendVarint(%d) = % x, want % x", tt.v, got[1:], tt.want)
		}
		if n := varintLen(tt.v); n != len(tt.want) {
			t.Errorf("varintLen(%d) = %d, want %d", tt.v, n, len(tt.want))
		}
		v, n := readVarlong(append(bytes.Clone(tt.want), 0x55))
		if v != tt.v || n != len(tt.want) {
			t.Errorf("readVarlong(% x) = %d, %d; want %d, %d", tt.want, v, n, tt.v, len(tt.want))
		}
		v32, n := readVarint(tt.want)
		if fits := tt.v >= math.MinInt32 && tt.v <= math.MaxInt32; fits != (n != 0) || fits && int64(v32) != tt.v {
			t.Errorf("readVarint(% x) = %d, %d (fits int32: %v)", tt.want, v32, n, fits)
		}
	}
}

func TestReadVarintMalformed(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		long bool // also malformed as a varlong
	}{
		{"empty", nil, true},
		{"truncated", []byte{0x80}, true},
		{"truncated long", []byte{0xff, 0xff, 0xff}, true},
		{"six bytes for int32", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, false},
		{"int32 overflow", []byte{0x80, 0x80, 0x80, 0x80, 0x20}, false},
		{"eleven bytes", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, true},
		{"int64 overflow", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, true},
	}
	for _, tt := range tests {
		if _, n := readVarint(tt.in); n != 0 {
			t.Errorf("%s: readVarint(% x) read %d bytes, want failure", tt.name, tt.in, n)
		}
		if _, n := readVarlong(tt.in); (n == 0) != tt.long {
			t.Errorf("%s: readVarlong(% x) read %d bytes", tt.name, tt.in, n)
		}
	}
}
