// Package kafka is kafkawasm's Kafka producer: a client that speaks the Kafka
// wire protocol itself, a queue-based producer with per-partition batching,
// compression, retries and back-pressure, Java-exact partitioners and typed
// topics.
//
// # Produce path
//
// [Producer.Send] and [Producer.SendAsync] run the configured [Interceptor]s,
// choose a partition for each record (explicit partition, then the
// [Partitioner], then the sticky partitioner for keyless records), and append
// the record to its partition's open batch in the accumulator. A batch becomes
// ready when [ProducerConfig.Linger] expires, when it reaches
// [ProducerConfig.MaxBatchBytes], or on [Producer.Flush] / [Producer.Close].
// One goroutine per broker (a sink) drains the ready batches of all the
// partitions that broker leads into a single Produce request, keeps at most
// [ProducerConfig.MaxInFlight] requests in flight on its connection, and
// retries retriable failures with jittered exponential backoff while keeping
// per-partition order.
//
// # Concurrency
//
// [Client] and [Producer] are safe for concurrent use by many goroutines.
// Extension points ([Partitioner], [Interceptor], [CompressionCodec], [Codec])
// are called from the goroutine that calls Send or SendAsync and must be safe
// for concurrent use.
//
// # Errors
//
// Broker error codes surface as [*Error] (with [Error.Retriable]); records that
// cannot be delivered fail individually with [*RecordTooLargeError],
// [*SendTimeoutError] or [*Error]; [ErrProducerClosed] is returned after
// [Producer.Close]. One failing record never fails the other records of the
// same call: see [SendResult.Err] and [*DeliveryError].
//
// A failure is never a guess: with Idempotent (or TransactionalID), a record
// the broker wrote is reported delivered, with its offset, even when the
// answer came only after its delivery timeout, because the producer resends
// a batch in doubt at its sequence until the broker answers (for up to
// RequestTimeout more). A [*SendTimeoutError] with MaybeWritten set
// (errors.Is(err, [ErrMaybeWritten])) means the broker could not be reached
// to find out; MaybeWritten false means the record was not written.
//
// # Transactions
//
// Against a cluster whose finalized transaction.version feature is 2 or more
// (Kafka 4.0+ by default) transactions use KIP-890's version 2: partitions
// and consumer groups join a transaction implicitly with its Produce and
// TxnOffsetCommit requests, and every commit or abort bumps the producer
// epoch, so a late write of a finished transaction is fenced. Older clusters
// get version 1 (AddPartitionsToTxn, AddOffsetsToTxn). The choice is made at
// the start of each transaction and needs no configuration.
package kafka
