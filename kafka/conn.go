package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/wire"
)

// maxResponseBytes bounds one response frame; a larger size prefix means a
// corrupt stream (or a non-Kafka peer, such as a TLS listener answering a
// plaintext client).
const maxResponseBytes = 256 << 20

// ConnError reports a failed or broken connection to a broker. It is
// retriable: the producer reconnects and retries.
type ConnError struct {
	Addr string
	Op   string // "dial", "tls", "sasl", "write", "read", "timeout", "closed"
	Err  error
}

func (e *ConnError) Error() string {
	return fmt.Sprintf("kafka: connection to %s: %s: %v", e.Addr, e.Op, e.Err)
}

func (e *ConnError) Unwrap() error { return e.Err }

// permanentDialError reports whether a failure to connect cannot be cured
// by retrying with the same configuration: failed authentication, a server
// certificate that does not verify, or a peer that speaks another protocol
// (plaintext vs TLS). Records fail promptly with it instead of waiting for
// the delivery timeout.
func permanentDialError(err error) bool {
	var ae *AuthError
	var uae x509.UnknownAuthorityError
	var he x509.HostnameError
	var cie x509.CertificateInvalidError
	var cve *tls.CertificateVerificationError
	var rhe tls.RecordHeaderError
	var pe *protocolError
	return errors.As(err, &ae) || errors.As(err, &uae) || errors.As(err, &he) || errors.As(err, &cie) ||
		errors.As(err, &cve) || errors.As(err, &rhe) || errors.As(err, &pe)
}

// protocolError reports a peer whose answer is not a Kafka response.
type protocolError struct{ msg string }

func (e *protocolError) Error() string { return e.msg }

// errConnClosed is the cause of calls pending on a connection closed locally.
var errConnClosed = errors.New("connection closed")

// call is one request awaiting its response on a conn.
type call struct {
	corr     int32
	key      int16
	version  int16
	flexible bool
	resp     wire.Response
	done     func(wire.Response, error)
	timer    *time.Timer
}

// conn is one TCP connection to a broker. Requests are pipelined: written in
// order under wmu and answered in the same order, matched by correlation id
// by a reader goroutine. It is safe for concurrent use. A conn that fails is
// dead for good: every pending call gets the error, and the owner dials a new
// one.
type conn struct {
	addr     string
	nodeID   int32
	clientID string
	nc       net.Conn
	versions map[int16]wire.VersionRange // fixed after dial
	// txnVersion is the cluster's finalized transaction.version feature
	// level as this broker reported it at dial (0 when it reports none);
	// 2 or more enables transactions V2 (KIP-890 part 2). Fixed after dial.
	txnVersion int16

	wmu     sync.Mutex // guards corr, queue, buf, err and writes to nc
	corr    int32
	queue   []*call // written, awaiting a response, in write order
	buf     []byte
	err     error // non-nil once the conn is dead
	readErr chan struct{}
	expires time.Time // zero, or when the SASL session ends (set before use)

	answered atomic.Int64 // responses decoded so far

	hook func(key, version int16) // ClientConfig.requestHook
}

// dialConn connects, does the TLS handshake, negotiates API versions and
// authenticates. A refusal (certificates, credentials, plaintext vs TLS) is
// an *AuthError; see tlsFailure, setupFailure and saslFailure in sasl.go.
func dialConn(ctx context.Context, cfg *ClientConfig, nodeID int32, addr string) (*conn, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	nc, err := dialTCP(ctx, cfg, addr)
	if err != nil {
		return nil, &ConnError{Addr: addr, Op: "dial", Err: err}
	}
	if cfg.TLS != nil {
		tconn := tls.Client(nc, tlsClientConfig(cfg.TLS, addr))
		if err := tconn.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, tlsFailure(ctx, cfg, addr, err)
		}
		nc = tconn
	}
	c := &conn{addr: addr, nodeID: nodeID, clientID: cfg.ClientID, nc: nc, readErr: make(chan struct{}), hook: cfg.requestHook}
	go c.readLoop()
	if err := c.negotiate(ctx); err != nil {
		c.close(err)
		return nil, setupFailure(ctx, cfg, addr, err)
	}
	if cfg.SASL != nil {
		if err := c.authenticate(ctx, cfg.SASL); err != nil {
			c.close(err)
			return nil, saslFailure(ctx, cfg, addr, err)
		}
	}
	return c, nil
}

// negotiate sends ApiVersions at our highest version; a broker that does not
// know it answers UNSUPPORTED_VERSION with a v0 body, and we retry with v0.
func (c *conn) negotiate(ctx context.Context) error {
	req := &wire.ApiVersionsRequest{ClientSoftwareName: "kafkawasm", ClientSoftwareVersion: Version}
	v := req.MaxVersion()
	for attempt := 0; attempt < 2; attempt++ {
		resp, err := c.roundTrip(ctx, req, v)
		if err != nil {
			return err
		}
		r := resp.(*wire.ApiVersionsResponse)
		if r.ErrorCode == 35 && v > 0 { // UNSUPPORTED_VERSION: retry lower
			v = r.RetryVersion()
			continue
		}
		if r.ErrorCode != 0 {
			return &ConnError{Addr: c.addr, Op: "api versions", Err: errorFromCode(r.ErrorCode, nil)}
		}
		c.versions = r.Versions()
		if r.FinalizedFeaturesEpoch >= 0 {
			c.txnVersion, _ = r.FinalizedMaxLevel("transaction.version")
		}
		return nil
	}
	return &ConnError{Addr: c.addr, Op: "api versions", Err: errors.New("broker refused every ApiVersions version")}
}

// version picks the highest version of req both sides support.
func (c *conn) version(req wire.Request) (int16, error) {
	if c.versions == nil { // during negotiation
		return req.MaxVersion(), nil
	}
	v, ok := wire.Negotiate(req, c.versions)
	if !ok {
		return 0, &Error{Code: 35, Message: fmt.Sprintf("broker %s supports no version of API key %d that kafkawasm implements", c.addr, req.Key())}
	}
	return v, nil
}

// roundTrip sends req at version v and waits for its response.
func (c *conn) roundTrip(ctx context.Context, req wire.Request, v int16) (wire.Response, error) {
	type result struct {
		resp wire.Response
		err  error
	}
	ch := make(chan result, 1)
	timeout := 30 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	c.send(req, v, timeout, func(r wire.Response, err error) { ch <- result{r, err} })
	select {
	case r := <-ch:
		return r.resp, r.err
	case <-ctx.Done():
		// The response may still arrive; the callback's buffered channel
		// absorbs it. The request itself cannot be recalled.
		return nil, ctx.Err()
	}
}

// do negotiates the version of req and round-trips it.
func (c *conn) do(ctx context.Context, req wire.Request) (wire.Response, int16, error) {
	v, err := c.version(req)
	if err != nil {
		return nil, 0, err
	}
	resp, err := c.roundTrip(ctx, req, v)
	return resp, v, err
}

// send writes req at version v; done is called exactly once, from the
// reader goroutine or a timer (or inline if the conn is already dead), with
// the decoded response or an error. With noResponse (acks=0 produce) done is
// called as soon as the request is written.
func (c *conn) send(req wire.Request, v int16, timeout time.Duration, done func(wire.Response, error)) {
	c.sendOpt(req, v, timeout, false, done)
}

func (c *conn) sendOpt(req wire.Request, v int16, timeout time.Duration, noResponse bool, done func(wire.Response, error)) {
	c.wmu.Lock()
	if c.err != nil {
		err := c.err
		c.wmu.Unlock()
		done(nil, err)
		return
	}
	c.corr++
	corr := c.corr
	if c.hook != nil {
		c.hook(req.Key(), v)
	}
	c.buf = wire.AppendRequest(c.buf[:0], req, v, corr, c.clientID)
	var cl *call
	if !noResponse {
		cl = &call{corr: corr, key: req.Key(), version: v, flexible: req.Flexible(v), resp: req.NewResponse(), done: done}
		c.queue = append(c.queue, cl)
	}
	if timeout > 0 {
		c.nc.SetWriteDeadline(time.Now().Add(timeout))
	}
	_, err := c.nc.Write(c.buf)
	if cap(c.buf) > 1<<20 {
		c.buf = nil // do not pin a huge buffer
	}
	if err != nil {
		c.wmu.Unlock()
		c.close(&ConnError{Addr: c.addr, Op: "write", Err: err})
		if noResponse {
			done(nil, c.deadErr())
		}
		return
	}
	if cl != nil && timeout > 0 {
		cl.timer = time.AfterFunc(timeout, func() {
			c.close(&ConnError{Addr: c.addr, Op: "timeout", Err: fmt.Errorf("no response to request (api key %d) within %v", cl.key, timeout)})
		})
	}
	c.wmu.Unlock()
	if noResponse {
		done(nil, nil)
	}
}

func (c *conn) deadErr() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.err
}

// alive reports whether the conn can take requests. A conn whose SASL
// session is about to expire is retired: closed once its requests are
// answered, or right away if it has none.
func (c *conn) alive() bool {
	if c.deadErr() != nil {
		return false
	}
	if !c.expires.IsZero() && time.Now().After(c.expires) {
		if c.inflight() == 0 {
			c.close(&ConnError{Addr: c.addr, Op: "closed", Err: errors.New("SASL session expired")})
		}
		return false
	}
	return true
}

// inflight returns the number of requests awaiting a response.
func (c *conn) inflight() int {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return len(c.queue)
}

// close kills the conn with err (if it is not dead already) and fails every
// pending call.
func (c *conn) close(err error) {
	c.wmu.Lock()
	if c.err != nil {
		c.wmu.Unlock()
		return
	}
	c.err = err
	q := c.queue
	c.queue = nil
	c.wmu.Unlock()
	c.nc.Close()
	for _, cl := range q {
		if cl.timer != nil {
			cl.timer.Stop()
		}
		cl.done(nil, err)
	}
}

func (c *conn) readLoop() {
	defer close(c.readErr)
	var size [4]byte
	for {
		if _, err := io.ReadFull(c.nc, size[:]); err != nil {
			c.close(&ConnError{Addr: c.addr, Op: "read", Err: err})
			return
		}
		n := binary.BigEndian.Uint32(size[:])
		if n < 4 || n > maxResponseBytes {
			c.close(&ConnError{Addr: c.addr, Op: "read", Err: &protocolError{fmt.Sprintf("invalid response size %d: not a Kafka response (a TLS listener answering a plaintext client?)", n)}})
			return
		}
		frame := make([]byte, n)
		if _, err := io.ReadFull(c.nc, frame); err != nil {
			c.close(&ConnError{Addr: c.addr, Op: "read", Err: err})
			return
		}
		c.wmu.Lock()
		if len(c.queue) == 0 {
			c.wmu.Unlock()
			c.close(&ConnError{Addr: c.addr, Op: "read", Err: errors.New("response without a pending request")})
			return
		}
		cl := c.queue[0]
		c.queue[0] = nil
		c.queue = c.queue[1:]
		c.wmu.Unlock()
		if cl.timer != nil {
			cl.timer.Stop()
		}
		corr, body, err := wire.ReadResponseHeader(frame, cl.key, cl.flexible)
		if err == nil && corr != cl.corr {
			err = fmt.Errorf("correlation id %d, want %d", corr, cl.corr)
		}
		if err == nil {
			err = cl.resp.DecodeBody(body, cl.version)
		}
		if err != nil {
			cerr := &ConnError{Addr: c.addr, Op: "read", Err: fmt.Errorf("malformed response to api key %d v%d: %w", cl.key, cl.version, err)}
			cl.done(nil, cerr)
			c.close(cerr)
			return
		}
		c.answered.Add(1)
		cl.done(cl.resp, nil)
	}
}
