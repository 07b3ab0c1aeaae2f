// Package wire is the Kafka wire protocol for a producer: append-style
// encoders for Kafka's primitive types, a Reader with a sticky error, the
// request and response headers, and the request/response bodies a producer
// needs, written by hand from Kafka's JSON message specs.
//
// # Messages and versions
//
//	API                  key  versions  flexible from
//	Produce                0  3-13      9
//	Metadata               3  4-12      9
//	FindCoordinator       10  1-6       3
//	SaslHandshake         17  0-1       never
//	ApiVersions           18  0-4       3 (response header always v0)
//	CreateTopics          19  2-7       5
//	InitProducerId        22  0-5       2
//	AddPartitionsToTxn    24  0-3       3
//	AddOffsetsToTxn       25  0-4       3
//	EndTxn                26  0-4       3
//	TxnOffsetCommit       28  0-4       3
//	SaslAuthenticate      36  0-2       2
//
// Each API has a request type (XxxRequest, implementing Request) and a
// response type (XxxResponse, implementing Response). Requests also decode
// and responses also encode, so tests and fake brokers can use the same
// types. Field names follow the spec, with Go initialisms (TopicID,
// ProducerID) and a few shortenings (PartitionIndex is Index).
//
// # Sending a request
//
// Pick a version with Negotiate (or NegotiateMax) from the broker's
// ApiVersionsResponse.Versions, frame the request with AppendRequest, and
// write the bytes. Read a response frame (ReadSize gives its length), split
// it with ReadResponseHeader, passing the request's Flexible(version), and
// decode the body with the response's DecodeBody at the same version.
//
// ApiVersions is sent first, at its highest version. A broker that does not
// know that version answers UNSUPPORTED_VERSION (35) in the v0 layout;
// DecodeBody recognises it, and the caller sends ApiVersions again at
// ApiVersionsResponse.RetryVersion.
//
// Versions that change semantics rather than layout, for the producer to
// decide: Produce v12+ inside a transaction and TxnOffsetCommit/EndTxn v5
// belong to transactions V2 (KIP-890 part 2; the finalized feature
// "transaction.version" >= 2, see ApiVersionsResponse.FinalizedMaxLevel). A
// transactional producer that sends AddPartitionsToTxn caps Produce at 11
// with NegotiateMax. EndTxn v5 and TxnOffsetCommit v5 are not implemented.
// Produce v13 addresses topics by TopicID (from Metadata v10+) instead of
// Name. A Produce request with Acks 0 gets no response.
//
// # Encoding and decoding
//
// Encoders append to a caller's buffer and never fail; they allocate only
// when the buffer must grow. ProduceRequest.BodyLen sizes that buffer, and
// record batches are copied into the request as-is. An AppendBody given a
// version outside [MinVersion, MaxVersion] writes bytes no broker expects.
//
// Decoders never panic and never trust a length: a length larger than the
// bytes left is an error, so hostile input cannot make them allocate much
// more than its own size. Every error is a *DecodeError that names the
// message, version, byte offset and what was being read, and wraps
// io.ErrUnexpectedEOF or one of ErrInvalidLength, ErrVarintOverflow,
// ErrUnexpectedNull, ErrTrailingBytes, ErrUnsupportedVersion. Fields a
// version does not carry get their spec default (-1 for leader epochs and
// log start offsets, AuthorizedOperationsUnknown, and so on). Unknown tagged
// fields are skipped. A decoded response shares no memory with its input.
//
// # Concurrency
//
// Messages are plain values: encoding a message from several goroutines at
// once is safe while nobody modifies it; decoding into one value, or using
// one Reader, from several goroutines is not.
//
// # Tests
//
// The tests check every message against Kafka's JSON specs (a generic
// spec-driven parser reads what we encode; shared/kafka-protocol beside the
// repository, required under CI=true), against franz-go's kmsg (same bytes
// both ways, at every version), against hand-written golden bytes in
// testdata/golden, and by fuzzing every decoder.
//
// # Files
//
//	primitives.go   Append* encoders
//	reader.go       Reader, DecodeError and the error sentinels
//	message.go      Request, Response, AppendRequest, ReadResponseHeader, Negotiate
//	<api>.go        one file per API (addoffsetstotxn.go, apiversions.go, ...)
package wire
