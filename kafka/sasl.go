package kafka

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/kafkawasm/kafkawasm/internal/wire"
)

// AuthError reports that SASL authentication failed. It is not retriable:
// the same credentials cannot succeed later. It never contains the password.
type AuthError struct {
	Addr      string
	Mechanism SASLMechanism
	User      string
	Reason    string
	Err       error // the broker's *Error, if it sent one
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("kafka: SASL %s authentication of user %q to %s failed: %s", e.Mechanism, e.User, e.Addr, e.Reason)
}

func (e *AuthError) Unwrap() error { return e.Err }

// authenticate runs SaslHandshake v1 and SaslAuthenticate for cfg's
// mechanism. A broker that closes the connection during the exchange (as
// kfake does on bad credentials) is reported as an authentication failure.
func (c *conn) authenticate(ctx context.Context, cfg *SASLConfig) error {
	fail := func(reason string, err error) error {
		return &AuthError{Addr: c.addr, Mechanism: cfg.Mechanism, User: cfg.Username, Reason: reason, Err: err}
	}
	hs := &wire.SaslHandshakeRequest{Mechanism: string(cfg.Mechanism)}
	v, err := c.version(hs)
	if err != nil || v < 1 {
		return fail("broker does not support SaslHandshake v1 (Kafka 1.0+ is required)", err)
	}
	resp, err := c.roundTrip(ctx, hs, v)
	if err != nil {
		return fail("handshake: "+err.Error(), err)
	}
	hr := resp.(*wire.SaslHandshakeResponse)
	if hr.ErrorCode != 0 {
		return fail(fmt.Sprintf("broker does not enable mechanism %s (enabled: %s)", cfg.Mechanism, strings.Join(hr.Mechanisms, ", ")), errorFromCode(hr.ErrorCode, nil))
	}
	var lifetime int64
	step := func(token []byte) ([]byte, error) {
		req := &wire.SaslAuthenticateRequest{AuthBytes: token}
		v, err := c.version(req)
		if err != nil {
			return nil, fail("broker does not support SaslAuthenticate", err)
		}
		resp, err := c.roundTrip(ctx, req, v)
		if err != nil {
			var ce *ConnError
			if errors.As(err, &ce) && (ce.Op == "read" || ce.Op == "write") {
				return nil, fail("the broker closed the connection (bad credentials?)", err)
			}
			return nil, fail(err.Error(), err)
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
		token := []byte("\x00" + cfg.Username + "\x00" + cfg.Password)
		if _, err := step(token); err != nil {
			return err
		}
	case SASLScramSHA256:
		if err := scram(sha256.New, cfg, step, fail); err != nil {
			return err
		}
	case SASLScramSHA512:
		if err := scram(sha512.New, cfg, step, fail); err != nil {
			return err
		}
	default:
		return fail("unsupported mechanism", nil)
	}
	if lifetime > 0 {
		// KIP-368: the broker closes the connection when the session ends;
		// stop using it a little before, so a new, authenticated one is
		// dialed and no request is lost to the close.
		c.expires = time.Now().Add(time.Duration(lifetime) * time.Millisecond * 85 / 100)
	}
	return nil
}

// scram runs RFC 5802 SCRAM with hash h (RFC 7677 for SHA-256).
func scram(h func() hash.Hash, cfg *SASLConfig, step func([]byte) ([]byte, error), fail func(string, error) error) error {
	nonceBytes := make([]byte, 24)
	if _, err := rand.Read(nonceBytes); err != nil {
		return fail("no random source for the nonce", err)
	}
	cnonce := base64.RawStdEncoding.EncodeToString(nonceBytes)
	user := strings.NewReplacer("=", "=3D", ",", "=2C").Replace(cfg.Username)
	bare := "n=" + user + ",r=" + cnonce
	serverFirst, err := step([]byte("n,," + bare))
	if err != nil {
		return err
	}
	attrs := scramAttrs(string(serverFirst))
	nonce, salt64, iterStr := attrs["r"], attrs["s"], attrs["i"]
	if e, ok := attrs["e"]; ok {
		return fail("server error: "+e, nil)
	}
	if !strings.HasPrefix(nonce, cnonce) || len(nonce) == len(cnonce) {
		return fail("server nonce does not extend the client nonce", nil)
	}
	salt, err := base64.StdEncoding.DecodeString(salt64)
	if err != nil {
		return fail("malformed salt from server", err)
	}
	iters, err := strconv.Atoi(iterStr)
	if err != nil || iters < 1 {
		return fail("malformed iteration count from server", err)
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
	withoutProof := "c=biws,r=" + nonce
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
