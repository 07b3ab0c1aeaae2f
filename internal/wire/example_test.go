package wire_test

import (
	"fmt"

	"github.com/kafkawasm/kafkawasm/internal/wire"
)

// A producer's first exchange: negotiate ApiVersions, frame the request,
// and decode the answer.
func ExampleAppendRequest() {
	req := &wire.ApiVersionsRequest{ClientSoftwareName: "kafkawasm", ClientSoftwareVersion: "0.1.0"}
	frame := wire.AppendRequest(nil, req, 3, 1, "kafkawasm")
	fmt.Printf("% x\n", frame[:8])

	// What a broker would send back, its 4-byte size already removed:
	// correlation id 1, response header v0 (always, for ApiVersions).
	resp := &wire.ApiVersionsResponse{
		ApiKeys:                []wire.ApiVersionsKey{{ApiKey: wire.KeyProduce, MinVersion: 3, MaxVersion: 11}},
		FinalizedFeaturesEpoch: -1,
	}
	answer := resp.AppendBody(wire.AppendInt32(nil, 1), 3)

	corr, body, err := wire.ReadResponseHeader(answer, req.Key(), req.Flexible(3))
	if err != nil {
		panic(err)
	}
	got := req.NewResponse().(*wire.ApiVersionsResponse)
	if err := got.DecodeBody(body, 3); err != nil {
		panic(err)
	}
	v, ok := wire.Negotiate(&wire.ProduceRequest{}, got.Versions())
	fmt.Println(corr, v, ok)
	// Output:
	// 00 00 00 25 00 12 00 03
	// 1 11 true
}
