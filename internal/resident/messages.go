package resident

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/i18n"
	"github.com/estatedesk/estatedesk/internal/notify"
	"github.com/estatedesk/estatedesk/internal/tenant"
	"github.com/estatedesk/estatedesk/internal/ticket"
)

// Kinds of messages about a portal request.
const (
	MsgAccepted  = "accepted"  // the center dispatched it (受理)
	MsgVisit     = "visit"     // a worker accepted it, with when they come
	MsgCompleted = "completed" // done: please rate it
)

type message struct {
	bun.BaseModel `bun:"table:resident_messages"`

	TenantID  uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	TicketID  uuid.UUID `bun:"ticket_id,pk,type:uuid"`
	Kind      string    `bun:"kind,pk"`
	Round     int       `bun:"round,pk"`
	CreatedAt time.Time `bun:"created_at,notnull"`
}

// PublishTx is the ticket service's publisher for residents: a move of a
// portal request that the resident is told of queues its message in the
// move's transaction — once per kind and round.
func (s *Service) PublishTx(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, event string, data any) error {
	tk, ok := data.(*ticket.Ticket)
	if event != ticket.EventStatusChanged || !ok || tk.Channel != ticket.Portal || s.opt.Jobs == nil {
		return nil
	}
	kind := ""
	switch tk.Status {
	case ticket.Dispatched:
		kind = MsgAccepted
	case ticket.Accepted:
		kind = MsgVisit
	case ticket.Completed:
		kind = MsgCompleted
	default:
		return nil
	}
	res, err := tx.NewInsert().Model(&message{TenantID: tenantID, TicketID: tk.ID, Kind: kind, Round: tk.ReopenCount, CreatedAt: s.now()}).
		On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	return s.opt.Jobs.InsertTx(ctx, tx, messageArgs{TenantID: tenantID, TicketID: tk.ID, Message: kind}, nil)
}

type messageArgs struct {
	TenantID uuid.UUID `json:"tenant_id"`
	TicketID uuid.UUID `json:"ticket_id"`
	Message  string    `json:"message"`
}

func (messageArgs) Kind() string { return "resident_message" }

// InsertOpts: an SMS service that is down for a while is tried again.
func (messageArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 8} }

type messageWorker struct {
	river.WorkerDefaults[messageArgs]
	s *Service
}

// Work renders the message as things stand when it goes (the worker's
// name, the visit time) and sends it to the number that reported.
func (w *messageWorker) Work(ctx context.Context, j *river.Job[messageArgs]) error {
	s := w.s
	var t *tenant.Tenant
	var tk ticket.Ticket
	var worker, visit string
	if err := s.db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		var err error
		t, err = tenant.ByID(ctx, tx, j.Args.TenantID)
		return err
	}); err != nil {
		return err
	}
	if err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&tk).Where("tenant_id = ? AND id = ?", t.ID, j.Args.TicketID).Scan(ctx); err != nil {
			return err
		}
		if tk.AssigneeID != nil {
			var name string
			if err := tx.NewSelect().TableExpr("users").Column("name").Where("id = ?", *tk.AssigneeID).Scan(ctx, &name); err == nil {
				worker = WorkerName(name)
			}
		}
		var notes []string
		if err := tx.NewSelect().Model((*ticket.Entry)(nil)).Column("body").
			Where("tenant_id = ? AND ticket_id = ? AND kind = ?", t.ID, tk.ID, string(ticket.Accept)).
			OrderExpr("at DESC, id DESC").Limit(1).Scan(ctx, &notes); err != nil {
			return err
		}
		if len(notes) > 0 {
			visit = strings.TrimSpace(notes[0])
		}
		return nil
	}); err != nil {
		return err
	}
	if visit == "" {
		visit = tk.PreferredTime
	}
	phone := MobilePhone(tk.CallerPhone)
	if phone == "" {
		return nil
	}
	data := map[string]any{"Sign": t.Name, "Number": tk.Number, "Worker": worker, "Visit": visit,
		"Link": strings.TrimSuffix(s.opt.BaseURL, "/") + "/r/" + t.Slug + "/requests/" + tk.ID.String()}
	m := notify.Message{Channel: notify.SMS, Recipient: phone, Template: "resident_" + j.Args.Message, Sign: t.Name,
		Params: map[string]string{"number": tk.Number, "worker": worker, "visit": visit},
		Body:   s.opt.Translate(i18n.Default, "portal.sms."+j.Args.Message, data)}
	_, err := s.opt.Notifier.Send(ctx, m)
	return err
}
