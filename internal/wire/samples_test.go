package wire_test

import (
	"bytes"

	"github.com/kafkawasm/kafkawasm/internal/wire"
)

// This file is the test registry: every API of the package, with sample
// requests and responses for each version. A sample only sets the fields
// its version carries and leaves every other field at the value DecodeBody
// gives it (the spec default), so that encode then decode must give back
// the sample exactly.

// reqMsg is what every request type implements.
type reqMsg interface {
	wire.Request
	DecodeBody(b []byte, version int16) error
}

// respMsg is what every response type implements.
type respMsg interface {
	wire.Response
	AppendBody(dst []byte, version int16) []byte
}

type api struct {
	name   string // spec name: <name>Request.json and <name>Response.json
	newReq func() reqMsg
	reqs   func(v int16) []reqMsg
	resps  func(v int16) []respMsg
}

func (a api) newResp() respMsg { return a.newReq().NewResponse().(respMsg) }

var apis = []api{
	{"Produce", func() reqMsg { return new(wire.ProduceRequest) }, produceRequests, produceResponses},
	{"Metadata", func() reqMsg { return new(wire.MetadataRequest) }, metadataRequests, metadataResponses},
	{"ApiVersions", func() reqMsg { return new(wire.ApiVersionsRequest) }, apiVersionsRequests, apiVersionsResponses},
	{"CreateTopics", func() reqMsg { return new(wire.CreateTopicsRequest) }, createTopicsRequests, createTopicsResponses},
	{"InitProducerId", func() reqMsg { return new(wire.InitProducerIDRequest) }, initProducerIDRequests, initProducerIDResponses},
	{"FindCoordinator", func() reqMsg { return new(wire.FindCoordinatorRequest) }, findCoordinatorRequests, findCoordinatorResponses},
	{"AddPartitionsToTxn", func() reqMsg { return new(wire.AddPartitionsToTxnRequest) }, addPartitionsToTxnRequests, addPartitionsToTxnResponses},
	{"AddOffsetsToTxn", func() reqMsg { return new(wire.AddOffsetsToTxnRequest) }, addOffsetsToTxnRequests, addOffsetsToTxnResponses},
	{"EndTxn", func() reqMsg { return new(wire.EndTxnRequest) }, endTxnRequests, endTxnResponses},
	{"TxnOffsetCommit", func() reqMsg { return new(wire.TxnOffsetCommitRequest) }, txnOffsetCommitRequests, txnOffsetCommitResponses},
	{"SaslHandshake", func() reqMsg { return new(wire.SaslHandshakeRequest) }, saslHandshakeRequests, saslHandshakeResponses},
	{"SaslAuthenticate", func() reqMsg { return new(wire.SaslAuthenticateRequest) }, saslAuthenticateRequests, saslAuthenticateResponses},
}

func sp(s string) *string { return &s }

func uuid(b byte) (u [16]byte) {
	for i := range u {
		u[i] = b + byte(i)
	}
	return u
}

// long is a string longer than 127 bytes, so that compact lengths take two
// bytes.
var long = string(bytes.Repeat([]byte("kafka-"), 30))

func produceRequests(v int16) []reqMsg {
	topic := func(name string, id byte, parts []wire.ProducePartition) wire.ProduceTopic {
		if v >= 13 {
			return wire.ProduceTopic{TopicID: uuid(id), Partitions: parts}
		}
		return wire.ProduceTopic{Name: name, Partitions: parts}
	}
	return []reqMsg{
		&wire.ProduceRequest{
			TransactionalID: sp("txn-1"),
			Acks:            -1,
			TimeoutMillis:   30000,
			Topics: []wire.ProduceTopic{
				topic("orders", 1, []wire.ProducePartition{
					{Index: 0, Records: []byte("batch-0")},
					{Index: 7, Records: bytes.Repeat([]byte{0xab}, 300)},
					{Index: 3, Records: []byte{}},
				}),
				topic(long, 2, []wire.ProducePartition{{Index: 1, Records: nil}}),
			},
		},
		&wire.ProduceRequest{Acks: 1, TimeoutMillis: 1},
	}
}

func produceResponses(v int16) []respMsg {
	part := func(i int32, leader wire.LeaderIDAndEpoch) wire.ProducePartitionResponse {
		p := wire.ProducePartitionResponse{
			Index:           i,
			ErrorCode:       6,
			BaseOffset:      1 << 40,
			LogAppendTimeMs: -1,
			LogStartOffset:  -1,
			CurrentLeader:   wire.LeaderIDAndEpoch{LeaderID: -1, LeaderEpoch: -1},
		}
		if v >= 5 {
			p.LogStartOffset = 12345
		}
		if v >= 8 {
			p.RecordErrors = []wire.ProduceRecordError{{BatchIndex: 2, ErrorMessage: sp("bad record")}, {BatchIndex: 5}}
			p.ErrorMessage = sp("batch dropped")
		}
		if v >= 10 {
			p.CurrentLeader = leader
		}
		return p
	}
	topic := func(name string, id byte, parts ...wire.ProducePartitionResponse) wire.ProduceTopicResponse {
		if v >= 13 {
			return wire.ProduceTopicResponse{TopicID: uuid(id), Partitions: parts}
		}
		return wire.ProduceTopicResponse{Name: name, Partitions: parts}
	}
	full := &wire.ProduceResponse{
		Topics: []wire.ProduceTopicResponse{
			topic("orders", 1,
				part(0, wire.LeaderIDAndEpoch{LeaderID: 3, LeaderEpoch: 9}),
				part(1, wire.LeaderIDAndEpoch{LeaderID: -1, LeaderEpoch: -1})),
			topic("payments", 2, part(4, wire.LeaderIDAndEpoch{LeaderID: 0, LeaderEpoch: 0})),
		},
		ThrottleTimeMs: 250,
	}
	if v >= 10 {
		full.NodeEndpoints = []wire.NodeEndpoint{
			{NodeID: 3, Host: "broker-3.example", Port: 9092, Rack: sp("rack-a")},
			{NodeID: 0, Host: long, Port: 9093},
		}
	}
	return []respMsg{full, &wire.ProduceResponse{}}
}

func metadataRequests(v int16) []reqMsg {
	r := &wire.MetadataRequest{
		Topics:                 []wire.MetadataTopic{{Name: sp("orders")}, {Name: sp(long)}},
		AllowAutoTopicCreation: true,
	}
	if v >= 10 {
		r.Topics[0].TopicID = uuid(1)
		r.Topics = append(r.Topics, wire.MetadataTopic{TopicID: uuid(9)})
	}
	if v >= 8 {
		r.IncludeTopicAuthorizedOperations = true
		r.IncludeClusterAuthorizedOperations = v <= 10
	}
	return []reqMsg{r, &wire.MetadataRequest{}, &wire.MetadataRequest{Topics: []wire.MetadataTopic{}}}
}

func metadataResponses(v int16) []respMsg {
	r := &wire.MetadataResponse{
		ThrottleTimeMs: 7,
		Brokers: []wire.MetadataBroker{
			{NodeID: 1, Host: "b1", Port: 9092, Rack: sp("r1")},
			{NodeID: 2, Host: long, Port: 9093},
		},
		ClusterID:                   sp("cluster-x"),
		ControllerID:                2,
		ClusterAuthorizedOperations: wire.AuthorizedOperationsUnknown,
		Topics: []wire.MetadataTopicResponse{
			{
				Name:                      sp("orders"),
				IsInternal:                false,
				TopicAuthorizedOperations: wire.AuthorizedOperationsUnknown,
				Partitions: []wire.MetadataPartitionResponse{
					{Index: 0, LeaderID: 1, LeaderEpoch: -1, Replicas: []int32{1, 2}, ISR: []int32{1}},
					{ErrorCode: 5, Index: 1, LeaderID: -1, LeaderEpoch: -1},
				},
			},
			{ErrorCode: 3, Name: sp("__consumer_offsets"), IsInternal: true, TopicAuthorizedOperations: wire.AuthorizedOperationsUnknown},
		},
	}
	p := &r.Topics[0].Partitions[0]
	if v >= 5 {
		p.Offline = []int32{2}
	}
	if v >= 7 {
		p.LeaderEpoch = 17
	}
	if v >= 8 {
		r.Topics[0].TopicAuthorizedOperations = 0x0ff8
		if v <= 10 {
			r.ClusterAuthorizedOperations = 0x0770
		}
	}
	if v >= 10 {
		r.Topics[0].TopicID = uuid(1)
	}
	if v >= 12 {
		r.Topics = append(r.Topics, wire.MetadataTopicResponse{
			ErrorCode: 100, TopicID: uuid(9), TopicAuthorizedOperations: wire.AuthorizedOperationsUnknown,
		})
	}
	empty := &wire.MetadataResponse{ControllerID: -1, ClusterAuthorizedOperations: wire.AuthorizedOperationsUnknown}
	return []respMsg{r, empty}
}

func apiVersionsRequests(v int16) []reqMsg {
	if v >= 3 {
		return []reqMsg{&wire.ApiVersionsRequest{ClientSoftwareName: "kafkawasm", ClientSoftwareVersion: "0.1.0"}}
	}
	return []reqMsg{&wire.ApiVersionsRequest{}}
}

func apiVersionsResponses(v int16) []respMsg {
	r := &wire.ApiVersionsResponse{
		ApiKeys: []wire.ApiVersionsKey{
			{ApiKey: 0, MinVersion: 3, MaxVersion: 13},
			{ApiKey: 3, MinVersion: 0, MaxVersion: 12},
			{ApiKey: 18, MinVersion: 0, MaxVersion: 4},
		},
		FinalizedFeaturesEpoch: -1,
	}
	if v >= 1 {
		r.ThrottleTimeMs = 11
	}
	rs := []respMsg{r, &wire.ApiVersionsResponse{ErrorCode: 42, FinalizedFeaturesEpoch: -1}}
	if v >= 3 {
		r.SupportedFeatures = []wire.ApiVersionsFeature{
			{Name: "metadata.version", MinVersion: 1, MaxVersion: 26},
			{Name: "transaction.version", MinVersion: 0, MaxVersion: 2},
		}
		r.FinalizedFeaturesEpoch = 1234
		r.FinalizedFeatures = []wire.ApiVersionsFinalizedFeature{{Name: "transaction.version", MaxVersionLevel: 2, MinVersionLevel: 2}}
		r.ZkMigrationReady = true
		rs = append(rs, &wire.ApiVersionsResponse{FinalizedFeaturesEpoch: 0})
	}
	return rs
}

func createTopicsRequests(v int16) []reqMsg {
	return []reqMsg{
		&wire.CreateTopicsRequest{
			Topics: []wire.CreateTopicsTopic{
				{Name: "orders", NumPartitions: 6, ReplicationFactor: 3, Configs: []wire.CreateTopicsConfig{
					{Name: "cleanup.policy", Value: sp("compact")}, {Name: "retention.ms"},
				}},
				{Name: "manual", NumPartitions: -1, ReplicationFactor: -1, Assignments: []wire.CreateTopicsAssignment{
					{Index: 0, BrokerIDs: []int32{1, 2}}, {Index: 1, BrokerIDs: []int32{2, 3}},
				}},
			},
			TimeoutMs:    60000,
			ValidateOnly: true,
		},
		&wire.CreateTopicsRequest{},
	}
}

func createTopicsResponses(v int16) []respMsg {
	t := wire.CreateTopicsTopicResponse{Name: "orders", ErrorCode: 36, ErrorMessage: sp("exists"), NumPartitions: -1, ReplicationFactor: -1}
	u := wire.CreateTopicsTopicResponse{Name: "other", NumPartitions: -1, ReplicationFactor: -1}
	if v >= 5 {
		t.NumPartitions, t.ReplicationFactor = 6, 3
		t.TopicConfigErrorCode = 29
		t.Configs = []wire.CreateTopicsConfigResult{
			{Name: "cleanup.policy", Value: sp("compact"), ConfigSource: 1},
			{Name: "password", ReadOnly: true, ConfigSource: -1, IsSensitive: true},
		}
		u.Configs = []wire.CreateTopicsConfigResult{}
	}
	if v >= 7 {
		t.TopicID = uuid(3)
	}
	return []respMsg{&wire.CreateTopicsResponse{ThrottleTimeMs: 9, Topics: []wire.CreateTopicsTopicResponse{t, u}}}
}

func initProducerIDRequests(v int16) []reqMsg {
	r := &wire.InitProducerIDRequest{TransactionalID: sp("txn-1"), TransactionTimeoutMs: 60000, ProducerID: -1, ProducerEpoch: -1}
	r2 := &wire.InitProducerIDRequest{TransactionTimeoutMs: 1, ProducerID: -1, ProducerEpoch: -1}
	if v >= 3 {
		r.ProducerID, r.ProducerEpoch = 4000, 7
	}
	return []reqMsg{r, r2}
}

func initProducerIDResponses(int16) []respMsg {
	return []respMsg{&wire.InitProducerIDResponse{ThrottleTimeMs: 1, ErrorCode: 0, ProducerID: 1 << 33, ProducerEpoch: 2}}
}

func findCoordinatorRequests(v int16) []reqMsg {
	if v >= 4 {
		return []reqMsg{
			&wire.FindCoordinatorRequest{KeyType: wire.CoordinatorKeyTransaction, CoordinatorKeys: []string{"txn-1", "txn-2"}},
			&wire.FindCoordinatorRequest{},
		}
	}
	return []reqMsg{&wire.FindCoordinatorRequest{CoordinatorKey: "txn-1", KeyType: wire.CoordinatorKeyTransaction}}
}

func findCoordinatorResponses(v int16) []respMsg {
	if v >= 4 {
		return []respMsg{&wire.FindCoordinatorResponse{ThrottleTimeMs: 3, Coordinators: []wire.FindCoordinatorCoordinator{
			{Key: "txn-1", NodeID: 2, Host: "b2", Port: 9092},
			{Key: "txn-2", NodeID: -1, Host: "", Port: -1, ErrorCode: 15, ErrorMessage: sp("not available")},
		}}}
	}
	return []respMsg{
		&wire.FindCoordinatorResponse{ThrottleTimeMs: 3, NodeID: 2, Host: "b2", Port: 9092},
		&wire.FindCoordinatorResponse{ErrorCode: 15, ErrorMessage: sp("not available"), NodeID: -1, Port: -1},
	}
}

func addPartitionsToTxnRequests(int16) []reqMsg {
	return []reqMsg{&wire.AddPartitionsToTxnRequest{
		TransactionalID: "txn-1", ProducerID: 4000, ProducerEpoch: 7,
		Topics: []wire.AddPartitionsToTxnTopic{{Name: "orders", Partitions: []int32{0, 1, 5}}, {Name: "empty"}},
	}}
}

func addPartitionsToTxnResponses(int16) []respMsg {
	return []respMsg{&wire.AddPartitionsToTxnResponse{ThrottleTimeMs: 2, Topics: []wire.AddPartitionsToTxnTopicResponse{
		{Name: "orders", Partitions: []wire.AddPartitionsToTxnPartitionResponse{{Index: 0}, {Index: 1, ErrorCode: 53}}},
	}}}
}

func addOffsetsToTxnRequests(int16) []reqMsg {
	return []reqMsg{&wire.AddOffsetsToTxnRequest{TransactionalID: "txn-1", ProducerID: 4000, ProducerEpoch: 7, GroupID: "group-a"}}
}

func addOffsetsToTxnResponses(int16) []respMsg {
	return []respMsg{&wire.AddOffsetsToTxnResponse{ThrottleTimeMs: 4, ErrorCode: 48}}
}

func endTxnRequests(int16) []reqMsg {
	return []reqMsg{
		&wire.EndTxnRequest{TransactionalID: "txn-1", ProducerID: 4000, ProducerEpoch: 7, Committed: true},
		&wire.EndTxnRequest{TransactionalID: "txn-2", ProducerID: 1, ProducerEpoch: 0},
	}
}

func endTxnResponses(v int16) []respMsg {
	if v < 5 { // no producer id and epoch: they decode as -1
		return []respMsg{&wire.EndTxnResponse{ThrottleTimeMs: 5, ErrorCode: 51, ProducerID: -1, ProducerEpoch: -1}}
	}
	return []respMsg{&wire.EndTxnResponse{ThrottleTimeMs: 5, ErrorCode: 51, ProducerID: -1, ProducerEpoch: -1},
		&wire.EndTxnResponse{ProducerID: 4000, ProducerEpoch: 8}}
}

func txnOffsetCommitRequests(v int16) []reqMsg {
	r := &wire.TxnOffsetCommitRequest{
		TransactionalID: "txn-1", GroupID: "group-a", ProducerID: 4000, ProducerEpoch: 7, GenerationID: -1,
		Topics: []wire.TxnOffsetCommitTopic{{Name: "orders", Partitions: []wire.TxnOffsetCommitPartition{
			{Index: 0, CommittedOffset: 100, CommittedLeaderEpoch: -1, CommittedMetadata: sp("meta")},
			{Index: 1, CommittedOffset: 200, CommittedLeaderEpoch: -1},
		}}},
	}
	if v >= 2 {
		r.Topics[0].Partitions[0].CommittedLeaderEpoch = 4
	}
	if v >= 3 {
		r.GenerationID, r.MemberID, r.GroupInstanceID = 12, "member-1", sp("instance-1")
	}
	return []reqMsg{r}
}

func txnOffsetCommitResponses(int16) []respMsg {
	return []respMsg{&wire.TxnOffsetCommitResponse{ThrottleTimeMs: 6, Topics: []wire.TxnOffsetCommitTopicResponse{
		{Name: "orders", Partitions: []wire.TxnOffsetCommitPartitionResponse{{Index: 0}, {Index: 1, ErrorCode: 25}}},
	}}}
}

func saslHandshakeRequests(int16) []reqMsg {
	return []reqMsg{&wire.SaslHandshakeRequest{Mechanism: "SCRAM-SHA-512"}}
}

func saslHandshakeResponses(int16) []respMsg {
	return []respMsg{
		&wire.SaslHandshakeResponse{ErrorCode: 33, Mechanisms: []string{"PLAIN", "SCRAM-SHA-256"}},
		&wire.SaslHandshakeResponse{},
	}
}

func saslAuthenticateRequests(int16) []reqMsg {
	return []reqMsg{
		&wire.SaslAuthenticateRequest{AuthBytes: []byte("\x00user\x00pass")},
		&wire.SaslAuthenticateRequest{AuthBytes: []byte{}},
	}
}

func saslAuthenticateResponses(v int16) []respMsg {
	r := &wire.SaslAuthenticateResponse{ErrorCode: 58, ErrorMessage: sp("bad password"), AuthBytes: []byte{}}
	r2 := &wire.SaslAuthenticateResponse{AuthBytes: []byte("server-final")}
	if v >= 1 {
		r2.SessionLifetimeMs = 3600000
	}
	return []respMsg{r, r2}
}
