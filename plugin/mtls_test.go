package plugin

import (
	"bytes"
	"crypto/tls"
	"encoding/pem"
	"net"
	"strings"
	"testing"
	"time"
)

// tlsExchange runs one TLS 1.3 exchange (handshake plus one byte each way)
// between a client and a server config over loopback TCP and returns the
// client's and the server's errors. A deadline turns a hang into an error.
func tlsExchange(t *testing.T, client, server *tls.Config) (error, error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	deadline := time.Now().Add(10 * time.Second)
	serverErr := make(chan error, 1)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			serverErr <- err
			return
		}
		_ = raw.SetDeadline(deadline)
		conn := tls.Server(raw, server)
		defer conn.Close()
		// TLS 1.3 reports a rejected client certificate on the first
		// read, not in the handshake.
		if _, err = conn.Read(make([]byte, 1)); err == nil {
			_, err = conn.Write([]byte{2})
		}
		serverErr <- err
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_ = raw.SetDeadline(deadline)
	conn := tls.Client(raw, client)
	if _, err = conn.Write([]byte{1}); err == nil {
		_, err = conn.Read(make([]byte, 1))
	}
	_ = conn.Close()
	return err, <-serverErr
}

func TestTLSPairAuthenticatesBothEnds(t *testing.T) {
	t.Parallel()
	hostTLS, material, err := NewTLS()
	if err != nil {
		t.Fatal(err)
	}
	server, err := ServerTLS(material)
	if err != nil {
		t.Fatal(err)
	}
	if clientErr, serverErr := tlsExchange(t, hostTLS, server); clientErr != nil || serverErr != nil {
		t.Fatalf("handshake: client %v, server %v", clientErr, serverErr)
	}
	if server.ClientAuth != tls.RequireAndVerifyClientCert || server.MinVersion != tls.VersionTLS13 {
		t.Fatalf("server must demand a verified client certificate over TLS 1.3: %+v", server)
	}
}

// A host from another start (or any other process) holding its own pair is
// refused by the plugin, and a plugin from another start by the host.
func TestTLSPairRefusesStrangers(t *testing.T) {
	t.Parallel()
	hostA, materialA, err := NewTLS()
	if err != nil {
		t.Fatal(err)
	}
	hostB, materialB, err := NewTLS()
	if err != nil {
		t.Fatal(err)
	}
	serverA, err := ServerTLS(materialA)
	if err != nil {
		t.Fatal(err)
	}
	serverB, err := ServerTLS(materialB)
	if err != nil {
		t.Fatal(err)
	}
	if clientErr, serverErr := tlsExchange(t, hostB, serverA); clientErr == nil && serverErr == nil {
		t.Fatal("plugin A accepted host B")
	}
	if clientErr, serverErr := tlsExchange(t, hostA, serverB); clientErr == nil && serverErr == nil {
		t.Fatal("host A accepted plugin B")
	}
	noCert := hostA.Clone()
	noCert.Certificates = nil
	if clientErr, serverErr := tlsExchange(t, noCert, serverA); clientErr == nil && serverErr == nil {
		t.Fatal("plugin accepted a host without a certificate")
	}
}

func TestServerTLSMalformed(t *testing.T) {
	t.Parallel()
	_, material, err := NewTLS()
	if err != nil {
		t.Fatal(err)
	}
	var blocks []*pem.Block
	for rest := material; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		blocks = append(blocks, b)
	}
	if len(blocks) != 3 {
		t.Fatalf("NewTLS wrote %d blocks, want 3", len(blocks))
	}
	encode := func(bs ...*pem.Block) []byte {
		var out []byte
		for _, b := range bs {
			out = append(out, pem.EncodeToMemory(b)...)
		}
		return out
	}
	_, otherMaterial, err := NewTLS()
	if err != nil {
		t.Fatal(err)
	}
	otherKey, _ := pem.Decode(otherMaterial[bytes.Index(otherMaterial, []byte("-----BEGIN "+pemPluginKey)):])
	bad := func(b *pem.Block) *pem.Block { return &pem.Block{Type: b.Type, Bytes: []byte("not der")} }
	for name, tc := range map[string]struct {
		in   []byte
		want string
	}{
		"empty":           {nil, "block 1 is not a " + pemPluginCert},
		"not pem":         {[]byte("hello"), "block 1 is not a " + pemPluginCert},
		"wrong order":     {encode(blocks[1], blocks[0], blocks[2]), "block 1 is not"},
		"missing host":    {encode(blocks[0], blocks[1]), "block 3 is not a " + pemHostCert},
		"trailing data":   {append(encode(blocks...), "x"...), "unexpected data after"},
		"bad plugin cert": {encode(bad(blocks[0]), blocks[1], blocks[2]), "plugin certificate is not a valid"},
		"bad key":         {encode(blocks[0], bad(blocks[1]), blocks[2]), "plugin key is not a valid"},
		"bad host cert":   {encode(blocks[0], blocks[1], bad(blocks[2])), "host certificate is not a valid"},
		"foreign key":     {encode(blocks[0], otherKey, blocks[2]), "does not match its certificate"},
		"too long":        {bytes.Repeat([]byte("a"), maxTLSMaterial+1), "longer than"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := ServerTLS(tc.in)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ServerTLS: %v, want an error containing %q", err, tc.want)
			}
			// The material holds a private key: no error may repeat it.
			if strings.Contains(err.Error(), "-----") {
				t.Fatalf("error repeats the material: %v", err)
			}
		})
	}
}

func FuzzServerTLS(f *testing.F) {
	_, material, err := NewTLS()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(material)
	f.Add([]byte{})
	f.Add([]byte("-----BEGIN TFY PLUGIN CERTIFICATE-----\n-----END TFY PLUGIN CERTIFICATE-----\n"))
	f.Add(material[:len(material)/2])
	f.Fuzz(func(t *testing.T, in []byte) {
		cfg, err := ServerTLS(in)
		if (cfg == nil) == (err == nil) {
			t.Fatalf("config %v with error %v", cfg, err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "parse tls material: ") {
			t.Fatalf("error without its operation: %v", err)
		}
	})
}

// pipeHandshake runs the host's and the plugin's TLS handshakes over an
// in-memory connection and returns what the host negotiated.
func pipeHandshake(client, server *tls.Config) (tls.ConnectionState, error) {
	c, s := net.Pipe()
	defer c.Close()
	defer s.Close()
	serverErr := make(chan error, 1)
	go func() { serverErr <- tls.Server(s, server).Handshake() }()
	conn := tls.Client(c, client)
	err := conn.Handshake()
	if serr := <-serverErr; err == nil {
		err = serr
	}
	return conn.ConnectionState(), err
}

// Both ends agree on plain X25519: the post-quantum hybrid Go would pick
// by default costs more than the rest of the key exchange (see NewTLS).
func TestTLSKeyExchange(t *testing.T) {
	t.Parallel()
	hostTLS, material, err := NewTLS()
	if err != nil {
		t.Fatal(err)
	}
	server, err := ServerTLS(material)
	if err != nil {
		t.Fatal(err)
	}
	st, err := pipeHandshake(hostTLS, server)
	if err != nil {
		t.Fatal(err)
	}
	if st.CurveID != tls.X25519 || st.Version != tls.VersionTLS13 || len(st.PeerCertificates) != 1 {
		t.Fatalf("negotiated %v over %x with %d certificates, want X25519 over TLS 1.3 with the plugin's certificate", st.CurveID, st.Version, len(st.PeerCertificates))
	}
}

// BenchmarkTLSStart measures what the mutual TLS costs one plugin start:
// both identities, the plugin parsing its material, and both handshakes.
func BenchmarkTLSStart(b *testing.B) {
	for b.Loop() {
		hostTLS, material, err := NewTLS()
		if err != nil {
			b.Fatal(err)
		}
		server, err := ServerTLS(material)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pipeHandshake(hostTLS, server); err != nil {
			b.Fatal(err)
		}
	}
}
