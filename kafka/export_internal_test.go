package kafka

var DumpForTest = DebugDump

// SetRequestHookForTest makes every connection of a client built from cfg
// call f with the API key and version of each request it writes.
func SetRequestHookForTest(cfg *ClientConfig, f func(key, version int16)) { cfg.requestHook = f }

// ForceTxnV1ForTest makes a transactional producer use transactions V1
// (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn v4) even when the cluster
// supports V2. Call it before the first transaction.
func ForceTxnV1ForTest(p *Producer) {
	p.txn.mu.Lock()
	p.txn.forceV1 = true
	p.txn.mu.Unlock()
}

// ProducerIDForTest returns the producer id and epoch in use.
func ProducerIDForTest(p *Producer) (int64, int16) {
	pid, epoch, _ := p.producerIDAny()
	return pid, epoch
}
