// Tests of the pieces both runners share: each kind of server compacts through its own endpoint,
// a refused compaction is an error, and a server is ready at its ready line, not before.
package serverproc

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"
)

func TestCompactUsesTheKindsOwnEndpoint(t *testing.T) {
	var got []string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path)
		if r.Method != "POST" {
			http.Error(w, "no", 500)
		}
	}))
	defer ts.Close()
	for _, kind := range []string{"mock", "real"} {
		s := &Server{Name: kind, Kind: kind, URL: ts.URL}
		if err := s.Compact(); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
	}
	want := []string{"POST /lwc/v1/compact", "POST /fidelity/v1/compact"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("requests %q, want %q", got, want)
	}
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "compaction refused", 500)
	}))
	defer refusing.Close()
	if err := (&Server{Name: "m", Kind: "mock", URL: refusing.URL}).Compact(); err == nil {
		t.Errorf("a 500 from the compaction endpoint was not an error")
	}
}

func TestStartWaitsForTheReadyLine(t *testing.T) {
	dir := t.TempDir()
	// A shell script stands in for a server: a line before the ready line, then the ready line.
	s := &Server{Name: "x", Kind: "real"}
	s.Cmd = []string{"sh", "-c", "echo starting; sleep 0.2; echo READY http://127.0.0.1:9 etcd_ms=1; exec sleep 30"}
	if err := s.Start(filepath.Join(dir, "x.log"), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	if s.URL != "http://127.0.0.1:9" || s.Detail != "etcd_ms=1" {
		t.Errorf("URL %q detail %q", s.URL, s.Detail)
	}
	if s.StartMs < 200 {
		t.Errorf("ready after %d ms, before the ready line", s.StartMs)
	}
	dead := &Server{Name: "dead", Kind: "mock", Cmd: []string{"sh", "-c", "echo no address; exit 3"}}
	if err := dead.Start(filepath.Join(dir, "dead.log"), 10*time.Second); err == nil {
		dead.Stop()
		t.Errorf("a server that exits before its ready line started")
	}
}

func TestParse(t *testing.T) {
	s, err := Parse("real-1.33=real=/bin/lwc-realserver --apiserver-arg=--feature-gates=WatchList=true")
	if err != nil || s.Name != "real-1.33" || s.Kind != "real" || len(s.Cmd) != 2 || s.Cmd[1] != "--apiserver-arg=--feature-gates=WatchList=true" {
		t.Errorf("Parse: %+v %v", s, err)
	}
	// An empty command would only fail at Start, indexing Cmd[0].
	for _, bad := range []string{"m=mock=", "m=mock=  ", "m=other=x", "m=x"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
