// lwc-client-go: the lwc client protocol (docs/client-protocol.md) around a client-go shared informer.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
)

// out serialises protocol lines: event handlers, the DUMP reader and main all write to stdout.
type out struct {
	mu sync.Mutex
	w  *bufio.Writer
}

func (o *out) line(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		klog.Errorf("cannot encode a protocol line: %v", err)
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.w.Write(b)
	o.w.WriteByte('\n')
	if err := o.w.Flush(); err != nil {
		klog.Errorf("writing stdout: %v", err)
	}
}

// key is one object as the protocol reports it.
type key struct {
	Namespace       string `json:"namespace"`
	Name            string `json:"name"`
	UID             string `json:"uid"`
	ResourceVersion string `json:"resourceVersion"`
}

type eventLine struct {
	Type  string `json:"type"`
	Event string `json:"event"`
	key
}

func keyOf(obj any) (key, bool) {
	// A delete the informer only learnt of through a relist arrives as a tombstone holding the
	// last state it had.
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		return key{}, false
	}
	return key{u.GetNamespace(), u.GetName(), string(u.GetUID()), u.GetResourceVersion()}, true
}

// told is the store as the EVENT lines describe it. The informer updates its store first and calls
// the handlers afterwards on their own goroutine (tools/cache/shared_informer.go, HandleDeltas then
// processor.distribute), so at STOP a few notifications may still be on their way; catchUp lets
// them reach stdout before the process exits, rather than dropping what the consumers would get.
type told struct {
	mu      sync.Mutex
	keys    map[string]key
	changed chan struct{}
}

func newTold() *told {
	return &told{keys: map[string]key{}, changed: make(chan struct{}, 1)}
}

func (t *told) note(kind string, k key) {
	t.mu.Lock()
	if kind == "DELETED" {
		delete(t.keys, k.Namespace+"/"+k.Name)
	} else {
		t.keys[k.Namespace+"/"+k.Name] = k
	}
	t.mu.Unlock()
	select {
	case t.changed <- struct{}{}:
	default:
	}
}

// matches says whether the EVENT lines so far describe exactly the store's content.
func (t *told) matches(store cache.Store) bool {
	items := store.List()
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(items) != len(t.keys) {
		return false
	}
	for _, obj := range items {
		k, ok := keyOf(obj)
		if !ok || t.keys[k.Namespace+"/"+k.Name] != k {
			return false
		}
	}
	return true
}

// catchUp waits, at most limit, until every change in the store has been announced. It returns
// early when they match; each handler call wakes it to look again.
func (t *told) catchUp(store cache.Store, limit time.Duration) {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for !t.matches(store) {
		select {
		case <-t.changed:
		case <-deadline.C:
			klog.Warningf("exiting with EVENT lines that do not describe the store after %v", limit)
			return
		}
	}
}

// gvrFromPath turns LWC_API_PATH ("/api/v1", "/apis/GROUP/VERSION") and LWC_RESOURCE into a GVR.
func gvrFromPath(apiPath, resource string) (schema.GroupVersionResource, error) {
	parts := strings.Split(strings.Trim(apiPath, "/"), "/")
	switch {
	case len(parts) == 2 && parts[0] == "api":
		return schema.GroupVersionResource{Version: parts[1], Resource: resource}, nil
	case len(parts) == 3 && parts[0] == "apis":
		return schema.GroupVersionResource{Group: parts[1], Version: parts[2], Resource: resource}, nil
	}
	return schema.GroupVersionResource{}, fmt.Errorf("LWC_API_PATH %q is neither /api/VERSION nor /apis/GROUP/VERSION", apiPath)
}

// libraryVersion is the client-go version this binary was built with, read from its own build info.
func libraryVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "k8s.io/client-go" {
				if d.Replace != nil {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	return "unknown"
}

func run() error {
	// klog writes to stderr (its default); verbosity 4 shows the reflector's watch ends and
	// relists, which is what a failing scenario's report needs. LWC_KLOG_V overrides it.
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	v := os.Getenv("LWC_KLOG_V")
	if v == "" {
		v = "4"
	}
	if err := fs.Set("v", v); err != nil {
		return fmt.Errorf("LWC_KLOG_V %q: %w", v, err)
	}

	apiPath, resource := os.Getenv("LWC_API_PATH"), os.Getenv("LWC_RESOURCE")
	gvr, err := gvrFromPath(apiPath, resource)
	if err != nil {
		return err
	}
	if resource == "" {
		return fmt.Errorf("LWC_RESOURCE is empty")
	}
	pageSize := int64(500)
	if s := os.Getenv("LWC_PAGE_SIZE"); s != "" {
		if pageSize, err = strconv.ParseInt(s, 10, 64); err != nil || pageSize < 0 {
			return fmt.Errorf("LWC_PAGE_SIZE %q is not a page size", s)
		}
	}
	selector := os.Getenv("LWC_LABEL_SELECTOR")
	namespace := os.Getenv("LWC_NAMESPACE") // empty: metav1.NamespaceAll

	// client-go reads its feature gates from KUBE_FEATURE_* variables the first time one is asked
	// for (k8s.io/client-go/features/envvar.go); the reflector asks when it is created, so this must
	// come before the informer. WatchListClient is off by default in 0.33 (Beta, default false).
	watchList := "false"
	if os.Getenv("LWC_WATCH_LIST") == "1" {
		watchList = "true"
	}
	if err := os.Setenv("KUBE_FEATURE_WatchListClient", watchList); err != nil {
		return fmt.Errorf("setting KUBE_FEATURE_WatchListClient: %w", err)
	}

	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		clientcmd.NewDefaultClientConfigLoadingRules(), &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		return fmt.Errorf("loading KUBECONFIG: %w", err)
	}
	cfg.UserAgent = "lwc-client-go/" + libraryVersion()
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("creating the dynamic client: %w", err)
	}

	o := &out{w: bufio.NewWriter(os.Stdout)}
	o.line(map[string]any{
		"type":     "HELLO",
		"protocol": 2,
		"client":   "client-go " + libraryVersion() + " (dynamic shared informer)",
		// No watchTimeout: the reflector sends timeoutSeconds in [5m, 10m) and refuses a
		// MinWatchTimeout below 5 minutes (tools/cache/reflector.go:264-267), and neither the
		// dynamic client nor the REST client puts a deadline on a watch's stream, so a stalled
		// HTTP/1.1 watch is waited on until the server ends it.
		"capabilities": []string{"rewatch", "relist", "retry", "bookmarks", "watchList", "events"},
	})

	// The reflector decides whether to paginate (its pager asks for 500 by default, and nothing on a
	// relist at a known RV, to be served from the watch cache); the page size is the only thing
	// changed, so every paginated list asks for LWC_PAGE_SIZE (0: unpaginated).
	tweak := func(opts *metav1.ListOptions) {
		if selector != "" {
			opts.LabelSelector = selector
		}
		if opts.Limit != 0 || opts.Continue != "" {
			opts.Limit = pageSize
		}
	}
	inf := dynamicinformer.NewFilteredDynamicInformer(client, gvr, namespace, 0, cache.Indexers{}, tweak).Informer()

	told := newTold()
	ev := func(kind string, obj any) {
		k, ok := keyOf(obj)
		if !ok {
			klog.Errorf("event %s on an object of type %T", kind, obj)
			return
		}
		o.line(eventLine{Type: "EVENT", Event: kind, key: k})
		told.note(kind, k)
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { ev("ADDED", obj) },
		UpdateFunc: func(_, obj any) { ev("MODIFIED", obj) },
		DeleteFunc: func(obj any) { ev("DELETED", obj) },
	}); err != nil {
		return fmt.Errorf("adding the event handler: %w", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go inf.RunWithContext(ctx)

	// stdin: DUMP N answers from the informer's store; STOP or end of input ends the run.
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) == 0 {
				continue
			}
			switch f[0] {
			case "STOP":
				told.catchUp(inf.GetStore(), 1500*time.Millisecond)
				return
			case "DUMP":
				seq := int64(0)
				if len(f) > 1 {
					seq, _ = strconv.ParseInt(f[1], 10, 64)
				}
				items := []key{}
				for _, obj := range inf.GetStore().List() {
					if k, ok := keyOf(obj); ok {
						items = append(items, k)
					}
				}
				o.line(map[string]any{"type": "SNAPSHOT", "seq": seq, "items": items})
			default:
				klog.Warningf("unknown command %q", sc.Text())
			}
		}
		told.catchUp(inf.GetStore(), 1500*time.Millisecond)
	}()

	synced := make(chan bool, 1)
	go func() { synced <- cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) }()
	select {
	case ok := <-synced:
		if ok {
			o.line(map[string]string{"type": "READY"})
		}
		<-stopped
	case <-stopped:
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "lwc-client-go: %v\n", err)
		klog.Flush()
		os.Exit(1)
	}
	klog.Flush()
	os.Exit(0)
}
