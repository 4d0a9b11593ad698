// lwc-fidelity: sends the same requests (fidelity/checks/*.json) to lwc-mockserver and to real
// kube-apiservers, normalises what must differ (uids, timestamps, resourceVersion values, which
// are kept by their order and role) and writes a Markdown table of the divergences, with the
// start-up time and memory of every server.
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"lwc/fidelity/internal/serverproc"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ---------------------------------------------------------------------------------------------
// Ordered JSON: objects keep their member order, so that Go struct order can be compared too.

type member struct {
	Key string
	Val any
}
type object []member

func (o object) get(k string) (any, bool) {
	for _, m := range o {
		if m.Key == k {
			return m.Val, true
		}
	}
	return nil, false
}

func parseOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data")
	}
	return v, nil
}

func parseValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := object{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				o = append(o, member{kt.(string), v})
			}
			_, err := dec.Token()
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token()
			return a, err
		}
	}
	return tok, nil
}

// ---------------------------------------------------------------------------------------------
// Checks

type step struct {
	ID         string            `json:"id"`
	Do         string            `json:"do"` // "" (a request), "compact", "await", "sleep"
	Method     string            `json:"method"`
	Path       string            `json:"path"`
	Query      map[string]string `json:"query"`
	Headers    map[string]string `json:"headers"`
	Body       json.RawMessage   `json:"body"`
	RawBody    string            `json:"rawBody"`
	Repeat     int               `json:"repeat"`
	Compare    *bool             `json:"compare"`
	Watch      *watchSpec        `json:"watch"`
	Background bool              `json:"background"`
	Await      string            `json:"await"`
	Ms         int               `json:"ms"`
	Only       []string          `json:"only"`   // compare only these paths (prefixes)
	Ignore     []string          `json:"ignore"` // do not compare these paths (prefixes)
	// Extract replaces the body by an object of the named values: NAME -> a path whose segments
	// may select an array element by a member, e.g. "resources[name=pods]".
	Extract map[string]string `json:"extract"`
}

// resultID names the result a step leaves to compare: an await's is its background step's.
func (s *step) resultID() string {
	if s.Do == "await" {
		return s.Await
	}
	return s.ID
}

type watchSpec struct {
	MaxEvents int  `json:"maxEvents"`
	MaxMs     int  `json:"maxMs"`
	Timing    bool `json:"timing"`
}

type check struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Steps       []step `json:"steps"`
	file        string
}

func loadChecks(dir string, only string) ([]check, error) {
	onlyRe, err := regexp.Compile(only)
	if err != nil {
		return nil, fmt.Errorf("--only: %w", err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []check
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var c check
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		c.file = f
		if c.Name == "" {
			return nil, fmt.Errorf("%s: no name", f)
		}
		if !onlyRe.MatchString(c.Name) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// ---------------------------------------------------------------------------------------------
// Servers

// start starts one server under comparison and asks it its version for the report.
func start(s *serverproc.Server, logDir string) error {
	if err := s.Start(filepath.Join(logDir, s.Name+".log"), 300*time.Second); err != nil {
		return err
	}
	s.Version = fetchVersion(s)
	return nil
}

func fetchVersion(s *serverproc.Server) string {
	resp, err := http.Get(s.URL + "/version")
	if err != nil {
		return "?"
	}
	defer resp.Body.Close()
	var v struct {
		GitVersion string `json:"gitVersion"`
	}
	json.NewDecoder(resp.Body).Decode(&v)
	return v.GitVersion
}

// ---------------------------------------------------------------------------------------------
// Running a check against one server

type result struct {
	Status      int    `json:"status"`
	ContentType string `json:"contentType"`
	Body        any    `json:"body"`
	Events      []any  `json:"events,omitempty"`
	End         string `json:"end,omitempty"`
	raw         any
	err         string
}

type runState struct {
	srv     *serverproc.Server
	results map[string]*result
	pending map[string]chan *result
	labels  []rvLabel
	uids    map[string]string
	errors  []string
}

type rvLabel struct {
	rv    uint64
	label string
}

var tmplRe = regexp.MustCompile(`\{\{([^}]*)\}\}`)

func (st *runState) expand(s string, i int) string {
	return tmplRe.ReplaceAllStringFunc(s, func(m string) string {
		expr := m[2 : len(m)-2]
		if expr == "i" {
			return strconv.Itoa(i)
		}
		add := int64(0)
		if strings.HasPrefix(expr, "add:") {
			parts := strings.SplitN(expr[4:], ":", 2)
			if len(parts) == 2 {
				add, _ = strconv.ParseInt(parts[1], 10, 64)
				expr = parts[0]
			}
		}
		dot := strings.IndexByte(expr, '.')
		if dot < 0 {
			return m
		}
		r := st.results[expr[:dot]]
		if r == nil {
			st.errors = append(st.errors, "no result for "+expr[:dot])
			return ""
		}
		var root any = r.raw
		if r.Events != nil && strings.HasPrefix(expr[dot+1:], "events.") {
			root = object{{"events", rawEvents(r)}}
		}
		v := lookup(root, expr[dot+1:])
		if v == nil {
			st.errors = append(st.errors, "template "+m+": no value")
			return ""
		}
		str := scalarString(v)
		if add != 0 {
			n, _ := strconv.ParseInt(str, 10, 64)
			str = strconv.FormatInt(n+add, 10)
		}
		return str
	})
}

func rawEvents(r *result) []any {
	if evs, ok := r.raw.([]any); ok {
		return evs
	}
	return nil
}

var selRe = regexp.MustCompile(`^(.*)\[([^=\]]+)=([^\]]*)\]$`)

func lookup(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		if m := selRe.FindStringSubmatch(p); m != nil {
			arr, _ := lookup(v, m[1]).([]any)
			v = nil
			for _, x := range arr {
				if scalarString(lookup(x, m[2])) == m[3] {
					v = x
					break
				}
			}
			if v == nil {
				return nil
			}
			continue
		}
		switch t := v.(type) {
		case object:
			x, ok := t.get(p)
			if !ok {
				return nil
			}
			v = x
		case []any:
			n, err := strconv.Atoi(p)
			if err != nil || n < 0 || n >= len(t) {
				return nil
			}
			v = t[n]
		default:
			return nil
		}
	}
	return v
}

func scalarString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func (st *runState) do(s *step) error {
	switch s.Do {
	case "compact":
		return st.srv.Compact()
	case "sleep":
		time.Sleep(time.Duration(s.Ms) * time.Millisecond)
		return nil
	case "await":
		ch := st.pending[s.Await]
		if ch == nil {
			return fmt.Errorf("await %s: no such background step", s.Await)
		}
		st.results[s.Await] = <-ch
		return nil
	case "":
	default:
		return fmt.Errorf("unknown do %q", s.Do)
	}
	n := s.Repeat
	if n == 0 {
		n = 1
	}
	for i := 0; i < n; i++ {
		r, err := st.request(s, i)
		if err != nil {
			return err
		}
		if r == nil { // background
			continue
		}
		id := s.ID
		if s.Repeat > 0 {
			id = fmt.Sprintf("%s%d", s.ID, i)
		}
		st.results[id] = r
		if s.Repeat > 0 && i == n-1 {
			st.results[s.ID] = r
		}
		if s.Method != "" && s.Method != "GET" {
			if rv := lookup(r.raw, "metadata.resourceVersion"); rv != nil {
				if n, err := strconv.ParseUint(scalarString(rv), 10, 64); err == nil {
					st.labels = append(st.labels, rvLabel{n, id})
				}
			}
		}
	}
	return nil
}

func (st *runState) request(s *step, i int) (*result, error) {
	before := len(st.errors)
	u := st.srv.URL + st.expand(s.Path, i)
	if len(s.Query) > 0 {
		q := url.Values{}
		keys := make([]string, 0, len(s.Query))
		for k := range s.Query {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			q.Set(k, st.expand(s.Query[k], i))
		}
		u += "?" + q.Encode()
	}
	var body io.Reader
	if len(s.Body) > 0 {
		body = strings.NewReader(st.expand(string(s.Body), i))
	} else if s.RawBody != "" {
		body = strings.NewReader(st.expand(s.RawBody, i))
	}
	if len(st.errors) > before {
		return nil, nil // a template had no value on this server: not sent, not compared
	}
	method := s.Method
	if method == "" {
		method = "GET"
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range s.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, u, err)
	}
	r := &result{Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type")}
	if s.Watch != nil && resp.StatusCode == 200 {
		read := func() *result {
			readWatch(resp, s.Watch, r)
			return r
		}
		if s.Background {
			ch := make(chan *result, 1)
			st.pending[s.ID] = ch
			go func() { ch <- read() }()
			return nil, nil
		}
		return read(), nil
	}
	data, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		r.raw = nil
	} else if v, err := parseOrdered(data); err == nil {
		r.raw = v
	} else {
		r.raw = "non-JSON: " + truncate(string(data), 200)
	}
	if len(s.Extract) > 0 {
		names := make([]string, 0, len(s.Extract))
		for k := range s.Extract {
			names = append(names, k)
		}
		sort.Strings(names)
		ex := object{}
		for _, k := range names {
			v := lookup(r.raw, s.Extract[k])
			if v == nil {
				v = "(absent)"
			}
			ex = append(ex, member{k, v})
		}
		r.raw = ex
	}
	if s.Background {
		ch := make(chan *result, 1)
		st.pending[s.ID] = ch
		ch <- r
		return nil, nil
	}
	return r, nil
}

func readWatch(resp *http.Response, w *watchSpec, r *result) {
	t0 := time.Now()
	maxMs := w.MaxMs
	if maxMs == 0 {
		maxMs = 3000
	}
	type line struct {
		text string
		at   time.Duration
	}
	lines := make(chan line, 1024)
	go func() {
		br := bufio.NewReader(resp.Body)
		for {
			l, err := br.ReadString('\n')
			if len(l) > 0 {
				lines <- line{l, time.Since(t0)}
			}
			if err != nil {
				close(lines)
				return
			}
		}
	}()
	events := []any{} // non-nil: this result is a watch, even with no event
	timer := time.After(time.Duration(maxMs) * time.Millisecond)
	r.End = ""
loop:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				r.End = "closed by server"
				if w.Timing {
					r.End += fmt.Sprintf(" at ~%ds", roundSec(time.Since(t0)))
				}
				break loop
			}
			v, err := parseOrdered([]byte(l.text))
			if err != nil {
				v = "non-JSON line: " + truncate(l.text, 200)
			}
			if w.Timing {
				if o, ok := v.(object); ok {
					v = append(object{{"atSecond", json.Number(strconv.Itoa(roundSec(l.at)))}}, o...)
				}
			}
			events = append(events, v)
			if w.MaxEvents > 0 && len(events) >= w.MaxEvents {
				r.End = "open after the last expected event"
				break loop
			}
		case <-timer:
			r.End = fmt.Sprintf("still open at %d ms", maxMs)
			break loop
		}
	}
	resp.Body.Close()
	r.raw = events
	r.Events = events
}

func roundSec(d time.Duration) int { return int((d + 500*time.Millisecond) / time.Second) }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// ---------------------------------------------------------------------------------------------
// Normalisation

var timeKeys = map[string]bool{"creationTimestamp": true, "time": true, "deletionTimestamp": true,
	"startTime": true, "lastTransitionTime": true, "lastProbeTime": true}
var tooOldRe = regexp.MustCompile(`(resource version: )(\d+)( \()(\d+)(\))`)
var tooLargeRe = regexp.MustCompile(`(Too large resource version: )(\d+)(, current: )(\d+)()`)

func (st *runState) normRV(s string) string {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || s == "" {
		return s
	}
	if n == 0 {
		return "0"
	}
	labels := append([]rvLabel(nil), st.labels...)
	sort.Slice(labels, func(i, j int) bool { return labels[i].rv < labels[j].rv })
	best := ""
	for _, l := range labels {
		if l.rv == n {
			return "=" + l.label
		}
		if l.rv < n {
			best = l.label
		}
	}
	if best == "" {
		return "<" + firstLabel(labels)
	}
	return ">" + best
}

func firstLabel(l []rvLabel) string {
	if len(l) == 0 {
		return "(no writes)"
	}
	return l[0].label
}

func (st *runState) normalize(v any, key string) any {
	switch t := v.(type) {
	case object:
		out := make(object, 0, len(t))
		for _, m := range t {
			out = append(out, member{m.Key, st.normalize(m.Val, m.Key)})
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = st.normalize(x, key)
		}
		return out
	case string:
		switch {
		case key == "uid":
			if n, ok := st.uids[t]; ok {
				return n
			}
			n := fmt.Sprintf("uid#%d", len(st.uids)+1)
			st.uids[t] = n
			return n
		case timeKeys[key]:
			if _, err := time.Parse(time.RFC3339, t); err == nil {
				return "<time>"
			}
		case key == "resourceVersion":
			return st.normRV(t)
		case key == "continue" && t != "":
			return st.decodeContinue(t)
		case key == "message":
			for _, re := range []*regexp.Regexp{tooOldRe, tooLargeRe} {
				t = re.ReplaceAllStringFunc(t, func(m string) string {
					p := re.FindStringSubmatch(m)
					return p[1] + st.normRV(p[2]) + p[3] + st.normRV(p[4]) + p[5]
				})
			}
			return t
		}
	}
	return v
}

func (st *runState) decodeContinue(tok string) any {
	data, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return "undecodable token"
	}
	v, err := parseOrdered(data)
	if err != nil {
		return "undecodable token"
	}
	o, ok := v.(object)
	if !ok {
		return v
	}
	out := object{{"(decoded)", json.Number("1")}}
	for _, m := range o {
		if m.Key == "rv" {
			s := scalarString(m.Val)
			if s != "-1" {
				m.Val = st.normRV(s)
			}
		}
		out = append(out, m)
	}
	return out
}

// ---------------------------------------------------------------------------------------------
// Comparison

type divergence struct {
	Check, Step, Path, A, B string
}

func compare(path string, a, b any, out *[]divergence) {
	switch ta := a.(type) {
	case object:
		tb, ok := b.(object)
		if !ok {
			*out = append(*out, divergence{Path: path, A: show(a), B: show(b)})
			return
		}
		var orderA, orderB []string
		for _, m := range ta {
			vb, ok := tb.get(m.Key)
			if !ok {
				*out = append(*out, divergence{Path: join(path, m.Key), A: show(m.Val), B: "(absent)"})
				continue
			}
			orderA = append(orderA, m.Key)
			compare(join(path, m.Key), m.Val, vb, out)
		}
		for _, m := range tb {
			if _, ok := ta.get(m.Key); !ok {
				*out = append(*out, divergence{Path: join(path, m.Key), A: "(absent)", B: show(m.Val)})
			} else {
				orderB = append(orderB, m.Key)
			}
		}
		if strings.Join(orderA, ",") != strings.Join(orderB, ",") {
			*out = append(*out, divergence{Path: path + " (member order)", A: strings.Join(orderA, ","), B: strings.Join(orderB, ",")})
		}
	case []any:
		tb, ok := b.([]any)
		if !ok {
			*out = append(*out, divergence{Path: path, A: show(a), B: show(b)})
			return
		}
		if len(ta) != len(tb) {
			*out = append(*out, divergence{Path: path + " (length)", A: strconv.Itoa(len(ta)), B: strconv.Itoa(len(tb))})
		}
		for i := 0; i < len(ta) && i < len(tb); i++ {
			compare(fmt.Sprintf("%s[%d]", path, i), ta[i], tb[i], out)
		}
	default:
		if show(a) != show(b) {
			*out = append(*out, divergence{Path: path, A: show(a), B: show(b)})
		}
	}
}

func join(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

func show(v any) string {
	if v == nil {
		return "null"
	}
	switch t := v.(type) {
	case string:
		return truncate(jsonString(t), 160)
	case json.Number:
		return t.String()
	}
	var buf bytes.Buffer
	writeJSON(&buf, v)
	return truncate(buf.String(), 160)
}

func writeJSON(w *bytes.Buffer, v any) {
	switch t := v.(type) {
	case object:
		w.WriteByte('{')
		for i, m := range t {
			if i > 0 {
				w.WriteByte(',')
			}
			k, _ := json.Marshal(m.Key)
			w.Write(k)
			w.WriteByte(':')
			writeJSON(w, m.Val)
		}
		w.WriteByte('}')
	case []any:
		w.WriteByte('[')
		for i, x := range t {
			if i > 0 {
				w.WriteByte(',')
			}
			writeJSON(w, x)
		}
		w.WriteByte(']')
	case string:
		w.WriteString(jsonString(t))
	default:
		b, _ := json.Marshal(t)
		w.Write(b)
	}
}

// jsonString quotes s as JSON without Go's HTML escaping of <, > and &.
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

func filterPaths(divs []divergence, only, ignore []string) []divergence {
	var out []divergence
	for _, d := range divs {
		p := d.Path
		keep := len(only) == 0
		for _, o := range only {
			if strings.HasPrefix(p, o) {
				keep = true
			}
		}
		for _, ig := range ignore {
			if strings.HasPrefix(p, ig) {
				keep = false
			}
		}
		if keep {
			out = append(out, d)
		}
	}
	return out
}

// ---------------------------------------------------------------------------------------------
// Known divergences: each one names the README section that explains it.

type known struct {
	Check  string `json:"check"`  // regexp on the check name ("" = any)
	Step   string `json:"step"`   // regexp on the step id
	Server string `json:"server"` // regexp on the compared server's name (the right-hand column)
	Path   string `json:"path"`   // regexp on the path
	Value  string `json:"value"`  // regexp on "left → right" (optional)
	Reason string `json:"reason"`
	re     [5]*regexp.Regexp
}

func loadKnown(file string) ([]known, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var ks []known
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ks); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for i := range ks {
		for j, p := range []string{ks[i].Check, ks[i].Path, ks[i].Value, ks[i].Step, ks[i].Server} {
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, fmt.Errorf("%s: entry %d: %w", file, i, err)
			}
			ks[i].re[j] = re
		}
	}
	return ks, nil
}

func explain(ks []known, d divergence, server string) string {
	for _, k := range ks {
		if k.re[0].MatchString(d.Check) && k.re[1].MatchString(d.Path) && k.re[2].MatchString(d.A+" → "+d.B) &&
			k.re[3].MatchString(d.Step) && k.re[4].MatchString(server) {
			return k.Reason
		}
	}
	return ""
}

// ---------------------------------------------------------------------------------------------

func main() {
	var servers serverproc.Flags
	flag.Var(&servers, "server", "NAME=KIND=COMMAND (KIND mock or real; repeatable; the first is the reference)")
	checksDir := flag.String("checks", "fidelity/checks", "directory of check files")
	knownFile := flag.String("known", "fidelity/known-divergences.json", "known divergences with their reasons")
	outFile := flag.String("out", "", "write the Markdown report here (default stdout)")
	jsonOut := flag.String("json", "", "also write every normalised response here")
	logDir := flag.String("logs", os.TempDir(), "directory for the servers' logs")
	only := flag.String("only", "", "run only checks whose name matches this regexp")
	header := flag.String("header", "", "a file whose contents open the report (machine, versions)")
	replay := flag.String("replay", "", "compare the responses a previous run wrote with --json instead of running servers")
	flag.Parse()
	if err := run(servers, *checksDir, *knownFile, *outFile, *jsonOut, *logDir, *only, *header, *replay); err != nil {
		fmt.Fprintln(os.Stderr, "lwc-fidelity:", err)
		os.Exit(1)
	}
}

// saved is what --json writes and --replay reads: the servers' figures and every normalised response.
type saved struct {
	Servers   []*serverproc.Server                             `json:"servers"`
	Responses map[string]map[string]map[string]json.RawMessage `json:"responses"`
}

func loadReplay(file string) ([]*serverproc.Server, map[string]map[string]map[string]*result, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	var sv saved
	if err := json.Unmarshal(data, &sv); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	out := map[string]map[string]map[string]*result{}
	for c, bys := range sv.Responses {
		out[c] = map[string]map[string]*result{}
		for sname, steps := range bys {
			out[c][sname] = map[string]*result{}
			for id, raw := range steps {
				v, err := parseOrdered(raw)
				if err != nil {
					return nil, nil, fmt.Errorf("%s: %s/%s/%s: %w", file, c, sname, id, err)
				}
				o, _ := v.(object)
				r := &result{}
				st, _ := o.get("status")
				n, _ := strconv.Atoi(scalarString(st))
				r.Status = n
				ct, _ := o.get("contentType")
				r.ContentType, _ = ct.(string)
				end, _ := o.get("end")
				r.End, _ = end.(string)
				r.Body, _ = o.get("body")
				if evs, ok := o.get("events"); ok {
					r.Events, _ = evs.([]any)
				}
				out[c][sname][id] = r
			}
		}
	}
	return sv.Servers, out, nil
}

// runCheck sends one check's steps to a server, stopping at the first step that fails, and
// returns the normalised result of every compared step (by resultID) with the errors met.
func runCheck(s *serverproc.Server, c *check) (map[string]*result, []string) {
	st := &runState{srv: s, results: map[string]*result{}, pending: map[string]chan *result{}, uids: map[string]string{}}
	for i := range c.Steps {
		sp := &c.Steps[i]
		if err := st.do(sp); err != nil {
			st.errors = append(st.errors, fmt.Sprintf("step %d (%s): %v", i, sp.ID, err))
			break
		}
	}
	norm := map[string]*result{}
	for i := range c.Steps {
		sp := &c.Steps[i]
		if (sp.Do != "" && sp.Do != "await") || sp.Background {
			continue
		}
		id := sp.resultID()
		r := st.results[id]
		if r == nil || (sp.Compare != nil && !*sp.Compare) {
			continue
		}
		nr := &result{Status: r.Status, ContentType: r.ContentType, End: r.End}
		nr.Body = st.normalize(r.raw, "")
		if r.Events != nil {
			nr.Events = nr.Body.([]any)
			nr.Body = nil
		}
		norm[id] = nr
	}
	return norm, st.errors
}

func run(specs []string, checksDir, knownFile, outFile, jsonOut, logDir, only, header, replay string) error {
	if len(specs) < 2 && replay == "" {
		return fmt.Errorf("need at least two --server")
	}
	checks, err := loadChecks(checksDir, only)
	if err != nil {
		return err
	}
	ks, err := loadKnown(knownFile)
	if err != nil {
		return err
	}
	var srvs []*serverproc.Server
	for _, sp := range specs {
		ps, err := serverproc.Parse(sp)
		if err != nil {
			return err
		}
		srvs = append(srvs, ps)
	}
	// normalised[check][server][step] = result
	normalised := map[string]map[string]map[string]*result{}
	var runErrors []string
	if replay != "" {
		var saved []*serverproc.Server
		saved, normalised, err = loadReplay(replay)
		if err != nil {
			return err
		}
		srvs = append(srvs, saved...)
	}
	for _, s := range srvs {
		if replay != "" {
			break
		}
		fmt.Fprintf(os.Stderr, "lwc-fidelity: starting %s\n", s.Name)
		if err := start(s, logDir); err != nil {
			for _, o := range srvs {
				o.Stop()
			}
			return err
		}
		fmt.Fprintf(os.Stderr, "lwc-fidelity: %s ready at %s in %d ms (%s)\n", s.Name, s.URL, s.StartMs, s.Version)
		for i := range checks {
			c := &checks[i]
			norm, errs := runCheck(s, c)
			for _, e := range errs {
				runErrors = append(runErrors, fmt.Sprintf("%s on %s: %s", c.Name, s.Name, e))
			}
			if normalised[c.Name] == nil {
				normalised[c.Name] = map[string]map[string]*result{}
			}
			normalised[c.Name][s.Name] = norm
		}
		s.Stop()
		fmt.Fprintf(os.Stderr, "lwc-fidelity: %s stopped (peak RSS %d MiB)\n", s.Name, s.PeakRSS/1024)
	}

	// Compare every later server with the reference, and consecutive real servers with each other.
	type pair struct{ a, b *serverproc.Server }
	var pairs []pair
	for _, s := range srvs[1:] {
		pairs = append(pairs, pair{srvs[0], s})
	}
	for i := 1; i+1 < len(srvs); i++ {
		pairs = append(pairs, pair{srvs[i], srvs[i+1]})
	}
	var buf bytes.Buffer
	if header != "" {
		h, err := os.ReadFile(header)
		if err != nil {
			return err
		}
		buf.Write(h)
	}
	fmt.Fprintf(&buf, "\n## Servers\n\n| server | version | start-up to ready (ms) | RSS at ready (MiB) | peak RSS after the checks (MiB) | detail |\n|---|---|---|---|---|---|\n")
	for _, s := range srvs {
		fmt.Fprintf(&buf, "| %s | %s | %d | %.1f | %.1f | %s |\n", s.Name, s.Version, s.StartMs,
			float64(s.ReadyRSS)/1024, float64(s.PeakRSS)/1024, s.Detail)
	}
	fmt.Fprintf(&buf, "\n## Checks\n\n| check | steps | what it compares |\n|---|---|---|\n")
	for _, c := range checks {
		fmt.Fprintf(&buf, "| %s | %d | %s |\n", c.Name, len(c.Steps), c.Description)
	}
	total, open := 0, 0
	for _, p := range pairs {
		fmt.Fprintf(&buf, "\n## %s vs %s\n\n", p.a.Name, p.b.Name)
		var rows []divergence
		for _, c := range checks {
			ra, rb := normalised[c.Name][p.a.Name], normalised[c.Name][p.b.Name]
			for _, sp := range c.Steps {
				if sp.Background {
					continue // compared at its await
				}
				id := sp.resultID()
				x, y := ra[id], rb[id]
				if x == nil || y == nil {
					continue
				}
				var divs []divergence
				if x.Status != y.Status {
					divs = append(divs, divergence{Path: "(HTTP status)", A: strconv.Itoa(x.Status), B: strconv.Itoa(y.Status)})
				}
				if mediaType(x.ContentType) != mediaType(y.ContentType) {
					divs = append(divs, divergence{Path: "(Content-Type)", A: x.ContentType, B: y.ContentType})
				}
				if x.End != y.End {
					divs = append(divs, divergence{Path: "(watch end)", A: x.End, B: y.End})
				}
				var bd []divergence
				if x.Events != nil || y.Events != nil {
					compare("events", toAny(x.Events), toAny(y.Events), &bd)
				} else {
					compare("", x.Body, y.Body, &bd)
				}
				divs = append(divs, filterPaths(bd, sp.Only, sp.Ignore)...)
				for _, d := range divs {
					d.Check, d.Step = c.Name, id
					rows = append(rows, d)
				}
			}
		}
		if len(rows) == 0 {
			fmt.Fprintf(&buf, "No divergences.\n")
			continue
		}
		if p.a != srvs[0] {
			// Two real servers: what a release or a feature gate changed, not a mock divergence.
			fmt.Fprintf(&buf, "What differs between the two real servers (a release or a feature gate), for the record.\n\n")
			fmt.Fprintf(&buf, "| check | step | path | %s | %s |\n|---|---|---|---|---|\n", p.a.Name, p.b.Name)
			for _, d := range rows {
				fmt.Fprintf(&buf, "| %s | %s | `%s` | %s | %s |\n", d.Check, d.Step, d.Path, cell(d.A), cell(d.B))
			}
			continue
		}
		fmt.Fprintf(&buf, "| check | step | path | %s | %s | explained |\n|---|---|---|---|---|---|\n", p.a.Name, p.b.Name)
		for _, d := range rows {
			why := explain(ks, d, p.b.Name)
			total++
			if why == "" {
				why = "**OPEN**"
				open++
			}
			fmt.Fprintf(&buf, "| %s | %s | `%s` | %s | %s | %s |\n", d.Check, d.Step, d.Path, cell(d.A), cell(d.B), why)
		}
	}
	if len(runErrors) > 0 {
		fmt.Fprintf(&buf, "\n## Errors while running\n\n")
		for _, e := range runErrors {
			fmt.Fprintf(&buf, "- %s\n", e)
		}
	}
	fmt.Fprintf(&buf, "\n%d divergences of the mock, %d without an explanation; %d run errors.\n", total, open, len(runErrors))
	if outFile != "" {
		if err := os.WriteFile(outFile, buf.Bytes(), 0o644); err != nil {
			return err
		}
	} else {
		os.Stdout.Write(buf.Bytes())
	}
	if jsonOut != "" {
		plain := map[string]map[string]map[string]json.RawMessage{}
		for c, bys := range normalised {
			plain[c] = map[string]map[string]json.RawMessage{}
			for s, steps := range bys {
				plain[c][s] = map[string]json.RawMessage{}
				for id, r := range steps {
					var b bytes.Buffer
					o := object{{"status", json.Number(strconv.Itoa(r.Status))}, {"contentType", r.ContentType},
						{"end", r.End}, {"body", r.Body}}
					if r.Events != nil {
						o = append(o, member{"events", r.Events})
					}
					writeJSON(&b, o)
					plain[c][s][id] = json.RawMessage(b.Bytes())
				}
			}
		}
		data, _ := json.MarshalIndent(saved{Servers: srvs, Responses: plain}, "", " ")
		if err := os.WriteFile(jsonOut, data, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "lwc-fidelity: %d divergences, %d without an explanation, %d run errors\n", total, open, len(runErrors))
	return nil
}

func toAny(evs []any) any {
	if evs == nil {
		return []any{}
	}
	return evs
}

func mediaType(ct string) string {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	return strings.TrimSpace(strings.ToLower(ct))
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	s = strings.ReplaceAll(s, "\n", " ")
	if s == "" {
		return "\"\""
	}
	return "`" + strings.ReplaceAll(s, "`", "'") + "`"
}
