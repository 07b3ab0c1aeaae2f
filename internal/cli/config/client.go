package config

import (
	"crypto/tls"
	"crypto/x509"
	"os"

	"github.com/kafkawasm/kafkawasm/kafka"
)

// KafkaClientConfig builds the kafka package's client config from the
// [client] table: it loads the TLS files and reads the SASL password from
// the environment (getenv; os.Getenv when nil). Problems are returned as
// *Error, located at the offending keys. Brokers may be empty here: the
// caller decides whether to start the embedded development broker.
func (f *File) KafkaClientConfig(getenv func(string) string) (kafka.ClientConfig, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := f.Client
	cfg := kafka.ClientConfig{
		ClientID:                c.ClientID,
		Brokers:                 c.Brokers,
		ConnectTimeout:          c.ConnectTimeout,
		RequestTimeout:          c.RequestTimeout,
		MetadataRefreshInterval: c.MetadataRefreshInterval,
	}
	w := &walker{file: f.Path, keys: f.keys}
	if w.keys == nil {
		w.keys = indexKeys(nil)
	}
	if t := c.TLS; t != nil {
		tc := &tls.Config{ServerName: t.ServerName, InsecureSkipVerify: t.InsecureSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // insecure_skip_verify is an explicit, loudly logged choice
		if t.CAFile != "" {
			pem, err := os.ReadFile(t.CAFile)
			if err != nil {
				w.problem([]string{"client", "tls", "ca_file"}, "%v", err)
			} else {
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM(pem) {
					w.problem([]string{"client", "tls", "ca_file"}, "no PEM certificates in %s", t.CAFile)
				}
				tc.RootCAs = pool
			}
		}
		if t.CertFile != "" && t.KeyFile != "" {
			cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
			if err != nil {
				w.problem([]string{"client", "tls", "cert_file"}, "loading the client certificate: %v", err)
			} else {
				tc.Certificates = []tls.Certificate{cert}
			}
		}
		cfg.TLS = tc
	}
	if s := c.SASL; s != nil {
		var pw string
		if s.PasswordEnv != "" {
			if pw = getenv(s.PasswordEnv); pw == "" {
				w.problem([]string{"client", "sasl", "password_env"}, "environment variable %s (the SASL password) is not set", s.PasswordEnv)
			}
		}
		cfg.SASL = &kafka.SASLConfig{Mechanism: s.Mechanism, Username: s.Username, Password: pw}
	}
	if len(w.problems) > 0 {
		return cfg, &Error{Problems: w.problems}
	}
	return cfg, nil
}
