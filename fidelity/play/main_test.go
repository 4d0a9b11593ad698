// Tests of how lwc-realplay waits: for a trigger's count through the proxy, for the client's READY
// line and for the SNAPSHOT answering a DUMP, each with a deadline and none by sleeping; and that
// the objects it builds for a step given by name are the mock's.
package main

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestCounterWaitsForTheCountOfItsEvent(t *testing.T) {
	c := newCounter("pods")
	go func() {
		for i := 0; i < 3; i++ {
			time.Sleep(20 * time.Millisecond)
			c.add(false)
		}
		c.add(true)
	}()
	if !c.wait("listPages", 3, time.Now().Add(10*time.Second), nil) {
		t.Fatal("3 list pages never counted")
	}
	if !c.wait("watchOpened", 1, time.Now().Add(10*time.Second), nil) {
		t.Fatal("the watch never counted")
	}
	if c.wait("watchOpened", 2, time.Now().Add(50*time.Millisecond), nil) {
		t.Error("a second watch counted that never opened")
	}
	quit := make(chan struct{})
	close(quit)
	t0 := time.Now()
	if c.wait("watchOpened", 2, time.Now().Add(10*time.Second), quit) || time.Since(t0) > 5*time.Second {
		t.Error("wait went on after quit")
	}
}

// A shell stand-in for lwc-watch: READY, then a SNAPSHOT with the seq of every DUMP, until STOP.
const fakeClient = `echo '{"type":"READY"}'
while read cmd seq; do
  case $cmd in
  DUMP) echo "{\"type\":\"SNAPSHOT\",\"seq\":$seq,\"items\":[{\"namespace\":\"ns\",\"name\":\"a$seq\",\"uid\":\"u\",\"resourceVersion\":\"5\"}]}" ;;
  STOP) exit 0 ;;
  esac
done`

func TestClientReadyAndDumpAnswerBySeq(t *testing.T) {
	c, err := startClient([]string{"sh", "-c", fakeClient}, nil, filepath.Join(t.TempDir(), "c.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.stop()
	if !c.waitReady(time.Now().Add(10 * time.Second)) {
		t.Fatal("no READY")
	}
	for _, want := range []string{"ns/a1", "ns/a2"} {
		snap, ok := c.dump(time.Now().Add(10 * time.Second))
		if !ok {
			t.Fatal("no SNAPSHOT")
		}
		if _, ok := snap[want]; !ok || len(snap) != 1 {
			t.Errorf("snapshot %v, want only %s", snap, want)
		}
	}
}

func TestClientThatExitsIsNeverReady(t *testing.T) {
	c, err := startClient([]string{"sh", "-c", "exit 1"}, nil, filepath.Join(t.TempDir(), "c.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.stop()
	t0 := time.Now()
	if c.waitReady(time.Now().Add(10 * time.Second)) {
		t.Fatal("READY from a client that printed nothing")
	}
	if time.Since(t0) > 5*time.Second {
		t.Errorf("waited %s for a client that had exited", time.Since(t0))
	}
	if _, ok := c.dump(time.Now().Add(10 * time.Second)); ok {
		t.Error("SNAPSHOT from a client that had exited")
	}
}

// stepObject builds what the mock's builder does (mockserver/src/scenario_run.c scenario_object,
// not running) for a create or recreate step given by name: the objects here are the pasted
// forms that mockserver/tests/test_scenario_run.c short_forms proves the mock writes alike.
func TestStepObjectIsTheMocksObject(t *testing.T) {
	web, x, nw := "web", "x", "new"
	for _, c := range []struct {
		plural, ns, name string
		labels           map[string]*string
		want             string
	}{
		{"pods", "ns-0", "a", nil,
			`{"metadata":{"name":"a","namespace":"ns-0"},"spec":{"containers":[{"name":"app","image":"registry.example.com/app:1.0"}]}}`},
		{"pods", "ns-0", "a", map[string]*string{"app": &web, "tier": &x},
			`{"metadata":{"name":"a","namespace":"ns-0","labels":{"app":"web","tier":"x"}},"spec":{"containers":[{"name":"app","image":"registry.example.com/app:1.0"}]}}`},
		{"configmaps", "ns-0", "c", nil, `{"metadata":{"name":"c","namespace":"ns-0"},"data":{"key":"c"}}`},
		{"pods", "ns-0", "r", map[string]*string{"app": &nw},
			`{"metadata":{"name":"r","namespace":"ns-0","labels":{"app":"new"}},"spec":{"containers":[{"name":"app","image":"registry.example.com/app:1.0"}]}}`},
		{"namespaces", "", "n", map[string]*string{}, `{"metadata":{"name":"n","labels":{}},"spec":{"value":"n"}}`},
	} {
		var got, want any
		if err := json.Unmarshal(stepObject(c.plural, c.ns, c.name, c.labels), &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(c.want), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s %s/%s: got %v, want %v", c.plural, c.ns, c.name, got, want)
		}
	}
}
