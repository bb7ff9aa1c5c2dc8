package ticket

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/mail"
	"github.com/estatedesk/estatedesk/internal/rbac"
)

// Notification is an in-app message to a staff member about a ticket.
type Notification struct {
	bun.BaseModel `bun:"table:notifications"`

	TenantID  uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID        uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	UserID    uuid.UUID  `bun:"user_id,notnull,type:uuid" json:"-"`
	TicketID  *uuid.UUID `bun:"ticket_id,type:uuid" json:"ticket_id"`
	Kind      string     `bun:"kind,notnull" json:"kind"`
	Body      string     `bun:"body,notnull" json:"body"`
	CreatedAt time.Time  `bun:"created_at,notnull" json:"created_at"`
	ReadAt    *time.Time `bun:"read_at" json:"read_at"`
}

// Notification kinds; display texts are "notification.<kind>".
const (
	NoteWarning   = "sla_warning"
	NoteBreach    = "sla_breach"
	NoteMajor     = "major_complaint"
	NoteReopened  = "reopened"
	NoteEscalated = "escalated"
)

// recipient is a staff member to notify.
type recipient struct {
	ID     uuid.UUID `bun:"id"`
	Email  string    `bun:"email"`
	Locale string    `bun:"locale"`
}

// holders lists the active staff holding role who see the estate.
func holders(ctx context.Context, db bun.IDB, tenantID uuid.UUID, role rbac.Role, estateID uuid.UUID) ([]recipient, error) {
	var out []recipient
	q := db.NewSelect().TableExpr("membership_roles AS r").
		ColumnExpr("u.id, u.email, u.locale").
		Join("JOIN memberships AS m ON m.tenant_id = r.tenant_id AND m.user_id = r.user_id AND m.disabled_at IS NULL").
		Join("JOIN users AS u ON u.id = r.user_id AND u.disabled_at IS NULL").
		Where("r.tenant_id = ? AND r.role = ?", tenantID, string(role))
	if rbac.EstateScoped(role) {
		q = q.Where("EXISTS (SELECT 1 FROM staff_estates AS se WHERE se.tenant_id = r.tenant_id AND se.user_id = r.user_id AND se.estate_id = ?)", estateID)
	}
	return out, q.OrderExpr("u.email").Scan(ctx, &out)
}

// recipientsOf resolves a level's role for the ticket: the team leader role
// means the leader of the ticket's team when it has one.
func (w *work) recipientsOf(ctx context.Context, role rbac.Role) ([]recipient, error) {
	if role == rbac.TeamLeader && w.tk.TeamID != nil {
		var out []recipient
		err := w.tx.NewSelect().TableExpr("teams AS t").ColumnExpr("u.id, u.email, u.locale").
			Join("JOIN users AS u ON u.id = t.leader_id").
			Where("t.tenant_id = ? AND t.id = ?", w.t.ID, *w.tk.TeamID).Scan(ctx, &out)
		if err != nil || len(out) > 0 {
			return out, err
		}
	}
	return holders(ctx, w.tx, w.t.ID, role, w.tk.EstateID)
}

// escalate runs one level of the ladder: timeline, in-app notifications,
// emails and the webhook.
func (w *work) escalate(ctx context.Context, l Level) error {
	var to []recipient
	if l.NotifyRole != "" {
		var err error
		if to, err = w.recipientsOf(ctx, rbac.Role(l.NotifyRole)); err != nil {
			return err
		}
	}
	kind := map[Trigger]string{OnWarning: NoteWarning, OnBreach: NoteBreach, OnMajor: NoteMajor}[l.Trigger]
	emails := l.Emails()
	if err := w.notify(ctx, to, emails, kind); err != nil {
		return err
	}
	ids := make([]uuid.UUID, len(to))
	for i, r := range to {
		ids[i] = r.ID
	}
	if _, err := w.note(ctx, nil, KindEscalated, "", map[string]any{
		"level": l.Position, "trigger": l.Trigger, "role": l.NotifyRole, "emails": emails, "users": ids,
	}); err != nil {
		return err
	}
	return w.publish(ctx, EventEscalated)
}

// notify writes in-app notifications for staff and queues one email per
// address, each in the reader's language.
func (w *work) notify(ctx context.Context, to []recipient, emails []string, kind string) error {
	data := map[string]any{"Number": w.tk.Number, "Link": w.s.opt.BaseURL + "/t/" + w.t.Slug + "/tickets/" + w.tk.ID.String()}
	var rows []Notification
	for _, r := range to {
		rows = append(rows, Notification{TenantID: w.t.ID, ID: uuid.New(), UserID: r.ID, TicketID: &w.tk.ID, Kind: kind,
			Body: w.s.opt.Translate(r.Locale, "notification."+kind, data), CreatedAt: w.now})
		emails = append(emails, r.Email)
	}
	if len(rows) > 0 {
		if _, err := w.tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return err
		}
	}
	locales := map[string]string{}
	for _, r := range to {
		locales[r.Email] = r.Locale
	}
	seen := map[string]bool{}
	for _, addr := range emails {
		if seen[addr] {
			continue
		}
		seen[addr] = true
		lang := locales[addr]
		m := mailArgs{To: addr,
			Subject: w.s.opt.Translate(lang, "notification."+kind+".subject", data),
			Body:    w.s.opt.Translate(lang, "notification."+kind+".body", data)}
		// Scheduled by the service's clock, not the database's, so that
		// tests that move the clock see the mail go out.
		if err := w.enqueue(ctx, m, &river.InsertOpts{ScheduledAt: w.now}); err != nil {
			return err
		}
	}
	return nil
}

// mailArgs is one email, rendered when it was queued.
type mailArgs struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

func (mailArgs) Kind() string { return "ticket_mail" }

// InsertOpts: a mail server that is down for a while is tried again.
func (mailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 8} }

type mailWorker struct {
	river.WorkerDefaults[mailArgs]
	s *Service
}

func (w *mailWorker) Work(ctx context.Context, j *river.Job[mailArgs]) error {
	return w.s.opt.Mail.Send(ctx, mail.Message{To: j.Args.To, Subject: j.Args.Subject, Body: j.Args.Body})
}

// Notifications lists a staff member's latest notifications and how many
// are unread.
func (s *Service) Notifications(ctx context.Context, tenantID, userID uuid.UUID, limit int) ([]Notification, int, error) {
	var out []Notification
	var unread int
	err := s.db.ReadTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(&out).Where("tenant_id = ? AND user_id = ?", tenantID, userID).
			OrderExpr("created_at DESC, id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
			return err
		}
		n, err := tx.NewSelect().Model((*Notification)(nil)).
			Where("tenant_id = ? AND user_id = ? AND read_at IS NULL", tenantID, userID).Count(ctx)
		unread = int(n)
		return err
	})
	return out, unread, err
}

// MarkRead marks all of a staff member's notifications read.
func (s *Service) MarkRead(ctx context.Context, tenantID, userID uuid.UUID) error {
	return database.Normalize(s.db.InTenant(ctx, tenantID, func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.NewUpdate().Model((*Notification)(nil)).Set("read_at = ?", s.now()).
			Where("tenant_id = ? AND user_id = ? AND read_at IS NULL", tenantID, userID).Exec(ctx)
		return err
	}))
}
