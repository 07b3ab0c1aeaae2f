package wire_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/kafkawasm/kafkawasm/internal/wire"
)

func TestReadResponseHeader(t *testing.T) {
	body := []byte{0xca, 0xfe}
	tests := []struct {
		name     string
		frame    []byte
		key      int16
		flexible bool
		wantCorr int32
		wantBody []byte
		wantErr  error
	}{
		{"v0", append([]byte{0, 0, 0, 7}, body...), wire.KeyProduce, false, 7, body, nil},
		{"v1 empty tags", append([]byte{0, 0, 0, 7, 0}, body...), wire.KeyProduce, true, 7, body, nil},
		{"v1 with a tagged field", append([]byte{0, 0, 0, 7, 1, 5, 2, 0xaa, 0xbb}, body...), wire.KeyMetadata, true, 7, body, nil},
		{"ApiVersions flexible is still v0", append([]byte{0xff, 0xff, 0xff, 0xff, 0}, body...), wire.KeyApiVersions, true, -1, append([]byte{0}, body...), nil},
		{"empty body", []byte{0, 0, 1, 0}, wire.KeyEndTxn, false, 256, []byte{}, nil},
		{"short", []byte{0, 0, 7}, wire.KeyProduce, false, 0, nil, io.ErrUnexpectedEOF},
		{"v1 without tag section", []byte{0, 0, 0, 7}, wire.KeyProduce, true, 0, nil, io.ErrUnexpectedEOF},
		{"v1 tagged field past the end", []byte{0, 0, 0, 7, 1, 0, 9, 0}, wire.KeyProduce, true, 0, nil, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			corr, b, err := wire.ReadResponseHeader(tt.frame, tt.key, tt.flexible)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if corr != tt.wantCorr || !bytes.Equal(b, tt.wantBody) {
				t.Fatalf("got %d % x, want %d % x", corr, b, tt.wantCorr, tt.wantBody)
			}
		})
	}
}

func TestReadSize(t *testing.T) {
	if n, err := wire.ReadSize([]byte{0, 0, 1, 2, 9}); n != 258 || err != nil {
		t.Fatalf("got %d, %v", n, err)
	}
	if _, err := wire.ReadSize([]byte{0, 0, 1}); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("short: %v", err)
	}
	if _, err := wire.ReadSize([]byte{0x80, 0, 0, 0}); !errors.Is(err, wire.ErrInvalidLength) {
		t.Fatalf("negative: %v", err)
	}
}

// TestAppendRequestSize checks the size prefix of every framed sample.
func TestAppendRequestSize(t *testing.T) {
	for _, a := range apis {
		r := a.newReq()
		for v := r.MinVersion(); v <= r.MaxVersion(); v++ {
			for _, m := range a.reqs(v) {
				frame := wire.AppendRequest(nil, m, v, 1, "id")
				n, err := wire.ReadSize(frame)
				if err != nil || int(n) != len(frame)-4 {
					t.Fatalf("%s v%d: size %d, %v; frame is %d bytes", a.name, v, n, err, len(frame))
				}
			}
		}
	}
}

func TestNegotiate(t *testing.T) {
	produce := &wire.ProduceRequest{} // 3-13
	tests := []struct {
		name   string
		broker map[int16]wire.VersionRange
		limit  int16
		want   int16
		ok     bool
	}{
		{"broker newer", map[int16]wire.VersionRange{0: {0, 20}}, 99, 13, true},
		{"broker older", map[int16]wire.VersionRange{0: {0, 9}}, 99, 9, true},
		{"exact minimum", map[int16]wire.VersionRange{0: {0, 3}}, 99, 3, true},
		{"broker too old", map[int16]wire.VersionRange{0: {0, 2}}, 99, 0, false},
		{"broker min above ours", map[int16]wire.VersionRange{0: {14, 15}}, 99, 0, false},
		{"api unknown to broker", map[int16]wire.VersionRange{3: {0, 12}}, 99, 0, false},
		{"nil map", nil, 99, 0, false},
		{"capped", map[int16]wire.VersionRange{0: {3, 13}}, 11, 11, true},
		{"capped below the range", map[int16]wire.VersionRange{0: {3, 13}}, 2, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := wire.NegotiateMax(produce, tt.broker, tt.limit)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("NegotiateMax = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
			if tt.limit >= produce.MaxVersion() {
				if got, ok := wire.Negotiate(produce, tt.broker); got != tt.want || ok != tt.ok {
					t.Fatalf("Negotiate = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
				}
			}
		})
	}
}

func TestApiVersionsHelpers(t *testing.T) {
	resp := &wire.ApiVersionsResponse{
		ApiKeys: []wire.ApiVersionsKey{{ApiKey: 0, MinVersion: 3, MaxVersion: 12}, {ApiKey: 18, MinVersion: 0, MaxVersion: 3}},
		FinalizedFeatures: []wire.ApiVersionsFinalizedFeature{
			{Name: "metadata.version", MaxVersionLevel: 22, MinVersionLevel: 22},
			{Name: "transaction.version", MaxVersionLevel: 2, MinVersionLevel: 2},
		},
	}
	vs := resp.Versions()
	if len(vs) != 2 || vs[0] != (wire.VersionRange{Min: 3, Max: 12}) || vs[18] != (wire.VersionRange{Min: 0, Max: 3}) {
		t.Fatalf("Versions() = %v", vs)
	}
	if v, ok := wire.Negotiate(&wire.ProduceRequest{}, vs); v != 12 || !ok {
		t.Fatalf("Negotiate(Produce) = %d, %v", v, ok)
	}
	if lvl, ok := resp.FinalizedMaxLevel("transaction.version"); lvl != 2 || !ok {
		t.Fatalf("FinalizedMaxLevel = %d, %v", lvl, ok)
	}
	if _, ok := resp.FinalizedMaxLevel("group.version"); ok {
		t.Fatal("FinalizedMaxLevel found a missing feature")
	}
	if got := resp.RetryVersion(); got != 3 {
		t.Fatalf("RetryVersion() = %d, want 3", got)
	}
}

func TestProduceHelpers(t *testing.T) {
	for v := int16(3); v <= 13; v++ {
		for i, m := range produceRequests(v) {
			r := m.(*wire.ProduceRequest)
			if got, want := r.BodyLen(v), len(r.AppendBody(nil, v)); got != want {
				t.Errorf("v%d sample %d: BodyLen() = %d, AppendBody wrote %d", v, i, got, want)
			}
		}
	}
	if (&wire.ProduceRequest{Acks: 0}).HasResponse() || !(&wire.ProduceRequest{Acks: -1}).HasResponse() {
		t.Fatal("HasResponse is wrong")
	}
}

// TestProduceAllocations pins the allocation counts of the hot path:
// encoding a Produce request into a buffer with room allocates nothing, and
// decoding a response allocates one slice per array and one string per
// topic name.
func TestProduceAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	for _, v := range []int16{7, 9, 13} {
		req := benchProduceRequest(v)
		buf := make([]byte, 0, req.BodyLen(v)+64)
		if n := testing.AllocsPerRun(100, func() {
			buf = wire.AppendRequest(buf[:0], req, v, 1, "client")
		}); n != 0 {
			t.Errorf("v%d: AppendRequest allocated %v times", v, n)
		}
		resp := benchProduceResponse(v)
		b := resp.AppendBody(nil, v)
		var out wire.ProduceResponse
		want := 1.0 // Topics
		for _, tp := range resp.Topics {
			want++ // Partitions
			if v < 13 {
				want++ // Name
			}
			_ = tp
		}
		if n := testing.AllocsPerRun(100, func() {
			if err := out.DecodeBody(b, v); err != nil {
				t.Fatal(err)
			}
		}); n != want {
			t.Errorf("v%d: DecodeBody allocated %v times, want %v", v, n, want)
		}
	}
}

func benchProduceRequest(v int16) *wire.ProduceRequest {
	records := bytes.Repeat([]byte{0x5a}, 16<<10)
	r := &wire.ProduceRequest{Acks: -1, TimeoutMillis: 30000}
	for ti := range 4 {
		t := wire.ProduceTopic{Name: "topic-" + string(rune('a'+ti)), TopicID: [16]byte{byte(ti)}}
		for p := range 8 {
			t.Partitions = append(t.Partitions, wire.ProducePartition{Index: int32(p), Records: records})
		}
		r.Topics = append(r.Topics, t)
	}
	return r
}

func benchProduceResponse(v int16) *wire.ProduceResponse {
	r := &wire.ProduceResponse{}
	for ti := range 4 {
		t := wire.ProduceTopicResponse{Name: "topic-" + string(rune('a'+ti)), TopicID: [16]byte{byte(ti)}}
		for p := range 8 {
			t.Partitions = append(t.Partitions, wire.ProducePartitionResponse{
				Index: int32(p), BaseOffset: 1000, LogAppendTimeMs: -1, LogStartOffset: 0,
				CurrentLeader: wire.LeaderIDAndEpoch{LeaderID: 1, LeaderEpoch: 3},
			})
		}
		r.Topics = append(r.Topics, t)
	}
	return r
}

func BenchmarkProduceRequestAppend(b *testing.B) {
	for _, v := range []int16{7, 9, 13} {
		b.Run(fmt.Sprintf("v%d", v), func(b *testing.B) {
			req := benchProduceRequest(v)
			buf := make([]byte, 0, req.BodyLen(v)+64)
			b.SetBytes(int64(req.BodyLen(v)))
			b.ReportAllocs()
			for b.Loop() {
				buf = wire.AppendRequest(buf[:0], req, v, 1, "client")
			}
		})
	}
}

func BenchmarkProduceResponseDecode(b *testing.B) {
	for _, v := range []int16{7, 9, 13} {
		b.Run(fmt.Sprintf("v%d", v), func(b *testing.B) {
			body := benchProduceResponse(v).AppendBody(nil, v)
			var out wire.ProduceResponse
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if err := out.DecodeBody(body, v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
