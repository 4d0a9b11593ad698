// lwc-realserver: a real kube-apiserver (k8s.io/kubernetes cmd/kube-apiserver/app) on an embedded
// etcd, on loopback, behind a plain-HTTP proxy, so that lwc's differential checks and clients can
// talk to it exactly as they talk to lwc-mockserver.
//
// What it does, in order:
//   - starts an embedded etcd (go.etcd.io/etcd/server/v3/embed) on 127.0.0.1 in a temporary dir;
//   - writes a service-account key pair and a static token file, starts kube-apiserver on a
//     loopback secure port with AlwaysAllow authorization (the envtest set-up, minus the
//     downloaded binaries) and waits for /readyz;
//   - serves plain HTTP on --listen: every request is forwarded to the apiserver with the token,
//     unbuffered (watches stream through); /fidelity/v1/compact compacts etcd at its current
//     revision (a real compaction), /fidelity/v1/revision reports that revision;
//   - prints one line `READY http://ADDR etcd_ms=N apiserver_ms=N total_ms=N` on stdout, and
//     stops cleanly on SIGTERM/SIGINT (apiserver first, then etcd), removing its directory.
//
// Never listens on anything but 127.0.0.1.
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

const token = "lwc-fidelity-token"

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func writeServiceAccountKeys(dir string) (string, string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", fmt.Errorf("service-account key: %w", err)
	}
	priv := filepath.Join(dir, "sa.key")
	pub := filepath.Join(dir, "sa.pub")
	privPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", fmt.Errorf("service-account public key: %w", err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	if err := os.WriteFile(priv, privPEM, 0o600); err != nil {
		return "", "", err
	}
	if err := os.WriteFile(pub, pubPEM, 0o644); err != nil {
		return "", "", err
	}
	return priv, pub, nil
}

func startEtcd(dir string) (*embed.Etcd, string, error) {
	cport, err := freePort()
	if err != nil {
		return nil, "", err
	}
	pport, err := freePort()
	if err != nil {
		return nil, "", err
	}
	cfg := embed.NewConfig()
	cfg.Name = "lwc-fidelity"
	cfg.Dir = filepath.Join(dir, "etcd")
	curl, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", cport))
	purl, _ := url.Parse(fmt.Sprintf("http://127.0.0.1:%d", pport))
	cfg.ListenClientUrls = []url.URL{*curl}
	cfg.AdvertiseClientUrls = []url.URL{*curl}
	cfg.ListenPeerUrls = []url.URL{*purl}
	cfg.AdvertisePeerUrls = []url.URL{*purl}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogLevel = "error"
	// No fsync: the API semantics do not depend on it and the machine is shared; envtest's etcd
	// does fsync, so its start-up can be slower on slow disks.
	cfg.UnsafeNoFsync = true
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", fmt.Errorf("etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, "", fmt.Errorf("etcd: not ready after 60 s")
	}
	return e, curl.String(), nil
}

func waitReady(client *http.Client, base string, deadline time.Time, apiDone <-chan error) error {
	var last string
	for time.Now().Before(deadline) {
		select {
		case err := <-apiDone:
			return fmt.Errorf("kube-apiserver exited during start-up: %v", err)
		default:
		}
		req, _ := http.NewRequest("GET", base+"/readyz", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("kube-apiserver not ready: %s", last)
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "plain-HTTP address for the proxy (loopback only)")
	keep := flag.String("dir", "", "working directory (default: a new temporary one, removed on exit)")
	kubeconfig := flag.String("kubeconfig", "", "also write a kubeconfig for the plain-HTTP address here")
	var extra stringList
	flag.Var(&extra, "apiserver-arg", "an extra kube-apiserver flag (repeatable), e.g. --feature-gates=WatchList=true")
	flag.Parse()
	if err := run(*listen, *keep, *kubeconfig, extra); err != nil {
		fmt.Fprintln(os.Stderr, "lwc-realserver:", err)
		os.Exit(1)
	}
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, " ") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func run(listen, dir, kubeconfig string, extra []string) error {
	host, _, err := net.SplitHostPort(listen)
	if err != nil || (host != "127.0.0.1" && host != "localhost") {
		return fmt.Errorf("--listen %q: only 127.0.0.1 is allowed", listen)
	}
	t0 := time.Now()
	if dir == "" {
		dir, err = os.MkdirTemp("", "lwc-realserver-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	etcd, etcdURL, err := startEtcd(dir)
	if err != nil {
		return err
	}
	defer etcd.Close()
	tEtcd := time.Now()

	priv, pub, err := writeServiceAccountKeys(dir)
	if err != nil {
		return err
	}
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(token+",admin,admin-uid,system:masters\n"), 0o600); err != nil {
		return err
	}
	sport, err := freePort()
	if err != nil {
		return err
	}
	args := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", sport),
		"--cert-dir=" + filepath.Join(dir, "certs"),
		"--authorization-mode=AlwaysAllow",
		"--token-auth-file=" + tokens,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + pub,
		"--service-account-signing-key-file=" + priv,
		"--service-cluster-ip-range=10.0.0.0/24",
		// No controller-manager runs, so no namespace gets a "default" ServiceAccount; envtest
		// disables the same plugin for the same reason.
		"--disable-admission-plugins=ServiceAccount",
		// No "kubernetes" Service endpoints: 1.37 refuses a loopback advertise address for them.
		"--endpoint-reconciler-type=none",
		// Compaction only when a check asks for it (/fidelity/v1/compact), never on a timer.
		"--etcd-compaction-interval=0",
		"--profiling=false",
	}
	args = append(args, extra...)
	cmd := app.NewAPIServerCommand()
	cmd.SetArgs(args)
	apiDone := make(chan error, 1)
	go func() { apiDone <- cmd.Execute() }()

	secure := fmt.Sprintf("https://127.0.0.1:%d", sport)
	// The apiserver's self-signed serving certificate is written to --cert-dir; wait for it and
	// trust exactly it.
	certFile := filepath.Join(dir, "certs", "apiserver.crt")
	var pool *x509.CertPool
	for deadline := time.Now().Add(120 * time.Second); ; {
		if pemBytes, err := os.ReadFile(certFile); err == nil && len(pemBytes) > 0 {
			pool = x509.NewCertPool()
			if pool.AppendCertsFromPEM(pemBytes) {
				break
			}
		}
		select {
		case err := <-apiDone:
			return fmt.Errorf("kube-apiserver exited during start-up: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no serving certificate at %s after 120 s", certFile)
		}
		time.Sleep(50 * time.Millisecond)
	}
	transport := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: pool}, // the certificate names 127.0.0.1
		MaxIdleConnsPerHost: 64,
		ForceAttemptHTTP2:   false,
	}
	client := &http.Client{Transport: transport, Timeout: 5 * time.Second}
	if err := waitReady(client, secure, time.Now().Add(180*time.Second), apiDone); err != nil {
		return err
	}
	tReady := time.Now()

	etcdClient, err := clientv3.New(clientv3.Config{Endpoints: []string{etcdURL}, DialTimeout: 5 * time.Second})
	if err != nil {
		return fmt.Errorf("etcd client: %w", err)
	}
	defer etcdClient.Close()

	target, _ := url.Parse(secure)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = transport
	proxy.FlushInterval = -1
	base := proxy.Director
	proxy.Director = func(r *http.Request) {
		base(r)
		r.Header.Set("Authorization", "Bearer "+token)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/fidelity/v1/revision", func(w http.ResponseWriter, r *http.Request) {
		rev, err := revision(r.Context(), etcdClient)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		writeJSON(w, map[string]int64{"revision": rev})
	})
	mux.HandleFunc("/fidelity/v1/compact", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" {
			http.Error(w, "POST only", 405)
			return
		}
		rev, err := revision(r.Context(), etcdClient)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if _, err := etcdClient.Compact(r.Context(), rev, clientv3.WithCompactPhysical()); err != nil {
			http.Error(w, "compact: "+err.Error(), 500)
			return
		}
		writeJSON(w, map[string]int64{"compacted": rev})
	})
	mux.Handle("/", proxy)
	l, err := net.Listen("tcp", listen)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(l)
	addr := l.Addr().String()
	if kubeconfig != "" {
		kc := fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters:\n- name: real\n  cluster:\n    server: http://%s\n"+
			"contexts:\n- name: real\n  context:\n    cluster: real\n    namespace: default\ncurrent-context: real\nusers: []\n", addr)
		if err := os.WriteFile(kubeconfig, []byte(kc), 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("READY http://%s etcd_ms=%d apiserver_ms=%d total_ms=%d\n", addr,
		tEtcd.Sub(t0).Milliseconds(), tReady.Sub(tEtcd).Milliseconds(), tReady.Sub(t0).Milliseconds())
	os.Stdout.Sync()

	// The apiserver's command set up its own SIGTERM/SIGINT handling: it returns from Execute
	// once it has shut down, then etcd is closed by the deferred calls.
	err = <-apiDone
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	if err != nil && !strings.Contains(err.Error(), "context canceled") {
		return fmt.Errorf("kube-apiserver: %w", err)
	}
	return nil
}

func revision(ctx context.Context, c *clientv3.Client) (int64, error) {
	resp, err := c.Get(ctx, "/lwc-fidelity-probe")
	if err != nil {
		return 0, fmt.Errorf("etcd get: %w", err)
	}
	return resp.Header.Revision, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
