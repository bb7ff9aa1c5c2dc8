package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/account"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// setTicket changes a ticket's columns behind the service's back, to put
// a deadline where a test needs it.
func (e *env) setTicket(id uuid.UUID, set string, args ...any) {
	e.t.Helper()
	must(e.t, e.db.InTenant(context.Background(), e.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Table("tickets").Set(set, args...).Where("tenant_id = ? AND id = ?", e.alpha.ID, id).Exec(ctx)
		return err
	}))
}

// before reports whether a appears in s before b, both present.
func before(s, a, b string) bool {
	i, j := strings.Index(s, a), strings.Index(s, b)
	return i >= 0 && j >= 0 && i < j
}

// Each role lands on its own work: the worker on the field view, new
// tickets first with 接单 on the card; the team leader on the team's
// tickets to assign; the clerk on today's work; managers, assistants and
// office heads on their estates' counts. Every count links to its queue,
// which lists what was counted.
func TestHomeByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Before any request, which would cache the tenant's role version.
	e.addActor("clerk_worker", e.alpha, account.Access{Roles: []string{"worker", "clerk"}, EstateIDs: []uuid.UUID{e.estates[0].ID}})
	w := e.seedQueue()
	ctx := context.Background()
	worker := e.actors["worker"].user.ID
	// The lift is dispatched to the worker (new); the leak is theirs and
	// accepted, due sooner: the new one still comes first.
	_, err := e.tickets.Dispatch(ctx, e.alpha, e.queueActor(), w.leak.ID, ticket.Assignment{TeamID: &w.team.ID, WorkerID: &worker})
	must(t, err)
	_, err = e.tickets.Accept(ctx, e.alpha, e.queueActor(), w.leak.ID, "")
	must(t, err)
	// The pool ticket waits for the leader in direct mode.
	e.setTicket(w.pool.ID, "dispatch_mode = ?", ticket.Direct)

	home := page(t, e, "/t/alpha/", "worker")
	mine := home[strings.Index(home, `id="field-mine"`):strings.Index(home, `id="field-pool"`)]
	if !strings.Contains(home, `id="field-heading"`) || !before(mine, w.lift.Number, w.leak.Number) {
		t.Errorf("worker's home is not the field view with the new ticket first:\n%s", mine)
	}
	lift := mine[strings.Index(mine, `id="card-`+w.lift.ID.String()+`"`):strings.Index(mine, `id="card-`+w.leak.ID.String()+`"`)]
	if !strings.Contains(lift, `class="badge fcard-new"`) || !strings.Contains(lift, `action="/t/alpha/tickets/`+w.lift.ID.String()+`/accept"`) {
		t.Errorf("the new ticket's card lacks the mark or 接单:\n%s", lift)
	}
	if strings.Contains(mine[strings.Index(mine, `id="card-`+w.leak.ID.String()+`"`):], "/accept") {
		t.Error("an accepted ticket's card offers 接单")
	}
	expectRedirect(t, e.do(request{method: "POST", path: "/t/alpha/tickets/" + w.lift.ID.String() + "/accept", as: "worker", form: url.Values{}}),
		"/t/alpha/tickets/"+w.lift.ID.String(), "accept from the card")

	home = page(t, e, "/t/alpha/", "team_leader")
	if !before(home, `id="field-pool"`, `id="field-mine"`) || !strings.Contains(home, "班组待分派") ||
		!strings.Contains(home, `id="assign-`+w.pool.ID.String()+`"`) || !strings.Contains(home, `<option value="`+worker.String()+`">`) {
		t.Errorf("team leader's home lacks the team's tickets to assign first")
	}
	resp := e.do(request{method: "POST", path: "/t/alpha/tickets/" + w.pool.ID.String() + "/assign", as: "team_leader",
		form: url.Values{"worker_id": {worker.String()}}})
	expectRedirect(t, resp, "/t/alpha/tickets/"+w.pool.ID.String(), "assign from the card")
	if home = page(t, e, "/t/alpha/", "team_leader"); strings.Contains(home, `id="assign-`+w.pool.ID.String()+`"`) {
		t.Error("an assigned ticket is still to assign")
	}

	// The clerk's day: the four tickets are new today; the leak falls due
	// before midnight, the lift is overdue, the pool ticket is completed
	// and waits for its call-back.
	now := time.Now()
	_, midnight := shanghaiDay(now)
	e.setTicket(w.leak.ID, "resolve_due = ?", now.Add(midnight.Sub(now)/2).UTC())
	e.setTicket(w.lift.ID, "resolve_due = ?", now.Add(-time.Hour).UTC())
	_, err = e.tickets.Accept(ctx, e.alpha, e.queueActor(), w.pool.ID, "")
	must(t, err)
	_, err = e.tickets.Start(ctx, e.alpha, e.queueActor(), w.pool.ID, "")
	must(t, err)
	_, err = e.tickets.Complete(ctx, e.alpha, e.queueActor(), w.pool.ID, "")
	must(t, err)
	home = page(t, e, "/t/alpha/", "clerk")
	for key, want := range map[string]string{"new": "3", "due_today": "1", "overdue": "1", "callback": "1"} {
		i := strings.Index(home, `id="desk-`+key+`"`)
		if i < 0 {
			t.Errorf("clerk's home lacks the count %s", key)
			continue
		}
		tile := home[i:]
		tile = tile[:strings.Index(tile, "</a>")]
		if !strings.Contains(tile, `<span class="big">`+want+`</span>`) {
			t.Errorf("count %s: %s, want %s", key, tile, want)
		}
	}
	for list, want := range map[string]string{"due_today": w.leak.Number, "overdue": w.lift.Number, "callback": w.pool.Number} {
		i := strings.Index(home, `id="desk-list-`+list+`"`)
		if i < 0 || !strings.Contains(home[i:i+strings.Index(home[i:], "</section>")], want) {
			t.Errorf("clerk's list %s lacks %s", list, want)
		}
	}
	if strings.Contains(home, w.fee.Number) {
		t.Error("a North clerk's day shows South's ticket")
	}
	if got := e.listed("clerk", "?view=open&due=today&sort=due"); len(got) != 1 || got[0] != w.leak.Number {
		t.Errorf("the due-today queue lists %v", got)
	}
	problemCode(t, e, request{method: "GET", path: "/api/v1/t/alpha/tickets?due=tomorrow", as: "clerk"}, 422, "invalid_filter")
	problemCode(t, e, request{method: "GET", path: "/api/v1/t/alpha/tickets?major=yes", as: "clerk"}, 422, "invalid_filter")

	// A major complaint in North.
	major := e.queueTicket(ticket.Intake{EstateID: e.estates[0].ID, CallerName: "赵六", Type: ticket.Complaint, Major: true, Description: "保安态度恶劣"})
	north, south := e.estates[0].ID.String(), e.estates[1].ID.String()
	home = page(t, e, "/t/alpha/", "manager")
	board := home[strings.Index(home, `id="home-board"`):]
	for _, want := range []string{
		`<a href="/t/alpha/tickets?view=open&amp;estate=` + north + `">3</a>`,
		`<a href="/t/alpha/tickets?view=overdue&amp;estate=` + north + `" class="tone-late">1</a>`,
		`<a href="/t/alpha/tickets?view=open&amp;type=complaint&amp;major=true&amp;estate=` + north + `" class="tone-late">1</a>`,
		`<a href="/t/alpha/tickets?view=open&amp;estate=` + south + `">1</a>`,
		`id="board-total"`,
	} {
		if !strings.Contains(board, want) {
			t.Errorf("manager's board lacks %s:\n%.3000s", want, board)
		}
	}
	if got := e.listed("manager", "?view=open&type=complaint&major=true&estate="+north); len(got) != 1 || got[0] != major.Number {
		t.Errorf("the major-complaint queue lists %v", got)
	}
	for _, role := range []string{"assistant", "office_head"} {
		home = page(t, e, "/t/alpha/", role)
		if !strings.Contains(home, `id="home-board"`) || strings.Contains(home, `id="desk-new"`) {
			t.Errorf("%s's home is not the board", role)
		}
		if hasSouth := strings.Contains(home, "estate="+south); hasSouth != (role == "assistant") {
			t.Errorf("%s's board shows South: %v", role, hasSouth)
		}
	}
	// The document controller keeps the estates; a clerk who is also a
	// worker gets the clerk's home.
	if home = page(t, e, "/t/alpha/", "document_controller"); strings.Contains(home, `id="home-board"`) || !strings.Contains(home, "North") {
		t.Error("document controller's home")
	}
	if home = page(t, e, "/t/alpha/", "clerk_worker"); !strings.Contains(home, `id="desk-new"`) {
		t.Error("a clerk and worker does not get the clerk's home")
	}
}

// shanghaiDay is the test tenants' day around now.
func shanghaiDay(now time.Time) (time.Time, time.Time) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	y, m, d := now.In(loc).Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 0, 1)
}

// The ticket page offers each role its own next steps in the order of the
// work: the dispatch before the cancel; 接单 and 退单 to the worker who
// holds the ticket only; field moves a clerk records for the worker tucked
// away; after completion the call-back first, and closing without it only
// with a reason, which the service enforces.
func TestTicketPageNextActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	path := func(tk *ticket.Ticket) string { return "/t/alpha/tickets/" + tk.ID.String() }

	received := w.ticketIn(e.estates[0].ID, "received")
	show := page(t, e, path(received), "clerk")
	if !before(show, `id="dispatch-form"`, `id="action-cancel"`) || strings.Contains(show, `id="action-accept"`) {
		t.Error("received ticket: the dispatch does not come before the cancel")
	}

	dispatched := w.ticketIn(e.estates[0].ID, "dispatched")
	show = page(t, e, path(dispatched), "worker")
	if !before(show, `id="action-accept"`, `id="action-return"`) || strings.Contains(show, `id="dispatch-form"`) {
		t.Error("the worker holding the ticket is not offered 接单 before 退单")
	}
	for _, role := range []string{"clerk", "team_leader", "manager"} {
		if show = page(t, e, path(dispatched), role); strings.Contains(show, `id="action-accept"`) || strings.Contains(show, `id="action-return"`) {
			t.Errorf("%s is offered the worker's 接单 or 退单", role)
		}
	}
	if show = page(t, e, path(dispatched), "clerk"); !before(show, `id="action-transfer"`, `id="action-cancel"`) {
		t.Error("the cancel does not come last")
	}

	working := w.ticketIn(e.estates[0].ID, "in_progress")
	show = page(t, e, path(working), "worker")
	if !strings.Contains(show, `id="action-complete"`) || strings.Contains(show, `id="behalf"`) {
		t.Error("the worker's own moves")
	}
	show = page(t, e, path(working), "clerk")
	if !before(show, `id="behalf"`, `id="action-complete"`) {
		t.Error("a clerk's moves for the worker are not tucked away")
	}

	done := w.ticketIn(e.estates[0].ID, "completed")
	show = page(t, e, path(done), "clerk")
	if !before(show, `id="callback-form"`, `id="ticket-facts"`) || !before(show, `id="callback-form"`, `id="action-close"`) ||
		!strings.Contains(show, "不回访直接关闭") || !strings.Contains(show, `id="callback-whom"`) {
		t.Errorf("completed ticket: the call-back does not come first:\n%.3000s", show[strings.Index(show, `class="tk-layout"`):])
	}
	api := "/api/v1/t/alpha/tickets/" + done.ID.String() + "/close"
	problemCode(t, e, request{method: "POST", path: api, as: "clerk"}, 422, "ticket_close_reason")
	resp := e.do(request{method: "POST", path: path(done) + "/close", as: "clerk", form: url.Values{"reason": {" "}}})
	if body := readBody(t, resp); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "业主尚未回访，关闭工单须填写原因。") {
		t.Errorf("close without a reason: %d", resp.StatusCode)
	}
	resp = e.do(request{method: "POST", path: api, as: "clerk", json: map[string]any{"reason": "业主出差，电话已确认"}})
	var closed ticket.Ticket
	decode(t, resp, &closed)
	if resp.StatusCode != http.StatusOK || closed.Status != ticket.Closed {
		t.Errorf("close with a reason: %d %s", resp.StatusCode, closed.Status)
	}

	// A type the company does not call back closes without a reason.
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/settings/tickets/settings", as: "manager", json: map[string]any{
		"callback_types": []string{"complaint"}, "callback_max_attempts": 3, "callback_retry_minutes": 120, "followup_days": 3, "warn_percent": 80}}),
		http.StatusOK, "settings")
	done = w.ticketIn(e.estates[0].ID, "completed")
	if show = page(t, e, path(done), "clerk"); strings.Contains(show, `id="callback-form"`) || strings.Contains(show, "不回访直接关闭") {
		t.Error("a ticket without call-back offers one")
	}
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets/" + done.ID.String() + "/close", as: "clerk"}), http.StatusOK, "close")
}

// A satisfied owner's call-back closes the ticket unless the company keeps
// followed-up tickets open.
func TestCallbackClosesSetting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	var cfg ticket.Config
	decode(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/settings/tickets", as: "manager"}), &cfg)
	if !cfg.Settings.CallbackCloses {
		t.Error("call-backs do not close by default")
	}
	if body := page(t, e, "/t/alpha/settings/tickets", "manager"); !strings.Contains(body, `id="callback-closes" checked`) {
		t.Error("the settings form lacks the call-back's close")
	}
	// The form without the box keeps followed-up tickets open.
	resp := e.do(request{method: "POST", path: "/t/alpha/settings/tickets/settings", as: "manager", form: url.Values{
		"callback_types": {"complaint", "repair"}, "callback_max_attempts": {"3"}, "callback_retry_minutes": {"120"},
		"followup_days": {"3"}, "warn_percent": {"80"}}})
	expectRedirect(t, resp, "/t/alpha/settings/tickets", "save")
	done := w.ticketIn(e.estates[0].ID, "completed")
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets/" + done.ID.String() + "/callbacks", as: "clerk",
		json: map[string]any{"reached": true, "overall": 5, "speed": 5, "attitude": 5}})
	var tk ticket.Ticket
	decode(t, resp, &tk)
	if tk.Status != ticket.FollowedUp {
		t.Errorf("with callback_closes off: %s", tk.Status)
	}
	// The API's default is on.
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/settings/tickets/settings", as: "manager", json: map[string]any{
		"callback_types": "complaint,repair", "callback_max_attempts": 3, "callback_retry_minutes": 120, "followup_days": 3, "warn_percent": 80}}),
		http.StatusOK, "settings")
	done = w.ticketIn(e.estates[0].ID, "completed")
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets/" + done.ID.String() + "/callbacks", as: "clerk",
		json: map[string]any{"reached": true, "overall": 4, "speed": 5, "attitude": 5}})
	decode(t, resp, &tk)
	if tk.Status != ticket.Closed || tk.ClosedAt == nil {
		t.Errorf("with callback_closes on: %s", tk.Status)
	}
}

// The clerk's note with the dispatch tops the worker's ticket and card.
func TestDispatchNoteOnTop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	tk := w.ticketIn(e.estates[0].ID, "received")
	base := "/t/alpha/tickets/" + tk.ID.String()
	expectRedirect(t, e.do(request{method: "POST", path: base + "/dispatch", as: "clerk", form: url.Values{
		"team_id": {w.north.ID.String()}, "worker_id": {e.actors["worker"].user.ID.String()}, "reason": {"业主下午三点后在家，带 DN15 角阀"}}}), base, "dispatch")
	show := page(t, e, base, "worker")
	if !before(show, `id="dispatch-note"`, `id="ticket-facts"`) || !strings.Contains(show, "业主下午三点后在家，带 DN15 角阀") {
		t.Error("the dispatch note is not at the top of the worker's ticket")
	}
	field := page(t, e, "/t/alpha/field", "worker")
	card := field[strings.Index(field, `id="card-`+tk.ID.String()+`"`):]
	if !strings.Contains(card[:strings.Index(card, "</article>")], "业主下午三点后在家，带 DN15 角阀") {
		t.Error("the field card lacks the dispatch note")
	}
	if d := w.detail(t, tk.ID, "worker"); d.DispatchNote != "业主下午三点后在家，带 DN15 角阀" {
		t.Errorf("API dispatch_note %q", d.DispatchNote)
	}
}

// Workers see the tickets they hold and their teams', nothing else of the
// estate: not the page, the API, the queues, the files or the moves.
func TestWorkerSeesOwnAndTeamTickets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	ctx := context.Background()
	e.addActor("cleaner", e.alpha, account.Access{Roles: []string{"worker"}, EstateIDs: []uuid.UUID{e.estates[0].ID}})
	cleaning := e.seedTeam(e.estates[0].ID, "保洁班")
	_, err := team.NewService(e.db).SetMembers(ctx, e.alpha.ID, allScope, e.estates[0].ID, cleaning.ID, []uuid.UUID{e.actors["cleaner"].user.ID})
	must(t, err)

	repair := w.ticketIn(e.estates[0].ID, "dispatched") // 维修一班, to the worker
	received := w.ticketIn(e.estates[0].ID, "received")
	pool := w.ticketIn(e.estates[0].ID, "pool")
	at := w.attach(repair.ID, "现场.png", pngBytes)
	// The worker's team mate holds one: the worker still sees it.
	leader := e.actors["team_leader"].user.ID
	mate := w.ticketIn(e.estates[0].ID, "pool")
	_, err = e.tickets.Assign(ctx, e.alpha, w.dispatch, mate.ID, leader)
	must(t, err)

	for _, id := range []uuid.UUID{repair.ID, pool.ID, mate.ID} {
		expectStatus(t, e.do(request{method: "GET", path: "/t/alpha/tickets/" + id.String(), as: "worker"}), http.StatusOK, "worker, own team")
	}
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/tickets/" + received.ID.String(), as: "worker"}), http.StatusNotFound, "worker, no team")
	for _, p := range []string{"/t/alpha/tickets/" + repair.ID.String(), "/api/v1/t/alpha/tickets/" + repair.ID.String(),
		"/t/alpha/attachments/" + at.ID.String()} {
		expectStatus(t, e.do(request{method: "GET", path: p, as: "cleaner"}), http.StatusNotFound, "cleaner "+p)
	}
	for _, r := range []request{
		{method: "POST", path: "/api/v1/t/alpha/tickets/" + pool.ID.String() + "/claim", as: "cleaner"},
		{method: "POST", path: "/api/v1/t/alpha/tickets/" + repair.ID.String() + "/comments", as: "cleaner", json: map[string]any{"body": "我来看看"}},
	} {
		expectStatus(t, e.do(r), http.StatusNotFound, "cleaner "+r.path)
	}
	if got := e.listed("worker", ""); len(got) != 3 {
		t.Errorf("the worker lists %v, want their team's three", got)
	}
	if got := e.listed("cleaner", ""); len(got) != 0 {
		t.Errorf("the cleaner lists %v", got)
	}
	if body := page(t, e, "/t/alpha/tickets", "cleaner"); strings.Contains(body, repair.Number) || strings.Contains(body, received.Number) {
		t.Error("the cleaner's queue page shows the repair team's tickets")
	}
	// A team leader still sees the estate's tickets.
	expectStatus(t, e.do(request{method: "GET", path: "/api/v1/t/alpha/tickets/" + received.ID.String(), as: "team_leader"}), http.StatusOK, "team leader")
}

// Complaints about staff (服务 › 态度 from the start, or any category the
// company marks) are seen only with ticket:sensitive, and by the person
// they are assigned to; callers' phones likewise, masked to the last four
// digits for the others.
func TestStaffComplaintsAndPhones(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := e.seedTickets()
	ctx := context.Background()
	tree, err := e.tickets.Categories(ctx, e.alpha.ID)
	must(t, err)
	var attitude, noise uuid.UUID
	for _, c := range tree {
		switch c.Path {
		case "服务 › 态度":
			attitude = c.ID
			if !c.StaffComplaint {
				t.Error("服务 › 态度 is not a complaint about staff")
			}
		case "邻里 › 噪音":
			noise = c.ID
		}
	}
	made, err := e.tickets.Create(ctx, e.alpha, w.dispatch, ticket.Intake{EstateID: e.estates[0].ID, CallerName: "钱女士", CallerPhone: "13912345678",
		Channel: ticket.Phone, Type: ticket.Complaint, CategoryID: &attitude, Description: "维修师傅态度差"}, "", false)
	must(t, err)
	complaint := made.Ticket
	_, err = e.tickets.Dispatch(ctx, e.alpha, w.dispatch, complaint.ID, ticket.Assignment{TeamID: &w.north.ID, Mode: ticket.Direct})
	must(t, err)
	get := func(as string) int {
		resp := e.do(request{method: "GET", path: "/api/v1/t/alpha/tickets/" + complaint.ID.String(), as: as})
		resp.Body.Close()
		return resp.StatusCode
	}
	for role, want := range map[string]int{"worker": 404, "team_leader": 404, "clerk": 200, "office_head": 200, "manager": 200} {
		if got := get(role); got != want {
			t.Errorf("%s reads the staff complaint: %d, want %d", role, got, want)
		}
	}
	for _, role := range []string{"worker", "team_leader"} {
		for _, n := range e.listed(role, "") {
			if n == complaint.Number {
				t.Errorf("%s lists the staff complaint", role)
			}
		}
		if body := page(t, e, "/t/alpha/field", role); strings.Contains(body, complaint.Number) {
			t.Errorf("%s's field view shows the staff complaint", role)
		}
	}
	if show := page(t, e, "/t/alpha/tickets/"+complaint.ID.String(), "clerk"); !strings.Contains(show, `id="ticket-staff-complaint"`) {
		t.Error("the staff complaint is not marked on its page")
	}
	// Assigned to the worker (to answer for it), it is theirs to see.
	_, err = e.tickets.Assign(ctx, e.alpha, w.dispatch, complaint.ID, e.actors["worker"].user.ID)
	must(t, err)
	if got := get("worker"); got != 200 {
		t.Errorf("the assignee reads the staff complaint: %d", got)
	}

	// Phones: the worker holds the repair and sees 张三's phones and the
	// caller's; the team leader does not hold it and sees them masked.
	repair := w.ticketIn(e.estates[0].ID, "dispatched")
	e.setTicket(repair.ID, "caller_phone = ?", "13912345678")
	if d := w.detail(t, repair.ID, "worker"); d.Ticket.CallerPhone != "13912345678" || d.Phones[0] != "13800138000" {
		t.Errorf("the assignee sees %q %v", d.Ticket.CallerPhone, d.Phones)
	}
	d := w.detail(t, repair.ID, "team_leader")
	if d.Ticket.CallerPhone != "139****5678" || d.Phones[0] != "138****8000" {
		t.Errorf("the team leader sees %q %v", d.Ticket.CallerPhone, d.Phones)
	}
	if show := page(t, e, "/t/alpha/tickets/"+repair.ID.String(), "team_leader"); strings.Contains(show, "13800138000") || strings.Contains(show, "tel:1391") {
		t.Error("the team leader's ticket page shows a phone")
	}
	resp := e.do(request{method: "GET", path: "/api/v1/t/alpha/tickets?view=team", as: "team_leader"})
	var page1 ticket.Page
	decode(t, resp, &page1)
	for _, r := range page1.Rows {
		if r.CallerPhone != "" && !strings.Contains(r.CallerPhone, "****") {
			t.Errorf("the team leader's queue shows %s's phone %s", r.Number, r.CallerPhone)
		}
	}
	if d := w.detail(t, repair.ID, "clerk"); d.Ticket.CallerPhone != "13912345678" {
		t.Errorf("the clerk sees %q", d.Ticket.CallerPhone)
	}
	// The estates' pages mask them as well for the field staff.
	person := "/t/alpha/persons/" + w.p.northPerson.String()
	var pd struct {
		Person struct{ Phones []string } `json:"person"`
	}
	decode(t, e.do(request{method: "GET", path: "/api/v1" + person, as: "team_leader"}), &pd)
	if len(pd.Person.Phones) != 1 || pd.Person.Phones[0] != "138****8000" {
		t.Errorf("the team leader's person API shows %v", pd.Person.Phones)
	}
	for _, p := range []string{person, "/t/alpha/units/" + w.p.northUnit.String(), "/t/alpha/search?q=张三"} {
		if body := page(t, e, p, "team_leader"); strings.Contains(body, "13800138000") || strings.Contains(body, "tel:138") ||
			!strings.Contains(body, "138 **** 8000") {
			t.Errorf("the team leader's %s shows the phone", p)
		}
		if body := page(t, e, p, "clerk"); !strings.Contains(body, "138 0013 8000") {
			t.Errorf("the clerk's %s lacks the phone", p)
		}
	}
	resp = e.do(request{method: "POST", path: "/api/v1/t/alpha/tickets/" + repair.ID.String() + "/comments", as: "team_leader", json: map[string]any{"body": "已联系"}})
	expectStatus(t, resp, http.StatusCreated, "comment")

	// The company marks 邻里 › 噪音: its tickets leave the field staff too.
	loud, err := e.tickets.Create(ctx, e.alpha, w.dispatch, ticket.Intake{EstateID: e.estates[0].ID, CallerName: "孙先生", Channel: ticket.Phone,
		Type: ticket.Complaint, CategoryID: &noise, Description: "物业保安夜里大声喧哗"}, "", false)
	must(t, err)
	path := "/api/v1/t/alpha/tickets/" + loud.Ticket.ID.String()
	expectStatus(t, e.do(request{method: "GET", path: path, as: "team_leader"}), http.StatusOK, "before the mark")
	flag := "/api/v1/t/alpha/settings/tickets/categories/" + noise.String() + "/staff-complaint"
	problemCode(t, e, request{method: "POST", path: flag, as: "manager", json: map[string]any{}}, 422, "validation")
	expectStatus(t, e.do(request{method: "POST", path: "/api/v1/t/alpha/settings/tickets/categories/" + uuid.NewString() + "/staff-complaint",
		as: "manager", json: map[string]any{"staff_complaint": true}}), http.StatusNotFound, "unknown category")
	expectStatus(t, e.do(request{method: "POST", path: flag, as: "manager", json: map[string]any{"staff_complaint": true}}), http.StatusNoContent, "mark")
	expectStatus(t, e.do(request{method: "GET", path: path, as: "team_leader"}), http.StatusNotFound, "after the mark")
	body := page(t, e, "/t/alpha/settings/tickets", "manager")
	if !strings.Contains(body, `id="staff-complaint-`+noise.String()+`"`) {
		t.Error("the settings do not show the mark")
	}
	expectRedirect(t, e.do(request{method: "POST", path: "/t/alpha/settings/tickets/categories/" + noise.String() + "/staff-complaint",
		as: "manager", form: url.Values{}}), "/t/alpha/settings/tickets", "unmark")
	expectStatus(t, e.do(request{method: "GET", path: path, as: "team_leader"}), http.StatusOK, "after the unmark")
}
