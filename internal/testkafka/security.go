package testkafka

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// EnvSecurityFile names a security.env file to use instead of the one
// scripts/kafka.sh start writes into its run dir.
const EnvSecurityFile = "KAFKA_SECURITY_ENV"

// Security describes the real broker's secured listeners and the material
// to reach them, as written by `scripts/kafka.sh start` to
// $KAFKA_RUN_DIR/security.env (see the script's header). The certificates
// and the password exist for the test run only.
type Security struct {
	Bootstrap     string // PLAINTEXT (KAFKA_BOOTSTRAP)
	SASLPlaintext string // SASL_PLAINTEXT: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
	SSL           string // SSL, server authentication
	MTLS          string // SSL with ssl.client.auth=required
	SASLSSL       string // SASL_SSL: SCRAM-SHA-512 only
	SSLExpired    string // SSL with an expired server certificate

	User, Password string // the SASL user (every mechanism)
	// SessionLifetime is the KIP-368 session lifetime of SCRAM-SHA-256
	// logins on SASLPlaintext (KAFKA_SASL_SESSION_MS).
	SessionLifetime time.Duration

	CAFile          string // the CA of every listener's certificate
	ClientCertFile  string // a client certificate the MTLS listener accepts, and its key
	ClientKeyFile   string
	UntrustedCAFile string // a CA that signed none of them
}

// RealSecurity returns the secured listeners of the broker at
// KAFKA_BOOTSTRAP. It reads KAFKA_SECURITY_ENV if set, else security.env in
// KAFKA_RUN_DIR, else in the script's default run dir for the bootstrap port
// (${TMPDIR:-/tmp}/kafkawasm-kafka-<port>); variables set in the
// environment override the file's. Like Bootstrap it fails the test in CI
// and skips it elsewhere when there is no broker or no secured listener.
func RealSecurity(t testing.TB) *Security {
	t.Helper()
	boot := Bootstrap(t)
	vars, src, err := readSecurityEnv(boot)
	if err == nil && vars["KAFKA_BOOTSTRAP"] != "" && vars["KAFKA_BOOTSTRAP"] != boot {
		err = fmt.Errorf("%s describes the broker at %s, not %s", src, vars["KAFKA_BOOTSTRAP"], boot)
	}
	s := &Security{Bootstrap: boot}
	fields := []struct {
		name string
		dst  *string
		file bool
	}{
		{"KAFKA_SASL_PLAINTEXT", &s.SASLPlaintext, false},
		{"KAFKA_SSL", &s.SSL, false},
		{"KAFKA_MTLS", &s.MTLS, false},
		{"KAFKA_SASL_SSL", &s.SASLSSL, false},
		{"KAFKA_SSL_EXPIRED", &s.SSLExpired, false},
		{"KAFKA_SASL_USER", &s.User, false},
		{"KAFKA_SASL_PASSWORD", &s.Password, false},
		{"KAFKA_CA_FILE", &s.CAFile, true},
		{"KAFKA_CLIENT_CERT", &s.ClientCertFile, true},
		{"KAFKA_CLIENT_KEY", &s.ClientKeyFile, true},
		{"KAFKA_UNTRUSTED_CA_FILE", &s.UntrustedCAFile, true},
	}
	for _, f := range fields {
		if err != nil {
			break
		}
		if *f.dst = vars[f.name]; *f.dst == "" {
			err = fmt.Errorf("%s does not set %s", src, f.name)
		} else if _, serr := os.Stat(*f.dst); f.file && serr != nil {
			err = fmt.Errorf("%s: %s: %v", src, f.name, serr)
		}
	}
	if err == nil {
		ms, perr := strconv.Atoi(vars["KAFKA_SASL_SESSION_MS"])
		if perr != nil || ms <= 0 {
			err = fmt.Errorf("%s: KAFKA_SASL_SESSION_MS=%q is not a positive number of milliseconds", src, vars["KAFKA_SASL_SESSION_MS"])
		}
		s.SessionLifetime = time.Duration(ms) * time.Millisecond
	}
	if err != nil {
		const how = "start the broker with `scripts/kafka.sh start` (secured listeners are on unless KAFKA_SECURITY=0; an older broker needs `scripts/kafka.sh restart`)"
		if InCI() {
			t.Fatalf("secured listeners of the broker at %s: %v; integration tests must not be skipped in CI; %s", boot, err, how)
		}
		t.Skipf("secured-listener test skipped: %v; %s", err, how)
	}
	return s
}

// readSecurityEnv reads the NAME=value lines of the security.env file for
// bootstrap, overridden by the environment.
func readSecurityEnv(bootstrap string) (map[string]string, string, error) {
	path := os.Getenv(EnvSecurityFile)
	if path == "" {
		dir := os.Getenv("KAFKA_RUN_DIR")
		if dir == "" {
			_, port, err := net.SplitHostPort(SplitBrokers(bootstrap)[0])
			if err != nil {
				return nil, "", fmt.Errorf("bootstrap %q: %v", bootstrap, err)
			}
			dir = filepath.Join(os.TempDir(), "kafkawasm-kafka-"+port)
		}
		path = filepath.Join(dir, "security.env")
	}
	vars := map[string]string{}
	f, err := os.Open(path)
	if err != nil {
		return nil, path, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "="); ok && !strings.HasPrefix(k, "#") {
			vars[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, path, err
	}
	for k := range vars {
		if v := os.Getenv(k); v != "" && k != "KAFKA_BOOTSTRAP" {
			vars[k] = v
		}
	}
	return vars, path, nil
}

// Listener is one way into the real broker.
type Listener struct {
	Name       string   // PLAINTEXT, SASL_PLAINTEXT, SSL, MTLS or SASL_SSL
	Addr       string   // host:port
	TLS        bool     // the listener speaks TLS
	ClientCert bool     // it requires a client certificate
	Mechanisms []string // the SASL mechanisms it enables; none without SASL
}

// Listeners returns the broker's working listeners (not SSL_EXPIRED).
func (s *Security) Listeners() []Listener {
	return []Listener{
		{Name: "PLAINTEXT", Addr: s.Bootstrap},
		{Name: "SASL_PLAINTEXT", Addr: s.SASLPlaintext, Mechanisms: []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}},
		{Name: "SSL", Addr: s.SSL, TLS: true},
		{Name: "MTLS", Addr: s.MTLS, TLS: true, ClientCert: true},
		{Name: "SASL_SSL", Addr: s.SASLSSL, TLS: true, Mechanisms: []string{"SCRAM-SHA-512"}},
	}
}

// TLSConfig returns a client TLS config trusting the test CA, with the
// client certificate if clientCert.
func (s *Security) TLSConfig(t testing.TB, clientCert bool) *tls.Config {
	t.Helper()
	tc := &tls.Config{RootCAs: LoadCAPool(t, s.CAFile)}
	if clientCert {
		cert, err := tls.LoadX509KeyPair(s.ClientCertFile, s.ClientKeyFile)
		if err != nil {
			t.Fatalf("client certificate: %v", err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc
}

// KgoOpts returns franz-go options that reach l, authenticating with
// mechanism mech ("" for none) as the test user.
func (s *Security) KgoOpts(t testing.TB, l Listener, mech string) []kgo.Opt {
	t.Helper()
	var opts []kgo.Opt
	if l.TLS {
		opts = append(opts, kgo.DialTLSConfig(s.TLSConfig(t, l.ClientCert)))
	}
	if mech != "" {
		opts = append(opts, kgo.SASL(KgoSASL(t, mech, s.User, s.Password)))
	}
	return opts
}

// KcatArgs returns the librdkafka properties (for ReadAllKcat) that reach
// l with mechanism mech ("" for none). Note: the kcat of Debian 12
// (librdkafka 2.0.2) fails SCRAM against Kafka 4.1; use ReadAll there.
func (s *Security) KcatArgs(l Listener, mech string) []string {
	proto := "PLAINTEXT"
	switch {
	case l.TLS && mech != "":
		proto = "SASL_SSL"
	case l.TLS:
		proto = "SSL"
	case mech != "":
		proto = "SASL_PLAINTEXT"
	}
	args := []string{"security.protocol=" + proto}
	if l.TLS {
		args = append(args, "ssl.ca.location="+s.CAFile)
	}
	if l.ClientCert {
		args = append(args, "ssl.certificate.location="+s.ClientCertFile, "ssl.key.location="+s.ClientKeyFile)
	}
	if mech != "" {
		args = append(args, "sasl.mechanisms="+mech, "sasl.username="+s.User, "sasl.password="+s.Password)
	}
	return args
}

// KgoSASL returns franz-go's implementation of mechanism mech (PLAIN,
// SCRAM-SHA-256 or SCRAM-SHA-512).
func KgoSASL(t testing.TB, mech, user, password string) sasl.Mechanism {
	t.Helper()
	switch mech {
	case "PLAIN":
		return plain.Auth{User: user, Pass: password}.AsMechanism()
	case "SCRAM-SHA-256":
		return scram.Auth{User: user, Pass: password}.AsSha256Mechanism()
	case "SCRAM-SHA-512":
		return scram.Auth{User: user, Pass: password}.AsSha512Mechanism()
	}
	t.Fatalf("KgoSASL: unknown mechanism %q", mech)
	return nil
}

// LoadCAPool reads a PEM file of CA certificates.
func LoadCAPool(t testing.TB, file string) *x509.CertPool {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("CA file: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("CA file %s: no PEM certificate", file)
	}
	return pool
}

// PKI is a throwaway certificate authority for TLS tests (kfake, file-based
// configuration), generated in memory with ECDSA P-256 keys.
type PKI struct {
	CA    *x509.Certificate
	CAPEM []byte
	key   *ecdsa.PrivateKey
}

// NewPKI creates a CA valid from an hour ago for a day.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	key := newKey(t)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: "kafkawasm test CA " + t.Name()},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &PKI{CA: ca, CAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), key: key}
}

// Pool returns a pool holding only the CA.
func (p *PKI) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.CA)
	return pool
}

// Server issues a server certificate for hosts (IP addresses or DNS
// names), valid now.
func (p *PKI) Server(t testing.TB, hosts ...string) tls.Certificate {
	t.Helper()
	return p.issue(t, hosts[0], hosts, x509.ExtKeyUsageServerAuth, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
}

// ExpiredServer issues a server certificate for hosts that expired
// yesterday.
func (p *PKI) ExpiredServer(t testing.TB, hosts ...string) tls.Certificate {
	t.Helper()
	return p.issue(t, hosts[0], hosts, x509.ExtKeyUsageServerAuth, time.Now().Add(-72*time.Hour), time.Now().Add(-24*time.Hour))
}

// Client issues a client certificate with common name cn, valid now.
func (p *PKI) Client(t testing.TB, cn string) tls.Certificate {
	t.Helper()
	return p.issue(t, cn, nil, x509.ExtKeyUsageClientAuth, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
}

func (p *PKI) issue(t testing.TB, cn string, hosts []string, usage x509.ExtKeyUsage, from, until time.Time) tls.Certificate {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    from,
		NotAfter:     until,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.CA, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}
}

// WriteCA writes the CA certificate to dir/ca.pem and returns its path.
func (p *PKI) WriteCA(t testing.TB, dir string) string {
	t.Helper()
	f := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(f, p.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// WritePEM writes cert and its key as PEM files dir/name.pem and
// dir/name.key (PKCS #8) and returns their paths.
func (p *PKI) WritePEM(t testing.TB, dir, name string, cert tls.Certificate) (certFile, keyFile string) {
	t.Helper()
	certFile = filepath.Join(dir, name+".pem")
	var certPEM []byte
	for _, der := range cert.Certificate {
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	keyFile = filepath.Join(dir, name+".key")
	if err := os.WriteFile(certFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		t.Fatal(err)
	}
	return n
}
