package ticket

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/estate"
)

// View is a named queue.
type View string

const (
	ViewAll      View = ""         // everything in scope
	ViewMine     View = "mine"     // assigned to me, open
	ViewTeam     View = "team"     // my teams' open tickets, the pool included
	ViewOpen     View = "open"     // open tickets of the center
	ViewOverdue  View = "overdue"  // open and past the resolution deadline
	ViewCallback View = "callback" // waiting for a call-back
	// ViewUndispatched: waiting for a dispatcher (未派工) — received or
	// returned, or reopened, with no team.
	ViewUndispatched View = "undispatched"
)

var views = []View{ViewAll, ViewMine, ViewTeam, ViewOpen, ViewOverdue, ViewCallback, ViewUndispatched}

// waiting are the states of a ticket that only a dispatcher moves on.
var waiting = []State{Received, Reopened}

var sorts = []Sort{Newest, Oldest, DueSoonest}

// Valid reports whether v is one of the views.
func (v View) Valid() bool { return slices.Contains(views, v) }

// Sort orders a queue.
type Sort string

const (
	Newest     Sort = ""       // received, newest first
	Oldest     Sort = "oldest" // received, oldest first
	DueSoonest Sort = "due"    // resolution deadline, soonest first
)

// Filter selects a queue's tickets.
type Filter struct {
	View       View
	EstateID   *uuid.UUID
	UnitID     *uuid.UUID
	PersonID   *uuid.UUID
	Statuses   []State
	Type       Type
	CategoryID *uuid.UUID // and its subcategories
	TeamID     *uuid.UUID
	Priority   Priority
	Channel    Channel
	From, To   time.Time // received in [From, To)
	Query      string    // a number, text of the description, an owner's name or phone
	Sort       Sort
	Cursor     string
	Limit      int

	// Major: major complaints only.
	Major bool
	// DueBefore: open tickets whose resolution clock runs and whose
	// deadline comes between now and this instant ("due today").
	DueBefore time.Time
	// Narrow adds conditions on the tickets (alias t) that the queue does
	// not know: the tickets behind a KPI figure (internal/kpi).
	Narrow func(*bun.SelectQuery) *bun.SelectQuery
}

// Row is one line of a queue.
type Row struct {
	ID            uuid.UUID  `bun:"id" json:"id"`
	Number        string     `bun:"number" json:"number"`
	EstateID      uuid.UUID  `bun:"estate_id" json:"estate_id"`
	Estate        string     `bun:"estate" json:"estate"`
	UnitCode      string     `bun:"unit_code" json:"unit_code"`
	Caller        string     `bun:"caller" json:"caller"`
	CallerPhone   string     `bun:"caller_phone" json:"caller_phone"`
	Type          Type       `bun:"type" json:"type"`
	CategoryID    *uuid.UUID `bun:"category_id" json:"category_id"`
	Category      string     `bun:"-" json:"category"`
	Priority      Priority   `bun:"priority" json:"priority"`
	Channel       Channel    `bun:"channel" json:"channel"`
	Status        State      `bun:"status" json:"status"`
	Major         bool       `bun:"major" json:"major"`
	Description   string     `bun:"description" json:"description"`
	PreferredTime string     `bun:"preferred_time" json:"preferred_time"`
	DispatchMode  Mode       `bun:"dispatch_mode" json:"dispatch_mode"`
	TeamID        *uuid.UUID `bun:"team_id" json:"team_id"`
	Team          string     `bun:"team" json:"team"`
	Assignee      string     `bun:"assignee" json:"assignee"`
	AssigneeID    *uuid.UUID `bun:"assignee_id" json:"assignee_id"`
	ResolveDue    *time.Time `bun:"resolve_due" json:"resolve_due"`
	CompletedAt   *time.Time `bun:"completed_at" json:"completed_at"`
	HoldSince     *time.Time `bun:"hold_since" json:"hold_since"`
	Breached      bool       `bun:"breached" json:"breached"`
	CallbackState string     `bun:"callback_state" json:"callback_state"`
	CallbackDue   *time.Time `bun:"callback_due" json:"callback_due"`
	Satisfaction  int        `bun:"satisfaction" json:"satisfaction"`
	CreatedAt     time.Time  `bun:"created_at" json:"created_at"`
}

// Left is the time until the resolution deadline; ok is false when no
// deadline runs.
func (r *Row) Left(now time.Time) (time.Duration, bool) {
	if r.ResolveDue == nil || r.CompletedAt != nil || r.HoldSince != nil || !r.Status.Open() {
		return 0, false
	}
	return r.ResolveDue.Sub(now), true
}

// Page is one page of a queue; Next is the cursor of the following page,
// empty on the last.
type Page struct {
	Rows []Row  `json:"rows"`
	Next string `json:"next,omitempty"`
}

// MaxPage bounds a page; exports read in pages of this size.
const MaxPage = 500

// cursor is the position after the last row of a page: its sort key and
// ID, so the next page starts exactly there even as new tickets arrive.
type cursor struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == uuid.Nil {
		return c, ErrInvalidCursor
	}
	return c, nil
}

var numberPattern = regexp.MustCompile(`^(?i)GD\d{4,}$`)

// IsNumber reports whether text looks like a ticket number (or its
// beginning): GD and at least four digits, in either case.
func IsNumber(text string) bool { return numberPattern.MatchString(text) }

// List reads a page of a queue in the caller's scope.
func (s *Service) List(ctx context.Context, tenantID uuid.UUID, a Actor, f Filter) (*Page, error) {
	if !f.View.Valid() || !slices.Contains(sorts, f.Sort) || (f.Type != "" && !f.Type.Valid()) || (f.Priority != "" && !f.Priority.Valid()) ||
		(f.Channel != "" && !f.Channel.Valid()) || utf8.RuneCountInString(f.Query) > 100 {
		return nil, ErrInvalidFilter
	}
	for _, st := range f.Statuses {
		if !slices.Contains(States, st) {
			return nil, ErrInvalidFilter
		}
	}
	if f.Limit <= 0 || f.Limit > MaxPage {
		f.Limit = 50
	}
	var after *cursor
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		after = &c
	}
	page := &Page{}
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		tree, err := s.tree(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		q, err := s.query(ctx, tx, tenantID, a, f, tree)
		if err != nil {
			return err
		}
		col, desc := "t.created_at", f.Sort == Newest
		if f.Sort == DueSoonest {
			col = "t.resolve_due"
		}
		op, dir := ">", " ASC"
		if desc {
			op, dir = "<", " DESC"
		}
		switch {
		case after == nil:
		case f.Sort == DueSoonest && after.At.IsZero():
			// Past the last deadline: the tickets without one (praise,
			// suggestions), by ID.
			q = q.Where("t.resolve_due IS NULL AND t.id > ?", after.ID)
		case f.Sort == DueSoonest:
			q = q.Where("(t.resolve_due > ? OR (t.resolve_due = ? AND t.id > ?) OR t.resolve_due IS NULL)", after.At, after.At, after.ID)
		default:
			q = q.Where("("+col+" "+op+" ? OR ("+col+" = ? AND t.id "+op+" ?))", after.At, after.At, after.ID)
		}
		order := col + dir
		if f.Sort == DueSoonest {
			// Tickets without a resolution deadline come after all the
			// others rather than not at all.
			order += " NULLS LAST"
		}
		q = q.OrderExpr(order + ", t.id" + dir).Limit(int64(f.Limit + 1))
		if err := q.Scan(ctx, &page.Rows); err != nil {
			return err
		}
		for i := range page.Rows {
			r := &page.Rows[i]
			if !a.mayCall(&Ticket{AssigneeID: r.AssigneeID}) {
				r.CallerPhone = MaskPhone(r.CallerPhone)
			}
			if r.CategoryID != nil {
				if c := tree.ByID(*r.CategoryID); c != nil {
					r.Category = c.Path
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(page.Rows) > f.Limit {
		page.Rows = page.Rows[:f.Limit]
		last := page.Rows[f.Limit-1]
		c := cursor{At: last.CreatedAt, ID: last.ID}
		if f.Sort == DueSoonest {
			// A zero time marks the tickets without a deadline.
			c.At = time.Time{}
			if last.ResolveDue != nil {
				c.At = *last.ResolveDue
			}
		}
		page.Next = c.encode()
	}
	return page, nil
}

// query builds the filtered select of a queue without order or limit.
func (s *Service) query(ctx context.Context, tx bun.IDB, tenantID uuid.UUID, a Actor, f Filter, tree Tree) (*bun.SelectQuery, error) {
	q := tx.NewSelect().TableExpr("tickets AS t").
		Join("JOIN estates AS e ON e.tenant_id = t.tenant_id AND e.id = t.estate_id").
		Join("LEFT JOIN units AS u ON u.tenant_id = t.tenant_id AND u.id = t.unit_id").
		Join("LEFT JOIN persons AS p ON p.tenant_id = t.tenant_id AND p.id = t.person_id").
		Join("LEFT JOIN teams AS tm ON tm.tenant_id = t.tenant_id AND tm.id = t.team_id").
		Join("LEFT JOIN users AS au ON au.id = t.assignee_id").
		ColumnExpr("t.id, t.number, t.estate_id, e.name AS estate, COALESCE(u.code, '') AS unit_code").
		ColumnExpr("COALESCE(p.name, t.caller_name) AS caller, t.type, t.category_id, t.priority, t.channel, t.status, t.major").
		// The owner's first phone when the clerk typed none, as the name.
		ColumnExpr(`COALESCE(NULLIF(t.caller_phone, ''), (SELECT ph.phone FROM person_phones AS ph
			WHERE ph.tenant_id = t.tenant_id AND ph.person_id = t.person_id ORDER BY ph.position, ph.phone LIMIT 1), '') AS caller_phone`).
		ColumnExpr("t.description, t.preferred_time, t.dispatch_mode, t.team_id, COALESCE(tm.name, '') AS team, COALESCE(au.name, '') AS assignee, t.assignee_id").
		ColumnExpr("t.resolve_due, t.completed_at, t.hold_since, t.callback_state, t.callback_due, t.satisfaction, t.created_at").
		ColumnExpr("(t.response_breached_at IS NOT NULL OR t.resolve_breached_at IS NOT NULL) AS breached").
		Where("t.tenant_id = ?", tenantID)
	if !a.Scope.All && len(a.Scope.EstateIDs) == 0 {
		return q.Where("1 = 0"), nil
	}
	q = a.restrict(q, tree)
	open := openStates
	switch f.View {
	case ViewMine:
		q = q.Where("t.assignee_id = ? AND t.status IN (?)", a.UserID, bun.In(open))
	case ViewTeam:
		q = q.Where("t.team_id IN ("+myTeams+") AND t.status IN (?)", a.UserID, a.UserID, bun.In(open))
	case ViewOpen:
		q = q.Where("t.status IN (?)", bun.In(open))
	case ViewOverdue:
		q = q.Where("t.status IN (?) AND t.completed_at IS NULL AND t.hold_since IS NULL AND t.resolve_due < ?", bun.In(open), s.now())
	case ViewCallback:
		q = q.Where("t.status = ? AND t.callback_state IN (?) AND t.callback_due <= ?", Completed, bun.In([]string{CallbackDue, CallbackRetry}), s.now())
	case ViewUndispatched:
		q = q.Where("t.status IN (?) AND t.team_id IS NULL", bun.In(waiting))
	}
	if f.EstateID != nil {
		q = q.Where("t.estate_id = ?", *f.EstateID)
	}
	if f.UnitID != nil {
		q = q.Where("t.unit_id = ?", *f.UnitID)
	}
	if f.PersonID != nil {
		q = q.Where("t.person_id = ?", *f.PersonID)
	}
	if len(f.Statuses) > 0 {
		q = q.Where("t.status IN (?)", bun.In(f.Statuses))
	}
	if f.Type != "" {
		q = q.Where("t.type = ?", f.Type)
	}
	if f.CategoryID != nil {
		ids := descendants(tree, *f.CategoryID)
		if len(ids) == 0 {
			return nil, ErrInvalidFilter
		}
		q = q.Where("t.category_id IN (?)", bun.In(ids))
	}
	if f.TeamID != nil {
		q = q.Where("t.team_id = ?", *f.TeamID)
	}
	if f.Priority != "" {
		q = q.Where("t.priority = ?", f.Priority)
	}
	if f.Channel != "" {
		q = q.Where("t.channel = ?", f.Channel)
	}
	if f.Major {
		q = q.Where("t.major")
	}
	if !f.DueBefore.IsZero() {
		q = q.Where("t.status IN (?) AND t.completed_at IS NULL AND t.hold_since IS NULL AND t.resolve_due >= ? AND t.resolve_due < ?",
			bun.In(open), s.now(), f.DueBefore.UTC())
	}
	if f.Narrow != nil {
		q = f.Narrow(q)
	}
	if !f.From.IsZero() {
		q = q.Where("t.created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("t.created_at < ?", f.To.UTC())
	}
	if text := strings.TrimSpace(f.Query); text != "" {
		switch phone := estate.NormalizePhone(text); {
		case numberPattern.MatchString(text):
			q = q.Where("t.number LIKE ?", strings.ToUpper(text)+"%")
		case phone != "":
			q = q.Where(`(t.caller_phone = ? OR t.person_id IN (SELECT ph.person_id FROM person_phones AS ph WHERE ph.tenant_id = t.tenant_id AND ph.phone = ?))`, phone, phone)
		case len(text) == 4 && strings.Trim(text, "0123456789") == "":
			q = q.Where(`(t.caller_phone LIKE ? OR t.person_id IN (SELECT ph.person_id FROM person_phones AS ph WHERE ph.tenant_id = t.tenant_id AND ph.last4 = ?))`, "%"+text, text)
		default:
			like := "%" + escapeLike(text) + "%"
			q = q.Where(`(t.description LIKE ? ESCAPE '\' OR t.caller_name LIKE ? ESCAPE '\' OR p.name LIKE ? ESCAPE '\' OR u.code = ?)`, like, like, escapeLike(text)+"%", text)
		}
	}
	return q, nil
}

// openStates are the states of a ticket the center still works on, which
// the named queues and the homes count.
var openStates = []State{Received, Dispatched, Accepted, InProgress, OnHold, Reopened}

// myTeams selects the teams of a user (bound twice): those they are a
// member of and those they lead.
const myTeams = `SELECT tmm.team_id FROM team_members AS tmm WHERE tmm.tenant_id = t.tenant_id AND tmm.user_id = ?
	UNION SELECT tl.id FROM teams AS tl WHERE tl.tenant_id = t.tenant_id AND tl.leader_id = ?`

// restrict narrows a select of tickets (as t) to those the actor may
// see, as allows does for one ticket.
func (a Actor) restrict(q *bun.SelectQuery, tree Tree) *bun.SelectQuery {
	if !a.Scope.All {
		q = q.Where("t.estate_id IN (?)", bun.In(a.Scope.EstateIDs))
	}
	if a.TeamOnly {
		q = q.Where("(t.assignee_id = ? OR t.team_id IN ("+myTeams+"))", a.UserID, a.UserID, a.UserID)
	}
	if hidden := tree.staffComplaints(); !a.Sensitive && len(hidden) > 0 {
		q = q.Where("(t.category_id IS NULL OR t.category_id NOT IN (?) OR t.assignee_id = ?)", bun.In(hidden), a.UserID)
	}
	return q
}

// descendants is id and every category under it.
func descendants(tree Tree, id uuid.UUID) []uuid.UUID {
	var out []uuid.UUID
	for _, c := range tree {
		if slices.Contains(tree.Ancestry(c.ID), id) {
			out = append(out, c.ID)
		}
	}
	return out
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}

// Counts are the sizes of the named queues for the actor, for the tabs.
type Counts struct {
	Mine, Team, Open, Overdue, Callback, Undispatched int
}

// Counts counts the actor's named queues in one pass over the tenant's
// open and call-back tickets.
func (s *Service) Counts(ctx context.Context, tenantID uuid.UUID, a Actor) (Counts, error) {
	var c Counts
	if !a.Scope.All && len(a.Scope.EstateIDs) == 0 {
		return c, nil
	}
	open := openStates
	now := s.now()
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		tree, err := s.tree(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		q := tx.NewSelect().TableExpr("tickets AS t").
			ColumnExpr("COUNT(*) FILTER (WHERE t.assignee_id = ? AND t.status IN (?)) AS mine", a.UserID, bun.In(open)).
			ColumnExpr("COUNT(*) FILTER (WHERE t.status IN (?) AND t.team_id IN ("+myTeams+")) AS team", bun.In(open), a.UserID, a.UserID).
			ColumnExpr("COUNT(*) FILTER (WHERE t.status IN (?)) AS open", bun.In(open)).
			ColumnExpr("COUNT(*) FILTER (WHERE t.status IN (?) AND t.completed_at IS NULL AND t.hold_since IS NULL AND t.resolve_due < ?) AS overdue", bun.In(open), now).
			ColumnExpr("COUNT(*) FILTER (WHERE t.status = ? AND t.callback_state IN (?) AND t.callback_due <= ?) AS callback",
				Completed, bun.In([]string{CallbackDue, CallbackRetry}), now).
			ColumnExpr("COUNT(*) FILTER (WHERE t.status IN (?) AND t.team_id IS NULL) AS undispatched", bun.In(waiting)).
			// Only these two groups can count: the index on status finds
			// them without reading the closed history.
			Where("t.tenant_id = ? AND t.status IN (?)", tenantID, bun.In(slices.Concat(open, []State{Completed})))
		q = a.restrict(q, tree)
		var row struct {
			Mine, Team, Open, Overdue, Callback, Undispatched int
		}
		if err := q.Scan(ctx, &row.Mine, &row.Team, &row.Open, &row.Overdue, &row.Callback, &row.Undispatched); err != nil {
			return err
		}
		c = Counts(row)
		return nil
	})
	return c, err
}

// Undispatched counts the tickets in the actor's scope that wait for a
// dispatcher, for the top bar: the status index finds the few received and
// reopened tickets without reading the rest.
func (s *Service) Undispatched(ctx context.Context, tenantID uuid.UUID, scope estate.Scope) (int, error) {
	if !scope.All && len(scope.EstateIDs) == 0 {
		return 0, nil
	}
	var n int
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().TableExpr("tickets AS t").ColumnExpr("COUNT(*)").
			Where("t.tenant_id = ? AND t.status IN (?) AND t.team_id IS NULL", tenantID, bun.In(waiting))
		if !scope.All {
			q = q.Where("t.estate_id IN (?)", bun.In(scope.EstateIDs))
		}
		return q.Scan(ctx, &n)
	})
	return n, err
}

// Day is the clerk's work of one day: tickets received that day, open
// ones due from now to its end, those overdue, and call-backs due.
type Day struct {
	New, DueToday, Overdue, Callback int
}

// Day counts the actor's day, from start to end (the tenant's midnights),
// in one pass.
func (s *Service) Day(ctx context.Context, tenantID uuid.UUID, a Actor, start, end time.Time) (Day, error) {
	var d Day
	if !a.Scope.All && len(a.Scope.EstateIDs) == 0 {
		return d, nil
	}
	open := openStates
	now := s.now()
	running := "t.status IN (?) AND t.completed_at IS NULL AND t.hold_since IS NULL"
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		tree, err := s.tree(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		q := tx.NewSelect().TableExpr("tickets AS t").
			ColumnExpr("COUNT(*) FILTER (WHERE t.created_at >= ? AND t.created_at < ?)", start.UTC(), end.UTC()).
			ColumnExpr("COUNT(*) FILTER (WHERE "+running+" AND t.resolve_due >= ? AND t.resolve_due < ?)", bun.In(open), now, end.UTC()).
			ColumnExpr("COUNT(*) FILTER (WHERE "+running+" AND t.resolve_due < ?)", bun.In(open), now).
			ColumnExpr("COUNT(*) FILTER (WHERE t.status = ? AND t.callback_state IN (?) AND t.callback_due <= ?)",
				Completed, bun.In([]string{CallbackDue, CallbackRetry}), now).
			Where("t.tenant_id = ? AND (t.status IN (?) OR t.created_at >= ?)", tenantID, bun.In(slices.Concat(open, []State{Completed})), start.UTC())
		return a.restrict(q, tree).Scan(ctx, &d.New, &d.DueToday, &d.Overdue, &d.Callback)
	})
	return d, err
}

// Load is how an estate's open tickets stand.
type Load struct {
	EstateID              uuid.UUID
	Open, Overdue, Majors int
}

// Loads counts the open, overdue and major-complaint tickets of each
// estate the actor sees that has any open.
func (s *Service) Loads(ctx context.Context, tenantID uuid.UUID, a Actor) ([]Load, error) {
	if !a.Scope.All && len(a.Scope.EstateIDs) == 0 {
		return nil, nil
	}
	open := openStates
	var out []Load
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		tree, err := s.tree(ctx, tx, tenantID)
		if err != nil {
			return err
		}
		var rows []struct {
			EstateID uuid.UUID `bun:"estate_id"`
			Open     int       `bun:"open"`
			Overdue  int       `bun:"overdue"`
			Majors   int       `bun:"majors"`
		}
		q := tx.NewSelect().TableExpr("tickets AS t").ColumnExpr("t.estate_id, COUNT(*) AS open").
			ColumnExpr("COUNT(*) FILTER (WHERE t.completed_at IS NULL AND t.hold_since IS NULL AND t.resolve_due < ?) AS overdue", s.now()).
			ColumnExpr("COUNT(*) FILTER (WHERE t.major) AS majors").
			Where("t.tenant_id = ? AND t.status IN (?)", tenantID, bun.In(open)).GroupExpr("t.estate_id")
		if err := a.restrict(q, tree).Scan(ctx, &rows); err != nil {
			return err
		}
		for _, r := range rows {
			out = append(out, Load(r))
		}
		return nil
	})
	return out, err
}

// DispatchNotes are the notes the center gave with the latest dispatch or
// transfer of each ticket that has one, for the workers' cards.
func (s *Service) DispatchNotes(ctx context.Context, tenantID uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]string, error) {
	out := map[uuid.UUID]string{}
	if len(ids) == 0 {
		return out, nil
	}
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		var es []Entry
		if err := tx.NewSelect().Model(&es).Column("ticket_id", "kind", "body").
			Where("tenant_id = ? AND ticket_id IN (?) AND kind IN (?)", tenantID, bun.In(ids), bun.In([]Event{Dispatch, Transfer})).
			Order("at", "id").Scan(ctx); err != nil {
			return err
		}
		for _, e := range es {
			out[e.TicketID] = e.Body
		}
		return nil
	})
	for id, note := range out {
		if note == "" {
			delete(out, id)
		}
	}
	return out, err
}
