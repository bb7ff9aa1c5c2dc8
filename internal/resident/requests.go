package resident

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// MaxPhotos bounds the photos of one report.
const MaxPhotos = 6

// ErrNoTickets: the service was built without the ticket service.
var ErrNoTickets = errors.New("resident: no ticket service")

// portalActor is who acts for a resident in the ticket service: nobody of
// the staff (the nil user; the ticket's channel says "portal"), with the
// one estate of the resident's unit in scope. It is used only for the
// resident's own report, its photos and its rating, after the resident's
// unit was checked; Dispatcher lets it attach the photos to a ticket that
// nobody holds yet, as a clerk at intake does.
func portalActor(estateID uuid.UUID, lang string) ticket.Actor {
	return ticket.Actor{UserID: uuid.Nil, Scope: estate.Scope{EstateIDs: []uuid.UUID{estateID}}, Dispatcher: true, Sensitive: true, Lang: lang}
}

// Report is what a resident reports.
type Report struct {
	UnitID        uuid.UUID
	Type          ticket.Type
	CategoryID    *uuid.UUID
	Description   string
	PreferredTime string
	Photos        []ticket.Upload
	// Key makes a resubmitted form (a double tap, a retry) the same
	// request.
	Key string
}

// Categories are the company's categories a resident chooses from: the
// first two levels of the tree, in use.
func (s *Service) Categories(ctx context.Context, t *tenant.Tenant) ([]ticket.Category, error) {
	tree, err := s.opt.Tickets.Categories(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	var out []ticket.Category
	for _, c := range tree {
		if c.ArchivedAt == nil && c.Depth <= 1 {
			out = append(out, c)
		}
	}
	return out, nil
}

// home finds one of phone's units, or ErrNotFound: a unit of a neighbour,
// of another estate or company is as unknown as none.
func (s *Service) home(ctx context.Context, t *tenant.Tenant, phone string, unitID uuid.UUID) (*Home, error) {
	homes, err := s.Homes(ctx, t, phone)
	if err != nil {
		return nil, err
	}
	for i := range homes {
		if homes[i].UnitID == unitID {
			return &homes[i], nil
		}
	}
	return nil, database.ErrNotFound
}

// Report puts a resident's request in the center's queue: channel portal,
// the unit and the resident as caller, the normal deadlines, waiting for a
// dispatcher. The photos follow in their own transaction.
func (s *Service) Report(ctx context.Context, t *tenant.Tenant, phone, lang string, r Report) (*ticket.Ticket, error) {
	if s.opt.Tickets == nil {
		return nil, ErrNoTickets
	}
	if len(r.Photos) > MaxPhotos {
		return nil, ticket.ErrTooManyAttachments
	}
	h, err := s.home(ctx, t, phone, r.UnitID)
	if err != nil {
		return nil, err
	}
	var person struct {
		ID   uuid.UUID `bun:"id,type:uuid"`
		Name string    `bun:"name"`
	}
	if err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		return currentLinks(tx, t, phone, s.now()).Where("u.id = ?", r.UnitID).
			ColumnExpr("p.id, p.name").OrderExpr("up.primary_contact DESC, up.created_at").Limit(1).Scan(ctx, &person.ID, &person.Name)
	}); err != nil {
		return nil, err
	}
	a := portalActor(h.EstateID, lang)
	in := ticket.Intake{EstateID: h.EstateID, UnitID: &h.UnitID, PersonID: &person.ID, CallerName: person.Name, CallerPhone: phone,
		Channel: ticket.Portal, Type: r.Type, CategoryID: r.CategoryID, Priority: ticket.Normal,
		Description: r.Description, PreferredTime: r.PreferredTime}
	key := ""
	if r.Key != "" {
		key = "portal:" + phone + ":" + r.Key
	}
	created, err := s.opt.Tickets.Create(ctx, t, a, in, key, false)
	if err != nil {
		return nil, err
	}
	if len(r.Photos) > 0 && !created.Replayed {
		if _, err := s.opt.Tickets.Attach(ctx, t, a, created.Ticket.ID, r.Photos); err != nil {
			return created.Ticket, err
		}
	}
	return created.Ticket, nil
}

// Request is a resident's view of one of their requests.
type Request struct {
	ID            uuid.UUID
	Number        string
	Type          ticket.Type
	Status        ticket.State
	Category      string
	Estate        string
	UnitCode      string
	Description   string
	PreferredTime string
	CreatedAt     time.Time
	Photos        int
	// Worker is how the resident knows the worker: a family name and
	// 师傅, or a first name; never a phone number.
	Worker   string
	Timeline []Step
	// Rateable: completed and waiting for the owner's word (回访).
	Rateable bool
	Rating   int
}

// Step is one line of the resident's timeline.
type Step struct {
	At   time.Time
	Kind string // submitted, accepted, assigned, visit, started, completed, rated, reopened, closed, cancelled, reply
	Text string // the worker's name, the visit time, a reply the center made visible
}

// Requests lists the requests of phone's units, newest first.
func (s *Service) Requests(ctx context.Context, t *tenant.Tenant, phone string) ([]Request, error) {
	var out []Request
	err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		units, err := s.UnitIDs(ctx, tx, t, phone)
		if err != nil || len(units) == 0 {
			return err
		}
		var rows []ticket.Ticket
		if err := tx.NewSelect().Model(&rows).Where("tenant_id = ? AND unit_id IN (?)", t.ID, bun.In(units)).
			OrderExpr("created_at DESC, id DESC").Limit(50).Scan(ctx); err != nil {
			return err
		}
		for _, tk := range rows {
			out = append(out, Request{ID: tk.ID, Number: tk.Number, Type: tk.Type, Status: tk.Status, Description: tk.Description,
				CreatedAt: tk.CreatedAt, Rateable: rateable(&tk)})
		}
		return nil
	})
	return out, err
}

func rateable(tk *ticket.Ticket) bool {
	return tk.Status == ticket.Completed && (tk.CallbackState == ticket.CallbackDue || tk.CallbackState == ticket.CallbackRetry)
}

// Request is one request of phone's units with the resident's timeline:
// the steps a resident cares about, never internal notes, staff phones or
// other people's data. A request of another unit is not found.
func (s *Service) Request(ctx context.Context, t *tenant.Tenant, phone string, id uuid.UUID) (*Request, error) {
	var r *Request
	err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		units, err := s.UnitIDs(ctx, tx, t, phone)
		if err != nil {
			return err
		}
		if len(units) == 0 {
			return database.ErrNotFound
		}
		tk := new(ticket.Ticket)
		if err := tx.NewSelect().Model(tk).Where("tenant_id = ? AND id = ? AND unit_id IN (?)", t.ID, id, bun.In(units)).Scan(ctx); err != nil {
			return err
		}
		r = &Request{ID: tk.ID, Number: tk.Number, Type: tk.Type, Status: tk.Status, Description: tk.Description,
			PreferredTime: tk.PreferredTime, CreatedAt: tk.CreatedAt, Rateable: rateable(tk), Rating: tk.Satisfaction}
		if err := tx.NewSelect().TableExpr("estates").Column("name").Where("tenant_id = ? AND id = ?", t.ID, tk.EstateID).Scan(ctx, &r.Estate); err != nil {
			return err
		}
		if err := tx.NewSelect().TableExpr("units").Column("code").Where("tenant_id = ? AND id = ?", t.ID, *tk.UnitID).Scan(ctx, &r.UnitCode); err != nil {
			return err
		}
		if tk.CategoryID != nil {
			if err := tx.NewSelect().TableExpr("ticket_categories").Column("name").Where("tenant_id = ? AND id = ?", t.ID, *tk.CategoryID).Scan(ctx, &r.Category); err != nil {
				return err
			}
		}
		n, err := tx.NewSelect().Model((*ticket.Attachment)(nil)).Where("tenant_id = ? AND ticket_id = ? AND uploaded_by = ?", t.ID, tk.ID, uuid.Nil).Count(ctx)
		if err != nil {
			return err
		}
		r.Photos = int(n)
		if tk.AssigneeID != nil {
			var name string
			if err := tx.NewSelect().TableExpr("users").Column("name").Where("id = ?", *tk.AssigneeID).Scan(ctx, &name); err == nil {
				r.Worker = WorkerName(name)
			}
		}
		var events []ticket.Entry
		if err := tx.NewSelect().Model(&events).Where("tenant_id = ? AND ticket_id = ?", t.ID, tk.ID).OrderExpr("at, id").Scan(ctx); err != nil {
			return err
		}
		r.Timeline = timeline(events, r.Worker)
		return nil
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return r, nil
}

// timeline keeps the steps a resident is told of. Transfers, returns,
// holds, escalations, deadlines and internal comments stay with the staff.
func timeline(events []ticket.Entry, worker string) []Step {
	var out []Step
	for _, e := range events {
		switch {
		case e.Kind == ticket.KindCreated:
			out = append(out, Step{At: e.At, Kind: "submitted"})
		case e.Kind == string(ticket.Dispatch) || e.Kind == ticket.KindAssign || e.Kind == ticket.KindClaim:
			// The first dispatch is the center's acceptance (受理); a
			// named worker is told by name.
			if !hasStep(out, "accepted") {
				out = append(out, Step{At: e.At, Kind: "accepted"})
			}
		case e.Kind == string(ticket.Accept):
			out = append(out, Step{At: e.At, Kind: "assigned", Text: worker})
			if v := strings.TrimSpace(e.Body); v != "" {
				out = append(out, Step{At: e.At, Kind: "visit", Text: v})
			}
		case e.Kind == string(ticket.Start):
			out = append(out, Step{At: e.At, Kind: "started"})
		case e.Kind == string(ticket.Complete):
			out = append(out, Step{At: e.At, Kind: "completed"})
		case e.Kind == string(ticket.Reopen):
			out = append(out, Step{At: e.At, Kind: "reopened"})
		case e.Kind == string(ticket.Close):
			out = append(out, Step{At: e.At, Kind: "closed"})
		case e.Kind == string(ticket.Cancel):
			out = append(out, Step{At: e.At, Kind: "cancelled"})
		case e.Kind == string(ticket.FollowUp):
			out = append(out, Step{At: e.At, Kind: "rated"})
		case e.Kind == ticket.KindComment && e.OwnerVisible:
			out = append(out, Step{At: e.At, Kind: "reply", Text: e.Body})
		}
	}
	return out
}

func hasStep(steps []Step, kind string) bool {
	for _, s := range steps {
		if s.Kind == kind {
			return true
		}
	}
	return false
}

// WorkerName is how a resident is told who comes: a Chinese name as its
// family name and 师傅 (王师傅), another as its first word.
func WorkerName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	r, _ := utf8.DecodeRuneInString(name)
	if unicode.Is(unicode.Han, r) {
		return string(r) + "师傅"
	}
	return strings.Fields(name)[0]
}

// Rating is a resident's word on completed work.
type Rating struct {
	Overall, Speed, Attitude int
	Comment                  string
}

// Rate records the resident's rating as the call-back (回访) the center
// would make: it counts in 满意率, and a dissatisfied one (overall ≤ 2)
// reopens the request as the staff's call-back does.
func (s *Service) Rate(ctx context.Context, t *tenant.Tenant, phone, lang string, id uuid.UUID, r Rating) (*ticket.Ticket, error) {
	req, err := s.Request(ctx, t, phone, id)
	if err != nil {
		return nil, err
	}
	if !req.Rateable {
		return nil, ticket.ErrNoCallback
	}
	var estateID uuid.UUID
	if err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().TableExpr("tickets").Column("estate_id").Where("tenant_id = ? AND id = ?", t.ID, id).Scan(ctx, &estateID)
	}); err != nil {
		return nil, err
	}
	return s.opt.Tickets.RecordCallback(ctx, t, portalActor(estateID, lang), id,
		ticket.Outcome{Reached: true, Overall: r.Overall, Speed: r.Speed, Attitude: r.Attitude, Comment: r.Comment})
}
