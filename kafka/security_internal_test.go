package kafka

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"syscall"
	"testing"
)

// scramServer replays a fixed server conversation and records what the
// client sent.
type scramServer struct {
	replies []string
	sent    []string
}

func (s *scramServer) step(token []byte) ([]byte, error) {
	s.sent = append(s.sent, string(token))
	if len(s.replies) == 0 {
		return nil, errors.New("no more replies")
	}
	r := s.replies[0]
	s.replies = s.replies[1:]
	return []byte(r), nil
}

func scramFail(reason string, err error) error {
	return &AuthError{Mechanism: SASLScramSHA256, User: "user", Reason: reason, Err: err}
}

// TestSASLScramRFC7677Vector runs the SCRAM-SHA-256 example of RFC 7677
// section 3: the client's final message (its proof) must match byte for
// byte, and the server signature must verify.
func TestSASLScramRFC7677Vector(t *testing.T) {
	const (
		cnonce      = "rOprNGfwEbeRWgbNEkqO"
		serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
		clientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
		serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
	)
	cfg := &SASLConfig{Mechanism: SASLScramSHA256, Username: "user", Password: "pencil"}
	srv := &scramServer{replies: []string{serverFirst, serverFinal}}
	if err := scram(sha256.New, cfg, cnonce, srv.step, scramFail); err != nil {
		t.Fatalf("scram: %v", err)
	}
	if len(srv.sent) != 2 || srv.sent[0] != "n,,n=user,r="+cnonce || srv.sent[1] != clientFinal {
		t.Fatalf("client messages %q, want %q", srv.sent, []string{"n,,n=user,r=" + cnonce, clientFinal})
	}
}

// TestSASLScramRefusals feeds the SCRAM client bad server messages: each
// must end in an *AuthError that names the problem and not the password.
func TestSASLScramRefusals(t *testing.T) {
	const (
		cnonce      = "rOprNGfwEbeRWgbNEkqO"
		serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
	)
	for _, tc := range []struct {
		name    string
		replies []string
		want    string
	}{
		{"forged server signature", []string{serverFirst, "v=AAAArTCAfuxFIljRBi23WpRR/wtup+mMhUZUn/dB5nL="}, "signature does not verify"},
		{"missing server signature", []string{serverFirst, ""}, "signature does not verify"},
		{"server error first", []string{"e=unknown-user"}, "server error: unknown-user"},
		{"server error final", []string{serverFirst, "e=invalid-proof"}, "server error: invalid-proof"},
		{"nonce not extended", []string{"r=someoneElsesNonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"}, "nonce"},
		{"nonce not added to", []string{"r=" + cnonce + ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"}, "nonce"},
		{"bad salt", []string{"r=" + cnonce + "x,s=***,i=4096"}, "salt"},
		{"empty salt", []string{"r=" + cnonce + "x,s=,i=4096"}, "salt"},
		{"bad iterations", []string{"r=" + cnonce + "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=many"}, "iteration"},
		{"zero iterations", []string{"r=" + cnonce + "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0"}, "iteration"},
		{"absurd iterations", []string{"r=" + cnonce + "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=2000000000"}, "iteration"},
		{"mandatory extension", []string{"m=ext,r=" + cnonce + "x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"}, "extension"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &SASLConfig{Mechanism: SASLScramSHA256, Username: "user", Password: "pencil"}
			srv := &scramServer{replies: tc.replies}
			err := scram(sha256.New, cfg, cnonce, srv.step, scramFail)
			var ae *AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *AuthError", err)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "pencil") {
				t.Fatalf("err = %q, want it to mention %q and not the password", err, tc.want)
			}
		})
	}
}

// TestSASLScramUsernameEscaping checks RFC 5802's saslname escaping of
// '=' and ',' (and that SHA-512 derives a 64-byte proof).
func TestSASLScramUsernameEscaping(t *testing.T) {
	cfg := &SASLConfig{Mechanism: SASLScramSHA512, Username: "a=b,c", Password: "pw"}
	srv := &scramServer{replies: []string{"r=nonceXYZ,s=c2FsdA==,i=4096", "v=AAAA"}}
	_ = scram(sha512.New, cfg, "nonce", srv.step, scramFail)
	if len(srv.sent) < 2 || srv.sent[0] != "n,,n=a=3Db=2Cc,r=nonce" {
		t.Fatalf("client-first = %q", srv.sent)
	}
	proof := srv.sent[1][strings.Index(srv.sent[1], ",p=")+3:]
	if len(proof) != 88 { // base64 of 64 bytes
		t.Fatalf("SHA-512 proof %q has %d base64 characters, want 88", proof, len(proof))
	}
}

// TestSASLConfigRedaction: printing or logging a SASLConfig in any way
// never shows the password.
func TestSASLConfigRedaction(t *testing.T) {
	const pw = "hunter2-Sekr1t"
	cfg := &SASLConfig{Mechanism: SASLPlain, Username: "alice", Password: pw}
	var logs bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&logs, nil), slog.NewJSONHandler(&logs, nil)} {
		slog.New(h).Info("config", "sasl", cfg, "value", *cfg)
	}
	out := []string{
		fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg),
		fmt.Sprintf("%v %+v %#v %s", *cfg, *cfg, *cfg, *cfg),
		fmt.Sprintf("%+v", ClientConfig{SASL: cfg}),
		logs.String(),
	}
	for _, s := range out {
		if strings.Contains(s, pw) {
			t.Errorf("password in %q", s)
		}
		if !strings.Contains(s, "alice") && !strings.Contains(s, "0x") {
			t.Errorf("user missing from %q", s)
		}
	}
	if s := scrub("broker said: bad password "+pw, cfg); strings.Contains(s, pw) {
		t.Errorf("scrub left the password: %q", s)
	}
}

// TestSASLConfigValidation: NewClient rejects a SASL config that cannot
// work, naming the field, without echoing the password.
func TestSASLConfigValidation(t *testing.T) {
	for _, tc := range []struct {
		sasl  SASLConfig
		field string
	}{
		{SASLConfig{Mechanism: "GSSAPI", Username: "u", Password: "pw-Zq9"}, "SASL.Mechanism"},
		{SASLConfig{Mechanism: "plain", Username: "u", Password: "pw-Zq9"}, "SASL.Mechanism"},
		{SASLConfig{Mechanism: SASLPlain, Password: "pw-Zq9"}, "SASL.Username"},
		{SASLConfig{Mechanism: SASLScramSHA256, Username: "u"}, "SASL.Password"},
		{SASLConfig{Mechanism: SASLPlain, Username: "u\x00v", Password: "pw-Zq9"}, "SASL.Username"},
		{SASLConfig{Mechanism: SASLPlain, Username: "u", Password: "pw-Zq9\x00x"}, "SASL.Password"},
	} {
		_, err := NewClient(ClientConfig{Brokers: []string{"127.0.0.1:9092"}, SASL: &tc.sasl})
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%v: err = %v, want *ConfigError for %s", tc.sasl, err, tc.field)
		}
		if err != nil && tc.sasl.Password != "" && strings.Contains(err.Error(), tc.sasl.Password) {
			t.Errorf("%v: password in %q", tc.sasl, err)
		}
	}
	for _, m := range []SASLMechanism{SASLPlain, SASLScramSHA256, SASLScramSHA512} {
		cl, err := NewClient(ClientConfig{Brokers: []string{"127.0.0.1:9092"}, SASL: &SASLConfig{Mechanism: m, Username: "u", Password: "pw-Zq9"}})
		if err != nil {
			t.Errorf("%s: %v", m, err)
			continue
		}
		cl.Close()
	}
}

// TestSASLAuthErrorMessages: the two shapes of *AuthError.
func TestSASLAuthErrorMessages(t *testing.T) {
	sasl := &AuthError{Addr: "h:1", Mechanism: SASLScramSHA512, User: "bob", Reason: "bad", Err: ErrSASLAuthentication}
	if got, want := sasl.Error(), `kafka: SASL SCRAM-SHA-512 authentication of user "bob" to h:1 failed: bad`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(sasl, ErrSASLAuthentication) {
		t.Error("errors.Is(AuthError, ErrSASLAuthentication) = false")
	}
	tlsErr := &AuthError{Addr: "h:1", Reason: "the server certificate does not verify: x"}
	if got, want := tlsErr.Error(), "kafka: TLS authentication with h:1 failed: the server certificate does not verify: x"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestTLSFailureVerdicts: refusals are permanent (*AuthError), the network
// failing is not (*ConnError, retried), and a hang-up is permanent only if
// the probe shows the broker up and speaking the other protocol.
func TestTLSFailureVerdicts(t *testing.T) {
	down := func(context.Context, string, string) (net.Conn, error) { return nil, errors.New("connection refused") }
	cfg := &ClientConfig{ClientID: "t", TLS: &tls.Config{}, SASL: &SASLConfig{Mechanism: SASLPlain, Username: "u", Password: "pw-Zq9"}, Dial: down}
	plain := &ClientConfig{ClientID: "t", Dial: down}
	unreachable := &net.OpError{Op: "read", Net: "tcp", Err: syscall.EHOSTUNREACH}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		err      error
		wantAuth bool
	}{
		{"tls: unreachable", tlsFailure(ctx, cfg, "h:1", unreachable), false},
		{"tls: reset, broker down", tlsFailure(ctx, cfg, "h:1", reset), false},
		{"tls: EOF, broker down", tlsFailure(ctx, cfg, "h:1", io.EOF), false},
		{"tls: timeout", tlsFailure(ctx, cfg, "h:1", context.DeadlineExceeded), false},
		{"tls: certificate", tlsFailure(ctx, cfg, "h:1", &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), true},
		{"tls: not TLS", tlsFailure(ctx, cfg, "h:1", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), true},
		{"tls: alert", tlsFailure(ctx, cfg, "h:1", &net.OpError{Op: "remote error", Err: errors.New("tls: protocol version not supported")}), true},
		{"tls: settings disagree", tlsFailure(ctx, cfg, "h:1", errors.New("tls: server selected unsupported protocol version 301")), true},
		{"setup: alert", setupFailure(ctx, cfg, "h:1", &ConnError{Op: "read", Err: &net.OpError{Op: "remote error", Err: errors.New("tls: certificate required")}}), true},
		{"setup: EOF, broker down", setupFailure(ctx, plain, "h:1", &ConnError{Op: "read", Err: io.EOF}), false},
		{"sasl: closed, broker down", saslFailure(ctx, cfg, "h:1", &ConnError{Op: "sasl", Err: fmt.Errorf("x: %w", &ConnError{Op: "read", Err: io.EOF})}), false},
		{"sasl: timeout", saslFailure(ctx, cfg, "h:1", &ConnError{Op: "sasl", Err: context.DeadlineExceeded}), false},
	} {
		var ae *AuthError
		var ce *ConnError
		switch {
		case tc.wantAuth && !errors.As(tc.err, &ae):
			t.Errorf("%s: %v (%T), want *AuthError", tc.name, tc.err, tc.err)
		case !tc.wantAuth && (errors.As(tc.err, &ae) || !errors.As(tc.err, &ce)):
			t.Errorf("%s: %v (%T), want a retriable *ConnError", tc.name, tc.err, tc.err)
		}
	}
}
