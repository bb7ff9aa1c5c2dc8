package app

import (
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/chromedp"
)

// ticketWait bounds each wait for a part of a page that htmx fills in.
const ticketWait = 10 * time.Second

// TestBrowserTicketFlow drives a ticket through its life as the people of a
// service center would: the clerk takes a phone complaint, finds the owner
// by the phone number, and dispatches it to a worker; the worker, on a
// phone, accepts it, starts, uploads a photo and completes it; the clerk
// calls the owner back, who is not satisfied, and the ticket reopens.
func TestBrowserTicketFlow(t *testing.T) {
	requireChromium(t)
	start := time.Now()
	base := startTestServer(t)
	ready := time.Now()
	b := startBrowser(t)
	clerk := b.ctx
	shots := screenshotDir(t)
	photo := writePNG(t, t.TempDir(), "维修后.png", 64, 48)
	const (
		description = "卫生间天花板漏水，上周修过一次，今天又开始滴水，业主很不满意。"
		workNote    = "已更换楼上卫生间下水管接头，试水半小时无渗漏。"
		comment     = "还是漏水"
		note        = "业主下午三点后在家，上门前先电话联系"
	)

	// 1. The clerk signs in to today's work and opens the intake from the queue.
	signInAs(t, clerk, base, "clerk@demo.estatedesk.test")
	if run(t, clerk, "today's work", chromedp.Evaluate[int](`document.querySelectorAll("#home-desk a.home-count").length`)) != 4 {
		t.Error("the clerk's home lacks today's four counts")
	}
	saveScreenshot(t, clerk, shots, "home-clerk.png")
	runResponse(t, clerk, "open the tickets", chromedp.Click(chromedp.ID("nav-tickets")))
	wantPath(t, clerk, "/t/demo/tickets")
	runResponse(t, clerk, "open the intake", chromedp.Click(chromedp.ID("ticket-new")))
	wantPath(t, clerk, "/t/demo/tickets/new")
	if h := run(t, clerk, "intake heading", chromedp.Text(chromedp.ID("intake-heading"))); h == "" {
		t.Fatal("the intake has no heading")
	}
	wantAssets(t, clerk)

	// An owner of the demo with a phone, as the estate's records have them.
	owner := findOwner(t, clerk)
	phoneText := owner.Phone[:3] + " " + owner.Phone[3:7] + " " + owner.Phone[7:]
	t.Logf("owner %s of %s · %s, phone %s", owner.Name, owner.Code, owner.Estate, owner.Phone)

	// The owner calls; the clerk types the number into the search box and
	// picks the owner from the list.
	do(t, clerk, "type the caller's phone", chromedp.SendKeys(chromedp.ID("intake-q"), owner.Phone))
	hit := `#intake-hit-list a[data-person="` + owner.Person + `"]`
	waitFor(t, clerk, "the search box finds "+owner.Name, ticketWait,
		`(() => { const hits = [...document.querySelectorAll("#intake-hit-list a[data-pick]")];
			return document.querySelector(`+strconv.Quote(hit)+`) !== null &&
				hits.every(a => a.textContent.includes(`+strconv.Quote(phoneText)+`)); })()`)
	if text := run(t, clerk, "the hit", chromedp.Text(chromedp.CSS(hit))); !strings.Contains(text, owner.Name) || !strings.Contains(text, owner.Code) {
		t.Errorf("the hit reads %q, want %s and %s", text, owner.Name, owner.Code)
	}
	saveScreenshot(t, clerk, shots, "ticket-lookup.png")
	do(t, clerk, "pick "+owner.Name, chromedp.Click(chromedp.CSS(hit)))
	waitFor(t, clerk, "the pick shows", ticketWait, `!document.getElementById("intake-picked").hidden`)
	type picked struct{ Label, Unit, Person, Estate, Hits string }
	p := run(t, clerk, "the pick", chromedp.Evaluate[picked](`({
		Label: document.getElementById("intake-picked-label").textContent,
		Unit: document.getElementById("intake-unit").value,
		Person: document.getElementById("intake-person").value,
		Estate: document.getElementById("intake-estate").selectedOptions[0].textContent.trim(),
		Hits: document.getElementById("intake-hits").textContent.trim()})`))
	for _, want := range []string{owner.Code, owner.Name, phoneText} {
		if !strings.Contains(p.Label, want) {
			t.Errorf("picked %q, want it to show %s", p.Label, want)
		}
	}
	if p.Unit != owner.Unit || p.Person != owner.Person || p.Estate != owner.Estate || p.Hits != "" {
		t.Errorf("after the pick: unit %s, person %s, estate %s, hits %q; want unit %s, person %s, estate %s and the hits gone",
			p.Unit, p.Person, p.Estate, p.Hits, owner.Unit, owner.Person, owner.Estate)
	}

	// A complaint by phone about a leak, dispatched by hand below.
	chooseOption(t, clerk, "#intake-type", "投诉")
	chooseOption(t, clerk, `#intake select[name="channel"]`, "电话")
	chooseOption(t, clerk, `#intake select[name="category_id"]`, "维修 › 漏水")
	do(t, clerk, "describe the problem", chromedp.SendKeys(chromedp.CSS(`#intake textarea[name="description"]`), description))
	if run(t, clerk, "dispatch now", chromedp.Evaluate[bool](`document.querySelector('#intake input[name="dispatch"]').checked`)) {
		do(t, clerk, "untick dispatch now", chromedp.Click(chromedp.CSS(`#intake input[name="dispatch"]`)))
	}
	if run(t, clerk, "major shown", chromedp.Evaluate[bool](`document.getElementById("intake-major").hidden`)) {
		t.Error("the 重大投诉 box is hidden for a complaint")
	}
	saveScreenshot(t, clerk, shots, "ticket-intake.png")
	resp := runResponse(t, clerk, "submit the intake", chromedp.Click(chromedp.ID("intake-submit")))
	if resp.Status != 200 {
		t.Fatalf("submit the intake: final status %d (%s)", resp.Status, resp.URL)
	}
	ticketPath := currentPath(t, clerk)
	m := regexp.MustCompile(`^/t/demo/tickets/([0-9a-f-]{36})$`).FindStringSubmatch(ticketPath)
	if m == nil {
		alert, _ := chromedp.Run(clerk, chromedp.Evaluate[string](`document.querySelector("#intake-error, .alert")?.textContent ?? ""`))
		t.Fatalf("the intake landed on %s, want the new ticket (%s)", ticketPath, alert)
	}
	ticketID := m[1]
	number := run(t, clerk, "ticket number", chromedp.Text(chromedp.ID("ticket-number")))
	if !regexp.MustCompile(`^GD\d{12}$`).MatchString(number) {
		t.Errorf("ticket number %q, want GD and 12 digits", number)
	}
	wantStatus(t, clerk, "已受理")
	facts := run(t, clerk, "ticket facts", chromedp.Text(chromedp.ID("ticket-facts")))
	for _, want := range []string{owner.Estate, owner.Name, phoneText, "电话", "维修 › 漏水", description} {
		if !strings.Contains(facts, want) {
			t.Errorf("the ticket page lacks %q:\n%s", want, facts)
		}
	}
	if u := run(t, clerk, "ticket unit", chromedp.Text(chromedp.ID("ticket-unit"))); u != owner.Code {
		t.Errorf("ticket unit %q, want %s", u, owner.Code)
	}
	if title := run(t, clerk, "title row", chromedp.Text(chromedp.CSS(".title-row"))); !strings.Contains(title, "投诉") {
		t.Errorf("the title row %q does not say 投诉", title)
	}
	if team := run(t, clerk, "team", chromedp.Text(chromedp.ID("ticket-team"))); team != "—" {
		t.Errorf("an undispatched ticket has the team %q", team)
	}

	// The clerk sends it to the maintenance team's 孙师傅.
	chooseOption(t, clerk, `#dispatch-form select[name="team_id"]`, "维修班")
	chooseOption(t, clerk, `#dispatch-form select[name="worker_id"]`, "孙师傅")
	do(t, clerk, "write the dispatch note", chromedp.SendKeys(chromedp.CSS(`#dispatch-form input[name="reason"]`), note))
	runResponse(t, clerk, "dispatch", chromedp.Click(chromedp.ID("action-dispatch")))
	wantPath(t, clerk, ticketPath)
	wantStatus(t, clerk, "已派工")
	// The team, and the way it hands out work (the rule's, as no other was chosen).
	if team := run(t, clerk, "team", chromedp.Text(chromedp.ID("ticket-team"))); !strings.HasPrefix(team, "维修班") {
		t.Errorf("#ticket-team = %q, want 维修班", team)
	}
	wantText(t, clerk, "ticket-assignee", "孙师傅")
	saveScreenshot(t, clerk, shots, "ticket-dispatched.png")

	// 2. The worker, on a phone, in a browser profile of their own.
	worker, cancelWorker := chromedp.NewContext(clerk, chromedp.WithNewBrowserContext(), chromedp.WithListener(b.listen))
	defer cancelWorker()
	do(t, worker, "a phone",
		chromedp.Func(func(ctx context.Context, tgt *chromedp.Target) error {
			_, err := cdp.Call(ctx, tgt, cdplog.Enable, cdp.Empty{})
			return err
		}),
		chromedp.EmulateViewport(390, 844, chromedp.EmulatePortrait, chromedp.EmulateMobile, chromedp.EmulateTouch),
	)
	signInAs(t, worker, base, "worker@demo.estatedesk.test")
	// The worker's home is the field view: the new tickets first, each
	// with 接单 and the clerk's note on its card.
	type home struct {
		Heading     bool
		NewFirst    bool
		New, Accept bool
		Note        string
	}
	h := run(t, worker, "the worker's home", chromedp.Evaluate[home](`(() => {
		const cards = [...document.querySelectorAll("#field-mine article.fcard")];
		const isNew = cards.map(c => c.querySelector(".fcard-new") !== null);
		const card = document.getElementById("card-`+ticketID+`");
		return {Heading: document.getElementById("field-heading") !== null,
			NewFirst: isNew.indexOf(false) < 0 || isNew.lastIndexOf(true) < isNew.indexOf(false),
			New: card?.querySelector(".fcard-new") !== null && card !== null,
			Accept: document.getElementById("accept-`+ticketID+`") !== null,
			Note: card?.querySelector(".fcard-note")?.textContent ?? ""};
	})()`))
	if !h.Heading || !h.NewFirst || !h.New || !h.Accept || !strings.Contains(h.Note, note) {
		t.Errorf("the worker's home: %+v; want the field view, new tickets first, the new ticket marked with 接单 and the note %q", h, note)
	}
	wantNoSideScroll(t, worker, "the home page")
	saveScreenshot(t, worker, shots, "home-worker-phone.png")
	// The menu is folded behind the burger on a phone.
	do(t, worker, "open the menu", chromedp.Tap(chromedp.CSS("label.nav-burger")))
	runResponse(t, worker, "open the field view", chromedp.Tap(chromedp.ID("nav-field")))
	wantPath(t, worker, "/t/demo/field")
	card := "#field-mine #card-" + ticketID
	cardText := run(t, worker, "the ticket's card", chromedp.Text(chromedp.CSS(card)))
	for _, want := range []string{number, "已派工", owner.Code, "投诉", "维修 › 漏水", phoneText} {
		if !strings.Contains(cardText, want) {
			t.Errorf("the card lacks %q:\n%s", want, cardText)
		}
	}
	wantNoSideScroll(t, worker, "the field view")
	saveScreenshot(t, worker, shots, "field-phone.png")
	runResponse(t, worker, "open the card", chromedp.Tap(chromedp.CSS(card+" a.fcard-link")))
	wantPath(t, worker, ticketPath)
	wantStatus(t, worker, "已派工")
	if n := run(t, worker, "the dispatch note", chromedp.Text(chromedp.ID("dispatch-note"))); !strings.Contains(n, note) {
		t.Errorf("#dispatch-note = %q, want %q", n, note)
	}
	wantNoSideScroll(t, worker, "the ticket page")

	runResponse(t, worker, "accept", chromedp.Tap(chromedp.ID("action-accept")))
	wantStatus(t, worker, "已接单")
	runResponse(t, worker, "start", chromedp.Tap(chromedp.ID("action-start")))
	wantStatus(t, worker, "处理中")

	do(t, worker, "take a photo",
		chromedp.SetUploadFiles(chromedp.CSS(`#attach-form label.tk-photo input[type="file"]`), []string{photo}),
		chromedp.SendKeys(chromedp.CSS(`#attach-form input[name="note"]`), "修好后的接头"),
	)
	runResponse(t, worker, "upload the photo", chromedp.Tap(chromedp.ID("action-attach")))
	wantPath(t, worker, ticketPath)
	wantStatus(t, worker, "处理中")

	do(t, worker, "write the note", chromedp.SendKeys(chromedp.CSS(`form[action$="/complete"] input[name="reason"]`), workNote))
	runResponse(t, worker, "complete", chromedp.Tap(chromedp.ID("action-complete")))
	wantPath(t, worker, ticketPath)
	wantStatus(t, worker, "已完成")
	wantNoSideScroll(t, worker, "the completed ticket")

	// The photo shows on the ticket page, served by the attachment route.
	img := "#attachments img"
	src := run(t, worker, "the photo's src", chromedp.Evaluate[string](`document.querySelector(`+strconv.Quote(img)+`)?.getAttribute("src") ?? ""`))
	if !regexp.MustCompile(`^/t/demo/attachments/[0-9a-f-]{36}$`).MatchString(src) {
		t.Fatalf("the photo's src is %q, want /t/demo/attachments/<id>", src)
	}
	do(t, worker, "scroll to the photo", chromedp.ScrollIntoView(chromedp.CSS(img)))
	waitFor(t, worker, "the photo loads", ticketWait,
		`(() => { const i = document.querySelector(`+strconv.Quote(img)+`); return i.complete && i.naturalWidth === 64 && i.naturalHeight === 48; })()`)
	timeline := run(t, worker, "the timeline", chromedp.Text(chromedp.ID("timeline")))
	for _, want := range []string{"接单", "开始处理", "上传附件", "维修后.png", "完成", workNote} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, timeline)
		}
	}
	saveScreenshot(t, worker, shots, "ticket-phone-done.png")

	// 3. The clerk calls the owner back from the 待回访 queue.
	runResponse(t, clerk, "open the tickets", chromedp.Click(chromedp.ID("nav-tickets")))
	runResponse(t, clerk, "open 待回访", chromedp.Click(chromedp.ID("tab-callback")))
	wantPath(t, clerk, "/t/demo/tickets")
	if v := run(t, clerk, "the queue's view", chromedp.Evaluate[string](`new URLSearchParams(location.search).get("view") ?? ""`)); v != "callback" {
		t.Fatalf("the tab opened the view %q, want callback", v)
	}
	do(t, clerk, "search the ticket", chromedp.SendKeys(chromedp.ID("queue-q"), number))
	// The list follows the typing; it is done when the address has the
	// whole number and no request is under way.
	waitFor(t, clerk, "the queue shows "+number+" alone", ticketWait,
		`(() => { const ns = [...document.querySelectorAll("#queue-table a.ticket-number")].map(a => a.textContent.trim());
			const q = new URLSearchParams(location.search);
			return q.get("q") === `+strconv.Quote(number)+` && q.get("view") === "callback" && document.querySelector(".htmx-request") === null &&
				ns.length === 1 && ns[0] === `+strconv.Quote(number)+`; })()`)
	row := run(t, clerk, "the queue row", chromedp.Text(chromedp.CSS("#queue-table tbody tr")))
	for _, want := range []string{"已完成", owner.Name, "维修班", "孙师傅"} {
		if !strings.Contains(row, want) {
			t.Errorf("the queue row lacks %q: %s", want, row)
		}
	}
	saveScreenshot(t, clerk, shots, "ticket-callback-queue.png")
	// Followed by its address rather than clicked: a late swap of the
	// live-filtered table may replace the link under the click.
	href := run(t, clerk, "the row's link", chromedp.Evaluate[string](`document.querySelector("#queue-table a.ticket-number").getAttribute("href")`))
	runResponse(t, clerk, "open "+number, chromedp.Navigate(base+href))
	wantPath(t, clerk, ticketPath)
	wantStatus(t, clerk, "已完成")
	if cb := run(t, clerk, "call-back state", chromedp.Text(chromedp.ID("ticket-callback-state"))); !strings.HasPrefix(cb, "待回访") {
		t.Errorf("#ticket-callback-state = %q, want 待回访", cb)
	}
	// The call-back comes first: above the facts and the actions, where
	// closing without it asks for a reason.
	type order struct {
		CallbackFirst bool
		Close         string
		CloseRequired bool
	}
	o := run(t, clerk, "the completed ticket's order", chromedp.Evaluate[order](`(() => {
		const cb = document.getElementById("callback");
		const follows = id => (cb.compareDocumentPosition(document.getElementById(id)) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
		const close = document.getElementById("action-close");
		return {CallbackFirst: follows("ticket-facts") && follows("actions") && cb.getBoundingClientRect().top < document.getElementById("ticket-facts").getBoundingClientRect().top,
			Close: close?.textContent.trim() ?? "",
			CloseRequired: close?.form.querySelector('input[name="reason"]')?.required ?? false};
	})()`))
	if !o.CallbackFirst || o.Close != "不回访直接关闭" || !o.CloseRequired {
		t.Errorf("the completed ticket: %+v; want the call-back first and closing without it only with a reason", o)
	}
	saveScreenshot(t, clerk, shots, "ticket-callback-first.png")

	// Reached, and not satisfied: overall 2, speed 3, attitude 3.
	if !run(t, clerk, "reached", chromedp.Evaluate[bool](`document.querySelector('#callback-form input[name="reached"][value="true"]').checked`)) {
		do(t, clerk, "reached", chromedp.Click(chromedp.CSS(`#callback-form input[name="reached"][value="true"]`)))
	}
	do(t, clerk, "score the call",
		chromedp.Click(chromedp.CSS(`#callback-form input[name="overall"][value="2"]`)),
		chromedp.Click(chromedp.CSS(`#callback-form input[name="speed"][value="3"]`)),
		chromedp.Click(chromedp.CSS(`#callback-form input[name="attitude"][value="3"]`)),
		chromedp.SendKeys(chromedp.CSS(`#callback-form textarea[name="comment"]`), comment),
	)
	saveScreenshot(t, clerk, shots, "ticket-callback.png")
	runResponse(t, clerk, "record the call-back", chromedp.Click(chromedp.ID("action-callback")))
	wantPath(t, clerk, ticketPath)
	wantStatus(t, clerk, "已重开")
	type entry struct{ Kind, Text string }
	entries := run(t, clerk, "the timeline", chromedp.Evaluate[[]entry](
		`[...document.querySelectorAll("#timeline li")].map(li => ({Kind: li.className, Text: li.textContent.replace(/\s+/g, " ").trim()}))`))
	var followUp, reopen *entry
	for i, e := range entries {
		switch e.Kind {
		case "tk-ev-follow_up":
			followUp = &entries[i]
		case "tk-ev-reopen":
			reopen = &entries[i]
		}
	}
	if followUp == nil || !strings.Contains(followUp.Text, comment) || !strings.Contains(followUp.Text, "总体 2 · 及时 3 · 态度 3") ||
		!strings.Contains(followUp.Text, "赵管理员") {
		t.Errorf("no call-back by 赵管理员 with the scores and %q in the timeline: %+v", comment, entries)
	}
	if reopen == nil || !strings.Contains(reopen.Text, "已重开") {
		t.Errorf("no reopen in the timeline: %+v", entries)
	}
	if cbs := run(t, clerk, "the call-backs", chromedp.Text(chromedp.ID("callbacks"))); !strings.Contains(cbs, comment) || !strings.Contains(cbs, "赵管理员") {
		t.Errorf("the call-back history lacks the call:\n%s", cbs)
	}
	if run(t, clerk, "call-back form", chromedp.Evaluate[bool](`document.getElementById("callback-form") !== null`)) {
		t.Error("a reopened ticket still offers a call-back")
	}
	saveScreenshot(t, clerk, shots, "ticket-reopened.png")

	b.checkConsole(t)
	t.Logf("the ticket's life in the browser took %s (the server's start %s)",
		time.Since(ready).Round(time.Millisecond), ready.Sub(start).Round(time.Millisecond))
}

// demoOwner is an owner of a unit, as the intake's search box lists them.
type demoOwner struct {
	Person, Unit      string // IDs
	Name, Phone, Code string // Phone in digits
	Estate            string
}

// findOwner asks the intake's search box, as the page itself does, for the
// owners whose names begin with a common surname, and takes the first with
// a mobile phone and a unit: the demo's owners come from its data, not from
// this test.
func findOwner(t *testing.T, ctx context.Context) demoOwner {
	t.Helper()
	names := make([]string, 0, 10)
	for _, r := range surnames[:10] {
		names = append(names, string(r))
	}
	list, err := json.Marshal(names)
	if err != nil {
		t.Fatal(err)
	}
	o := run(t, ctx, "find an owner", chromedp.Evaluate[*demoOwner](`(async (names) => {
		for (const n of names) {
			const r = await fetch("/t/demo/tickets/new/lookup?q=" + encodeURIComponent(n), {headers: {"HX-Request": "true"}});
			if (!r.ok) { throw new Error("lookup " + n + ": " + r.status); }
			const doc = new DOMParser().parseFromString(await r.text(), "text/html");
			for (const a of doc.querySelectorAll("#intake-hit-list a[data-person]")) {
				const spans = a.querySelectorAll("span.muted");
				const phone = spans.length === 2 ? spans[0].textContent.replace(/\D/g, "") : "";
				if (!a.dataset.unit || !/^1\d{10}$/.test(phone)) { continue; }
				const [code, estate] = spans[1].textContent.replace(/^\s*·\s*/, "").split(" · ");
				return {Person: a.dataset.person, Unit: a.dataset.unit, Name: a.querySelector("b").textContent.trim(),
					Phone: phone, Code: code.trim(), Estate: estate.trim()};
			}
		}
		return null;
	})(`+string(list)+`)`, chromedp.EvalAwaitPromise))
	if o == nil {
		t.Fatalf("no owner with a phone among the names beginning with %s", strings.Join(names, ", "))
	}
	return *o
}

func signInAs(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	do(t, ctx, "open /login", chromedp.Navigate(base+"/login"))
	do(t, ctx, "fill the sign-in form for "+email,
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), DemoPassword),
	)
	resp := runResponse(t, ctx, "sign in as "+email, chromedp.Click(chromedp.ID("login-submit")))
	if resp.Status != 200 {
		t.Fatalf("sign in as %s: final status %d (%s)", email, resp.Status, resp.URL)
	}
	wantPath(t, ctx, "/t/demo/")
}

// chooseOption picks the option of a select by its label, as a person does,
// so that the page's scripts see the change. A hidden or disabled option
// (another team's worker) cannot be picked.
func chooseOption(t *testing.T, ctx context.Context, selectCSS, label string) {
	t.Helper()
	problem := run(t, ctx, "choose "+label, chromedp.Evaluate[string](`((sel, label) => {
		const s = document.querySelector(sel);
		if (!s) { return "no select " + sel; }
		const o = [...s.options].find(o => o.textContent.trim() === label);
		if (!o) { return "no option " + label + " in " + sel + ": " + [...s.options].map(o => o.textContent.trim()).join(" | "); }
		const g = o.parentElement.tagName === "OPTGROUP" ? o.parentElement : null;
		if (o.disabled || o.hidden || (g && (g.disabled || g.hidden))) { return "the option " + label + " of " + sel + " is not offered"; }
		s.focus();
		s.value = o.value;
		s.dispatchEvent(new Event("input", {bubbles: true}));
		s.dispatchEvent(new Event("change", {bubbles: true}));
		return "";
	})(`+strconv.Quote(selectCSS)+`, `+strconv.Quote(label)+`)`))
	if problem != "" {
		t.Fatalf("choose %s: %s", label, problem)
	}
}

func wantStatus(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	wantText(t, ctx, "ticket-status", want)
}

func wantText(t *testing.T, ctx context.Context, id, want string) {
	t.Helper()
	if got := run(t, ctx, "#"+id, chromedp.Text(chromedp.ID(id))); got != want {
		alert, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll(".alert, .flash")].map(e => e.textContent.trim()).join(" / ")`))
		t.Fatalf("#%s = %q, want %q (page messages: %q)", id, got, want, alert)
	}
}

// wantNoSideScroll checks that a page fits the width of the phone.
func wantNoSideScroll(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	type widths struct{ Scroll, Inner int }
	w := run(t, ctx, "widths of "+page, chromedp.Evaluate[widths](
		`({Scroll: document.documentElement.scrollWidth, Inner: window.innerWidth})`))
	if w.Inner != 390 || w.Scroll > w.Inner {
		t.Errorf("phone, %s: scrollWidth %d, innerWidth %d; want innerWidth 390 and no horizontal scroll", page, w.Scroll, w.Inner)
	}
}

// writePNG writes a small picture, as a phone's camera would give.
func writePNG(t *testing.T, dir, name string, width, height int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		for x := range width {
			img.Set(x, y, color.RGBA{R: uint8(x * 255 / width), G: uint8(y * 255 / height), B: 160, A: 255})
		}
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
