package kafka

import (
	"context"
	"sync"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/wire"
)

// topicMeta is an immutable snapshot of one topic's metadata.
type topicMeta struct {
	name       string
	id         [16]byte
	err        error // topic-level error (e.g. UNKNOWN_TOPIC_OR_PARTITION)
	partitions []partitionMeta
}

type partitionMeta struct {
	leader int32 // -1 when there is none
	epoch  int32
	err    error
}

func (t *topicMeta) allLeaders() bool {
	if len(t.partitions) == 0 {
		return false
	}
	for _, p := range t.partitions {
		if p.leader < 0 {
			return false
		}
	}
	return true
}

// metadataCache keeps the metadata of the topics the client's producers
// use. Reads are cheap (a map lookup under mu); refreshes are coalesced.
type metadataCache struct {
	cl *Client

	mu         sync.Mutex // guards the fields below
	topics     map[string]*topicMeta
	interest   map[string]struct{}
	controller int32
	listeners  map[any]func() // called after every update

	fetchMu sync.Mutex // serializes fetches

	triggerMu sync.Mutex // guards triggered
	triggered bool
	lastAsync time.Time
}

func (m *metadataCache) init(cl *Client) {
	m.cl = cl
	m.topics = make(map[string]*topicMeta)
	m.interest = make(map[string]struct{})
	m.listeners = make(map[any]func())
	m.controller = -1
}

func (m *metadataCache) topic(name string) *topicMeta {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.topics[name]
}

func (m *metadataCache) controllerID() int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.controller
}

func (m *metadataCache) listen(key any, f func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if f == nil {
		delete(m.listeners, key)
		return
	}
	m.listeners[key] = f
}

// refresh fetches metadata for the given topics plus every topic of
// interest, and records the given topics as of interest.
func (m *metadataCache) refresh(ctx context.Context, topics []string) error {
	m.mu.Lock()
	for _, t := range topics {
		m.interest[t] = struct{}{}
	}
	names := make([]string, 0, len(m.interest))
	for t := range m.interest {
		names = append(names, t)
	}
	m.mu.Unlock()
	if len(names) == 0 {
		return nil
	}
	m.fetchMu.Lock()
	defer m.fetchMu.Unlock()
	req := &wire.MetadataRequest{AllowAutoTopicCreation: true}
	for _, n := range names {
		req.Topics = append(req.Topics, wire.MetadataTopic{Name: &n})
	}
	resp, _, err := m.cl.request(ctx, req)
	if err != nil {
		return err
	}
	r := resp.(*wire.MetadataResponse)
	m.cl.updateBrokers(r.Brokers)
	m.mu.Lock()
	m.controller = r.ControllerID
	for _, t := range r.Topics {
		if t.Name == nil {
			continue
		}
		tm := &topicMeta{name: *t.Name, id: t.TopicID, err: errorFromCode(t.ErrorCode, nil)}
		if tm.err == nil {
			tm.partitions = make([]partitionMeta, len(t.Partitions))
			for i := range tm.partitions {
				tm.partitions[i] = partitionMeta{leader: -1}
			}
			for _, p := range t.Partitions {
				if p.Index < 0 || int(p.Index) >= len(tm.partitions) {
					continue // partitions are dense; a gap means a bad response
				}
				tm.partitions[p.Index] = partitionMeta{leader: p.LeaderID, epoch: p.LeaderEpoch, err: errorFromCode(p.ErrorCode, nil)}
			}
		}
		// Keep the old view if the broker momentarily forgets a known topic.
		if old := m.topics[tm.name]; old != nil && old.err == nil && tm.err != nil && tm.err.(*Error).Retriable() {
			continue
		}
		m.topics[tm.name] = tm
	}
	listeners := make([]func(), 0, len(m.listeners))
	for _, f := range m.listeners {
		listeners = append(listeners, f)
	}
	m.mu.Unlock()
	for _, f := range listeners {
		f()
	}
	return nil
}

// trigger schedules an asynchronous refresh (after a NOT_LEADER or a
// connection loss), at most one at a time and not more often than every
// 50ms.
func (m *metadataCache) trigger() {
	m.triggerMu.Lock()
	if m.triggered {
		m.triggerMu.Unlock()
		return
	}
	m.triggered = true
	wait := 50*time.Millisecond - time.Since(m.lastAsync)
	m.triggerMu.Unlock()
	go func() {
		if wait > 0 {
			time.Sleep(wait)
		}
		m.triggerMu.Lock()
		m.triggered = false
		m.lastAsync = time.Now()
		m.triggerMu.Unlock()
		if m.cl.isClosed() {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), m.cl.cfg.RequestTimeout)
		defer cancel()
		if err := m.refresh(ctx, nil); err != nil {
			m.cl.cfg.Logger.Debug("kafka: metadata refresh failed", "err", err)
		}
	}()
}
