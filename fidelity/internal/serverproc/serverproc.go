// Package serverproc starts and stops the API servers lwc-fidelity and lwc-realplay compare
// (lwc-mockserver, lwc-realserver): one process each, ready when it prints its address, with the
// start-up time and memory the reports show.
package serverproc

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Server is one server process; the exported fields are what the reports show.
type Server struct {
	Name     string
	Kind     string // "mock" or "real"
	Cmd      []string
	URL      string
	Version  string
	Detail   string // what follows the address on the ready line (lwc-realserver's phases)
	StartMs  int64  // from exec to the ready line
	ReadyRSS int64  // KiB, at the ready line
	PeakRSS  int64  // KiB, VmHWM when stopped
	proc     *exec.Cmd
}

// Flags collects repeated --server NAME=KIND=COMMAND options.
type Flags []string

func (f *Flags) String() string     { return strings.Join(*f, ";") }
func (f *Flags) Set(v string) error { *f = append(*f, v); return nil }

// Parse reads NAME=KIND=COMMAND.
func Parse(spec string) (*Server, error) {
	p := strings.SplitN(spec, "=", 3)
	if len(p) != 3 || (p[1] != "mock" && p[1] != "real") || len(strings.Fields(p[2])) == 0 {
		return nil, fmt.Errorf("--server %q: want NAME=mock|real=COMMAND", spec)
	}
	return &Server{Name: p[0], Kind: p[1], Cmd: strings.Fields(p[2])}, nil
}

// lwc-mockserver says "listening on URL", lwc-realserver "READY URL etcd_ms=…".
var readyRe = regexp.MustCompile(`(?:listening on|READY) (http://[0-9.:]+)(.*)`)

// Start runs the server with its stderr in logPath and waits for its ready line.
func (s *Server) Start(logPath string, timeout time.Duration) error {
	t0 := time.Now()
	s.proc = exec.Command(s.Cmd[0], s.Cmd[1:]...)
	lf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	// The child gets its own copy of the descriptor at exec: ours is only needed until then
	// (lwc-realplay starts a server per scenario, and would otherwise keep every log open).
	defer lf.Close()
	s.proc.Stderr = lf
	out, err := s.proc.StdoutPipe()
	if err != nil {
		return err
	}
	if err := s.proc.Start(); err != nil {
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	ready := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := readyRe.FindStringSubmatch(sc.Text()); m != nil {
				ready <- m
				for sc.Scan() {
				}
				return
			}
		}
		close(ready)
	}()
	select {
	case m, ok := <-ready:
		if !ok {
			s.proc.Wait()
			return fmt.Errorf("%s exited before it was ready (see %s)", s.Name, logPath)
		}
		s.StartMs = time.Since(t0).Milliseconds()
		s.URL = m[1]
		s.Detail = strings.TrimSpace(m[2])
		s.ReadyRSS = ProcStatus(s.proc.Process.Pid, "VmRSS")
		return nil
	case <-time.After(timeout):
		s.proc.Process.Kill()
		s.proc.Wait()
		return fmt.Errorf("%s not ready after %s", s.Name, timeout)
	}
}

// Compact asks the server to compact its store at the current revision, through its own
// endpoint: lwc-mockserver's /lwc/v1/compact, lwc-realserver's /fidelity/v1/compact (etcd's).
func (s *Server) Compact() error {
	path := "/lwc/v1/compact"
	if s.Kind == "real" {
		path = "/fidelity/v1/compact"
	}
	resp, err := http.Post(s.URL+path, "application/json", nil)
	if err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("compact: %s %s", resp.Status, b)
	}
	return nil
}

// Stop records the peak RSS, sends SIGTERM and waits (SIGKILL after 30 s).
func (s *Server) Stop() {
	if s.proc == nil || s.proc.Process == nil {
		return
	}
	s.PeakRSS = ProcStatus(s.proc.Process.Pid, "VmHWM")
	s.proc.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.proc.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		s.proc.Process.Kill()
		<-done
	}
	s.proc = nil
}

// ProcStatus reads a KiB field of /proc/PID/status (VmRSS, VmHWM); 0 when unknown.
func ProcStatus(pid int, field string) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, field+":") {
			if f := strings.Fields(l); len(f) >= 2 {
				n, _ := strconv.ParseInt(f[1], 10, 64)
				return n
			}
		}
	}
	return 0
}
