package app

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
)

// EnvBenchServeArgs, when set, makes TestBenchServe run `serve` in the test
// process with these space-separated arguments until SIGINT/SIGTERM, then
// return normally, so that -test.cpuprofile and -test.memprofile cover the
// load a benchmark put on it (see .ci/bench/profile.sh, docs/benchmarks.md):
//
//	go test -c -o /tmp/app.test ./internal/app
//	ESTATEDESK_BENCH_SERVE_ARGS="--addr 127.0.0.1:18082 --data-dir /tmp/d --demo --log-level warn" \
//	  /tmp/app.test -test.run TestBenchServe -test.cpuprofile /tmp/cpu.out
const EnvBenchServeArgs = "ESTATEDESK_BENCH_SERVE_ARGS"

func TestBenchServe(t *testing.T) {
	args := strings.Fields(os.Getenv(EnvBenchServeArgs))
	if len(args) == 0 {
		t.Skip("set " + EnvBenchServeArgs + " to serve in-process for profiling")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := serve(ctx, args, IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, func(addr string) {
		t.Logf("serving on %s", addr)
	})
	if err != nil {
		t.Fatal(err)
	}
}
