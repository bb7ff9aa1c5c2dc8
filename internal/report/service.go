// Package report is the monthly report (月度分析报告) for a company or an
// estate: its figures against their targets, twelve-month trends, hot
// spots, the 重大投诉, what dissatisfied owners said on call-backs, and
// fees collected. It is generated on demand or by a job on the 1st of
// each month in the company's time zone, kept in an archive, commented on
// by the manager (the office head for an estate) and sent by email.
// Figures come from internal/kpi; the PDF is drawn by internal/pdf.
package report

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/job"
	"github.com/estatedesk/estatedesk/internal/kpi"
	"github.com/estatedesk/estatedesk/internal/mail"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Options configures the service.
type Options struct {
	// Now replaces the clock, for tests.
	Now func() time.Time
	// Every is how often the monthly job looks for reports due; 0 leaves
	// it to the caller (tests call Due).
	Every time.Duration
	// Mail sends the reports; default: the log.
	Mail mail.Sender
	// Translate renders the emails in each reader's language.
	Translate func(lang, id string, data map[string]any) string
	// BaseURL is the links' host in emails.
	BaseURL string
	Log     *slog.Logger
}

// Service is the use cases of the reports. Permissions are the caller's
// (report:read, report:export); the service applies the tenant and the
// estate scope: the company's report only to those who see every estate,
// an estate's to those who see it.
type Service struct {
	db   *database.DB
	jobs *job.Client
	kpis *kpi.Service
	opt  Options
}

// NewService wires the service and registers its jobs on jobs, which must
// not have started yet.
func NewService(db *database.DB, jobs *job.Client, kpis *kpi.Service, opt Options) (*Service, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Mail == nil {
		opt.Mail = mail.LogSender{Log: opt.Log}
	}
	if opt.Translate == nil {
		opt.Translate = func(_, id string, _ map[string]any) string { return id }
	}
	s := &Service{db: db, jobs: jobs, kpis: kpis, opt: opt}
	if err := job.AddWorker(jobs, &monthlyWorker{s: s}); err != nil {
		return nil, err
	}
	if err := job.AddWorker(jobs, &mailWorker{s: s}); err != nil {
		return nil, err
	}
	if opt.Every > 0 {
		jobs.Every(opt.Every, monthlyArgs{})
	}
	return s, nil
}

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

// Status of a report: a draft until it is sent.
type Status string

const (
	Draft Status = "draft"
	Sent  Status = "sent"
)

// MaxCommentary is the longest commentary, in characters.
const MaxCommentary = 4000

// Report is one archived report.
type Report struct {
	bun.BaseModel `bun:"table:reports"`
	TenantID      uuid.UUID  `bun:"tenant_id,pk,type:uuid" json:"-"`
	ID            uuid.UUID  `bun:"id,pk,type:uuid" json:"id"`
	EstateID      *uuid.UUID `bun:"estate_id,type:uuid" json:"estate_id"`
	// EstateKey is the estate's ID, "" for the company's report: the
	// unique key (one report per company or estate and month) needs a
	// value where estate_id has none.
	EstateKey    string     `bun:"estate_key,notnull" json:"-"`
	Month        string     `bun:"month,notnull" json:"month"`
	Status       Status     `bun:"status,notnull" json:"status"`
	Raw          string     `bun:"data,notnull" json:"-"`
	Commentary   string     `bun:"commentary,notnull" json:"commentary"`
	CommentaryBy *uuid.UUID `bun:"commentary_by,type:uuid" json:"commentary_by"`
	CommentaryAt *time.Time `bun:"commentary_at" json:"commentary_at"`
	// GeneratedBy is nil when the monthly job made it.
	GeneratedBy *uuid.UUID `bun:"generated_by,type:uuid" json:"generated_by"`
	GeneratedAt time.Time  `bun:"generated_at,notnull" json:"generated_at"`
	SentBy      *uuid.UUID `bun:"sent_by,type:uuid" json:"sent_by"`
	SentAt      *time.Time `bun:"sent_at" json:"sent_at"`
	// Recipients is how many people it was sent to.
	Recipients int `bun:"recipients,notnull" json:"recipients"`

	// Name is the estate's name, or the company's; Data the content
	// (Get only).
	Name string `bun:"-" json:"name"`
	Data *Data  `bun:"-" json:"data,omitempty"`
	// CommentaryAuthor is the name of who wrote the commentary (Get only).
	CommentaryAuthor string `bun:"-" json:"commentary_author,omitempty"`
}

// visible reports whether the scope sees the report: the company's report
// is for those who see every estate.
func visible(scope estate.Scope, r *Report) bool {
	if r.EstateID == nil {
		return scope.All
	}
	return scope.Allows(*r.EstateID)
}

// Generate computes the report of a company (estateID nil) or an estate
// for a month and keeps it: a draft is computed again (its commentary
// stays), a sent report is answered as it was. by is nil for the job.
func (s *Service) Generate(ctx context.Context, t *tenant.Tenant, scope estate.Scope, by *uuid.UUID, estateID *uuid.UUID, month string) (*Report, error) {
	m, err := kpi.ParseMonth(month)
	if err != nil {
		return nil, ErrInvalidMonth
	}
	if estateID == nil && !scope.All {
		return nil, database.ErrNotFound
	}
	key := ""
	if estateID != nil {
		key = estateID.String()
	}
	if r, err := s.find(ctx, t, key, m.String()); err == nil && r.Status == Sent {
		return s.Get(ctx, t, scope, r.ID)
	} else if err != nil && !errors.Is(err, database.ErrNotFound) {
		return nil, err
	}
	d, err := s.compute(ctx, t, scope, estateID, m)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(d)
	if err != nil {
		return nil, err
	}
	r := &Report{TenantID: t.ID, ID: uuid.New(), EstateID: estateID, EstateKey: key, Month: m.String(), Status: Draft,
		Raw: string(raw), GeneratedBy: by, GeneratedAt: s.now()}
	err = s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		// A sent report is never replaced, even by a generation that
		// raced with the send.
		_, err := tx.NewInsert().Model(r).On("CONFLICT (tenant_id, estate_key, month) DO UPDATE").
			Set("data = EXCLUDED.data, generated_by = EXCLUDED.generated_by, generated_at = EXCLUDED.generated_at").
			Where("report.status = ?", Draft).Exec(ctx)
		return err
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	got, err := s.find(ctx, t, key, m.String())
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, t, scope, got.ID)
}

func (s *Service) find(ctx context.Context, t *tenant.Tenant, key, month string) (*Report, error) {
	r := new(Report)
	err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(r).ExcludeColumn("data").Where("tenant_id = ? AND estate_key = ? AND month = ?", t.ID, key, month).Scan(ctx)
	})
	return r, database.Normalize(err)
}

// Query filters the archive.
type Query struct {
	// Month "2026-11"; "" for every month.
	Month string
	// EstateID: one estate's reports; Company: the company's only.
	EstateID *uuid.UUID
	Company  bool
}

// MaxList is the most reports a list answers, newest month first.
const MaxList = 500

// List is the archive in the caller's scope, newest month first, the
// company's report before the estates' (by name).
func (s *Service) List(ctx context.Context, t *tenant.Tenant, scope estate.Scope, q Query) ([]Report, error) {
	if q.Month != "" {
		if _, err := kpi.ParseMonth(q.Month); err != nil {
			return nil, ErrInvalidMonth
		}
	}
	var out []Report
	var names map[uuid.UUID]string
	err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		sel := tx.NewSelect().Model(&out).ExcludeColumn("data").Where("tenant_id = ?", t.ID)
		if q.Month != "" {
			sel = sel.Where("month = ?", q.Month)
		}
		switch {
		case q.Company:
			sel = sel.Where("estate_id IS NULL")
		case q.EstateID != nil:
			sel = sel.Where("estate_id = ?", *q.EstateID)
		}
		if !scope.All {
			if len(scope.EstateIDs) == 0 {
				return nil
			}
			sel = sel.Where("estate_id IN (?)", bun.In(scope.EstateIDs))
		}
		if err := sel.OrderExpr("month DESC, estate_key").Limit(MaxList).Scan(ctx); err != nil {
			return err
		}
		var err error
		names, err = estateNames(ctx, tx, t.ID)
		return err
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	for i := range out {
		out[i].Name = t.Name
		if out[i].EstateID != nil {
			out[i].Name = names[*out[i].EstateID]
		}
	}
	sortReports(out)
	return out, nil
}

func estateNames(ctx context.Context, tx bun.Tx, tenantID uuid.UUID) (map[uuid.UUID]string, error) {
	all, err := estate.List(ctx, tx, tenantID, true)
	names := make(map[uuid.UUID]string, len(all))
	for _, e := range all {
		names[e.ID] = e.Name
	}
	return names, err
}

// Get reads a report with its content; outside the scope it is not found.
func (s *Service) Get(ctx context.Context, t *tenant.Tenant, scope estate.Scope, id uuid.UUID) (*Report, error) {
	r := new(Report)
	err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		if err := tx.NewSelect().Model(r).Where("tenant_id = ? AND id = ?", t.ID, id).Scan(ctx); err != nil {
			return err
		}
		if r.CommentaryBy == nil {
			return nil
		}
		return tx.NewSelect().TableExpr("users").Column("name").Where("id = ?", *r.CommentaryBy).Scan(ctx, &r.CommentaryAuthor)
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	if !visible(scope, r) {
		return nil, database.ErrNotFound
	}
	r.Data = new(Data)
	if err := json.Unmarshal([]byte(r.Raw), r.Data); err != nil {
		return nil, err
	}
	r.Name = t.Name
	if r.EstateID != nil {
		r.Name = r.Data.Estate
	}
	return r, nil
}

// Author is who comments on and sends a report: Manager for the
// company's, or anyone who sees the estate (office heads and above) for an
// estate's.
type Author struct {
	UserID  uuid.UUID
	Scope   estate.Scope
	Manager bool
}

// May reports whether the author comments on and sends the report.
func (a Author) May(r *Report) bool { return r.EstateID != nil || a.Manager }

// SetCommentary writes the author's commentary on a draft.
func (s *Service) SetCommentary(ctx context.Context, t *tenant.Tenant, a Author, id uuid.UUID, text string) (*Report, error) {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if utf8.RuneCountInString(text) > MaxCommentary {
		return nil, ErrCommentaryTooLong
	}
	if _, err := s.draft(ctx, t, a, id); err != nil {
		return nil, err
	}
	now := s.now()
	err := s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewUpdate().Model((*Report)(nil)).
			Set("commentary = ?, commentary_by = ?, commentary_at = ?", text, a.UserID, now).
			Where("tenant_id = ? AND id = ? AND status = ?", t.ID, id, Draft).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrAlreadySent
		}
		return nil
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return s.Get(ctx, t, a.Scope, id)
}

// sortReports orders the archive: newest month first, then the company's
// report, then the estates' by name.
func sortReports(rs []Report) {
	slices.SortStableFunc(rs, func(a, b Report) int {
		if c := cmp.Compare(b.Month, a.Month); c != 0 {
			return c
		}
		if (a.EstateID == nil) != (b.EstateID == nil) {
			if a.EstateID == nil {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Name, b.Name)
	})
}

// draft reads a report its author may still change.
func (s *Service) draft(ctx context.Context, t *tenant.Tenant, a Author, id uuid.UUID) (*Report, error) {
	r, err := s.Get(ctx, t, a.Scope, id)
	if err != nil {
		return nil, err
	}
	if !a.May(r) {
		return nil, ErrNotAuthor
	}
	if r.Status == Sent {
		return nil, ErrAlreadySent
	}
	return r, nil
}
