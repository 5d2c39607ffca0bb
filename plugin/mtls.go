package plugin

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"time"

	"github.com/tfy-secrets/tfy-secrets/plugin/handshake"
)

// The host and the plugin authenticate each other with ephemeral
// certificates that the host makes for every start, instead of go-plugin's
// AutoMTLS: AutoMTLS has each side generate a P-521 key and verify P-521
// signatures, about 70 ms of CPU on every command, two thirds of what a
// `group list` costs (docs/benchmarks.md). P-256 gives the same assurance
// here (the keys live for one process) for about 1 ms.
//
// The host keeps its own key and hands the plugin the plugin's key and the
// host's certificate through an inherited pipe (handshake.TLSFD in the
// plugin), so key material never appears in the environment, argv or a
// file. The plugin waits on that pipe before it serves: the host may start
// it long before it writes the material (host/launcher/spawn), and if the
// host dies first the pipe's end makes the plugin exit.

// maxTLSMaterial bounds what the plugin reads from the pipe; the host writes
// about 1.5 KiB.
const maxTLSMaterial = 16 << 10

// PEM block types of the material, in the order the host writes them.
const (
	pemPluginCert = "TFY PLUGIN CERTIFICATE"
	pemPluginKey  = "TFY PLUGIN EC PRIVATE KEY"
	pemHostCert   = "TFY HOST CERTIFICATE"
)

// NewTLS makes the ephemeral identities for one plugin start. It returns the
// host's TLS configuration (its certificate, trusting only the plugin's) and
// the material to hand to the plugin on handshake.TLSFD; the material holds a private
// key, so it goes nowhere else.
func NewTLS() (*tls.Config, []byte, error) {
	hostCert, hostKey, err := newIdentity()
	if err != nil {
		return nil, nil, fmt.Errorf("host identity: %w", err)
	}
	pluginCert, pluginKey, err := newIdentity()
	if err != nil {
		return nil, nil, fmt.Errorf("plugin identity: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(pluginKey)
	if err != nil {
		return nil, nil, fmt.Errorf("plugin identity: %w", err)
	}
	var material []byte
	for _, b := range []*pem.Block{
		{Type: pemPluginCert, Bytes: pluginCert.Raw},
		{Type: pemPluginKey, Bytes: keyDER},
		{Type: pemHostCert, Bytes: hostCert.Raw},
	} {
		material = append(material, pem.EncodeToMemory(b)...)
	}
	trusted := x509.NewCertPool()
	trusted.AddCert(pluginCert)
	return &tls.Config{
		Certificates:     []tls.Certificate{{Certificate: [][]byte{hostCert.Raw}, PrivateKey: hostKey, Leaf: hostCert}},
		RootCAs:          trusted,
		ServerName:       identityName,
		MinVersion:       tls.VersionTLS13,
		CurvePreferences: keyExchange,
	}, material, nil
}

// ReadTLS is the plugin's side: it reads the material the host wrote on
// handshake.TLSFD and returns a server configuration that presents the plugin's
// certificate and accepts only the host's.
func ReadTLS() (*tls.Config, error) {
	f := os.NewFile(handshake.TLSFD, "tls-material")
	if f == nil {
		return nil, errors.New("read tls material: no descriptor")
	}
	defer f.Close()
	material, err := io.ReadAll(io.LimitReader(f, maxTLSMaterial+1))
	if err != nil {
		return nil, fmt.Errorf("read tls material: %w", err)
	}
	return ServerTLS(material)
}

// ServerTLS parses the material NewTLS made into the plugin's server
// configuration. Malformed material is an error naming the part that is
// wrong; it never echoes the material, which holds a private key.
func ServerTLS(material []byte) (*tls.Config, error) {
	if len(material) > maxTLSMaterial {
		return nil, fmt.Errorf("parse tls material: longer than %d bytes", maxTLSMaterial)
	}
	var der [3][]byte
	rest := material
	for i, want := range []string{pemPluginCert, pemPluginKey, pemHostCert} {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil || b.Type != want {
			return nil, fmt.Errorf("parse tls material: block %d is not a %s", i+1, want)
		}
		der[i] = b.Bytes
	}
	if len(rest) != 0 {
		return nil, errors.New("parse tls material: unexpected data after the host certificate")
	}
	pluginCert, err := x509.ParseCertificate(der[0])
	if err != nil {
		return nil, errors.New("parse tls material: the plugin certificate is not a valid certificate")
	}
	key, err := x509.ParseECPrivateKey(der[1])
	if err != nil {
		return nil, errors.New("parse tls material: the plugin key is not a valid EC private key")
	}
	if pub, ok := pluginCert.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(key.Public()) {
		return nil, errors.New("parse tls material: the plugin key does not match its certificate")
	}
	hostCert, err := x509.ParseCertificate(der[2])
	if err != nil {
		return nil, errors.New("parse tls material: the host certificate is not a valid certificate")
	}
	trusted := x509.NewCertPool()
	trusted.AddCert(hostCert)
	return &tls.Config{
		Certificates:     []tls.Certificate{{Certificate: [][]byte{pluginCert.Raw}, PrivateKey: key, Leaf: pluginCert}},
		ClientAuth:       tls.RequireAndVerifyClientCert,
		ClientCAs:        trusted,
		MinVersion:       tls.VersionTLS13,
		CurvePreferences: keyExchange,
	}, nil
}

// keyExchange is plain X25519 on both ends. Go's default puts the
// post-quantum hybrid X25519MLKEM768 first, which guards recorded traffic
// against a future quantum computer; this traffic crosses a unix socket in a
// private directory between two processes of one user, with keys that live
// for one command, and nobody records it. The hybrid's ML-KEM half cost a
// third of the key exchange's CPU on every command (BenchmarkTLSStart).
var keyExchange = []tls.CurveID{tls.X25519}

// identityName is the DNS name in both certificates; the host checks the
// plugin's against it.
const identityName = "localhost"

// newIdentity makes a self-signed P-256 certificate for one process
// lifetime, usable by either side of the connection.
func newIdentity() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		Subject:      pkix.Name{CommonName: identityName, Organization: []string{"tfy-secrets"}},
		DNSNames:     []string{identityName},
		SerialNumber: serial,
		NotBefore:    now.Add(-time.Minute),
		// The connection is made once, but a long-lived host (the MCP
		// server) may reconnect much later; the key dies with the process.
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}
