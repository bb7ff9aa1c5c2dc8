package server

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/team"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// ticketAction is a button of the ticket's action panel: a simple move
// with, for some, a reason or a note.
type ticketAction struct {
	Event string
	// Reason is "required", "optional" or "" (no text field).
	Reason string
	// Field marks the team's own work, shown as big buttons on a phone.
	Field bool
	// Style is the button's class: primary for the next step of the
	// work, "" for a side step, danger for what hands the ticket back.
	Style string
	// Base and CSRF are for the button's form: the ticket's address and
	// the session's token.
	Base, CSRF string
}

// fieldActions are the moves of the team's work in the order of a job.
var fieldActions = []ticketAction{
	{Event: "claim", Field: true, Style: "primary"},
	{Event: "accept", Field: true, Style: "primary"},
	{Event: "start", Field: true, Style: "primary"},
	{Event: "resume", Field: true, Style: "primary"},
	{Event: "complete", Reason: "optional", Field: true, Style: "primary"},
	{Event: "hold", Reason: "required", Field: true},
	{Event: "return", Reason: "required", Style: "danger"},
}

// centerActions are the moves of the service center itself; cancelling
// comes last, after everything that moves the work on.
var centerActions = []ticketAction{
	{Event: "close", Reason: "optional", Style: "primary"},
	{Event: "reopen", Reason: "required"},
	{Event: "cancel", Reason: "required", Style: "danger"},
}

// workerOption is a person a ticket can go to.
type workerOption struct {
	ID   uuid.UUID
	Name string
}

// teamOption is an active team of the ticket's estate with the people
// who may take its tickets: the leader and the members.
type teamOption struct {
	ID      uuid.UUID
	Name    string
	Kind    team.Kind
	Workers []workerOption
}

// teamWorkers are the people who may take a team's tickets: its leader
// and its active members.
func teamWorkers(tm team.Team) []workerOption {
	people := tm.Members
	if tm.Leader != nil {
		people = append([]team.Person{*tm.Leader}, people...)
	}
	var out []workerOption
	for _, p := range people {
		if p.Active && !slices.ContainsFunc(out, func(w workerOption) bool { return w.ID == p.UserID }) {
			out = append(out, workerOption{ID: p.UserID, Name: p.DisplayName()})
		}
	}
	return out
}

// entryView is one line of the timeline, translated.
type entryView struct {
	At           string
	Kind         string
	Label        string
	Actor        string
	From, To     string
	Body         string
	OwnerVisible bool
	Details      []string
}

// attachmentView is a file of the ticket.
type attachmentView struct {
	ticket.Attachment
	Image bool
	Size  string
	At    string
}

// callbackView is one call-back attempt.
type callbackView struct {
	ticket.Callback
	At string
	By string
}

// clockView is the state of the resolution deadline: "left", "overdue",
// "paused" (on hold) or "" (no deadline runs).
type clockView struct {
	State string
	Text  string
}

// ticketShow: a ticket with its header, actions, timeline, files and
// call-backs; the API answers the ticket's detail.
func (s *Server) ticketShow(c *fiber.Ctx) error {
	id, err := pathUUID(c, "ticket")
	if err != nil {
		return err
	}
	return s.showTicket(c, id, nil)
}

func (s *Server) showTicket(c *fiber.Ctx, id uuid.UUID, fail *formFail) error {
	ctx, t, u := c.UserContext(), tenantOf(c), userOf(c)
	a, err := s.ticketActor(c)
	if err != nil {
		return err
	}
	d, err := s.Tickets.Get(ctx, t.ID, a, id)
	if err != nil {
		return err
	}
	if d.Timeline == nil {
		d.Timeline = []ticket.Entry{}
	}
	if d.Attachments == nil {
		d.Attachments = []ticket.Attachment{}
	}
	if d.Callbacks == nil {
		d.Callbacks = []ticket.Callback{}
	}
	if isAPI(c) {
		return c.JSON(d)
	}
	tk, lang, loc, now := d.Ticket, langOf(c), t.Location(), time.Now()
	can := func(act string) bool { return s.Authz.Can(u.ID, t.ID, rbac.ObjTicket, act) }

	teams, err := s.teams().List(ctx, t.ID, a.Scope, tk.EstateID)
	if err != nil {
		return err
	}
	names := map[uuid.UUID]string{tk.ReceivedBy: d.ReceivedBy}
	if tk.AssigneeID != nil {
		names[*tk.AssigneeID] = d.Assignee
	}
	for _, e := range d.Timeline {
		if e.ActorID != nil && e.ActorName != "" {
			names[*e.ActorID] = e.ActorName
		}
	}
	teamNames := map[uuid.UUID]string{}
	var options []teamOption
	var ownTeam *teamOption
	for _, tm := range teams {
		teamNames[tm.ID] = tm.Name
		opt := teamOption{ID: tm.ID, Name: tm.Name, Kind: tm.Kind, Workers: teamWorkers(tm)}
		for _, p := range tm.Members {
			names[p.UserID] = p.DisplayName()
		}
		if tm.Leader != nil {
			names[tm.Leader.UserID] = tm.Leader.DisplayName()
		}
		if tm.ArchivedAt == nil {
			options = append(options, opt)
		}
		if tk.TeamID != nil && tm.ID == *tk.TeamID {
			ownTeam = &opt
		}
	}

	// What the user may do: legal in the ticket's state, permitted to the
	// role, and theirs to do; each role sees only its own next steps, in
	// the order of the work. The service checks all of it again.
	legal := func(ev ticket.Event) bool { _, err := ticket.Next(tk.Status, ev); return err == nil }
	me := u.ID
	assignedToMe := tk.AssigneeID != nil && *tk.AssigneeID == me
	leader := d.TeamLeader != nil && *d.TeamLeader == me
	member := ownTeam != nil && slices.ContainsFunc(ownTeam.Workers, func(w workerOption) bool { return w.ID == me })
	// Comments and files: to whoever may act on the ticket's work.
	works := can(rbac.ActWork) && (a.Dispatcher || assignedToMe || leader || (tk.AssigneeID == nil && member))
	// Own: the worker's moves, to the one who holds the ticket (a pool
	// ticket: to the members who may claim it, and to the leader, who may
	// hand it back). Behalf: the field moves a leader or a clerk records
	// for the worker who phoned them in, tucked away.
	var own, behalf, last []ticketAction
	for _, act := range fieldActions {
		if !can(rbac.ActWork) {
			break
		}
		ev := ticket.Event(act.Event)
		switch {
		case act.Event == "claim":
			if tk.Status == ticket.Dispatched && tk.AssigneeID == nil && member {
				own = append(own, act)
			}
		case !legal(ev):
		case ev == ticket.Return:
			if assignedToMe || (tk.AssigneeID == nil && leader) {
				last = append(last, act)
			}
		case assignedToMe:
			own = append(own, act)
		case ev != ticket.Accept && tk.AssigneeID != nil && (a.Dispatcher || leader):
			behalf = append(behalf, act)
		}
	}
	// An unreachable owner ends the round: no more attempts.
	callbackOpen := tk.Status == ticket.Completed && slices.Contains(
		[]string{ticket.CallbackDue, ticket.CallbackRetry}, tk.CallbackState)
	var center []ticketAction
	for _, act := range centerActions {
		if !legal(ticket.Event(act.Event)) || !can(rbac.ActUpdate) {
			continue
		}
		switch act.Event {
		case "cancel":
			last = append(last, act)
			continue
		case "close":
			if callbackOpen {
				// The call-back comes first; closing without it needs a reason.
				act.Reason, act.Style = "close_without_callback", ""
			}
		}
		center = append(center, act)
	}
	canDispatch := can(rbac.ActDispatch)
	var workers []workerOption
	if ownTeam != nil {
		workers = ownTeam.Workers
	}
	// The note is for the team at work; once done, the timeline keeps it.
	var note string
	if tk.TeamID != nil && tk.Status.Open() && tk.CompletedAt == nil {
		note = d.DispatchNote
	}
	base, csrf := ticketPath(c, tk.ID), s.csrfToken(c)
	for _, acts := range [][]ticketAction{own, behalf, center, last} {
		for i := range acts {
			acts[i].Base, acts[i].CSRF = base, csrf
		}
	}

	data := map[string]any{
		"D": d, "T": tk,
		"Phones":      phoneViews(d.Phones),
		"CallerPhone": callerPhone(tk.CallerPhone),
		"Created":     s.when(lang, loc, &tk.CreatedAt),
		"ResponseDue": s.when(lang, loc, tk.ResponseDue),
		"ResolveDue":  s.when(lang, loc, tk.ResolveDue),
		"Completed":   s.when(lang, loc, tk.CompletedAt),
		"CallbackDue": s.when(lang, loc, tk.CallbackDue),
		"Clock":       s.clock(lang, tk, now),
		"Breached":    tk.Breached(),
		"Own":         own,
		"Behalf":      behalf,
		"Center":      center,
		"Last":        last,
		"Note":        note,
		"CanDispatch": canDispatch && legal(ticket.Dispatch),
		"CanTransfer": canDispatch && legal(ticket.Transfer),
		"CanAssign": can(rbac.ActAssign) && (tk.Status == ticket.Dispatched || tk.Status == ticket.Accepted) &&
			(a.Dispatcher || leader) && len(workers) > 0,
		"CanComment":  works,
		"CanAttach":   works,
		"CanCallback": can(rbac.ActFollowup) && callbackOpen,
		"Teams":       options,
		"Workers":     workers,
		"Modes":       ticket.Modes(),
		"Timeline":    s.timeline(lang, loc, d.Timeline, names, teamNames),
		"Attachments": s.attachmentViews(lang, loc, d.Attachments),
		"Callbacks":   s.callbackViews(lang, loc, d.Callbacks, names),
		"Dispatch":    ticketDispatchInput{},
		"Transfer":    ticketDispatchInput{},
		"Comment":     ticketCommentInput{},
		"Callback":    ticketCallbackInput{Reached: true},
		"Scores":      []string{"overall", "speed", "attitude"},
	}
	return s.render(c, "ticket", "ticket.title", withForms(data, fail))
}

// callerPhone makes the caller's phone dialable when it is a number.
func callerPhone(p string) *phoneView {
	if p == "" {
		return nil
	}
	if strings.Trim(p, "0123456789") != "" {
		return &phoneView{Text: p}
	}
	return &phoneViews([]string{p})[0]
}

// when shows an instant in the company's time zone; "" for none.
func (s *Server) when(lang string, loc *time.Location, at *time.Time) string {
	if at == nil || at.IsZero() {
		return ""
	}
	return datetimeIn(lang, loc, *at)
}

func datetimeIn(lang string, loc *time.Location, at time.Time) string {
	at = at.In(loc)
	if strings.HasPrefix(lang, "zh") {
		return at.Format("2006年1月2日 15:04")
	}
	return at.Format("2 Jan 2006 15:04")
}

// clock tells how the resolution deadline stands at now.
func (s *Server) clock(lang string, tk *ticket.Ticket, now time.Time) clockView {
	if tk.Status.Paused() && tk.Status.Open() && tk.CompletedAt == nil {
		return clockView{State: "paused", Text: s.Catalog.T(lang, "ticket.clock.paused", nil)}
	}
	left, ok := tk.Left(now)
	if !ok {
		return clockView{}
	}
	if tk.Overdue(now) {
		return clockView{State: "overdue", Text: s.Catalog.T(lang, "ticket.clock.overdue", map[string]any{"Duration": s.duration(lang, -left)})}
	}
	return clockView{State: "left", Text: s.Catalog.T(lang, "ticket.clock.left", map[string]any{"Duration": s.duration(lang, left)})}
}

// duration says a span in days, hours and minutes, to the minute.
func (s *Server) duration(lang string, d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	days, hours, mins := m/(24*60), m/60%24, m%60
	switch {
	case days > 0:
		return s.Catalog.T(lang, "ticket.duration.days_hours", map[string]any{"Days": days, "Hours": hours})
	case hours > 0:
		return s.Catalog.T(lang, "ticket.duration.hours_minutes", map[string]any{"Hours": hours, "Minutes": mins})
	}
	return s.Catalog.T(lang, "ticket.duration.minutes", map[string]any{"Minutes": mins})
}

// eventKinds are the timeline kinds with a translated name; an unknown
// kind shows as it is stored.
var eventKinds = func() map[string]bool {
	m := map[string]bool{}
	for _, ev := range ticket.Events {
		m[string(ev)] = true
	}
	for _, k := range []string{ticket.KindCreated, ticket.KindComment, ticket.KindAttachment, ticket.KindWarning,
		ticket.KindResponseBreach, ticket.KindResolveBreach, ticket.KindEscalated, ticket.KindCallback,
		ticket.KindCallbackRetry, ticket.KindFollowupMissed, ticket.KindClaim, ticket.KindAssign} {
		m[k] = true
	}
	return m
}()

// timeline translates the ticket's entries and spells out what their data
// records: the team and worker of a dispatch, the level of an escalation,
// the scores of a call-back, the files of an upload.
func (s *Server) timeline(lang string, loc *time.Location, es []ticket.Entry, names, teams map[uuid.UUID]string) []entryView {
	T := func(id string, data map[string]any) string { return s.Catalog.T(lang, id, data) }
	out := make([]entryView, 0, len(es))
	for _, e := range es {
		v := entryView{At: datetimeIn(lang, loc, e.At), Kind: e.Kind, Label: e.Kind, Body: e.Body, OwnerVisible: e.OwnerVisible}
		if eventKinds[e.Kind] {
			v.Label = T("ticket.event."+e.Kind, nil)
		}
		switch {
		case e.ActorID == nil:
			v.Actor = T("ticket.system", nil)
		case e.ActorName != "":
			v.Actor = e.ActorName
		default:
			v.Actor = names[*e.ActorID]
		}
		if e.FromStatus != "" && e.ToStatus != "" && e.FromStatus != e.ToStatus {
			v.From, v.To = T("ticket.state."+string(e.FromStatus), nil), T("ticket.state."+string(e.ToStatus), nil)
		} else if e.Kind == ticket.KindCreated {
			v.To = T("ticket.state."+string(ticket.Received), nil)
		}
		var data map[string]any
		if e.Data != "" {
			_ = json.Unmarshal([]byte(e.Data), &data)
		}
		v.Details = s.entryDetails(lang, loc, data, names, teams)
		out = append(out, v)
	}
	return out
}

func (s *Server) entryDetails(lang string, loc *time.Location, data map[string]any, names, teams map[uuid.UUID]string) []string {
	if len(data) == 0 {
		return nil
	}
	T := func(id string, kv ...any) string {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return s.Catalog.T(lang, id, m)
	}
	str := func(k string) string { v, _ := data[k].(string); return v }
	num := func(k string) (int, bool) { f, ok := data[k].(float64); return int(f), ok }
	at := func(k string) string {
		if x, err := time.Parse(time.RFC3339Nano, str(k)); err == nil {
			return datetimeIn(lang, loc, x)
		}
		return ""
	}
	var out []string
	if id, err := uuid.Parse(str("team_id")); err == nil {
		out = append(out, T("ticket.detail.team", "Name", cmp.Or(teams[id], "—")))
	}
	if id, err := uuid.Parse(str("assignee_id")); err == nil {
		out = append(out, T("ticket.detail.assignee", "Name", cmp.Or(names[id], "—")))
	}
	if m := str("mode"); m != "" && ticket.Mode(m).Valid() {
		out = append(out, T("ticket.detail.mode", "Mode", T("ticket.mode."+m)))
	}
	if n, ok := num("level"); ok {
		out = append(out, T("ticket.detail.level", "Level", n))
	}
	if tr := str("trigger"); tr != "" && ticket.Trigger(tr).Valid() {
		out = append(out, T("ticket.detail.trigger", "Trigger", T("ticket.trigger."+tr)))
	}
	if r := str("role"); r != "" && rbac.Role(r).Valid() {
		out = append(out, T("ticket.detail.role", "Role", T("role."+r)))
	}
	if es, ok := data["emails"].([]any); ok && len(es) > 0 {
		out = append(out, T("ticket.detail.emails", "Emails", joinAny(es, ", ")))
	}
	if us, ok := data["users"].([]any); ok && len(us) > 0 {
		out = append(out, T("ticket.detail.users", "Count", len(us)))
	}
	if n, ok := num("attempt"); ok {
		out = append(out, T("ticket.detail.attempt", "Attempt", n))
	}
	if r, ok := data["reached"].(bool); ok {
		out = append(out, T(map[bool]string{true: "ticket.detail.reached", false: "ticket.detail.not_reached"}[r]))
	}
	if o, ok := num("overall"); ok {
		sp, _ := num("speed")
		at, _ := num("attitude")
		out = append(out, T("ticket.detail.scores", "Overall", o, "Speed", sp, "Attitude", at))
	}
	if r := at("retry_at"); r != "" {
		out = append(out, T("ticket.detail.retry_at", "At", r))
	}
	if g, _ := data["gave_up"].(bool); g {
		out = append(out, T("ticket.detail.gave_up"))
	}
	if fs, ok := data["files"].([]any); ok && len(fs) > 0 {
		out = append(out, T("ticket.detail.files", "Files", joinAny(fs, s.Catalog.T(lang, "punct.list_sep", nil))))
	}
	if d := at("due"); d != "" {
		out = append(out, T("ticket.detail.due", "At", d))
	}
	return out
}

func joinAny(xs []any, sep string) string {
	parts := make([]string, 0, len(xs))
	for _, x := range xs {
		parts = append(parts, fmt.Sprint(x))
	}
	return strings.Join(parts, sep)
}

func (s *Server) attachmentViews(lang string, loc *time.Location, as []ticket.Attachment) []attachmentView {
	out := make([]attachmentView, len(as))
	for i, a := range as {
		out[i] = attachmentView{Attachment: a, Image: a.IsImage(), Size: fileSize(a.Size), At: datetimeIn(lang, loc, a.CreatedAt)}
	}
	return out
}

// fileSize is a size in B, KB or MB.
func fileSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+512)>>10)
	}
	return fmt.Sprintf("%d B", n)
}

func (s *Server) callbackViews(lang string, loc *time.Location, cs []ticket.Callback, names map[uuid.UUID]string) []callbackView {
	out := make([]callbackView, len(cs))
	for i, cb := range cs {
		out[i] = callbackView{Callback: cb, At: datetimeIn(lang, loc, cb.At), By: names[cb.ByID]}
	}
	return out
}
