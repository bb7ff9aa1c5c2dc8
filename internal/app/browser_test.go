package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/database/dbtest"
)

const (
	// chromiumPath is where the Debian package chromium puts the browser.
	chromiumPath = "/usr/bin/chromium"
	// browserTimeout bounds one browser test, so that a hung browser or
	// server cannot hang the suite.
	browserTimeout = 150 * time.Second
	// envScreenshotDir, when set, names a directory that receives the
	// screenshots of the browser tests, for a person to look at.
	envScreenshotDir = "ESTATEDESK_SCREENSHOT_DIR"
)

// TestBrowserSignInSwitchLanguageSignOut drives the real server with headless
// Chromium: a Chinese browser signs in as the demo manager, switches to
// English, finds English remembered after a reload and after signing out.
func TestBrowserSignInSwitchLanguageSignOut(t *testing.T) {
	requireChromium(t)
	base := startTestServer(t)
	b := startBrowser(t)
	ctx := b.ctx
	shots := screenshotDir(t)

	// A phone first, in a tab of its own: the sign-in page fits the width.
	checkPhoneLogin(t, ctx, base+"/login", "登录", shots, "login-phone.png")

	// The sign-in page speaks Chinese to a Chinese browser.
	resp := run(t, ctx, "open /login", chromedp.NavigateResponse(base+"/login"))
	if resp.Status != 200 {
		t.Fatalf("GET /login: status %d", resp.Status)
	}
	if h := run(t, ctx, "login heading", chromedp.Text(chromedp.CSS("main h1"))); h != "登录" {
		t.Fatalf("login heading = %q, want 登录", h)
	}
	wantLang(t, ctx, "zh-CN")
	wantAssets(t, ctx)
	saveScreenshot(t, ctx, shots, "login.png")

	// Sign in as the demo manager; the only workspace opens.
	do(t, ctx, "fill the sign-in form",
		chromedp.SendKeys(chromedp.ID("email"), "manager@demo.estatedesk.test"),
		chromedp.SendKeys(chromedp.ID("password"), DemoPassword),
	)
	resp = runResponse(t, ctx, "sign in", chromedp.Click(chromedp.ID("login-submit")))
	if resp.Status != 200 {
		t.Fatalf("sign in: final status %d (%s)", resp.Status, resp.URL)
	}
	wantPath(t, ctx, "/t/demo/")
	home := run(t, ctx, "home heading", chromedp.Text(chromedp.ID("home-heading")))
	if !strings.Contains(home, "示例物业") || !strings.Contains(home, "客户服务中心") {
		t.Fatalf("home heading = %q, want the company 示例物业 and 客户服务中心", home)
	}
	wantLang(t, ctx, "zh-CN")
	wantAssets(t, ctx)
	saveScreenshot(t, ctx, shots, "home.png")

	// Switch to English.
	runResponse(t, ctx, "switch to English", chromedp.Click(chromedp.ID("lang-en")))
	wantPath(t, ctx, "/t/demo/")
	wantEnglishHome(t, ctx)
	saveScreenshot(t, ctx, shots, "home-en.png")

	// A reload keeps English.
	do(t, ctx, "reload", chromedp.Reload())
	wantEnglishHome(t, ctx)
	do(t, ctx, "find the switch back to Chinese", chromedp.WaitVisible(chromedp.ID("lang-zh-CN")))

	// Sign out: back on the sign-in page, which remembers English.
	runResponse(t, ctx, "sign out", chromedp.Click(chromedp.ID("logout")))
	wantPath(t, ctx, "/login")
	if h := run(t, ctx, "login heading after sign-out", chromedp.Text(chromedp.CSS("main h1"))); h != "Sign in" {
		t.Fatalf("login heading after sign-out = %q, want Sign in", h)
	}
	wantLang(t, ctx, "en")

	// The session is gone: the workspace sends the browser to sign in.
	do(t, ctx, "open the workspace signed out", chromedp.Navigate(base+"/t/demo/"))
	wantPath(t, ctx, "/login")

	checkPhoneLogin(t, ctx, base+"/login", "Sign in", shots, "login-phone-en.png")
	b.checkConsole(t)
}

func requireChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "" {
			t.Skipf("no browser: %v (install the Debian package chromium)", err)
		}
		t.Fatalf("CI must run the browser tests, but there is no browser: %v", err)
	}
}

// startTestServer runs `serve --demo` in-process on a free port with a fresh
// database of the dialect under test, and returns its base URL. The server
// stops gracefully when the test ends; its log is shown only on failure.
func startTestServer(t *testing.T) string {
	t.Helper()
	base, _ := startDemoServer(t)
	return base
}

// startDemoServer is startTestServer that also says where the server's
// database is, for a test that sets up what the demo lacks.
func startDemoServer(t *testing.T) (string, database.Options) {
	t.Helper()
	db := database.Options{DataDir: t.TempDir()}
	args := []string{"--addr", "127.0.0.1:0", "--data-dir", db.DataDir, "--demo"}
	if dbtest.Dialect() == "postgres" {
		db.URL = dbtest.Options(t).URL
		args = append(args, "--database-url", db.URL)
	} else {
		// Empty even if ESTATEDESK_DATABASE_URL is set: SQLite in the data dir.
		args = append(args, "--database-url=")
	}
	logs := &lockedBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan string, 1)
	errc := make(chan error, 1)
	go func() {
		errc <- serve(ctx, args, IO{In: strings.NewReader(""), Out: logs, Err: logs}, func(addr string) { addrc <- addr })
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-errc:
		cancel()
		t.Fatalf("serve: %v\n%s", err, logs)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("the server did not start in 30s\n%s", logs)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-errc:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("the server did not stop within 15s of the cancel")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs)
		}
	})
	// The demo's ticket history is written in the background after the
	// start; the tests begin once it is in, as a person clicking would.
	// It takes seconds on a quiet machine; CI shares its cores with other
	// work, and at a load of 30 one run took more than a minute.
	for deadline := time.Now().Add(3 * time.Minute); !strings.Contains(logs.String(), `"msg":"demo tickets`); {
		if time.Now().After(deadline) {
			t.Fatalf("the demo tickets were not loaded within 3 minutes\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "http://" + addr, db
}

// browser is a headless Chromium with one tab.
type browser struct {
	ctx    context.Context // the first tab
	output *lockedBuffer   // what Chromium printed

	mu       sync.Mutex
	problems []string // JavaScript exceptions and console errors
}

// startBrowser starts a fresh headless Chromium. The allocator gives it a new
// temporary user data dir and removes it afterwards. The browser stops when the
// test ends or after browserTimeout, whichever comes first.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	b := &browser{output: &lockedBuffer{}}
	timeoutCtx, cancelTimeout := context.WithTimeout(context.Background(), browserTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(timeoutCtx,
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// The browser of a Chinese user, which sends Accept-Language zh-CN.
		// Headless Chromium ignores --lang and would send en-US.
		chromedp.Flag("accept-lang", "zh-CN,zh"),
		// Wide enough that the navigation is not folded behind the burger.
		chromedp.WindowSize(1280, 800),
		chromedp.CombinedOutput(b.output),
	)
	ctx, cancelCtx := chromedp.NewContext(allocCtx,
		chromedp.WithListener(b.listen),
		chromedp.WithLogf(b.output.logf),
		chromedp.WithErrorf(b.output.logf),
	)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
		cancelTimeout()
		if t.Failed() {
			t.Logf("browser output:\n%s", b.output)
		}
	})
	// Start the browser now, so that a broken one fails here with its output.
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
		_, err := cdp.Call(ctx, tgt, cdplog.Enable, cdp.Empty{})
		return err
	})); err != nil {
		t.Fatalf("start %s: %v\n%s", chromiumPath, err, b.output)
	}
	b.ctx = ctx
	return b
}

// listen collects what a page reports as broken: uncaught exceptions and
// errors in the console (a script refused by the CSP, a missing asset).
func (b *browser) listen(ev any) {
	var problem string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		problem = fmt.Sprintf("exception %s at %s:%d", d.Text, d.URL, d.LineNumber+1)
		if d.Exception != nil && d.Exception.Description != "" {
			problem += ": " + d.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			args := make([]string, 0, len(ev.Args))
			for _, a := range ev.Args {
				if a.Description != "" {
					args = append(args, a.Description)
				} else {
					args = append(args, string(a.Value))
				}
			}
			problem = "console.error(" + strings.Join(args, ", ") + ")"
		}
	case *cdplog.EventEntryAdded:
		if e := ev.Entry; e != nil && e.Level == cdplog.EntryLevelError {
			problem = fmt.Sprintf("%s: %s (%s)", e.Source, e.Text, e.URL)
		}
	}
	if problem != "" {
		b.mu.Lock()
		b.problems = append(b.problems, problem)
		b.mu.Unlock()
	}
}

func (b *browser) checkConsole(t *testing.T) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		t.Errorf("browser reported %s", p)
	}
}

// checkPhoneLogin opens the sign-in page in a new tab with the viewport of a
// phone and checks that nothing sticks out sideways.
func checkPhoneLogin(t *testing.T, parent context.Context, loginURL, wantHeading, shots, shot string) {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent)
	defer cancel()
	do(t, ctx, "open /login on a phone",
		chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile),
		chromedp.Navigate(loginURL),
	)
	if h := run(t, ctx, "phone login heading", chromedp.Text(chromedp.CSS("main h1"))); h != wantHeading {
		t.Fatalf("phone: login heading = %q, want %q", h, wantHeading)
	}
	type widths struct{ Scroll, Inner int }
	w := run(t, ctx, "phone widths", chromedp.Evaluate[widths](
		`({Scroll: document.documentElement.scrollWidth, Inner: window.innerWidth})`))
	if w.Inner != 390 || w.Scroll > w.Inner {
		t.Errorf("phone (%s): scrollWidth %d, innerWidth %d; want innerWidth 390 and no horizontal scroll",
			wantHeading, w.Scroll, w.Inner)
	}
	saveScreenshot(t, ctx, shots, shot)
}

func wantEnglishHome(t *testing.T, ctx context.Context) {
	t.Helper()
	home := run(t, ctx, "home heading", chromedp.Text(chromedp.ID("home-heading")))
	if !strings.Contains(home, "customer service center") || !strings.Contains(home, "示例物业") {
		t.Fatalf("home heading = %q, want English: 示例物业 customer service center", home)
	}
	wantLang(t, ctx, "en")
}

// wantLang checks the lang attribute of the page.
func wantLang(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	if got := run(t, ctx, "html lang", chromedp.Evaluate[string](`document.documentElement.lang`)); got != want {
		t.Fatalf("<html lang=%q>, want %q", got, want)
	}
}

// wantAssets checks that the style sheet and htmx loaded (static files, CSP).
func wantAssets(t *testing.T, ctx context.Context) {
	t.Helper()
	ok := run(t, ctx, "assets", chromedp.Evaluate[bool](
		`document.styleSheets.length > 0 && document.styleSheets[0].cssRules.length > 0 && typeof htmx === "object"`))
	if !ok {
		t.Fatal("app.css or htmx did not load")
	}
}

func wantPath(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	loc := run(t, ctx, "location", chromedp.Location())
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatalf("location %q: %v", loc, err)
	}
	if u.Path != want {
		t.Fatalf("location = %s, want the path %s", loc, want)
	}
}

// screenshotDir is ESTATEDESK_SCREENSHOT_DIR if set, else a temporary dir.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv(envScreenshotDir)
	if dir == "" {
		return t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func saveScreenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png := run(t, ctx, "screenshot "+name, chromedp.FullScreenshot(100))
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("screenshot %s is not a PNG (%d bytes)", name, len(png))
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	if os.Getenv(envScreenshotDir) != "" {
		t.Logf("screenshot: %s", path)
	}
}

// run runs one action and fails the test, naming the step, on error.
func run[T any](t *testing.T, ctx context.Context, step string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", step, browserErr(ctx, err))
	}
	return v
}

func do(t *testing.T, ctx context.Context, step string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	run(t, ctx, step, chromedp.Steps(steps...))
}

// runResponse runs steps that make the page navigate, and waits for the new
// document to load.
func runResponse(t *testing.T, ctx context.Context, step string, steps ...chromedp.Action[chromedp.Void]) *network.Response {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		t.Fatalf("%s: %v", step, browserErr(ctx, err))
	}
	if resp == nil {
		t.Fatalf("%s: no document loaded", step)
	}
	return resp
}

// browserErr says "timed out" in words when the test's deadline ended it.
func browserErr(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w (the browser test has %s in all)", err, browserTimeout)
	}
	return err
}

// lockedBuffer is a bytes.Buffer safe for the server's and the browser's
// goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// logf takes chromedp's own messages, which can come after the test ended,
// when t.Logf would panic.
func (b *lockedBuffer) logf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprintf(&b.buf, "chromedp: "+format+"\n", args...)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
