package app

import (
	"context"
	"io"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/config"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
	"github.com/estatedesk/estatedesk/internal/logging"
	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/server"
)

// BenchmarkHandler drives the production app (wired as `serve --demo
// --log-level warn` wires it) in-process, without sockets or an HTTP
// client, so that the server's own cost per request is measured apart from
// wrk and the kernel (docs/benchmarks.md). SQLite by default; PostgreSQL with
// ESTATEDESK_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432.
//
//	go test -run x -bench BenchmarkHandler -benchmem -count 3 ./internal/app/
//
// Besides ns/op (wall time) each reports cpu-ns/op, the process's CPU time
// per request, which a busy machine disturbs less. Sub-benchmarks, cheapest
// first:
//
//	bare            a bare Fiber app returning a small HTML string
//	healthz         the real middleware chain (request log, metrics, headers) + JSON
//	home-fragment   GET /t/demo/ as htmx asks for it: the "content" block only
//	home            GET /t/demo/, the full page, signed in as the demo manager
//	home-parallel   the same from GOMAXPROCS goroutines
func BenchmarkHandler(b *testing.B) {
	ctx := context.Background()
	opts := dbtest.Options(b)
	cfg := config.Default()
	cfg.DataDir, cfg.DatabaseURL, cfg.Demo, cfg.LogLevel = opts.DataDir, opts.URL, true, "warn"
	log := logging.New(io.Discard, cfg.LogLevel)
	svc, err := open(ctx, cfg, log)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.db.Close() })
	if _, err := loadDemo(ctx, svc); err != nil {
		b.Fatal(err)
	}
	authz, err := rbac.New(ctx, svc.db)
	if err != nil {
		b.Fatal(err)
	}
	real, err := server.New(server.Deps{Config: cfg, DB: svc.db, Accounts: svc.accounts, Estates: svc.estates, Subscriptions: svc.billing,
		Authz: authz, Catalog: svc.catalog, Log: log})
	if err != nil {
		b.Fatal(err)
	}
	u, err := svc.accounts.UserByEmail(ctx, "manager@demo.estatedesk.test")
	if err != nil {
		b.Fatal(err)
	}
	_, token, err := svc.accounts.OpenSession(ctx, u, account.KindWeb, account.Client{IP: "127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}

	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Get("/*", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
		return c.SendString(bareHTML)
	})

	type req struct {
		path    string
		session bool
		hx      bool
	}
	cases := []struct {
		name string
		app  *fiber.App
		req  req
	}{
		{"bare", bare, req{path: "/"}},
		{"healthz", real, req{path: "/healthz"}},
		{"home-fragment", real, req{path: "/t/demo/", session: true, hx: true}},
		{"home", real, req{path: "/t/demo/", session: true}},
	}
	for _, tc := range cases {
		h := tc.app.Handler()
		// build returns a function doing one request on its own context.
		// fasthttp is an indirect dependency: its RequestCtx is reached
		// through fiber's handler type rather than imported (go.mod unchanged).
		build := func() func() int {
			rc := newCtx(h)
			rc.Request.Header.SetMethod(fiber.MethodGet)
			rc.Request.SetRequestURI(tc.req.path)
			rc.Request.Header.SetHost("127.0.0.1")
			if tc.req.session {
				rc.Request.Header.SetCookie("ed_session", token)
			}
			if tc.req.hx {
				rc.Request.Header.Set("HX-Request", "true")
			}
			return func() int {
				rc.Response.Reset()
				rc.ResetUserValues() // as fasthttp does after each request
				h(rc)
				return rc.Response.StatusCode()
			}
		}
		do := build()
		if code := do(); code != fiber.StatusOK {
			b.Fatalf("%s: GET %s answered %d", tc.name, tc.req.path, code)
		}
		b.Run(tc.name, func(b *testing.B) {
			defer reportCPU(b)()
			for b.Loop() {
				do()
			}
		})
		if tc.name == "home" {
			b.Run("home-parallel", func(b *testing.B) {
				defer reportCPU(b)()
				b.RunParallel(func(pb *testing.PB) {
					do := build()
					for pb.Next() {
						if code := do(); code != fiber.StatusOK {
							b.Errorf("status %d", code)
							return
						}
					}
				})
			})
		}
	}
}

// reportCPU, deferred as `defer reportCPU(b)()`, adds the process's CPU time
// per op ("cpu-ns/op", garbage collection included) to the wall time that
// ns/op shows: on a noisy machine the steadier of the two.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

// bareHTML is the bare app's page, as in internal/server/bench_bare_test.go.
const bareHTML = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>bare</title></head>
<body><main><h1>Hello</h1><p>A bare Fiber handler, the benchmark baseline.</p></main></body></html>
`

// newCtx returns a new value of the context type a handler takes; with T
// inferred from fiber's handler type, fasthttp needs no import.
func newCtx[T any](func(*T)) *T { return new(T) }
