package kafka

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/wire"
)

// This file authenticates connections: SASL PLAIN and SCRAM-SHA-256/512
// (RFC 5802, RFC 7677) over SaslHandshake v1 + SaslAuthenticate, KIP-368
// session lifetimes, and the verdicts that make a failed TLS or SASL set-up
// an *AuthError (permanent) rather than a *ConnError (retried).

// AuthError reports that a connection could not be authenticated: SASL
// authentication failed, or TLS did (the server certificate does not verify,
// the broker refused the client certificate, or one side speaks TLS and the
// other plaintext). It is not retriable: the same configuration cannot
// succeed later, so records fail with it promptly. It never contains the
// password.
type AuthError struct {
	Addr string
	// Mechanism and User are the SASL mechanism and user; both are empty
	// when TLS failed.
	Mechanism SASLMechanism
	User      string
	Reason    string
	// Err is the broker's *Error (e.g. SASL_AUTHENTICATION_FAILED) or the
	// TLS or certificate error, when there is one.
	Err error
}

func (e *AuthError) Error() string {
	if e.Mechanism == "" {
		return fmt.Sprintf("kafka: TLS authentication with %s failed: %s", e.Addr, e.Reason)
	}
	if e.User == "" {
		return fmt.Sprintf("kafka: SASL %s authentication to %s failed: %s", e.Mechanism, e.Addr, e.Reason)
	}
	return fmt.Sprintf("kafka: SASL %s authentication of user %q to %s failed: %s", e.Mechanism, e.User, e.Addr, e.Reason)
}

func (e *AuthError) Unwrap() error { return e.Err }

// String describes the configuration without the password.
func (c SASLConfig) String() string {
	return fmt.Sprintf("SASL{%s user=%q password=%s}", c.Mechanism, c.Username, redactedMark(c.Password))
}

// GoString is String: %#v does not print the password either.
func (c SASLConfig) GoString() string { return c.String() }

// LogValue logs the mechanism and user, never the password.
func (c SASLConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("mechanism", string(c.Mechanism)), slog.String("user", c.Username),
		slog.String("password", redactedMark(c.Password)))
}

func redactedMark(password string) string {
	if password == "" {
		return "<empty>"
	}
	return "<redacted>"
}

// scrub removes the password from text that came from elsewhere (a broker's
// error message), in case a broker ever echoes it.
func scrub(s string, cfg *SASLConfig) string {
	if len(cfg.Password) >= 3 {
		s = strings.ReplaceAll(s, cfg.Password, "<redacted>")
	}
	return s
}

// maxScramIterations bounds the PBKDF2 work a server can demand (Kafka
// itself accepts 4096 to 16384).
const maxScramIterations = 1 << 20

// authenticate runs SaslHandshake v1 and SaslAuthenticate for cfg's
// mechanism. Refusals are *AuthError. A connection that breaks during the
// exchange is a *ConnError with Op "sasl" (saslFailure tells a broker that
// refuses by closing, as kfake does, from one that went away).
func (c *conn) authenticate(ctx context.Context, cfg *SASLConfig) error {
	fail := func(reason string, err error) error {
		return &AuthError{Addr: c.addr, Mechanism: cfg.Mechanism, User: cfg.Username, Reason: scrub(reason, cfg), Err: err}
	}
	broken := func(err error) error {
		return &ConnError{Addr: c.addr, Op: "sasl", Err: fmt.Errorf("during SASL %s authentication: %w", cfg.Mechanism, err)}
	}
	hs := &wire.SaslHandshakeRequest{Mechanism: string(cfg.Mechanism)}
	v, err := c.version(hs)
	if err != nil || v < 1 {
		// v0 would need raw SASL frames after the handshake (Kafka < 1.0).
		return fail("the broker does not support SaslHandshake v1 (Kafka 1.0 or newer is required)", err)
	}
	resp, err := c.roundTrip(ctx, hs, v)
	if err != nil {
		return broken(err)
	}
	hr := resp.(*wire.SaslHandshakeResponse)
	switch hr.ErrorCode {
	case 0:
	case 33: // UNSUPPORTED_SASL_MECHANISM
		return fail(fmt.Sprintf("the listener does not enable mechanism %s (it enables: %s)", cfg.Mechanism, strings.Join(hr.Mechanisms, ", ")), errorFromCode(hr.ErrorCode, nil))
	case 34: // ILLEGAL_SASL_STATE: what a non-SASL listener answers
		return fail("the listener does not use SASL (ILLEGAL_SASL_STATE): unset ClientConfig.SASL or use the broker's SASL port", errorFromCode(hr.ErrorCode, nil))
	default:
		return fail("the broker refused the SASL handshake", errorFromCode(hr.ErrorCode, nil))
	}
	var lifetime int64
	step := func(token []byte) ([]byte, error) {
		req := &wire.SaslAuthenticateRequest{AuthBytes: token}
		v, err := c.version(req)
		if err != nil {
			return nil, fail("the broker does not support SaslAuthenticate", err)
		}
		resp, err := c.roundTrip(ctx, req, v)
		if err != nil {
			return nil, broken(err)
		}
		ar := resp.(*wire.SaslAuthenticateResponse)
		if ar.ErrorCode != 0 {
			reason := "rejected by the broker"
			if ar.ErrorMessage != nil && *ar.ErrorMessage != "" {
				reason = *ar.ErrorMessage
			}
			return nil, fail(reason, errorFromCode(ar.ErrorCode, nil))
		}
		lifetime = ar.SessionLifetimeMs
		return ar.AuthBytes, nil
	}
	switch cfg.Mechanism {
	case SASLPlain:
		if _, err := step([]byte("\x00" + cfg.Username + "\x00" + cfg.Password)); err != nil {
			return err
		}
	case SASLScramSHA256, SASLScramSHA512:
		h := sha256.New
		if cfg.Mechanism == SASLScramSHA512 {
			h = sha512.New
		}
		var nonce [24]byte
		if _, err := rand.Read(nonce[:]); err != nil {
			return fail("no random source for the SCRAM nonce", err)
		}
		if err := scram(h, cfg, base64.RawStdEncoding.EncodeToString(nonce[:]), step, fail); err != nil {
			return err
		}
	default:
		return fail("unsupported mechanism", nil)
	}
	if lifetime > 0 {
		c.retireBefore(time.Duration(lifetime) * time.Millisecond)
	}
	return nil
}

// retireBefore handles a KIP-368 session lifetime. Rather than
// re-authenticating in place, the conn is retired at 85% of the lifetime
// (alive reports false, so a new, freshly authenticated conn is dialed and
// the broker never sees a request on an expired session); a retired conn is
// closed as soon as it has no request in flight (by alive), and at the end
// of the lifetime at the latest (here), so it cannot linger. Called before
// the conn is published.
func (c *conn) retireBefore(lifetime time.Duration) {
	c.expires = time.Now().Add(lifetime * 85 / 100)
	go func() {
		t := time.NewTimer(lifetime)
		defer t.Stop()
		select {
		case <-t.C:
			c.close(&ConnError{Addr: c.addr, Op: "closed", Err: errors.New("SASL session lifetime ended")})
		case <-c.readErr: // closed already
		}
	}()
}

// scram runs RFC 5802 SCRAM with hash h (RFC 7677 for SHA-256) and client
// nonce cnonce, verifying the server's signature.
func scram(h func() hash.Hash, cfg *SASLConfig, cnonce string, step func([]byte) ([]byte, error), fail func(string, error) error) error {
	user := strings.NewReplacer("=", "=3D", ",", "=2C").Replace(cfg.Username)
	bare := "n=" + user + ",r=" + cnonce
	serverFirst, err := step([]byte("n,," + bare))
	if err != nil {
		return err
	}
	attrs := scramAttrs(string(serverFirst))
	if e, ok := attrs["e"]; ok {
		return fail("server error: "+e, nil)
	}
	if _, ok := attrs["m"]; ok {
		return fail("the server requires a SCRAM extension this client does not know", nil)
	}
	nonce, salt64, iterStr := attrs["r"], attrs["s"], attrs["i"]
	if !strings.HasPrefix(nonce, cnonce) || len(nonce) == len(cnonce) {
		return fail("the server nonce does not extend the client nonce", nil)
	}
	salt, err := base64.StdEncoding.DecodeString(salt64)
	if err != nil || len(salt) == 0 {
		return fail("malformed salt from the server", err)
	}
	iters, err := strconv.Atoi(iterStr)
	if err != nil || iters < 1 || iters > maxScramIterations {
		return fail(fmt.Sprintf("unusable iteration count %q from the server", iterStr), err)
	}
	salted, err := pbkdf2.Key(h, cfg.Password, salt, iters, h().Size())
	if err != nil {
		return fail("key derivation failed", err)
	}
	mac := func(key []byte, msg string) []byte {
		m := hmac.New(h, key)
		m.Write([]byte(msg))
		return m.Sum(nil)
	}
	clientKey := mac(salted, "Client Key")
	hh := h()
	hh.Write(clientKey)
	storedKey := hh.Sum(nil)
	withoutProof := "c=biws,r=" + nonce // biws: base64("n,,")
	authMessage := bare + "," + string(serverFirst) + "," + withoutProof
	sig := mac(storedKey, authMessage)
	proof := make([]byte, len(clientKey))
	for i := range proof {
		proof[i] = clientKey[i] ^ sig[i]
	}
	serverFinal, err := step([]byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)))
	if err != nil {
		return err
	}
	fattrs := scramAttrs(string(serverFinal))
	if e, ok := fattrs["e"]; ok {
		return fail("server error: "+e, nil)
	}
	want := mac(mac(salted, "Server Key"), authMessage)
	got, err := base64.StdEncoding.DecodeString(fattrs["v"])
	if err != nil || subtle.ConstantTimeCompare(got, want) != 1 {
		return fail("the server's signature does not verify (not the real server, or a protocol error)", err)
	}
	return nil
}

func scramAttrs(s string) map[string]string {
	m := make(map[string]string)
	for _, kv := range strings.Split(s, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok && len(k) == 1 {
			m[k] = v
		}
	}
	return m
}

// --- verdicts: is a failed connection set-up permanent? ----------------------
//
// TLS and SASL are deterministic given both sides' configuration, so a
// refusal is final; a broken connection is not. Where the error alone cannot
// tell (a peer that hangs up), a probe connection asks the broker directly.

// tlsFailure classifies a failed TLS handshake: certificate verification,
// an alert from the broker or a non-TLS answer are an *AuthError; a broken
// connection is one too if the listener turns out to answer plaintext Kafka;
// otherwise the *ConnError stays retriable.
func tlsFailure(ctx context.Context, cfg *ClientConfig, addr string, err error) error {
	fail := func(reason string, cause error) error {
		return &AuthError{Addr: addr, Reason: reason + ": " + cause.Error(), Err: err}
	}
	var cve *tls.CertificateVerificationError
	var rhe tls.RecordHeaderError
	var ope *net.OpError
	switch {
	case errors.As(err, &cve):
		return fail("the server certificate does not verify", cve.Err)
	case errors.As(err, &rhe):
		return fail("the listener does not speak TLS", err)
	case errors.As(err, &ope) && ope.Op == "remote error":
		reason := "the broker refused the TLS handshake"
		if len(cfg.TLS.Certificates) == 0 && cfg.TLS.GetClientCertificate == nil {
			reason += " (if the listener requires a client certificate, set ClientConfig.TLS.Certificates)"
		}
		return fail(reason, err)
	case hungUp(err) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		// Kafka hangs up on a TLS client hello; kfake waits for the
		// hundreds of megabytes its first bytes announce. Either way, a
		// listener that answers plaintext Kafka is the wrong one.
		pctx := ctx
		if ctx.Err() != nil {
			var cancel context.CancelFunc
			pctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), probeTimeout/2)
			defer cancel()
		}
		if answersKafka(pctx, cfg, addr, nil) {
			return &AuthError{Addr: addr, Reason: "the listener does not speak TLS: it answers plaintext Kafka requests (unset ClientConfig.TLS, or use the broker's TLS port)", Err: err}
		}
	case transient(err) || ctx.Err() != nil:
	default:
		// Not the network: the two sides' TLS settings disagree (versions,
		// ciphers, a VerifyConnection callback).
		return fail("the TLS handshake failed", err)
	}
	return &ConnError{Addr: addr, Op: "tls", Err: err}
}

// setupFailure classifies a failure of the first request (ApiVersions) on
// a new connection: a TLS alert (a broker refusing the client certificate
// reports it here with TLS 1.3) is an *AuthError, and so is a non-Kafka
// answer to a plaintext client from a listener that turns out to speak TLS.
func setupFailure(ctx context.Context, cfg *ClientConfig, addr string, err error) error {
	var ope *net.OpError
	var pe *protocolError
	switch {
	case cfg.TLS != nil && errors.As(err, &ope) && ope.Op == "remote error":
		reason := "the broker refused the TLS session: " + ope.Error()
		if len(cfg.TLS.Certificates) == 0 && cfg.TLS.GetClientCertificate == nil {
			reason += " (if the listener requires a client certificate, set ClientConfig.TLS.Certificates)"
		}
		return &AuthError{Addr: addr, Reason: reason, Err: err}
	case cfg.TLS == nil && errors.As(err, &pe) && ctx.Err() == nil && speaksTLS(ctx, cfg, addr):
		// Only after garbage (Kafka's TLS listeners answer plaintext with a
		// TLS alert): a client hello sent to a plaintext Kafka server that
		// merely hung up could stall the probe (kfake waits for the bytes
		// the hello's first four announce). A Go TLS server hangs up
		// without an alert, so a plaintext client to kfake.TLS is not
		// told apart from a broker going away.
		return &AuthError{Addr: addr, Reason: "the listener speaks TLS but the client is configured for plaintext (set ClientConfig.TLS)", Err: err}
	}
	return err
}

// saslFailure classifies a SASL failure: a connection that broke during the
// exchange (kfake's answer to bad credentials, and Kafka before 1.0's) is an
// *AuthError if the broker answers a new connection at once.
func saslFailure(ctx context.Context, cfg *ClientConfig, addr string, err error) error {
	var ce *ConnError
	if errors.As(err, &ce) && ce.Op == "sasl" && hungUp(err) && ctx.Err() == nil && answersKafka(ctx, cfg, addr, cfg.TLS) {
		return &AuthError{Addr: addr, Mechanism: cfg.SASL.Mechanism, User: cfg.SASL.Username,
			Reason: "the broker closed the connection during authentication but answers new connections: it refused the credentials or the mechanism"}
	}
	return err
}

// hungUp reports a peer that closed or reset the connection.
func hungUp(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// transient reports errors of the network rather than of the peer's
// protocol: timeouts, cancellation, closed sockets, failed reads and writes
// (unreachable hosts and the like).
func transient(err error) bool {
	var ne net.Error
	var ope *net.OpError
	return hungUp(err) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, net.ErrClosed) || (errors.As(err, &ne) && ne.Timeout()) ||
		(errors.As(err, &ope) && (ope.Op == "read" || ope.Op == "write" || ope.Op == "dial"))
}

// probeTimeout bounds a probe connection.
const probeTimeout = 5 * time.Second

// dialTCP opens the TCP connection of dialConn and of the probes.
func dialTCP(ctx context.Context, cfg *ClientConfig, addr string) (net.Conn, error) {
	if cfg.Dial != nil {
		return cfg.Dial(ctx, "tcp", addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// answersKafka reports whether addr answers ApiVersions on a new connection
// (over TLS with tc, or plaintext if tc is nil).
func answersKafka(ctx context.Context, cfg *ClientConfig, addr string, tc *tls.Config) bool {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	nc, err := dialTCP(ctx, cfg, addr)
	if err != nil {
		return false
	}
	if tc != nil {
		tconn := tls.Client(nc, tlsClientConfig(tc, addr))
		if err := tconn.HandshakeContext(ctx); err != nil {
			nc.Close()
			return false
		}
		nc = tconn
	}
	c := &conn{addr: addr, nodeID: -1, clientID: cfg.ClientID, nc: nc, readErr: make(chan struct{})}
	go c.readLoop()
	err = c.negotiate(ctx)
	c.close(&ConnError{Addr: addr, Op: "closed", Err: errors.New("probe done")})
	return err == nil
}

// speaksTLS reports whether addr completes a TLS handshake, or refuses one
// with a TLS alert. Only the protocol is probed: the certificate is not
// verified, and nothing is sent over the connection.
func speaksTLS(ctx context.Context, cfg *ClientConfig, addr string) bool {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	nc, err := dialTCP(ctx, cfg, addr)
	if err != nil {
		return false
	}
	defer nc.Close()
	host, _, _ := net.SplitHostPort(addr)
	err = tls.Client(nc, &tls.Config{ServerName: host, InsecureSkipVerify: true}).HandshakeContext(ctx)
	var ope *net.OpError
	return err == nil || (errors.As(err, &ope) && ope.Op == "remote error")
}

// tlsClientConfig returns a copy of tc with ServerName defaulted from addr.
func tlsClientConfig(tc *tls.Config, addr string) *tls.Config {
	tc = tc.Clone()
	if tc.ServerName == "" {
		host, _, _ := net.SplitHostPort(addr)
		tc.ServerName = host
	}
	return tc
}
