// Package stripetest runs Stripe's own stripe-mock for the tests, with a
// recording proxy in front so a test can see what we sent. Nothing calls
// the internet. stripe-mock (go install github.com/stripe/stripe-mock@v0.203.0)
// is taken from PATH or $(go env GOPATH)/bin; without it a test skips,
// except under CI=true, where it fails.
package stripetest

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Request is one call that reached stripe-mock.
type Request struct {
	Method, Path   string
	IdempotencyKey string
	Form           url.Values
	Status         int
}

// Mock is a recording proxy to the shared stripe-mock.
type Mock struct {
	URL string
	mu  sync.Mutex
	req []Request
	// Fail, when set, answers the matching request with this status
	// instead of passing it on (an outage).
	Fail func(r *http.Request) int
	// After, when set, sees each request once stripe-mock has answered it,
	// before the answer goes back (a test can cancel the caller there).
	After func(Request)
}

// Requests returns the calls recorded so far.
func (m *Mock) Requests() []Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Request(nil), m.req...)
}

var (
	once     sync.Once
	baseURL  string
	startErr string
)

func binary() string {
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
			gopath = strings.TrimSpace(string(out))
		}
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", "stripe-mock")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "0"
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// start runs one stripe-mock for the test binary, on loopback only. The
// kernel kills it when the test process ends (Pdeathsig).
func start() {
	bin := binary()
	if bin == "" {
		startErr = "stripe-mock not installed (go install github.com/stripe/stripe-mock@v0.203.0)"
		return
	}
	addr := "127.0.0.1:" + freePort()
	cmd := exec.Command(bin, "-http-addr", addr, "-https-addr", "127.0.0.1:"+freePort())
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		startErr = "stripe-mock: " + err.Error()
		return
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			baseURL = "http://" + addr
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	startErr = "stripe-mock did not start listening on " + addr
}

// Start returns a recording proxy to stripe-mock for one test.
func Start(t testing.TB) *Mock {
	t.Helper()
	once.Do(start)
	if baseURL == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal(startErr)
		}
		t.Skip(startErr)
	}
	target, _ := url.Parse(baseURL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	m := &Mock{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		rec := Request{Method: r.Method, Path: r.URL.Path, IdempotencyKey: r.Header.Get("Idempotency-Key"), Form: form}
		if m.Fail != nil {
			if code := m.Fail(r); code != 0 {
				rec.Status = code
				m.add(rec)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(code)
				_, _ = w.Write([]byte(`{"error":{"type":"api_error","message":"injected failure"}}`))
				return
			}
		}
		rw := &status{ResponseWriter: w, code: 200}
		proxy.ServeHTTP(rw, r)
		rec.Status = rw.code
		m.add(rec)
		if m.After != nil {
			m.After(rec)
		}
	}))
	t.Cleanup(srv.Close)
	m.URL = srv.URL
	return m
}

func (m *Mock) add(r Request) {
	m.mu.Lock()
	m.req = append(m.req, r)
	m.mu.Unlock()
}

type status struct {
	http.ResponseWriter
	code int
}

func (s *status) WriteHeader(code int) { s.code = code; s.ResponseWriter.WriteHeader(code) }
