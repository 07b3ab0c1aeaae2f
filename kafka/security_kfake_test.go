package kafka_test

// TLS, mutual TLS and SASL against kfake (the fast suite), and the helpers
// the real-broker security tests share (security_real_test.go).

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/testkafka"
	"github.com/kafkawasm/kafkawasm/kafka"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// promptAuth bounds how long a refused connection may take to fail Send:
// seconds, far below the delivery timeout (secDeliveryTimeout).
const (
	promptAuth         = 10 * time.Second
	secDeliveryTimeout = 60 * time.Second
)

var secMechanisms = []kafka.SASLMechanism{kafka.SASLPlain, kafka.SASLScramSHA256, kafka.SASLScramSHA512}

// secMessages returns n keyed records with binary values and an "i" header
// holding the index.
func secMessages(n int) []kafka.Message {
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{
			Key:     fmt.Appendf(nil, "k-%05d", i),
			Value:   append(fmt.Appendf(nil, "v-%05d-", i), byte(i), 0x00, 0xff, byte(i>>8)),
			Headers: []kafka.Header{{Key: "i", Value: []byte(strconv.Itoa(i))}},
		}
	}
	return msgs
}

// secProduce sends msgs in chunks of 1000 and checks every result.
func secProduce(t *testing.T, p *kafka.Producer, topic string, msgs []kafka.Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var pds []*kafka.Pending
	for i := 0; i < len(msgs); i += 1000 {
		pds = append(pds, p.SendAsync(topic, msgs[i:min(i+1000, len(msgs))]...))
	}
	for c, pd := range pds {
		res, err := pd.Wait(ctx)
		if err != nil {
			t.Fatalf("chunk %d: %v", c, err)
		}
		for j, r := range res {
			if r.Err != nil || r.Offset < 0 {
				t.Fatalf("record %d: %+v", c*1000+j, r)
			}
		}
	}
}

// secCheck compares records read back with msgs: same count, each index
// once, same key and value.
func secCheck(t *testing.T, reader string, msgs []kafka.Message, recs []testkafka.Record) {
	t.Helper()
	if len(recs) != len(msgs) {
		t.Fatalf("%s read %d records, want %d", reader, len(recs), len(msgs))
	}
	seen := make([]bool, len(msgs))
	for _, r := range recs {
		if len(r.Headers) != 1 || r.Headers[0].Key != "i" {
			t.Fatalf("%s: record %v: want one header i", reader, r)
		}
		i, err := strconv.Atoi(string(r.Headers[0].Value))
		if err != nil || i < 0 || i >= len(msgs) || seen[i] {
			t.Fatalf("%s: record %v: bad or repeated index", reader, r)
		}
		seen[i] = true
		if !bytes.Equal(r.Key, msgs[i].Key) || !bytes.Equal(r.Value, msgs[i].Value) {
			t.Fatalf("%s: record %d differs: %v", reader, i, r)
		}
	}
}

// secSendOne sends one record with cfg's client and returns Send's error
// and how long it took. A client or producer that cannot be created is
// returned as the error (a *ConfigError is prompt and typed too).
func secSendOne(t *testing.T, cfg kafka.ClientConfig, topic string) (error, time.Duration) {
	t.Helper()
	start := time.Now()
	cl, err := kafka.NewClient(cfg)
	if err != nil {
		return err, time.Since(start)
	}
	defer cl.Close()
	p, err := cl.Producer(kafka.ProducerConfig{DeliveryTimeout: secDeliveryTimeout})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*secDeliveryTimeout)
	defer cancel()
	_, err = p.Send(ctx, topic, kafka.Message{Value: []byte("x")})
	d := time.Since(start)
	cctx, ccancel := context.WithTimeout(context.Background(), time.Second)
	defer ccancel()
	p.Close(cctx)
	return err, d
}

// wantAuthError checks a refusal: prompt, an *AuthError, mentioning every
// fragment, never the password.
func wantAuthError(t *testing.T, err error, took time.Duration, password string, fragments ...string) *kafka.AuthError {
	t.Helper()
	if err == nil {
		t.Fatalf("Send succeeded, want an authentication error")
	}
	if took > promptAuth {
		t.Errorf("Send failed after %v, want < %v (err: %v)", took, promptAuth, err)
	}
	t.Logf("after %v: %v", took.Round(time.Millisecond), err)
	var ae *kafka.AuthError
	if !errorsAs(err, &ae) {
		t.Fatalf("err = %v (%T), want a *kafka.AuthError", err, err)
	}
	msg := err.Error()
	for _, f := range fragments {
		if !strings.Contains(msg, f) {
			t.Errorf("error %q does not mention %q", msg, f)
		}
	}
	if password != "" && strings.Contains(msg, password) {
		t.Errorf("error contains the password: %q", msg)
	}
	return ae
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// debugLogger logs everything, at debug level, into buf.
func debugLogger(buf *syncBuffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

const secUser = "alice"

// secCluster starts kfake with SASL users (password pw for every
// mechanism in mechs) and/or TLS, and one 3-partition topic.
func secCluster(t *testing.T, topic string, pw string, tc *tls.Config, mechs ...kafka.SASLMechanism) []string {
	t.Helper()
	var opts []kfake.Opt
	if len(mechs) > 0 {
		opts = append(opts, kfake.EnableSASL())
		for _, m := range mechs {
			opts = append(opts, kfake.Superuser(string(m), secUser, pw))
		}
	}
	if tc != nil {
		opts = append(opts, kfake.TLS(tc))
	}
	_, addrs := startCluster(t, 1, topic, 3, opts...)
	return addrs
}

func TestSASLKfakeMechanisms(t *testing.T) {
	const pw = "pw-Kf4ke-secret"
	addrs := secCluster(t, "", pw, nil, secMechanisms...)
	for _, m := range secMechanisms {
		t.Run(string(m), func(t *testing.T) {
			var logs syncBuffer
			cl := newClient(t, addrs, func(c *kafka.ClientConfig) {
				c.SASL = &kafka.SASLConfig{Mechanism: m, Username: secUser, Password: pw}
				c.Logger = debugLogger(&logs)
			})
			topic := "sasl-" + string(m)
			if err := cl.CreateTopics(testCtx(t), kafka.TopicSpec{Name: topic, Partitions: 3}); err != nil {
				t.Fatal(err)
			}
			msgs := secMessages(1000)
			secProduce(t, newProducer(t, cl, kafka.ProducerConfig{}), topic, msgs)
			secCheck(t, "kgo", msgs, testkafka.ReadAll(t, addrs, topic, len(msgs), testTimeout,
				testkafka.WithClientOpts(kgo.SASL(testkafka.KgoSASL(t, string(m), secUser, pw)))))
			if strings.Contains(logs.String(), pw) {
				t.Error("password in the client's logs")
			}
		})
	}
}

// TestSASLKfakeRefusals: kfake answers bad credentials by closing the
// connection; Send must still fail within seconds with an *AuthError.
func TestSASLKfakeRefusals(t *testing.T) {
	const topic, pw = "refused", "pw-Kf4ke-secret"
	// SCRAM-SHA-512 has no user: kfake refuses the mechanism by closing.
	addrs := secCluster(t, topic, pw, nil, kafka.SASLPlain, kafka.SASLScramSHA256)
	for _, tc := range []struct {
		name string
		sasl kafka.SASLConfig
	}{
		{"PLAIN wrong password", kafka.SASLConfig{Mechanism: kafka.SASLPlain, Username: secUser, Password: "wrong-Pa55word"}},
		{"SCRAM-SHA-256 wrong password", kafka.SASLConfig{Mechanism: kafka.SASLScramSHA256, Username: secUser, Password: "wrong-Pa55word"}},
		{"PLAIN unknown user", kafka.SASLConfig{Mechanism: kafka.SASLPlain, Username: "mallory", Password: pw}},
		{"SCRAM-SHA-256 unknown user", kafka.SASLConfig{Mechanism: kafka.SASLScramSHA256, Username: "mallory", Password: pw}},
		{"mechanism without users", kafka.SASLConfig{Mechanism: kafka.SASLScramSHA512, Username: secUser, Password: pw}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logs syncBuffer
			sasl := tc.sasl
			err, took := secSendOne(t, kafka.ClientConfig{Brokers: addrs, SASL: &sasl, Logger: debugLogger(&logs)}, topic)
			ae := wantAuthError(t, err, took, sasl.Password, string(sasl.Mechanism), sasl.Username)
			if ae.Mechanism != sasl.Mechanism || ae.User != sasl.Username {
				t.Errorf("AuthError names %s/%s, want %s/%s", ae.Mechanism, ae.User, sasl.Mechanism, sasl.Username)
			}
			if strings.Contains(logs.String(), sasl.Password) {
				t.Error("password in the client's logs")
			}
		})
	}
}

// TestTLSKfake: server authentication with a CA made for the test, and
// the ways it can fail. (A plaintext client to a TLS listener is tested
// against the real broker only: kafka answers it with a TLS alert, but a Go
// TLS server just hangs up, which looks like a broker going away.)
func TestTLSKfake(t *testing.T) {
	pki := testkafka.NewPKI(t)
	const topic = "tls"
	addrs := secCluster(t, topic, "", &tls.Config{Certificates: []tls.Certificate{pki.Server(t, "127.0.0.1", "localhost")}})

	t.Run("ok", func(t *testing.T) {
		tc := &tls.Config{RootCAs: pki.Pool()}
		cl := newClient(t, addrs, func(c *kafka.ClientConfig) { c.TLS = tc })
		msgs := secMessages(2000)
		secProduce(t, newProducer(t, cl, kafka.ProducerConfig{}), topic, msgs)
		secCheck(t, "kgo", msgs, testkafka.ReadAll(t, addrs, topic, len(msgs), testTimeout, testkafka.WithClientOpts(kgo.DialTLSConfig(tc))))
	})

	expired := secCluster(t, topic, "", &tls.Config{Certificates: []tls.Certificate{pki.ExpiredServer(t, "127.0.0.1")}})
	plain := secCluster(t, topic, "", nil)
	for _, tc := range []struct {
		name  string
		addrs []string
		tls   *tls.Config
		want  []string
	}{
		{"untrusted CA", addrs, &tls.Config{RootCAs: testkafka.NewPKI(t).Pool()}, []string{"does not verify", "unknown authority"}},
		{"system roots", addrs, &tls.Config{}, []string{"does not verify"}},
		{"wrong server name", addrs, &tls.Config{RootCAs: pki.Pool(), ServerName: "kafka.example.com"}, []string{"does not verify", "kafka.example.com"}},
		{"expired certificate", expired, &tls.Config{RootCAs: pki.Pool()}, []string{"does not verify", "expired"}},
		{"TLS client to plaintext listener", plain, &tls.Config{RootCAs: pki.Pool()}, []string{"does not speak TLS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// kfake does not hang up on a TLS client hello (Kafka does): the
			// handshake times out first, then the probe tells.
			err, took := secSendOne(t, kafka.ClientConfig{Brokers: tc.addrs, TLS: tc.tls, ConnectTimeout: 2 * time.Second, Logger: quietLogger()}, topic)
			ae := wantAuthError(t, err, took, "", tc.want...)
			if ae.Mechanism != "" {
				t.Errorf("TLS failure with Mechanism %q", ae.Mechanism)
			}
		})
	}
}

// TestTLSKfakeMutual: a listener that requires a client certificate
// accepts one from its CA and refuses the rest, promptly.
func TestTLSKfakeMutual(t *testing.T) {
	pki := testkafka.NewPKI(t)
	const topic = "mtls"
	addrs := secCluster(t, topic, "", &tls.Config{
		Certificates: []tls.Certificate{pki.Server(t, "127.0.0.1")},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pki.Pool(),
	})
	good := &tls.Config{RootCAs: pki.Pool(), Certificates: []tls.Certificate{pki.Client(t, "producer")}}
	t.Run("ok", func(t *testing.T) {
		cl := newClient(t, addrs, func(c *kafka.ClientConfig) { c.TLS = good })
		msgs := secMessages(2000)
		secProduce(t, newProducer(t, cl, kafka.ProducerConfig{}), topic, msgs)
		secCheck(t, "kgo", msgs, testkafka.ReadAll(t, addrs, topic, len(msgs), testTimeout, testkafka.WithClientOpts(kgo.DialTLSConfig(good))))
	})
	for _, tc := range []struct {
		name string
		tls  *tls.Config
		want []string
	}{
		{"no client certificate", &tls.Config{RootCAs: pki.Pool()}, []string{"refused", "client certificate"}},
		{"client certificate of another CA", &tls.Config{RootCAs: pki.Pool(), Certificates: []tls.Certificate{testkafka.NewPKI(t).Client(t, "stranger")}}, []string{"refused"}},
		{"TLS 1.2 without client certificate", &tls.Config{RootCAs: pki.Pool(), MaxVersion: tls.VersionTLS12}, []string{"refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err, took := secSendOne(t, kafka.ClientConfig{Brokers: addrs, TLS: tc.tls, Logger: quietLogger()}, topic)
			wantAuthError(t, err, took, "", tc.want...)
		})
	}
}

// TestSASLKfakeOverTLS is SASL_SSL: SCRAM-SHA-512 inside TLS.
func TestSASLKfakeOverTLS(t *testing.T) {
	pki := testkafka.NewPKI(t)
	const topic, pw = "sasl-ssl", "pw-Kf4ke-TLS"
	addrs := secCluster(t, topic, pw, &tls.Config{Certificates: []tls.Certificate{pki.Server(t, "127.0.0.1")}}, kafka.SASLScramSHA512)
	tc := &tls.Config{RootCAs: pki.Pool()}
	sasl := &kafka.SASLConfig{Mechanism: kafka.SASLScramSHA512, Username: secUser, Password: pw}
	cl := newClient(t, addrs, func(c *kafka.ClientConfig) { c.TLS, c.SASL = tc, sasl })
	msgs := secMessages(2000)
	secProduce(t, newProducer(t, cl, kafka.ProducerConfig{Idempotent: true}), topic, msgs)
	secCheck(t, "kgo", msgs, testkafka.ReadAll(t, addrs, topic, len(msgs), testTimeout,
		testkafka.WithClientOpts(kgo.DialTLSConfig(tc), kgo.SASL(testkafka.KgoSASL(t, "SCRAM-SHA-512", secUser, pw)))))

	bad := &kafka.SASLConfig{Mechanism: kafka.SASLScramSHA512, Username: secUser, Password: "wrong-Pa55word"}
	err, took := secSendOne(t, kafka.ClientConfig{Brokers: addrs, TLS: tc, SASL: bad, Logger: quietLogger()}, topic)
	wantAuthError(t, err, took, bad.Password, "SCRAM-SHA-512")
}

// connTracker wraps ClientConfig.Dial: it counts connections and records,
// per connection, when it was dialed and last written to.
type connTracker struct {
	mu    sync.Mutex
	conns []*trackedConn
}

type trackedConn struct {
	net.Conn
	tr                *connTracker
	dialed, lastWrite time.Time
	closed            bool
}

func (tr *connTracker) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: nc, tr: tr, dialed: time.Now()}
	tr.mu.Lock()
	tr.conns = append(tr.conns, tc)
	tr.mu.Unlock()
	return tc, nil
}

func (c *trackedConn) Write(b []byte) (int, error) {
	c.tr.mu.Lock()
	c.lastWrite = time.Now()
	c.tr.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *trackedConn) Close() error {
	c.tr.mu.Lock()
	c.closed = true
	c.tr.mu.Unlock()
	return c.Conn.Close()
}

// stats returns connections dialed, still open, and the longest time
// between a connection's dial and its last write.
func (tr *connTracker) stats() (dialed, open int, longest time.Duration) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	for _, c := range tr.conns {
		if !c.closed {
			open++
		}
		longest = max(longest, c.lastWrite.Sub(c.dialed))
	}
	return len(tr.conns), open, longest
}

// TestSASLKfakeSessionLifetime: with connections.max.reauth.ms (KIP-368)
// the broker gives each SASL session a lifetime; the client must never use
// a connection past it, must keep producing without errors, and must close
// retired connections (none lingers once idle).
func TestSASLKfakeSessionLifetime(t *testing.T) {
	const topic, pw = "reauth", "pw-Kf4ke-reauth"
	const lifetime = 500 * time.Millisecond
	_, addrs := startCluster(t, 1, topic, 2, kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-256", secUser, pw),
		kfake.BrokerConfigs(map[string]string{"connections.max.reauth.ms": strconv.Itoa(int(lifetime / time.Millisecond))}))
	tr := &connTracker{}
	cl := newClient(t, addrs, func(c *kafka.ClientConfig) {
		c.SASL = &kafka.SASLConfig{Mechanism: kafka.SASLScramSHA256, Username: secUser, Password: pw}
		c.Dial = tr.dial
	})
	p := newProducer(t, cl, kafka.ProducerConfig{Idempotent: true})
	var msgs []kafka.Message
	pool := secMessages(5000)
	start := time.Now()
	for time.Since(start) < 4*lifetime {
		m := pool[len(msgs)]
		mustSend(t, p, topic, m)
		msgs = append(msgs, m)
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(start)
	dialed, _, longest := tr.stats()
	if min := int(elapsed / lifetime); dialed < min {
		t.Errorf("%d connections in %v with a %v session lifetime, want at least %d", dialed, elapsed, lifetime, min)
	}
	if longest >= lifetime {
		t.Errorf("a connection was written to %v after it was dialed, past the %v session lifetime", longest, lifetime)
	}
	if !waitFor(3*lifetime, func() bool { _, open, _ := tr.stats(); return open == 0 }) {
		_, open, _ := tr.stats()
		t.Errorf("%d connections still open %v after the last send", open, 3*lifetime)
	}
	last := secMessages(len(msgs) + 1)[len(msgs):]
	mustSend(t, p, topic, last...) // a new connection after the idle ones closed
	secCheck(t, "kgo", append(msgs, last...), testkafka.ReadAll(t, addrs, topic, len(msgs)+1, testTimeout,
		testkafka.WithClientOpts(kgo.SASL(testkafka.KgoSASL(t, "SCRAM-SHA-256", secUser, pw)))))
}

// TestSecurityNoSecretInErrorsOrLogs runs failing and succeeding
// authentications with a debug logger and checks that the password shows
// up nowhere: not in errors, not in the logs.
func TestSecurityNoSecretInErrorsOrLogs(t *testing.T) {
	const topic, pw = "secret", "Sup3r-Secret-Passw0rd"
	addrs := secCluster(t, topic, pw, nil, secMechanisms...)
	var logs syncBuffer
	var errs []string
	for _, m := range secMechanisms {
		for _, password := range []string{pw, pw + "-but-wrong"} {
			sasl := &kafka.SASLConfig{Mechanism: m, Username: secUser, Password: password}
			err, _ := secSendOne(t, kafka.ClientConfig{Brokers: addrs, SASL: sasl, Logger: debugLogger(&logs)}, topic)
			if (err == nil) != (password == pw) {
				t.Errorf("%s with password ok=%v: err = %v", m, password == pw, err)
			}
			if err != nil {
				errs = append(errs, err.Error(), fmt.Sprintf("%+v %#v", err, err))
			}
			debugLogger(&logs).Info("config", "sasl", sasl, "client", kafka.ClientConfig{SASL: sasl})
		}
	}
	for _, s := range append(errs, logs.String()) {
		if strings.Contains(s, pw) {
			t.Errorf("the password appears in %q", s)
		}
	}
	if len(errs) == 0 || !strings.Contains(logs.String(), secUser) {
		t.Fatalf("nothing checked: %d errors, logs %q", len(errs), logs.String())
	}
}
