package kafka

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/wire"
)

// Version is kafkawasm's version, sent to brokers as the client software
// version.
const Version = "0.1.0"

// Client holds the connections to a Kafka cluster and its metadata. Create
// one with NewClient; it is safe for concurrent use and should be shared by
// all producers of a process.
type Client struct {
	cfg ClientConfig

	mu        sync.Mutex              // guards the fields below
	brokers   map[int32]*brokerHandle // by node id, from metadata
	bootstrap []*brokerHandle         // seed brokers (negative node ids)
	closed    bool
	producers map[*Producer]struct{}

	meta metadataCache

	stop chan struct{}
	wg   sync.WaitGroup
}

// brokerHandle owns the connection to one broker and redials it on demand.
type brokerHandle struct {
	nodeID int32
	addr   string

	mu   sync.Mutex // guards c and dialing
	c    *conn
	dial chan struct{} // non-nil while a dial is under way; closed when it ends
	err  error         // last dial error
}

// NewClient validates cfg and returns a client. It does not connect: the
// first request dials a bootstrap broker.
func NewClient(cfg ClientConfig) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	cl := &Client{
		cfg:       cfg,
		brokers:   make(map[int32]*brokerHandle),
		producers: make(map[*Producer]struct{}),
		stop:      make(chan struct{}),
	}
	for i, addr := range cfg.Brokers {
		cl.bootstrap = append(cl.bootstrap, &brokerHandle{nodeID: int32(-1 - i), addr: addr})
	}
	cl.meta.init(cl)
	cl.wg.Add(1)
	go cl.refreshLoop()
	return cl, nil
}

// Close closes every producer created from the client (without flushing:
// call Producer.Close first to deliver queued records) and all connections.
func (cl *Client) Close() error {
	cl.mu.Lock()
	if cl.closed {
		cl.mu.Unlock()
		return nil
	}
	cl.closed = true
	producers := make([]*Producer, 0, len(cl.producers))
	for p := range cl.producers {
		producers = append(producers, p)
	}
	cl.mu.Unlock()
	for _, p := range producers {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // do not wait for delivery
		p.Close(ctx)
	}
	close(cl.stop)
	cl.wg.Wait()
	cl.mu.Lock()
	handles := append([]*brokerHandle(nil), cl.bootstrap...)
	for _, b := range cl.brokers {
		handles = append(handles, b)
	}
	cl.mu.Unlock()
	for _, b := range handles {
		b.mu.Lock()
		if b.c != nil {
			b.c.close(&ConnError{Addr: b.addr, Op: "closed", Err: ErrClientClosed})
		}
		b.mu.Unlock()
	}
	return nil
}

func (cl *Client) isClosed() bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.closed
}

// conn returns a live connection to b, dialing if needed. Concurrent
// callers share one dial.
func (cl *Client) conn(ctx context.Context, b *brokerHandle) (*conn, error) {
	for {
		b.mu.Lock()
		if b.c != nil && b.c.alive() {
			c := b.c
			b.mu.Unlock()
			return c, nil
		}
		if cl.isClosed() {
			b.mu.Unlock()
			return nil, ErrClientClosed
		}
		if b.dial != nil {
			ch := b.dial
			b.mu.Unlock()
			select {
			case <-ch:
				b.mu.Lock()
				err, c := b.err, b.c
				b.mu.Unlock()
				if err != nil {
					return nil, err
				}
				if c != nil && c.alive() {
					return c, nil
				}
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		ch := make(chan struct{})
		b.dial = ch
		b.mu.Unlock()
		c, err := dialConn(ctx, &cl.cfg, b.nodeID, b.addr)
		b.mu.Lock()
		b.dial = nil
		b.c, b.err = c, err
		b.mu.Unlock()
		close(ch)
		if err != nil {
			cl.cfg.Logger.Debug("kafka: dial failed", "broker", b.addr, "err", err)
			return nil, err
		}
		return c, nil
	}
}

// broker returns the handle of node id, or nil if metadata does not know it.
func (cl *Client) broker(id int32) *brokerHandle {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.brokers[id]
}

// anyConn returns a connection to any reachable broker, known brokers first
// (in random order), then the bootstrap list.
func (cl *Client) anyConn(ctx context.Context) (*conn, error) {
	cl.mu.Lock()
	handles := make([]*brokerHandle, 0, len(cl.brokers)+len(cl.bootstrap))
	for _, b := range cl.brokers {
		handles = append(handles, b)
	}
	rand.Shuffle(len(handles), func(i, j int) { handles[i], handles[j] = handles[j], handles[i] })
	handles = append(handles, cl.bootstrap...)
	cl.mu.Unlock()
	var errs []error
	for _, b := range handles {
		c, err := cl.conn(ctx, b)
		if err == nil {
			return c, nil
		}
		if permanentDialError(err) {
			return nil, err
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("kafka: no broker reachable: %w", errors.Join(errs...))
}

// updateBrokers records the brokers listed in a metadata response.
func (cl *Client) updateBrokers(brokers []wire.MetadataBroker) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	for _, b := range brokers {
		addr := net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
		if old, ok := cl.brokers[b.NodeID]; ok && old.addr == addr {
			continue
		} else if ok {
			old.mu.Lock()
			if old.c != nil {
				old.c.close(&ConnError{Addr: old.addr, Op: "closed", Err: errors.New("broker address changed")})
			}
			old.mu.Unlock()
		}
		cl.brokers[b.NodeID] = &brokerHandle{nodeID: b.NodeID, addr: addr}
	}
}

// request sends req to any broker and returns the response. It retries once
// on a connection error with another broker.
func (cl *Client) request(ctx context.Context, req wire.Request) (wire.Response, int16, error) {
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		c, err := cl.anyConn(ctx)
		if err != nil {
			return nil, 0, err
		}
		resp, v, err := c.do(ctx, req)
		if err == nil {
			return resp, v, nil
		}
		lastErr = err
		var ce *ConnError
		if !errors.As(err, &ce) || ctx.Err() != nil {
			break
		}
		if cl.cfg.SASL == nil && ce.Op == "read" && c.answered.Load() <= 1 {
			// The broker hung up on the first request after ApiVersions:
			// the usual answer of a SASL listener to a client that did not
			// authenticate. Ask it; that cannot be fixed by retrying.
			if aerr := cl.saslRequired(ctx, c.addr); aerr != nil {
				return nil, 0, aerr
			}
		}
	}
	return nil, 0, lastErr
}

func (cl *Client) refreshLoop() {
	defer cl.wg.Done()
	t := time.NewTicker(cl.cfg.MetadataRefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-cl.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), cl.cfg.RequestTimeout)
			cl.meta.refresh(ctx, nil)
			cancel()
		}
	}
}

// TopicSpec describes a topic for CreateTopics.
type TopicSpec struct {
	Name              string
	Partitions        int32
	ReplicationFactor int16             // -1: the broker's default
	Configs           map[string]string // e.g. "message.timestamp.type"
}

// CreateTopics creates topics (a tool for tests and operators). A topic that
// already exists is not an error.
func (cl *Client) CreateTopics(ctx context.Context, topics ...TopicSpec) error {
	req := &wire.CreateTopicsRequest{TimeoutMs: int32(cl.cfg.RequestTimeout / time.Millisecond)}
	for _, t := range topics {
		ct := wire.CreateTopicsTopic{Name: t.Name, NumPartitions: t.Partitions, ReplicationFactor: t.ReplicationFactor}
		if ct.NumPartitions == 0 {
			ct.NumPartitions = -1
		}
		if ct.ReplicationFactor == 0 {
			ct.ReplicationFactor = -1
		}
		for k, v := range t.Configs {
			ct.Configs = append(ct.Configs, wire.CreateTopicsConfig{Name: k, Value: &v})
		}
		req.Topics = append(req.Topics, ct)
	}
	resp, _, err := cl.controllerRequest(ctx, req)
	if err != nil {
		return err
	}
	var errs []error
	for _, t := range resp.(*wire.CreateTopicsResponse).Topics {
		if t.ErrorCode != 0 && t.ErrorCode != 36 { // TOPIC_ALREADY_EXISTS
			errs = append(errs, fmt.Errorf("kafka: create topic %s: %w", t.Name, errorFromCode(t.ErrorCode, t.ErrorMessage)))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	names := make([]string, len(topics))
	for i, t := range topics {
		names[i] = t.Name
	}
	// Wait until the metadata shows the topics with leaders.
	for {
		if err := cl.meta.refresh(ctx, names); err == nil {
			ready := true
			for _, n := range names {
				tm := cl.meta.topic(n)
				if tm == nil || tm.err != nil || !tm.allLeaders() {
					ready = false
				}
			}
			if ready {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// controllerRequest sends req to the cluster's controller (any broker
// forwards it in KRaft clusters).
func (cl *Client) controllerRequest(ctx context.Context, req wire.Request) (wire.Response, int16, error) {
	if id := cl.meta.controllerID(); id >= 0 {
		if b := cl.broker(id); b != nil {
			if c, err := cl.conn(ctx, b); err == nil {
				return c.do(ctx, req)
			}
		}
	}
	return cl.request(ctx, req)
}

// saslRequired probes addr with a SaslHandshake on a new connection and
// returns an *AuthError if the listener expects SASL authentication.
func (cl *Client) saslRequired(ctx context.Context, addr string) error {
	cfg := cl.cfg
	c, err := dialConn(ctx, &cfg, -1, addr)
	if err != nil {
		return nil
	}
	defer c.close(&ConnError{Addr: addr, Op: "closed", Err: errors.New("SASL probe done")})
	resp, _, err := c.do(ctx, &wire.SaslHandshakeRequest{Mechanism: string(SASLPlain)})
	if err != nil {
		return nil
	}
	r := resp.(*wire.SaslHandshakeResponse)
	if r.ErrorCode != 0 && r.ErrorCode != 33 { // NONE, UNSUPPORTED_SASL_MECHANISM: a SASL listener
		return nil
	}
	return &AuthError{Addr: addr, Mechanism: "(none configured)", Reason: fmt.Sprintf("the listener requires SASL authentication (it enables: %s); set ClientConfig.SASL", strings.Join(r.Mechanisms, ", "))}
}
