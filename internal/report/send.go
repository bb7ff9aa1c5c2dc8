package report

import (
	"context"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/kpi"
	"github.com/estatedesk/estatedesk/internal/mail"
	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// Send marks a draft sent and queues one email per recipient, in the same
// transaction: the managers, and for an estate's report the office heads
// of the estate (the company's report goes to the managers only: office
// heads see their estates, not the company). Each email carries the
// commentary and the links to the report and its PDF in the archive.
func (s *Service) Send(ctx context.Context, t *tenant.Tenant, a Author, id uuid.UUID) (*Report, error) {
	r, err := s.draft(ctx, t, a, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.db.InTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		to, err := recipients(ctx, tx, t.ID, r.EstateID)
		if err != nil {
			return err
		}
		res, err := tx.NewUpdate().Model((*Report)(nil)).
			Set("status = ?, sent_by = ?, sent_at = ?, recipients = ?", Sent, a.UserID, now, len(to)).
			Where("tenant_id = ? AND id = ? AND status = ?", t.ID, id, Draft).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrAlreadySent
		}
		link := s.opt.BaseURL + "/t/" + t.Slug + "/reports/" + id.String()
		var jobs []river.InsertManyParams
		for _, u := range to {
			data := map[string]any{"Company": t.Name, "Name": r.Name, "Month": r.Month, "Link": link, "PDF": link + "/report.pdf",
				"Commentary": r.Commentary}
			body := s.opt.Translate(u.Locale, "report.mail.body", data)
			if r.Commentary != "" {
				body = s.opt.Translate(u.Locale, "report.mail.body_commentary", data)
			}
			// Scheduled by the service's clock, so tests that move it see
			// the mail go out.
			jobs = append(jobs, river.InsertManyParams{Args: mailArgs{To: u.Email, Subject: s.opt.Translate(u.Locale, "report.mail.subject", data), Body: body},
				InsertOpts: &river.InsertOpts{ScheduledAt: now, MaxAttempts: 8}})
		}
		return s.jobs.InsertManyTx(ctx, tx, jobs)
	})
	if err != nil {
		return nil, database.Normalize(err)
	}
	return s.Get(ctx, t, a.Scope, id)
}

// recipient is someone a report is sent to.
type recipient struct {
	Email  string `bun:"email"`
	Locale string `bun:"locale"`
}

// recipients are the active managers, and for an estate the active office
// heads who see it, each once.
func recipients(ctx context.Context, tx bun.Tx, tenantID uuid.UUID, estateID *uuid.UUID) ([]recipient, error) {
	var out []recipient
	q := tx.NewSelect().TableExpr("membership_roles AS r").
		ColumnExpr("DISTINCT u.email, u.locale").
		Join("JOIN memberships AS m ON m.tenant_id = r.tenant_id AND m.user_id = r.user_id AND m.disabled_at IS NULL").
		Join("JOIN users AS u ON u.id = r.user_id AND u.disabled_at IS NULL")
	if estateID == nil {
		q = q.Where("r.tenant_id = ? AND r.role = ?", tenantID, string(rbac.Manager))
	} else {
		q = q.Where("r.tenant_id = ? AND (r.role = ? OR r.role = ? AND EXISTS (SELECT 1 FROM staff_estates AS se WHERE se.tenant_id = r.tenant_id AND se.user_id = r.user_id AND se.estate_id = ?))",
			tenantID, string(rbac.Manager), string(rbac.OfficeHead), *estateID)
	}
	return out, q.OrderExpr("u.email").Scan(ctx, &out)
}

// mailArgs is one email, rendered when it was queued.
type mailArgs struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

func (mailArgs) Kind() string { return "report_mail" }

type mailWorker struct {
	river.WorkerDefaults[mailArgs]
	s *Service
}

func (w *mailWorker) Work(ctx context.Context, j *river.Job[mailArgs]) error {
	return w.s.opt.Mail.Send(ctx, mail.Message{To: j.Args.To, Subject: j.Args.Subject, Body: j.Args.Body})
}

// monthlyArgs is the periodic job that generates the month's reports.
type monthlyArgs struct{}

func (monthlyArgs) Kind() string { return "report_monthly" }

type monthlyWorker struct {
	river.WorkerDefaults[monthlyArgs]
	s *Service
}

func (w *monthlyWorker) Work(ctx context.Context, _ *river.Job[monthlyArgs]) error {
	return w.s.Due(ctx)
}

// CatchUpDays is how many days into a month the job still makes the last
// month's missing reports: the 1st, and two more for a server that was
// down. Later, they are made on demand.
const CatchUpDays = 3

// Due makes the reports due: for every open company where it is now the
// 1st (to the CatchUpDays-th) of a month in its time zone, last month's
// report of the company and of each estate, unless there is one already
// (drafts are not computed again: the manager may be writing the
// commentary). The rollups are brought up to date first, so the month's
// last minutes count.
func (s *Service) Due(ctx context.Context) error {
	var ts []*tenant.Tenant
	if err := s.db.ReadPlatform(ctx, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&ts).Scan(ctx)
	}); err != nil {
		return err
	}
	for _, t := range ts {
		if !t.Status.Open() || s.now().In(t.Location()).Day() > CatchUpDays {
			continue
		}
		if err := s.dueTenant(ctx, t); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.opt.Log.Error("monthly reports failed", "tenant_id", t.ID, "err", err)
		}
	}
	return nil
}

func (s *Service) dueTenant(ctx context.Context, t *tenant.Tenant) error {
	month := kpi.MonthOf(s.now(), t.Location()).Add(-1).String()
	all := estate.Scope{All: true}
	var estates []estate.Estate
	var have map[string]bool
	err := s.db.ReadTenant(ctx, t.ID, func(ctx context.Context, tx bun.Tx) error {
		var err error
		if estates, err = estate.List(ctx, tx, t.ID, false); err != nil {
			return err
		}
		var keys []string
		err = tx.NewSelect().TableExpr("reports").Column("estate_key").Where("tenant_id = ? AND month = ?", t.ID, month).Scan(ctx, &keys)
		have = map[string]bool{}
		for _, k := range keys {
			have[k] = true
		}
		return err
	})
	if err != nil {
		return database.Normalize(err)
	}
	var missing []*uuid.UUID
	if !have[""] {
		missing = append(missing, nil)
	}
	for _, e := range estates {
		if !have[e.ID.String()] {
			missing = append(missing, &e.ID)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if err := s.kpis.RefreshTenant(ctx, t); err != nil {
		return err
	}
	for _, id := range missing {
		if _, err := s.Generate(ctx, t, all, nil, id, month); err != nil {
			return err
		}
	}
	return nil
}
