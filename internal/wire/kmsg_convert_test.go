package wire_test

import (
	"fmt"

	"github.com/kafkawasm/kafkawasm/internal/wire"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// This file converts our messages to franz-go's kmsg messages, the
// independent reference the kmsg tests compare bytes against.

// mapSlice converts a slice element by element and keeps nil as nil.
func mapSlice[T, U any](in []T, f func(*T) U) []U {
	if in == nil {
		return nil
	}
	out := make([]U, len(in))
	for i := range in {
		out[i] = f(&in[i])
	}
	return out
}

// toKmsgRequest returns the kmsg request with the same content as r.
func toKmsgRequest(r reqMsg) kmsg.Request {
	switch r := r.(type) {
	case *wire.ProduceRequest:
		return &kmsg.ProduceRequest{
			TransactionID: r.TransactionalID, Acks: r.Acks, TimeoutMillis: r.TimeoutMillis,
			Topics: mapSlice(r.Topics, func(t *wire.ProduceTopic) kmsg.ProduceRequestTopic {
				return kmsg.ProduceRequestTopic{Topic: t.Name, TopicID: t.TopicID,
					Partitions: mapSlice(t.Partitions, func(p *wire.ProducePartition) kmsg.ProduceRequestTopicPartition {
						return kmsg.ProduceRequestTopicPartition{Partition: p.Index, Records: p.Records}
					})}
			}),
		}
	case *wire.MetadataRequest:
		return &kmsg.MetadataRequest{
			Topics: mapSlice(r.Topics, func(t *wire.MetadataTopic) kmsg.MetadataRequestTopic {
				return kmsg.MetadataRequestTopic{TopicID: t.TopicID, Topic: t.Name}
			}),
			AllowAutoTopicCreation:             r.AllowAutoTopicCreation,
			IncludeClusterAuthorizedOperations: r.IncludeClusterAuthorizedOperations,
			IncludeTopicAuthorizedOperations:   r.IncludeTopicAuthorizedOperations,
		}
	case *wire.ApiVersionsRequest:
		return &kmsg.ApiVersionsRequest{ClientSoftwareName: r.ClientSoftwareName, ClientSoftwareVersion: r.ClientSoftwareVersion}
	case *wire.CreateTopicsRequest:
		return &kmsg.CreateTopicsRequest{
			Topics: mapSlice(r.Topics, func(t *wire.CreateTopicsTopic) kmsg.CreateTopicsRequestTopic {
				return kmsg.CreateTopicsRequestTopic{
					Topic: t.Name, NumPartitions: t.NumPartitions, ReplicationFactor: t.ReplicationFactor,
					ReplicaAssignment: mapSlice(t.Assignments, func(a *wire.CreateTopicsAssignment) kmsg.CreateTopicsRequestTopicReplicaAssignment {
						return kmsg.CreateTopicsRequestTopicReplicaAssignment{Partition: a.Index, Replicas: a.BrokerIDs}
					}),
					Configs: mapSlice(t.Configs, func(c *wire.CreateTopicsConfig) kmsg.CreateTopicsRequestTopicConfig {
						return kmsg.CreateTopicsRequestTopicConfig{Name: c.Name, Value: c.Value}
					}),
				}
			}),
			TimeoutMillis: r.TimeoutMs, ValidateOnly: r.ValidateOnly,
		}
	case *wire.InitProducerIDRequest:
		return &kmsg.InitProducerIDRequest{TransactionalID: r.TransactionalID, TransactionTimeoutMillis: r.TransactionTimeoutMs,
			ProducerID: r.ProducerID, ProducerEpoch: r.ProducerEpoch}
	case *wire.FindCoordinatorRequest:
		return &kmsg.FindCoordinatorRequest{CoordinatorKey: r.CoordinatorKey, CoordinatorType: r.KeyType, CoordinatorKeys: r.CoordinatorKeys}
	case *wire.AddPartitionsToTxnRequest:
		return &kmsg.AddPartitionsToTxnRequest{TransactionalID: r.TransactionalID, ProducerID: r.ProducerID, ProducerEpoch: r.ProducerEpoch,
			Topics: mapSlice(r.Topics, func(t *wire.AddPartitionsToTxnTopic) kmsg.AddPartitionsToTxnRequestTopic {
				return kmsg.AddPartitionsToTxnRequestTopic{Topic: t.Name, Partitions: t.Partitions}
			})}
	case *wire.AddOffsetsToTxnRequest:
		return &kmsg.AddOffsetsToTxnRequest{TransactionalID: r.TransactionalID, ProducerID: r.ProducerID, ProducerEpoch: r.ProducerEpoch, Group: r.GroupID}
	case *wire.EndTxnRequest:
		return &kmsg.EndTxnRequest{TransactionalID: r.TransactionalID, ProducerID: r.ProducerID, ProducerEpoch: r.ProducerEpoch, Commit: r.Committed}
	case *wire.TxnOffsetCommitRequest:
		return &kmsg.TxnOffsetCommitRequest{
			TransactionalID: r.TransactionalID, Group: r.GroupID, ProducerID: r.ProducerID, ProducerEpoch: r.ProducerEpoch,
			Generation: r.GenerationID, MemberID: r.MemberID, InstanceID: r.GroupInstanceID,
			Topics: mapSlice(r.Topics, func(t *wire.TxnOffsetCommitTopic) kmsg.TxnOffsetCommitRequestTopic {
				return kmsg.TxnOffsetCommitRequestTopic{Topic: t.Name,
					Partitions: mapSlice(t.Partitions, func(p *wire.TxnOffsetCommitPartition) kmsg.TxnOffsetCommitRequestTopicPartition {
						return kmsg.TxnOffsetCommitRequestTopicPartition{Partition: p.Index, Offset: p.CommittedOffset,
							LeaderEpoch: p.CommittedLeaderEpoch, Metadata: p.CommittedMetadata}
					})}
			}),
		}
	case *wire.SaslHandshakeRequest:
		return &kmsg.SASLHandshakeRequest{Mechanism: r.Mechanism}
	case *wire.SaslAuthenticateRequest:
		return &kmsg.SASLAuthenticateRequest{SASLAuthBytes: r.AuthBytes}
	}
	panic(fmt.Sprintf("no kmsg conversion for %T", r))
}

// toKmsgResponse returns the kmsg response with the same content as r.
func toKmsgResponse(r respMsg) kmsg.Response {
	switch r := r.(type) {
	case *wire.ProduceResponse:
		return &kmsg.ProduceResponse{
			Topics: mapSlice(r.Topics, func(t *wire.ProduceTopicResponse) kmsg.ProduceResponseTopic {
				return kmsg.ProduceResponseTopic{Topic: t.Name, TopicID: t.TopicID,
					Partitions: mapSlice(t.Partitions, func(p *wire.ProducePartitionResponse) kmsg.ProduceResponseTopicPartition {
						return kmsg.ProduceResponseTopicPartition{
							Partition: p.Index, ErrorCode: p.ErrorCode, BaseOffset: p.BaseOffset,
							LogAppendTime: p.LogAppendTimeMs, LogStartOffset: p.LogStartOffset,
							ErrorRecords: mapSlice(p.RecordErrors, func(e *wire.ProduceRecordError) kmsg.ProduceResponseTopicPartitionErrorRecord {
								return kmsg.ProduceResponseTopicPartitionErrorRecord{RelativeOffset: e.BatchIndex, ErrorMessage: e.ErrorMessage}
							}),
							ErrorMessage: p.ErrorMessage,
							CurrentLeader: kmsg.ProduceResponseTopicPartitionCurrentLeader{
								LeaderID: p.CurrentLeader.LeaderID, LeaderEpoch: p.CurrentLeader.LeaderEpoch},
						}
					})}
			}),
			ThrottleMillis: r.ThrottleTimeMs,
			Brokers: mapSlice(r.NodeEndpoints, func(e *wire.NodeEndpoint) kmsg.ProduceResponseBroker {
				return kmsg.ProduceResponseBroker{NodeID: e.NodeID, Host: e.Host, Port: e.Port, Rack: e.Rack}
			}),
		}
	case *wire.MetadataResponse:
		return &kmsg.MetadataResponse{
			ThrottleMillis: r.ThrottleTimeMs,
			Brokers: mapSlice(r.Brokers, func(b *wire.MetadataBroker) kmsg.MetadataResponseBroker {
				return kmsg.MetadataResponseBroker{NodeID: b.NodeID, Host: b.Host, Port: b.Port, Rack: b.Rack}
			}),
			ClusterID: r.ClusterID, ControllerID: r.ControllerID,
			Topics: mapSlice(r.Topics, func(t *wire.MetadataTopicResponse) kmsg.MetadataResponseTopic {
				return kmsg.MetadataResponseTopic{
					ErrorCode: t.ErrorCode, Topic: t.Name, TopicID: t.TopicID, IsInternal: t.IsInternal,
					Partitions: mapSlice(t.Partitions, func(p *wire.MetadataPartitionResponse) kmsg.MetadataResponseTopicPartition {
						return kmsg.MetadataResponseTopicPartition{ErrorCode: p.ErrorCode, Partition: p.Index, Leader: p.LeaderID,
							LeaderEpoch: p.LeaderEpoch, Replicas: p.Replicas, ISR: p.ISR, OfflineReplicas: p.Offline}
					}),
					AuthorizedOperations: t.TopicAuthorizedOperations,
				}
			}),
			AuthorizedOperations: r.ClusterAuthorizedOperations,
		}
	case *wire.ApiVersionsResponse:
		return &kmsg.ApiVersionsResponse{
			ErrorCode: r.ErrorCode,
			ApiKeys: mapSlice(r.ApiKeys, func(k *wire.ApiVersionsKey) kmsg.ApiVersionsResponseApiKey {
				return kmsg.ApiVersionsResponseApiKey{ApiKey: k.ApiKey, MinVersion: k.MinVersion, MaxVersion: k.MaxVersion}
			}),
			ThrottleMillis: r.ThrottleTimeMs,
			SupportedFeatures: mapSlice(r.SupportedFeatures, func(f *wire.ApiVersionsFeature) kmsg.ApiVersionsResponseSupportedFeature {
				return kmsg.ApiVersionsResponseSupportedFeature{Name: f.Name, MinVersion: f.MinVersion, MaxVersion: f.MaxVersion}
			}),
			FinalizedFeaturesEpoch: r.FinalizedFeaturesEpoch,
			FinalizedFeatures: mapSlice(r.FinalizedFeatures, func(f *wire.ApiVersionsFinalizedFeature) kmsg.ApiVersionsResponseFinalizedFeature {
				return kmsg.ApiVersionsResponseFinalizedFeature{Name: f.Name, MaxVersionLevel: f.MaxVersionLevel, MinVersionLevel: f.MinVersionLevel}
			}),
			ZkMigrationReady: r.ZkMigrationReady,
		}
	case *wire.CreateTopicsResponse:
		return &kmsg.CreateTopicsResponse{
			ThrottleMillis: r.ThrottleTimeMs,
			Topics: mapSlice(r.Topics, func(t *wire.CreateTopicsTopicResponse) kmsg.CreateTopicsResponseTopic {
				return kmsg.CreateTopicsResponseTopic{
					Topic: t.Name, TopicID: t.TopicID, ErrorCode: t.ErrorCode, ErrorMessage: t.ErrorMessage,
					ConfigErrorCode: t.TopicConfigErrorCode, NumPartitions: t.NumPartitions, ReplicationFactor: t.ReplicationFactor,
					Configs: mapSlice(t.Configs, func(c *wire.CreateTopicsConfigResult) kmsg.CreateTopicsResponseTopicConfig {
						return kmsg.CreateTopicsResponseTopicConfig{Name: c.Name, Value: c.Value, ReadOnly: c.ReadOnly,
							Source: c.ConfigSource, IsSensitive: c.IsSensitive}
					}),
				}
			}),
		}
	case *wire.InitProducerIDResponse:
		return &kmsg.InitProducerIDResponse{ThrottleMillis: r.ThrottleTimeMs, ErrorCode: r.ErrorCode, ProducerID: r.ProducerID, ProducerEpoch: r.ProducerEpoch}
	case *wire.FindCoordinatorResponse:
		return &kmsg.FindCoordinatorResponse{
			ThrottleMillis: r.ThrottleTimeMs, ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage,
			NodeID: r.NodeID, Host: r.Host, Port: r.Port,
			Coordinators: mapSlice(r.Coordinators, func(c *wire.FindCoordinatorCoordinator) kmsg.FindCoordinatorResponseCoordinator {
				return kmsg.FindCoordinatorResponseCoordinator{Key: c.Key, NodeID: c.NodeID, Host: c.Host, Port: c.Port,
					ErrorCode: c.ErrorCode, ErrorMessage: c.ErrorMessage}
			}),
		}
	case *wire.AddPartitionsToTxnResponse:
		return &kmsg.AddPartitionsToTxnResponse{
			ThrottleMillis: r.ThrottleTimeMs,
			Topics: mapSlice(r.Topics, func(t *wire.AddPartitionsToTxnTopicResponse) kmsg.AddPartitionsToTxnResponseTopic {
				return kmsg.AddPartitionsToTxnResponseTopic{Topic: t.Name,
					Partitions: mapSlice(t.Partitions, func(p *wire.AddPartitionsToTxnPartitionResponse) kmsg.AddPartitionsToTxnResponseTopicPartition {
						return kmsg.AddPartitionsToTxnResponseTopicPartition{Partition: p.Index, ErrorCode: p.ErrorCode}
					})}
			}),
		}
	case *wire.AddOffsetsToTxnResponse:
		return &kmsg.AddOffsetsToTxnResponse{ThrottleMillis: r.ThrottleTimeMs, ErrorCode: r.ErrorCode}
	case *wire.EndTxnResponse:
		return &kmsg.EndTxnResponse{ThrottleMillis: r.ThrottleTimeMs, ErrorCode: r.ErrorCode, ProducerID: r.ProducerID, ProducerEpoch: r.ProducerEpoch}
	case *wire.TxnOffsetCommitResponse:
		return &kmsg.TxnOffsetCommitResponse{
			ThrottleMillis: r.ThrottleTimeMs,
			Topics: mapSlice(r.Topics, func(t *wire.TxnOffsetCommitTopicResponse) kmsg.TxnOffsetCommitResponseTopic {
				return kmsg.TxnOffsetCommitResponseTopic{Topic: t.Name,
					Partitions: mapSlice(t.Partitions, func(p *wire.TxnOffsetCommitPartitionResponse) kmsg.TxnOffsetCommitResponseTopicPartition {
						return kmsg.TxnOffsetCommitResponseTopicPartition{Partition: p.Index, ErrorCode: p.ErrorCode}
					})}
			}),
		}
	case *wire.SaslHandshakeResponse:
		return &kmsg.SASLHandshakeResponse{ErrorCode: r.ErrorCode, SupportedMechanisms: r.Mechanisms}
	case *wire.SaslAuthenticateResponse:
		return &kmsg.SASLAuthenticateResponse{ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage,
			SASLAuthBytes: r.AuthBytes, SessionLifetimeMillis: r.SessionLifetimeMs}
	}
	panic(fmt.Sprintf("no kmsg conversion for %T", r))
}
