package server_test

import (
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// EnvBenchBareAddr, when set to HOST:PORT, makes TestBenchBareFiber serve a
// bare Fiber app there until the process is interrupted. It is the baseline
// of the tenant home page benchmark (.ci/bench/http.sh, docs/benchmarks.md):
//
//	ESTATEDESK_BENCH_BARE_ADDR=127.0.0.1:18081 go test ./internal/server -run TestBenchBareFiber
const EnvBenchBareAddr = "ESTATEDESK_BENCH_BARE_ADDR"

// bareHTML is a small page; the bare app does nothing else per request.
const bareHTML = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>bare</title></head>
<body><main><h1>Hello</h1><p>A bare Fiber handler, the benchmark baseline.</p></main></body></html>
`

func TestBenchBareFiber(t *testing.T) {
	addr := os.Getenv(EnvBenchBareAddr)
	if addr == "" {
		t.Skip("set " + EnvBenchBareAddr + "=HOST:PORT to serve the bare Fiber baseline")
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/*", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.SendString(bareHTML)
	})
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(stop)
	errc := make(chan error, 1)
	go func() { errc <- app.Listen(addr) }()
	select {
	case err := <-errc:
		t.Fatal(err)
	case <-stop:
	}
	if err := app.Shutdown(); err != nil {
		t.Fatal(err)
	}
}
