package fee_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/notify"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// outbox records the messages a provider was given; fail refuses those
// to one recipient.
type outbox struct {
	mu   sync.Mutex
	sent []notify.Message
	fail string
}

func (o *outbox) Send(_ context.Context, m notify.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if m.Recipient != "" && m.Recipient == o.fail {
		return errors.New("mailbox full")
	}
	o.sent = append(o.sent, m)
	return nil
}

func (o *outbox) to(recipient string) []notify.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []notify.Message
	for _, m := range o.sent {
		if m.Recipient == recipient {
			out = append(out, m)
		}
	}
	return out
}

// arrearsWorld charges one-off bills so that, on 2026-03-10, the units
// are in these age buckets:
//
//	1-101  ¥100 due 2025-01-05 (365+) and ¥50 due 2026-03-01 (0-30)
//	1-102  ¥300 due 2025-12-01 (91-180)
//	1-103  ¥20  due 2026-02-20 (0-30)
//	2-201  ¥1,000 due 2025-11-01 (91-180)
func (f *fixture) arrearsWorld(t *testing.T) *fee.Item {
	t.Helper()
	it := f.item(t, fee.ItemInput{Name: "装修管理费", Kind: fee.OneOff})
	for _, c := range []struct {
		code, day string
		fen       int64
	}{{"1-101", "2025-01-05", 10000}, {"1-101", "2026-03-01", 5000}, {"1-102", "2025-12-01", 30000}, {"1-103", "2026-02-20", 2000}, {"2-201", "2025-11-01", 100000}} {
		_, err := f.svc.ChargeOneOff(f.ctx, f.alpha, f.manager, f.units[c.code].ID, it.ID, c.day, c.fen)
		must(t, err)
	}
	return it
}

func (f *fixture) arrearsCodes(t *testing.T, q fee.AgingQuery) []string {
	t.Helper()
	rows, err := f.svc.ArrearsByUnit(f.ctx, f.alpha, f.manager.Scope, q, "", 100)
	must(t, err)
	var out []string
	for _, r := range rows {
		out = append(out, r.Code)
	}
	return out
}

// The arrears list narrowed by the age of a unit's oldest arrears and by
// a least amount owed.
func TestArrearsByUnitAgeAndMinimum(t *testing.T) {
	f := setup(t)
	f.arrearsWorld(t)
	for _, c := range []struct {
		age  string
		min  int64
		want string
	}{
		{"", 0, "1-101 1-102 1-103 2-201"},
		{"365+", 0, "1-101"},
		{"91-180", 0, "1-102 2-201"},
		{"0-30", 0, "1-103"},
		{"31-90", 0, ""},
		{"181-365", 0, ""},
		{"", 15000, "1-101 1-102 2-201"},
		{"", 15001, "1-102 2-201"},
		{"91-180", 50000, "2-201"},
	} {
		got := strings.Join(f.arrearsCodes(t, fee.AgingQuery{EstateID: f.east.ID, Age: c.age, MinFen: c.min}), " ")
		if got != c.want {
			t.Errorf("age %q min %d: %q, want %q", c.age, c.min, got, c.want)
		}
	}
	// A page of one under a filter is still a page: the filter picks the
	// units, it does not thin the page out.
	q := fee.AgingQuery{EstateID: f.east.ID, Age: "91-180"}
	var paged []string
	for after := ""; ; {
		rows, err := f.svc.ArrearsByUnit(f.ctx, f.alpha, f.manager.Scope, q, after, 1)
		must(t, err)
		if len(rows) == 0 {
			break
		}
		paged = append(paged, rows[0].Code)
		after = rows[0].Code
	}
	if strings.Join(paged, " ") != "1-102 2-201" {
		t.Errorf("91-180 one at a time: %v", paged)
	}
	// The bucket limits move with the day counted to: on 2026-03-31 the
	// bill due 2026-03-01 is 30 days old, 1-103's 39.
	if got := strings.Join(f.arrearsCodes(t, fee.AgingQuery{EstateID: f.east.ID, Age: "31-90", AsOf: "2026-03-31"}), " "); got != "1-103" {
		t.Errorf("31-90 on 2026-03-31: %q", got)
	}
	if _, err := f.svc.ArrearsByUnit(f.ctx, f.alpha, f.manager.Scope, fee.AgingQuery{EstateID: f.east.ID, Age: "1-2"}, "", 10); !errors.Is(err, fee.ErrInvalidAge) {
		t.Errorf("unknown bucket: %v", err)
	}
	if _, err := f.svc.ArrearsByUnit(f.ctx, f.alpha, f.manager.Scope, fee.AgingQuery{EstateID: f.east.ID, MinFen: -1}, "", 10); !errors.Is(err, fee.ErrInvalidAmount) {
		t.Errorf("negative minimum: %v", err)
	}
}

// The owners of units, in one query: owners with their phones, else the
// first current occupant; ended links and other estates' units are left
// out.
func TestUnitContacts(t *testing.T) {
	f := setup(t)
	es := estate.NewService(f.db, tenant.DefaultPlanLimits(), 0)
	all := estate.Scope{All: true}
	add := func(code, name, email string, rel estate.Relation, phones ...string) {
		_, err := es.AddPerson(f.ctx, f.alpha.ID, all, f.units[code].ID, estate.PersonInput{Name: name, Email: email, Phones: phones}, estate.LinkInput{Relation: rel})
		must(t, err)
	}
	add("1-101", "租客甲", "", estate.RenterRel, "13900000001")
	add("1-101", "王建国", "wang@example.com", estate.OwnerRel, "13800138000", "021-62345678")
	add("1-101", "李秀英", "", estate.OwnerRel)
	add("1-102", "住户乙", "", estate.ResidentRel, "13700000002")
	add("1-102", "住户丙", "", estate.ResidentRel, "13700000003")
	ids := []uuid.UUID{f.units["1-101"].ID, f.units["1-102"].ID, f.units["1-103"].ID}
	got, err := es.UnitContacts(f.ctx, f.alpha.ID, all, ids, "2026-03-10")
	must(t, err)
	owners := got[f.units["1-101"].ID]
	if len(owners) != 2 || owners[0].Name != "王建国" || owners[1].Name != "李秀英" ||
		strings.Join(owners[0].Phones, ",") != "13800138000,02162345678" || owners[0].Email != "wang@example.com" || len(owners[1].Phones) != 0 {
		t.Errorf("1-101: %+v", owners)
	}
	if occ := got[f.units["1-102"].ID]; len(occ) != 1 || occ[0].Name != "住户乙" || occ[0].Relation != estate.ResidentRel {
		t.Errorf("1-102 (no owner): %+v", occ)
	}
	if len(got[f.units["1-103"].ID]) != 0 {
		t.Errorf("1-103 has nobody: %+v", got[f.units["1-103"].ID])
	}
	// A clerk of 西区 sees nobody of 东区's units.
	west, err := es.UnitContacts(f.ctx, f.alpha.ID, f.westClerk.Scope, ids, "2026-03-10")
	must(t, err)
	if len(west) != 0 {
		t.Errorf("west clerk sees %v", west)
	}
}

// A batch of reminders: one message per unit — email to an owner with an
// address, the log otherwise (SMS has no provider yet) — each recorded on
// the unit, a paid-up unit settled, a refused address failed; the batch
// counts them. The same key again answers the same batch.
func TestReminderBatch(t *testing.T) {
	f := setup(t)
	it := f.arrearsWorld(t)
	es := estate.NewService(f.db, tenant.DefaultPlanLimits(), 0)
	all := estate.Scope{All: true}
	add := func(code, name, email string, phones ...string) {
		_, err := es.AddPerson(f.ctx, f.alpha.ID, all, f.units[code].ID, estate.PersonInput{Name: name, Email: email, Phones: phones}, estate.LinkInput{Relation: estate.OwnerRel})
		must(t, err)
	}
	add("1-101", "王建国", "wang@example.com", "13800138000")
	add("1-102", "赵敏", "", "13700000002")
	add("2-201", "钱多多", "full@example.com")
	mailbox, logbook := &outbox{fail: "full@example.com"}, &outbox{}
	n := notify.New(quiet)
	n.Register(notify.Email, mailbox)
	n.Register(notify.Log, logbook)
	f.svc.SetNotifier(n, func(lang, id string, data map[string]any) string {
		if lang != fee.OwnerLanguage {
			t.Errorf("message in %s", lang)
		}
		if id == "dunning.message.body" {
			return data["Owner"].(string) + " " + data["Unit"].(string) + " " + data["Total"].(string) + " " + data["Capital"].(string) + "\n" + data["Lines"].(string)
		}
		if id == "dunning.message.line" {
			return data["Item"].(string) + " " + data["Due"].(string)
		}
		return id
	})

	in := fee.ReminderInput{Query: fee.AgingQuery{EstateID: f.east.ID}}
	b, err := f.svc.CreateReminders(f.ctx, f.alpha, f.clerk, in, "batch-1")
	must(t, err)
	if b.Status != fee.RunQueued || b.Planned != 4 || b.TotalFen != 147000 || b.AsOf != "2026-03-10" || b.Replayed {
		t.Fatalf("batch %+v", b)
	}
	again, err := f.svc.CreateReminders(f.ctx, f.alpha, f.clerk, in, "batch-1")
	must(t, err)
	if again.ID != b.ID || !again.Replayed {
		t.Errorf("retry made batch %s (replayed %v), first %s", again.ID, again.Replayed, b.ID)
	}
	other := in
	other.Query.Age = "365+"
	if _, err := f.svc.CreateReminders(f.ctx, f.alpha, f.clerk, other, "batch-1"); !errors.Is(err, fee.ErrBatchKeyMismatch) {
		t.Errorf("the key with another selection: %v", err)
	}
	// 1-103 pays before the job runs: its reminder is settled, not sent.
	f.payBill(t, "1-103", "2026-02-20", 2000)
	must(t, f.jobs.RunPending(f.ctx))

	b, rems, err := f.svc.ReminderBatch(f.ctx, f.alpha.ID, f.clerk.Scope, b.ID)
	must(t, err)
	if b.Status != fee.RunDone || b.Done != 4 || b.Sent != 1 || b.Logged != 1 || b.Failed != 1 || b.Settled != 1 {
		t.Errorf("batch after the job: %+v", b)
	}
	byCode := map[string]fee.Reminder{}
	for _, r := range rems {
		byCode[r.Code] = r
	}
	if r := byCode["1-101"]; r.Status != fee.ReminderSent || r.Channel != notify.Email || r.Recipient != "wang@example.com" || r.SentFen != 15000 {
		t.Errorf("1-101: %+v", r)
	}
	if r := byCode["1-102"]; r.Status != fee.ReminderLogged || r.Channel != notify.Log || r.Recipient != "13700000002" {
		t.Errorf("1-102 (phone only): %+v", r)
	}
	if r := byCode["1-103"]; r.Status != fee.ReminderSettled || r.SentFen != 0 {
		t.Errorf("1-103 (paid meanwhile): %+v", r)
	}
	if r := byCode["2-201"]; r.Status != fee.ReminderFailed || r.Error != "mailbox full" {
		t.Errorf("2-201 (refused): %+v", r)
	}
	msgs := mailbox.to("wang@example.com")
	if len(msgs) != 1 || !strings.Contains(msgs[0].Body, "王建国 1-101 ¥150.00 壹佰伍拾元整") ||
		!strings.Contains(msgs[0].Body, it.Name+" 2025-01-05") || !strings.Contains(msgs[0].Body, it.Name+" 2026-03-01") {
		t.Errorf("mail to 1-101's owner: %+v", msgs)
	}
	if len(logbook.to("13700000002")) != 1 {
		t.Errorf("the log took %+v", logbook.sent)
	}
	// Recorded on the unit; another estate's clerk sees neither.
	ur, err := f.svc.UnitReminders(f.ctx, f.alpha.ID, f.clerk.Scope, f.units["1-101"].ID)
	must(t, err)
	if len(ur) != 1 || ur[0].BatchID != b.ID {
		t.Errorf("1-101's reminders: %+v", ur)
	}
	if _, _, err := f.svc.ReminderBatch(f.ctx, f.alpha.ID, f.westClerk.Scope, b.ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("west clerk reads the batch: %v", err)
	}
	if _, _, err := f.svc.ReminderBatch(f.ctx, f.bravo.ID, f.bravoMgr.Scope, b.ID); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("bravo reads alpha's batch: %v", err)
	}
	// Running the job again sends nothing more.
	must(t, f.jobs.RunPending(f.ctx))
	if len(mailbox.to("wang@example.com")) != 1 {
		t.Error("sent twice")
	}
}

// Ticked units narrow the filtered ones; none in arrears, or too many,
// is refused; another estate is not found.
func TestReminderSelection(t *testing.T) {
	f := setup(t)
	f.arrearsWorld(t)
	b, err := f.svc.CreateReminders(f.ctx, f.alpha, f.clerk, fee.ReminderInput{Query: fee.AgingQuery{EstateID: f.east.ID, Age: "91-180"},
		UnitIDs: []uuid.UUID{f.units["1-101"].ID, f.units["2-201"].ID}}, "")
	must(t, err)
	_, rems, err := f.svc.ReminderBatch(f.ctx, f.alpha.ID, f.clerk.Scope, b.ID)
	must(t, err)
	if len(rems) != 1 || rems[0].Code != "2-201" || rems[0].TotalFen != 100000 || rems[0].OldestDue != "2025-11-01" {
		t.Errorf("ticked ∩ 91-180: %+v", rems)
	}
	if _, err := f.svc.CreateReminders(f.ctx, f.alpha, f.clerk, fee.ReminderInput{Query: fee.AgingQuery{EstateID: f.east.ID, Age: "31-90"}}, ""); !errors.Is(err, fee.ErrNoArrears) {
		t.Errorf("nobody in 31-90: %v", err)
	}
	if _, err := f.svc.CreateReminders(f.ctx, f.alpha, f.westClerk, fee.ReminderInput{Query: fee.AgingQuery{EstateID: f.east.ID}}, ""); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("west clerk, east estate: %v", err)
	}
	if _, err := f.svc.CreateReminders(f.ctx, f.alpha, f.clerk, fee.ReminderInput{Query: fee.AgingQuery{EstateID: f.east.ID}}, "bad\x01key"); !errors.Is(err, fee.ErrInvalidIdempotency) {
		t.Errorf("bad key: %v", err)
	}
}

// Contact attempts: the outcomes, a promise needs its day (today or
// later), the note is bounded; newest first; in scope only.
func TestContactAttempts(t *testing.T) {
	f := setup(t)
	u := f.units["1-101"].ID
	for _, in := range []fee.ContactInput{
		{Outcome: fee.NoAnswer, PromisedOn: "2026-03-20"},
		{Outcome: fee.Promised, PromisedOn: "2026-03-20", Note: "  月底发工资后缴清  "},
	} {
		_, err := f.svc.RecordContact(f.ctx, f.alpha, f.clerk, u, in)
		must(t, err)
	}
	for _, c := range []struct {
		in   fee.ContactInput
		want error
	}{
		{fee.ContactInput{Outcome: "visited"}, fee.ErrInvalidOutcome},
		{fee.ContactInput{Outcome: fee.Promised}, fee.ErrInvalidPromise},
		{fee.ContactInput{Outcome: fee.Promised, PromisedOn: "2026-03-09"}, fee.ErrInvalidPromise},
		{fee.ContactInput{Outcome: fee.Refused, Note: strings.Repeat("长", 501)}, fee.ErrInvalidNote},
	} {
		if _, err := f.svc.RecordContact(f.ctx, f.alpha, f.clerk, u, c.in); !errors.Is(err, c.want) {
			t.Errorf("%+v: %v, want %v", c.in, err, c.want)
		}
	}
	if _, err := f.svc.RecordContact(f.ctx, f.alpha, f.westClerk, u, fee.ContactInput{Outcome: fee.Called}); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("west clerk: %v", err)
	}
	if _, err := f.svc.RecordContact(f.ctx, f.bravo, f.bravoMgr, u, fee.ContactInput{Outcome: fee.Called}); !errors.Is(err, database.ErrNotFound) {
		t.Errorf("bravo: %v", err)
	}
	got, err := f.svc.Contacts(f.ctx, f.alpha.ID, f.clerk.Scope, u)
	must(t, err)
	if len(got) != 2 || got[0].Outcome != fee.Promised || got[0].PromisedOn != "2026-03-20" || got[0].Note != "月底发工资后缴清" ||
		got[1].Outcome != fee.NoAnswer || got[1].PromisedOn != "" || got[0].CreatedBy != f.clerk.UserID {
		t.Errorf("contacts %+v", got)
	}
	if !slices.Equal(fee.Outcomes, []fee.Outcome{fee.Called, fee.Promised, fee.Refused, fee.NoAnswer}) {
		t.Error("outcomes changed")
	}
}
