package kafka

import (
	"fmt"
	"strings"
)

// DebugDump is used by tests to describe the producer's queues.
func DebugDump(p *Producer) string {
	var b strings.Builder
	p.idem.mu.Lock()
	fmt.Fprintf(&b, "idem pid=%d epoch=%d ready=%v resetting=%v bumping=%v inflight=%d fatal=%v\n", p.idem.pid, p.idem.epoch, p.idem.ready, p.idem.resetting, p.idem.bumping, p.idem.inflight, p.idem.fatal)
	p.idem.mu.Unlock()
	for _, pt := range p.allPartitions() {
		pt.mu.Lock()
		fmt.Fprintf(&b, "%s[%d] leader=%d sink=%v open=%v ready=%d inflight=%d next=%d expect=%d backoff=%v\n", pt.topic.name, pt.index, pt.leader, pt.sink != nil, pt.open != nil, len(pt.ready), len(pt.inflight), pt.nextSeq, pt.expectSeq, pt.backoffUntil)
		for _, bt := range pt.ready {
			fmt.Fprintf(&b, "   ready seq=%d order=%d n=%d maybe=%v attempts=%d err=%v\n", bt.seq, bt.order, len(bt.refs), bt.maybeWritten, bt.attempts, bt.lastErr)
		}
		pt.mu.Unlock()
	}
	for _, s := range p.allSinks() {
		s.mu.Lock()
		fmt.Fprintf(&b, "sink %d parts=%d inflight=%d lastErr=%v\n", s.node, len(s.parts), s.inflight, s.lastErr)
		s.mu.Unlock()
	}
	return b.String()
}
