// lwc-realplay: plays catalog scenarios that need no injected fault against any API server
// (lwc-mockserver --empty or lwc-realserver) entirely through the API: the world is created with
// POSTs, the timeline's writes are API writes, a compaction is the server's own (the mock's
// /lwc/v1/compact, the real etcd's through /fidelity/v1/compact). A client speaking the lwc client
// protocol (lwc-watch) is started against a counting proxy in front of the server, so that the
// listPages and watchOpened triggers work alike on both; its snapshots are compared with the
// server's own lists (initial state after READY, convergence at each checkpoint and at the end).
// Prints one Markdown row per scenario per server.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"lwc/fidelity/internal/serverproc"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

type scenario struct {
	Name     string          `json:"name"`
	Requires []string        `json:"requires"`
	Resource json.RawMessage `json:"resource"`
	Client   struct {
		Namespace           string `json:"namespace"`
		LabelSelector       string `json:"labelSelector"`
		PageSize            *int   `json:"pageSize"`
		WatchList           bool   `json:"watchList"`
		KubeconfigNamespace string `json:"kubeconfigNamespace"`
		WatchTimeoutSeconds int    `json:"watchTimeoutSeconds"`
	} `json:"client"`
	World struct {
		Objects  []json.RawMessage `json:"objects"`
		Generate []struct {
			Namespaces      *int              `json:"namespaces"`
			NamespacePrefix string            `json:"namespacePrefix"`
			PerNamespace    int               `json:"perNamespace"`
			NamePrefix      string            `json:"namePrefix"`
			Labels          map[string]string `json:"labels"`
			LabelEvery      int               `json:"labelEvery"`
			Resource        string            `json:"resource"`
		} `json:"generate"`
	} `json:"world"`
	Server     map[string]any    `json:"server"`
	Faults     []json.RawMessage `json:"faults"`
	Timeline   []tstep           `json:"timeline"`
	DeadlineMs int               `json:"deadlineMs"`
}

type tstep struct {
	When *struct {
		Event string `json:"event"`
		Count int    `json:"count"`
	} `json:"when"`
	AfterMs       int                `json:"afterMs"`
	Do            string             `json:"do"`
	Object        json.RawMessage    `json:"object"`
	Namespace     string             `json:"namespace"`
	Name          string             `json:"name"`
	LabelSelector string             `json:"labelSelector"`
	Labels        map[string]*string `json:"labels"`
	Count         int                `json:"count"`
	IntervalMs    int                `json:"intervalMs"`
	Checkpoint    string             `json:"checkpoint"`
	DeadlineMs    int                `json:"deadlineMs"`
	Resource      string             `json:"resource"`
}

type resource struct {
	Group, Version, Plural string
	Namespaced             bool
	apiPath                string
}

func (s *scenario) resource() resource {
	r := resource{Version: "v1", Plural: "pods", Namespaced: true}
	var raw struct {
		Group, Version, Plural string
	}
	json.Unmarshal(s.Resource, &raw)
	if raw.Version != "" {
		r.Version = raw.Version
	}
	if raw.Plural != "" {
		r.Plural = raw.Plural
	}
	r.Group = raw.Group
	if r.Plural == "namespaces" {
		r.Namespaced = false
	}
	r.apiPath = "/api/" + r.Version
	if r.Group != "" {
		r.apiPath = "/apis/" + r.Group + "/" + r.Version
	}
	return r
}

// applicable says why a scenario cannot be played through the API alone ("" if it can).
func (s *scenario) applicable() string {
	if len(s.Faults) > 0 {
		return "injects faults"
	}
	for k := range s.Server {
		// rv0 only chooses how RV=0 lists are paged, a choice a correct client must cope with
		// either way; a real server answers as its watch cache does (whole lists).
		if k != "rv0" {
			return "needs the mock's server behaviour " + k
		}
	}
	res := s.resource()
	if res.Group != "" {
		return "custom resource (no CRD is installed on the real server)"
	}
	for _, st := range s.Timeline {
		switch st.Do {
		case "create", "update", "delete", "deleteAll", "relabel", "recreate", "churn", "compact", "checkpoint", "wait":
		default:
			return "step " + st.Do
		}
		if st.When != nil {
			switch st.When.Event {
			case "ready", "listPages", "watchOpened":
			default:
				return "trigger " + st.When.Event
			}
		}
		if st.Resource != "" && st.Resource != res.Plural {
			return "writes to another collection"
		}
	}
	return ""
}

// ---------------------------------------------------------------------------------------------

// counting proxy: counts list pages and opened watches on the watched collection.
type counter struct {
	mu      sync.Mutex
	lists   int
	watches int
	coll    string
	changed chan struct{} // closed (and replaced) at every count, to wake wait
}

func newCounter(coll string) *counter {
	return &counter{coll: coll, changed: make(chan struct{})}
}

// add counts a list page or an opened watch and wakes the waiters.
func (c *counter) add(watch bool) {
	c.mu.Lock()
	if watch {
		c.watches++
	} else {
		c.lists++
	}
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}

// wait waits until n events were counted; false at the deadline or when quit is closed.
func (c *counter) wait(event string, n int, deadline time.Time, quit <-chan struct{}) bool {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		c.mu.Lock()
		got := c.lists
		if event == "watchOpened" {
			got = c.watches
		}
		changed := c.changed
		c.mu.Unlock()
		if got >= n {
			return true
		}
		select {
		case <-changed:
		case <-timer.C:
			return false
		case <-quit:
			return false
		}
	}
}

func startProxy(target string, c *counter) (string, func(), error) {
	u, _ := url.Parse(target)
	p := httputil.NewSingleHostReverseProxy(u)
	p.FlushInterval = -1
	p.ModifyResponse = func(resp *http.Response) error {
		r := resp.Request
		if r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/"+c.coll) && resp.StatusCode == 200 {
			w := r.URL.Query().Get("watch")
			c.add(w != "" && w != "0" && strings.ToLower(w) != "false")
		}
		return nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: p}
	go srv.Serve(l)
	return "http://" + l.Addr().String(), func() { srv.Close() }, nil
}

// ---------------------------------------------------------------------------------------------

type api struct {
	base  string
	res   resource
	churn int // the next churn-N: per play, so that a scenario makes the same writes on every server
}

func (a *api) do(method, path string, body []byte, ctype string) (int, []byte, error) {
	req, err := http.NewRequest(method, a.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		if ctype == "" {
			ctype = "application/json"
		}
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func (a *api) collection(ns string) string {
	if a.res.Namespaced && ns != "" {
		return a.res.apiPath + "/namespaces/" + ns + "/" + a.res.Plural
	}
	return a.res.apiPath + "/" + a.res.Plural
}

func (a *api) ensureNamespace(ns string, seen map[string]bool) error {
	if ns == "" || seen[ns] {
		return nil
	}
	seen[ns] = true
	code, b, err := a.do("POST", "/api/v1/namespaces", []byte(fmt.Sprintf(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":%q}}`, ns)), "")
	if err != nil {
		return err
	}
	if code != 201 && code != 409 {
		return fmt.Errorf("create namespace %s: %d %s", ns, code, b)
	}
	return nil
}

func kindOf(plural string) string {
	switch plural {
	case "pods":
		return "Pod"
	case "configmaps":
		return "ConfigMap"
	case "namespaces":
		return "Namespace"
	}
	return ""
}

// generated is a world.generate or churn object: the names, namespaces and labels of
// mockserver/src/scenario_run.c generated_object, with a shorter body (what is compared is
// keys, uids and resourceVersions; a real apiserver drops a created pod's status anyway).
func generated(plural, ns, name string, labels map[string]string) []byte {
	lb, _ := json.Marshal(labels)
	if labels == nil {
		lb = []byte("{}")
	}
	switch plural {
	case "pods":
		return []byte(fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q,"namespace":%q,"labels":%s},`+
			`"spec":{"containers":[{"name":"app","image":"registry.example.com/app:1.0","ports":[{"containerPort":8080,"protocol":"TCP"}]}],"nodeName":"node-1"},`+
			`"status":{"phase":"Running","podIP":"10.0.0.1","containerStatuses":[{"name":"app","ready":true,"restartCount":0,"image":"registry.example.com/app:1.0","state":{"running":{}}}]}}`,
			name, ns, lb))
	case "configmaps":
		return []byte(fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q,"namespace":%q,"labels":%s},"data":{"key":%q}}`, name, ns, lb, name))
	case "namespaces":
		return []byte(fmt.Sprintf(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":%q,"labels":%s}}`, name, lb))
	}
	return nil
}

// stepObject is the object a create or recreate step without "object" writes, built from its
// name, namespace and labels as the mock's builder does (mockserver/src/scenario_run.c,
// scenario_object, not running): a pod with one container, a ConfigMap's data.key, another
// resource's spec.value.
func stepObject(plural, ns, name string, labels map[string]*string) []byte {
	md := map[string]any{"name": name}
	if ns != "" {
		md["namespace"] = ns
	}
	if labels != nil {
		md["labels"] = labels
	}
	obj := map[string]any{"metadata": md}
	switch plural {
	case "pods":
		obj["spec"] = map[string]any{"containers": []any{map[string]any{"name": "app", "image": "registry.example.com/app:1.0"}}}
	case "configmaps":
		obj["data"] = map[string]any{"key": name}
	default:
		obj["spec"] = map[string]any{"value": name}
	}
	b, _ := json.Marshal(obj)
	return b
}

func withKind(obj []byte, plural string) (map[string]any, string, string) {
	var m map[string]any
	json.Unmarshal(obj, &m)
	if m == nil {
		m = map[string]any{}
	}
	if _, ok := m["apiVersion"]; !ok {
		m["apiVersion"] = "v1"
	}
	if _, ok := m["kind"]; !ok {
		m["kind"] = kindOf(plural)
	}
	md, _ := m["metadata"].(map[string]any)
	ns, _ := md["namespace"].(string)
	name, _ := md["name"].(string)
	return m, ns, name
}

func (a *api) create(obj []byte, seen map[string]bool) error {
	m, ns, _ := withKind(obj, a.res.Plural)
	if a.res.Namespaced && ns == "" {
		ns = "default"
	}
	if a.res.Namespaced {
		if err := a.ensureNamespace(ns, seen); err != nil {
			return err
		}
	}
	b, _ := json.Marshal(m)
	code, body, err := a.do("POST", a.collection(ns), b, "")
	if err != nil {
		return err
	}
	if code != 201 {
		return fmt.Errorf("create: %d %s", code, truncate(string(body)))
	}
	return nil
}

func truncate(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

func (a *api) objPath(ns, name string) string {
	return a.collection(ns) + "/" + name
}

func (a *api) update(obj []byte) error {
	m, ns, name := withKind(obj, a.res.Plural)
	if a.res.Namespaced && ns == "" {
		ns = "default"
	}
	// An update step carries no resourceVersion: read the current one, as the mock's update does
	// unconditionally. Status is a subresource on the real server: a PUT keeps the old status.
	code, cur, err := a.do("GET", a.objPath(ns, name), nil, "")
	if err != nil || code != 200 {
		return fmt.Errorf("update: get %s/%s: %d %v", ns, name, code, err)
	}
	var cm map[string]any
	json.Unmarshal(cur, &cm)
	md, _ := m["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		m["metadata"] = md
	}
	cmd, _ := cm["metadata"].(map[string]any)
	md["resourceVersion"] = cmd["resourceVersion"]
	if a.res.Plural == "pods" {
		// A real apiserver refuses pod spec changes other than images (the mock takes any
		// update): keep the current spec and carry over only the step's container images.
		spec, _ := cm["spec"].(map[string]any)
		want := map[string]string{}
		if ws, ok := m["spec"].(map[string]any); ok {
			cs, _ := ws["containers"].([]any)
			for _, c := range cs {
				if cmap, ok := c.(map[string]any); ok {
					n, _ := cmap["name"].(string)
					img, _ := cmap["image"].(string)
					want[n] = img
				}
			}
		}
		cs, _ := spec["containers"].([]any)
		for _, c := range cs {
			if cmap, ok := c.(map[string]any); ok {
				if img := want[fmt.Sprint(cmap["name"])]; img != "" {
					cmap["image"] = img
				}
			}
		}
		m["spec"] = spec
	}
	b, _ := json.Marshal(m)
	code, body, err := a.do("PUT", a.objPath(ns, name), b, "")
	if err != nil || code != 200 {
		return fmt.Errorf("update: %d %s %v", code, truncate(string(body)), err)
	}
	return nil
}

func (a *api) delete(ns, name string) error {
	code, body, err := a.do("DELETE", a.objPath(ns, name), nil, "")
	if err != nil || (code != 200 && code != 202) {
		return fmt.Errorf("delete %s/%s: %d %s %v", ns, name, code, truncate(string(body)), err)
	}
	return nil
}

type item struct {
	Namespace, Name, UID, RV string
}

func (a *api) list(ns, selector string) (map[string]item, error) {
	q := url.Values{}
	if selector != "" {
		q.Set("labelSelector", selector)
	}
	code, body, err := a.do("GET", a.collection(ns)+"?"+q.Encode(), nil, "")
	if err != nil || code != 200 {
		return nil, fmt.Errorf("list: %d %v", code, err)
	}
	var l struct {
		Items []struct {
			Metadata struct {
				Namespace, Name, UID, ResourceVersion string
			} `json:"metadata"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &l); err != nil {
		return nil, err
	}
	out := map[string]item{}
	for _, it := range l.Items {
		m := it.Metadata
		out[m.Namespace+"/"+m.Name] = item{m.Namespace, m.Name, m.UID, m.ResourceVersion}
	}
	return out, nil
}

// ---------------------------------------------------------------------------------------------

type clientProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	ready chan struct{} // closed at the client's READY line
	exit  chan struct{} // closed when its stdout ends
	mu    sync.Mutex
	seq   int
	dumps map[int]chan map[string]item // the DUMP requests waiting for their SNAPSHOT, by seq
}

func startClient(cmdline []string, env []string, logPath string) (*clientProc, error) {
	c := &clientProc{ready: make(chan struct{}), exit: make(chan struct{}), dumps: map[int]chan map[string]item{}}
	c.cmd = exec.Command(cmdline[0], cmdline[1:]...)
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer lf.Close() // the child has its own copy once started
	c.cmd.Stderr = lf
	out, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c.stdin, err = c.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			var l struct {
				Type  string `json:"type"`
				Seq   int    `json:"seq"`
				Items []struct {
					Namespace, Name, UID, ResourceVersion string
				} `json:"items"`
			}
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				continue
			}
			switch l.Type {
			case "READY":
				select {
				case <-c.ready:
				default:
					close(c.ready)
				}
			case "SNAPSHOT":
				m := map[string]item{}
				for _, it := range l.Items {
					m[it.Namespace+"/"+it.Name] = item{it.Namespace, it.Name, it.UID, it.ResourceVersion}
				}
				c.mu.Lock()
				if ch := c.dumps[l.Seq]; ch != nil {
					ch <- m // buffered: the asker may have given up
					delete(c.dumps, l.Seq)
				}
				c.mu.Unlock()
			}
		}
		close(c.exit)
	}()
	return c, nil
}

// waitReady waits for the client's READY line; false if it exits first or the deadline passes.
func (c *clientProc) waitReady(deadline time.Time) bool {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case <-c.ready:
		return true
	case <-c.exit:
		// A READY line read just before the end still counts.
		select {
		case <-c.ready:
			return true
		default:
			return false
		}
	case <-timer.C:
		return false
	}
}

// dump asks the client for its store and waits for the SNAPSHOT line with the same seq.
func (c *clientProc) dump(deadline time.Time) (map[string]item, bool) {
	ch := make(chan map[string]item, 1)
	c.mu.Lock()
	c.seq++
	seq := c.seq
	c.dumps[seq] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.dumps, seq)
		c.mu.Unlock()
	}()
	if _, err := fmt.Fprintf(c.stdin, "DUMP %d\n", seq); err != nil {
		return nil, false
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case s := <-ch:
		return s, true
	case <-c.exit:
		// The SNAPSHOT may have been the client's last line.
		select {
		case s := <-ch:
			return s, true
		default:
			return nil, false
		}
	case <-timer.C:
		return nil, false
	}
}

func (c *clientProc) stop() {
	fmt.Fprintf(c.stdin, "STOP\n")
	c.stdin.Close()
	select {
	case <-c.exit:
	case <-time.After(3 * time.Second):
		syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	}
	c.cmd.Wait()
}

func diffStores(client, server map[string]item) string {
	var d []string
	for k, s := range server {
		c, ok := client[k]
		switch {
		case !ok:
			d = append(d, "missing "+k)
		case c.UID != s.UID:
			d = append(d, "wrong uid "+k)
		case c.RV != s.RV:
			d = append(d, fmt.Sprintf("stale %s (rv %s, server %s)", k, c.RV, s.RV))
		}
	}
	for k := range client {
		if _, ok := server[k]; !ok {
			d = append(d, "extra "+k)
		}
	}
	sort.Strings(d)
	if len(d) > 4 {
		d = append(d[:4], fmt.Sprintf("and %d more", len(d)-4))
	}
	return strings.Join(d, ", ")
}

// converge polls the client's snapshot until it equals the server's list or the deadline passes.
func converge(c *clientProc, a *api, ns, sel string, deadline time.Time) string {
	last := ""
	for {
		srvItems, err := a.list(ns, sel)
		if err != nil {
			return err.Error()
		}
		snap, ok := c.dump(time.Now().Add(5 * time.Second))
		if !ok {
			return "no SNAPSHOT answer"
		}
		last = diffStores(snap, srvItems)
		if last == "" {
			return ""
		}
		if time.Now().After(deadline) {
			return last
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func play(sc *scenario, srv *serverproc.Server, clientCmd []string, logDir string) (verdict string, detail string, dur time.Duration) {
	t0 := time.Now()
	res := sc.resource()
	cnt := newCounter(res.Plural)
	purl, stopProxy, err := startProxy(srv.URL, cnt)
	if err != nil {
		return "error", err.Error(), 0
	}
	defer stopProxy()
	a := &api{base: srv.URL, res: res}
	seen := map[string]bool{}
	// World: objects, then generators, through the API.
	for i, o := range sc.World.Objects {
		var probe struct {
			Resource string `json:"resource"`
		}
		json.Unmarshal(o, &probe)
		if probe.Resource != "" && probe.Resource != res.Plural {
			return "n/a", "world object in another collection", 0
		}
		var m map[string]any
		json.Unmarshal(o, &m)
		delete(m, "resource")
		b, _ := json.Marshal(m)
		if err := a.create(b, seen); err != nil {
			return "error", fmt.Sprintf("world.objects[%d]: %v", i, err), 0
		}
	}
	for _, g := range sc.World.Generate {
		// The parser's defaults (scenario/src/scenario_parse.c).
		if g.NamespacePrefix == "" {
			g.NamespacePrefix = "ns"
		}
		if g.NamePrefix == "" {
			g.NamePrefix = "obj"
		}
		nns := 1
		if g.Namespaces != nil {
			nns = *g.Namespaces
		}
		if g.Resource != "" && g.Resource != res.Plural {
			return "n/a", "generates another collection", 0
		}
		if !res.Namespaced {
			nns = 1
		}
		every := g.LabelEvery
		if every == 0 {
			every = 1
		}
		for n := 0; n < nns; n++ {
			ns := ""
			if res.Namespaced {
				ns = fmt.Sprintf("%s-%d", g.NamespacePrefix, n)
			}
			for k := 0; k < g.PerNamespace; k++ {
				var labels map[string]string
				if k%every == 0 {
					labels = g.Labels
				}
				if err := a.create(generated(res.Plural, ns, fmt.Sprintf("%s-%05d", g.NamePrefix, k), labels), seen); err != nil {
					return "error", "world.generate: " + err.Error(), 0
				}
			}
		}
	}
	tWorld := time.Since(t0)
	pageSize := 500
	if sc.Client.PageSize != nil {
		pageSize = *sc.Client.PageSize
	}
	kubeNS := sc.Client.KubeconfigNamespace
	if kubeNS == "" {
		kubeNS = "default"
	}
	kc := fmt.Sprintf("%s/%s-%s.kubeconfig", logDir, sc.Name, srv.Name)
	if err := os.WriteFile(kc, []byte(fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters:\n- name: s\n  cluster:\n    server: %s\ncontexts:\n- name: s\n  context:\n    cluster: s\n    namespace: %s\ncurrent-context: s\nusers: []\n", purl, kubeNS)), 0o644); err != nil {
		return "error", err.Error(), 0
	}
	watchList := "0"
	if sc.Client.WatchList {
		watchList = "1"
	}
	env := []string{"KUBECONFIG=" + kc, "LWC_SERVER=" + purl, "LWC_API_PATH=" + res.apiPath, "LWC_RESOURCE=" + res.Plural,
		"LWC_NAMESPACE=" + sc.Client.Namespace, "LWC_COLLECTION=" + a.collection(sc.Client.Namespace),
		fmt.Sprintf("LWC_PAGE_SIZE=%d", pageSize), "LWC_LABEL_SELECTOR=" + sc.Client.LabelSelector,
		"LWC_WATCH_LIST=" + watchList, "LWC_SCENARIO=" + sc.Name}
	if sc.Client.WatchTimeoutSeconds > 0 {
		env = append(env, fmt.Sprintf("LWC_WATCH_TIMEOUT=%d", sc.Client.WatchTimeoutSeconds))
	}
	c, err := startClient(clientCmd, env, fmt.Sprintf("%s/%s-%s.client.log", logDir, sc.Name, srv.Name))
	if err != nil {
		return "error", err.Error(), 0
	}
	defer c.stop()
	ns, sel := sc.Client.Namespace, sc.Client.LabelSelector
	// Steps triggered before READY (listPages) run while the client lists.
	idx := 0
	var failures []string
	// quit stops the steps that run before READY when play gives up on the client: none may
	// write once the server is stopped, and its port may be the next server's.
	quit := make(chan struct{})
	runSteps := func(untilReady bool) string {
		for idx < len(sc.Timeline) {
			st := sc.Timeline[idx]
			if st.Do == "checkpoint" {
				return ""
			}
			if st.When != nil {
				count := st.When.Count
				if count == 0 {
					count = 1
				}
				switch st.When.Event {
				case "ready":
					if untilReady {
						return ""
					}
				case "listPages", "watchOpened":
					if !cnt.wait(st.When.Event, count, time.Now().Add(30*time.Second), quit) {
						return fmt.Sprintf("step %d: trigger %s %d never came", idx, st.When.Event, count)
					}
				}
			} else if untilReady {
				return ""
			}
			select {
			case <-time.After(time.Duration(st.AfterMs) * time.Millisecond):
			case <-quit:
				return "stopped"
			}
			if err := doStep(a, srv, st, seen); err != "" {
				return fmt.Sprintf("step %d (%s): %s", idx, st.Do, err)
			}
			idx++
		}
		return ""
	}
	stepErr := make(chan string, 1)
	go func() { stepErr <- runSteps(true) }()
	deadline := sc.DeadlineMs
	if deadline == 0 {
		deadline = 10000
	}
	if !c.waitReady(time.Now().Add(60 * time.Second)) {
		close(quit)
		<-stepErr
		return "fail", "no READY within 60 s", time.Since(t0)
	}
	if e := <-stepErr; e != "" {
		return "error", e, time.Since(t0)
	}
	// Initial state: with no writes in flight, the snapshot must equal the server's list.
	srvItems, err := a.list(ns, sel)
	if err != nil {
		return "error", err.Error(), time.Since(t0)
	}
	if snap, ok := c.dump(time.Now().Add(5 * time.Second)); !ok {
		failures = append(failures, "initial-state: no SNAPSHOT")
	} else if d := diffStores(snap, srvItems); d != "" {
		// Writes triggered by listPages may have landed after the list: allow convergence.
		if !sc.triggeredBy("listPages") {
			failures = append(failures, "initial-state: "+d)
		}
	}
	for idx < len(sc.Timeline) {
		st := sc.Timeline[idx]
		if st.Do == "checkpoint" {
			if d := converge(c, a, ns, sel, time.Now().Add(time.Duration(max(st.DeadlineMs, 1000))*time.Millisecond)); d != "" {
				failures = append(failures, "convergence at "+st.Checkpoint+": "+d)
			}
			idx++
			continue
		}
		if e := runSteps(false); e != "" {
			return "error", e, time.Since(t0)
		}
	}
	if d := converge(c, a, ns, sel, time.Now().Add(time.Duration(deadline)*time.Millisecond)); d != "" {
		failures = append(failures, "convergence at the end: "+d)
	}
	dur = time.Since(t0)
	if len(failures) > 0 {
		return "fail", strings.Join(failures, "; "), dur
	}
	return "pass", fmt.Sprintf("world %.1f s", tWorld.Seconds()), dur
}

// triggeredBy says whether a timeline step waits for this event.
func (s *scenario) triggeredBy(event string) bool {
	for _, st := range s.Timeline {
		if st.When != nil && st.When.Event == event {
			return true
		}
	}
	return false
}

func doStep(a *api, srv *serverproc.Server, st tstep, seen map[string]bool) string {
	var err error
	switch st.Do {
	case "create":
		obj := st.Object
		if len(obj) == 0 {
			obj = stepObject(a.res.Plural, st.Namespace, st.Name, st.Labels)
		}
		err = a.create(obj, seen)
	case "update":
		err = a.update(st.Object)
	case "delete":
		err = a.delete(st.Namespace, st.Name)
	case "recreate":
		code, cur, e := a.do("GET", a.objPath(st.Namespace, st.Name), nil, "")
		if e != nil || code != 200 {
			return fmt.Sprintf("recreate: get: %d %v", code, e)
		}
		obj := cur
		if len(st.Object) > 0 {
			obj = st.Object
		} else if st.Labels != nil {
			obj = stepObject(a.res.Plural, st.Namespace, st.Name, st.Labels)
		}
		var m map[string]any
		json.Unmarshal(obj, &m)
		if md, ok := m["metadata"].(map[string]any); ok {
			for _, k := range []string{"uid", "resourceVersion", "creationTimestamp", "managedFields"} {
				delete(md, k)
			}
		}
		b, _ := json.Marshal(m)
		if err = a.delete(st.Namespace, st.Name); err == nil {
			err = a.create(b, seen)
		}
	case "deleteAll", "relabel":
		sel := st.LabelSelector
		items, e := a.list(st.Namespace, sel)
		if e != nil {
			return e.Error()
		}
		keys := make([]string, 0, len(items))
		for k, it := range items {
			if st.Do == "relabel" && st.Name != "" && it.Name != st.Name {
				continue
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if st.Do == "deleteAll" && st.Count > 0 && st.Count < len(keys) {
			keys = keys[:st.Count]
		}
		for _, k := range keys {
			it := items[k]
			if st.Do == "deleteAll" {
				err = a.delete(it.Namespace, it.Name)
			} else {
				patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"labels": st.Labels}})
				code, body, e := a.do("PATCH", a.objPath(it.Namespace, it.Name), patch, "application/merge-patch+json")
				if e != nil || code != 200 {
					err = fmt.Errorf("relabel %s: %d %s %v", k, code, truncate(string(body)), e)
				}
			}
			if err != nil {
				break
			}
		}
	case "churn":
		ns := st.Namespace
		if ns == "" {
			ns = "default"
		}
		for i := 0; i < st.Count && err == nil; i++ {
			id := a.churn
			a.churn++
			err = a.create(generated(a.res.Plural, ns, fmt.Sprintf("churn-%d", id), map[string]string{"churn": "true"}), seen)
			if err == nil && id%3 == 2 {
				a.delete(ns, fmt.Sprintf("churn-%d", id-1))
			}
			time.Sleep(time.Duration(st.IntervalMs) * time.Millisecond)
		}
	case "compact":
		err = srv.Compact()
	case "wait":
	default:
		return "unsupported step " + st.Do
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func main() {
	var servers serverproc.Flags
	flag.Var(&servers, "server", "NAME=KIND=COMMAND (KIND mock or real; repeatable)")
	client := flag.String("client", "", "the client command (lwc-watch)")
	logDir := flag.String("logs", os.TempDir(), "directory for logs")
	out := flag.String("out", "", "write the Markdown table here (default stdout)")
	harnessJSON := flag.String("harness-json", "", "lwc-harness --json output for the same scenarios: adds its verdicts as a column")
	list := flag.Bool("list", false, "only print the scenarios that can be played, one file a line")
	flag.Parse()
	harness := map[string]string{}
	if *harnessJSON != "" {
		data, err := os.ReadFile(*harnessJSON)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var h struct {
			Scenarios []struct {
				Name, Verdict string
			} `json:"scenarios"`
		}
		if err := json.Unmarshal(data, &h); err != nil {
			fmt.Fprintln(os.Stderr, *harnessJSON, err)
			os.Exit(1)
		}
		for _, s := range h.Scenarios {
			harness[s.Name] = s.Verdict
		}
	}
	if *list {
		for _, f := range flag.Args() {
			data, err := os.ReadFile(f)
			var sc scenario
			if err == nil && json.Unmarshal(data, &sc) == nil && sc.applicable() == "" {
				fmt.Println(f)
			}
		}
		return
	}
	if *client == "" || len(servers) == 0 || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: lwc-realplay --client CMD --server NAME=KIND=CMD... SCENARIO.json...")
		os.Exit(2)
	}
	var srvs []*serverproc.Server
	for _, sp := range servers {
		s, err := serverproc.Parse(sp)
		if err != nil {
			fmt.Fprintln(os.Stderr, "lwc-realplay:", err)
			os.Exit(2)
		}
		srvs = append(srvs, s)
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "| scenario |")
	for _, s := range srvs {
		fmt.Fprintf(&buf, " %s |", s.Name)
	}
	if *harnessJSON != "" {
		fmt.Fprintf(&buf, " lwc-harness on the mock (all checks) |")
	}
	fmt.Fprintf(&buf, "\n|---|")
	for range srvs {
		fmt.Fprintf(&buf, "---|")
	}
	if *harnessJSON != "" {
		fmt.Fprintf(&buf, "---|")
	}
	fmt.Fprintln(&buf)
	for _, f := range flag.Args() {
		data, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var sc scenario
		if err := json.Unmarshal(data, &sc); err != nil {
			fmt.Fprintln(os.Stderr, f, err)
			os.Exit(1)
		}
		if why := sc.applicable(); why != "" {
			fmt.Fprintf(os.Stderr, "lwc-realplay: %s: not played (%s)\n", sc.Name, why)
			continue
		}
		fmt.Fprintf(&buf, "| %s |", sc.Name)
		for _, s := range srvs {
			if err := s.Start(fmt.Sprintf("%s/%s-%s.server.log", *logDir, sc.Name, s.Name), 300*time.Second); err != nil {
				fmt.Fprintf(&buf, " error: %v |", err)
				continue
			}
			v, d, dur := play(&sc, s, strings.Fields(*client), *logDir)
			s.Stop()
			fmt.Fprintf(os.Stderr, "lwc-realplay: %s on %s: %s (%s) in %.1f s\n", sc.Name, s.Name, v, d, dur.Seconds())
			cell := strings.ToUpper(v)
			if v != "pass" {
				cell += ": " + strings.ReplaceAll(d, "|", "\\|")
			}
			fmt.Fprintf(&buf, " %s (%.1f s) |", cell, dur.Seconds())
		}
		if *harnessJSON != "" {
			fmt.Fprintf(&buf, " %s |", harness[sc.Name])
		}
		fmt.Fprintln(&buf)
	}
	if *out != "" {
		if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "lwc-realplay:", err)
			os.Exit(1)
		}
	} else {
		os.Stdout.Write(buf.Bytes())
	}
}
