package demo

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
	"github.com/estatedesk/estatedesk/internal/rbac"
	"github.com/estatedesk/estatedesk/internal/tenant"
)

// FeeOptions shape a generated year of fees.
type FeeOptions struct {
	// Now ends the year: nothing happens after it.
	Now time.Time
	// Seed: the same seed, Now and portfolio give the same year.
	Seed int64
}

// FeeYear is what a generated year holds.
type FeeYear struct {
	Runs, Payments, Voids, Waivers, Readings int
	// Closed are the clerks' days closed (日结).
	Closed int
}

// ErrNoFeeBasis: a year of fees needs an active estate with units and
// someone who may run its bills.
var ErrNoFeeBasis = errors.New("demo: a fee year needs an active estate with units and a manager or office head")

// The demo's items and their prices, in hundredths of a fen. Shanghai's
// residential estates charge 物业服务费 by area, about ¥2.5–4.5/m²/month
// by class (the larger flats of a better estate at the top); shops pay
// more. Water is the city's residential tiers (¥5.00/m³ up to the first
// tier, then ¥5.83 and ¥9.10; here per month), shops one commercial
// price. A parking space's management fee is a fixed monthly amount.
type feePlan struct {
	home, shop   int64 // 物业服务费 per m² and month
	parking      int64 // 车位管理费 per space and month
	parkingShare int   // percent of homes with a space
	fitOut, bond int64 // 装修管理费, 装修押金 (one-off, fen×100)
	waterShop    int64
}

// plans are by estate, in the order of their names (翠湖苑, an ordinary
// estate in 闵行, then 阳光花园, a better one in 浦东); the last one
// serves any further estate.
var plans = []feePlan{
	{home: 26000, shop: 50000, parking: 1_200_000, parkingShare: 35, fitOut: 5_000_000, bond: 20_000_000, waterShop: 58000},
	{home: 38000, shop: 65000, parking: 1_500_000, parkingShare: 45, fitOut: 8_000_000, bond: 30_000_000, waterShop: 58000},
}

var waterTiers = []fee.Tier{{Above: 1800, Price: 58300}, {Above: 2500, Price: 91000}}

// How owners pay. Most pay each month soon after the bill (by WeChat more
// than anything), some every quarter or a year ahead, some late; a few
// stopped paying in a dispute, and a very few never paid.
type payer int

const (
	monthly payer = iota
	quarterly
	prepaid
	late
	stopped
	never
)

var payerMix = []float64{monthly: 42, quarterly: 24, prepaid: 24, late: 6, stopped: 2.5, never: 1.5}

var (
	methods   = []fee.Method{fee.WeChat, fee.Alipay, fee.Cash, fee.Card, fee.Transfer}
	methodMix = []float64{42, 22, 11, 12, 13}
)

type feeUnit struct {
	id       uuid.UUID
	kind     estate.UnitKind
	area     int64
	payer    payer
	phase    int // which runs a quarterly or late payer pays after
	stopAt   int // the run a stopped payer stopped after
	meter    int64
	use      int64 // a month's usual water, hundredths of m³
	parking  bool
	monthFen int64 // roughly a month's bills, for a year's prepayment
}

type feeEstate struct {
	id            uuid.UUID
	plan          feePlan
	units         []*feeUnit
	clerks        []uuid.UUID
	head          uuid.UUID
	mgmt, water   uuid.UUID
	parking       uuid.UUID
	fitOut, bond  uuid.UUID
	clerkA, headA fee.Actor
}

// feeClock is the service's clock, moved along the year.
type feeClock struct{ now time.Time }

func (c *feeClock) Now() time.Time { return c.now }

type feeGen struct {
	db      *database.DB
	t       *tenant.Tenant
	svc     *fee.Service
	clock   *feeClock
	r       *rand.Rand
	loc     *time.Location
	now     time.Time
	estates []*feeEstate
	out     FeeYear
	due     map[string][]payment  // by day
	worked  map[[2]uuid.UUID]bool // estate and clerk who took money today
}

// Fees gives a company a year of fees ending at opt.Now, through the fee
// service's own rules: items and rates, parking spaces, monthly meter
// readings, a billing run a month, payments at the counter and online,
// prepayments, a few voids and waivers, fit-out charges. The year starts
// so that its first bills fell due more than a year ago: the owners who
// never paid are over 365 days in arrears. Idempotent: a company whose
// first estate has its 物业服务费 already gets nothing.
func Fees(ctx context.Context, db *database.DB, t *tenant.Tenant, opt FeeOptions) (*FeeYear, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	g := &feeGen{db: db, t: t, clock: &feeClock{}, loc: t.Location(), now: opt.Now.UTC().Truncate(time.Second), due: map[string][]payment{}, worked: map[[2]uuid.UUID]bool{}}
	h := fnv.New64a()
	h.Write([]byte(t.Slug)) // not its ID, which each load draws anew
	g.r = rand.New(rand.NewPCG(uint64(opt.Seed), h.Sum64()))
	var err error
	if g.svc, err = fee.NewService(db, nil, fee.Options{Now: g.clock.Now}); err != nil {
		return nil, err
	}
	done, err := g.load(ctx)
	if err != nil || done {
		return &g.out, err
	}
	return &g.out, g.play(ctx)
}

// load reads the portfolio; done when the year is there already.
func (g *feeGen) load(ctx context.Context) (done bool, err error) {
	all := estate.Scope{All: true}
	var staff []struct {
		UserID uuid.UUID `bun:"user_id"`
		Role   rbac.Role `bun:"role"`
	}
	var scopes []struct {
		UserID   uuid.UUID `bun:"user_id"`
		EstateID uuid.UUID `bun:"estate_id"`
	}
	var units []estate.Unit
	var ests []estate.Estate
	err = g.db.ReadTenant(ctx, g.t.ID, func(ctx context.Context, tx bun.Tx) error {
		if ests, err = estate.List(ctx, tx, g.t.ID, false); err != nil {
			return err
		}
		if err := tx.NewSelect().TableExpr("membership_roles AS r").ColumnExpr("r.user_id, r.role").
			Join("JOIN memberships AS m ON m.tenant_id = r.tenant_id AND m.user_id = r.user_id AND m.disabled_at IS NULL").
			Join("JOIN users AS u ON u.id = r.user_id AND u.disabled_at IS NULL").
			Where("r.tenant_id = ?", g.t.ID).OrderExpr("u.email, r.role").Scan(ctx, &staff); err != nil {
			return err
		}
		if err := tx.NewSelect().Table("staff_estates").Column("user_id", "estate_id").Where("tenant_id = ?", g.t.ID).Scan(ctx, &scopes); err != nil {
			return err
		}
		return tx.NewSelect().Model(&units).Where("tenant_id = ? AND archived_at IS NULL", g.t.ID).OrderExpr("code, id").Scan(ctx)
	})
	if err != nil {
		return false, err
	}
	// By name: a manifest makes its estates in one instant, so the
	// order they were made in is not the same on every load.
	slices.SortFunc(ests, func(a, b estate.Estate) int { return strings.Compare(a.Name, b.Name) })
	sees := map[[2]uuid.UUID]bool{}
	for _, s := range scopes {
		sees[[2]uuid.UUID{s.UserID, s.EstateID}] = true
	}
	holders := func(e uuid.UUID, role rbac.Role) []uuid.UUID {
		var out []uuid.UUID
		for _, s := range staff {
			if s.Role == role && (!rbac.EstateScoped(role) || sees[[2]uuid.UUID{s.UserID, e}]) {
				out = append(out, s.UserID)
			}
		}
		return out
	}
	for i, est := range ests {
		e := &feeEstate{id: est.ID, plan: plans[min(i, len(plans)-1)]}
		heads := append(holders(est.ID, rbac.OfficeHead), holders(est.ID, rbac.Manager)...)
		e.clerks = holders(est.ID, rbac.Clerk)
		if len(heads) == 0 {
			continue
		}
		e.head = heads[0]
		if len(e.clerks) == 0 {
			e.clerks = heads[:1]
		}
		e.clerkA, e.headA = fee.Actor{UserID: e.clerks[0], Scope: all}, fee.Actor{UserID: e.head, Scope: all}
		for _, u := range units {
			if u.EstateID == est.ID {
				e.units = append(e.units, &feeUnit{id: u.ID, kind: u.Kind, area: int64(u.Area)})
			}
		}
		if len(e.units) > 0 {
			g.estates = append(g.estates, e)
		}
	}
	if len(g.estates) == 0 {
		return false, ErrNoFeeBasis
	}
	items, err := g.svc.Items(ctx, g.t.ID, all, g.estates[0].id, true)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(items, func(it fee.Item) bool { return it.Name == "物业服务费" }), nil
}

// at sets the service's clock to a local time of day, or a few minutes
// after the last thing that happened: receipts follow the clock.
func (g *feeGen) at(day time.Time, hour, minute int) {
	t := time.Date(day.Year(), day.Month(), day.Day(), hour, minute, g.r.IntN(60), 0, g.loc).UTC()
	if t.Before(g.clock.now) {
		t = g.clock.now.Add(time.Duration(1+g.r.IntN(4)) * time.Minute)
	}
	g.clock.now = t
}

func (g *feeGen) play(ctx context.Context) error {
	today := g.now.In(g.loc)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, g.loc)
	// Bills fall due on the last day of their month; the first month's
	// fell due over a year before today.
	first := fee.PeriodOf(fee.Monthly, today.AddDate(0, 0, -366)).Prev()
	start := first.Start()
	setup := time.Date(start.Year(), start.Month(), 18, 0, 0, 0, 0, g.loc)
	if err := g.setUp(ctx, setup, first); err != nil {
		return err
	}
	// What happens on which day, drawn as the year goes.
	pending := map[string][]func(context.Context) error{}
	later := func(day time.Time, f func(context.Context) error) {
		k := day.Format("2006-01-02")
		pending[k] = append(pending[k], f)
	}
	run := 0
	for day := setup; !day.After(today); day = day.AddDate(0, 0, 1) {
		p := fee.PeriodOf(fee.Monthly, time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, time.UTC))
		switch day.Day() {
		case 22:
			if err := g.read(ctx, day, p); err != nil {
				return err
			}
		case 25:
			if g.now.Before(time.Date(day.Year(), day.Month(), day.Day(), 9, 30, 0, 0, g.loc)) {
				break
			}
			if err := g.bill(ctx, day, p); err != nil {
				return err
			}
			g.schedule(day, run, later)
			run++
		}
		k := day.Format("2006-01-02")
		if err := g.payDay(ctx, day, g.due[k]); err != nil {
			return err
		}
		delete(g.due, k)
		jobs := pending[k]
		delete(pending, k)
		for _, f := range jobs {
			if err := f(ctx); err != nil {
				return err
			}
		}
		if day.Before(today) {
			if err := g.closeDay(ctx, day); err != nil {
				return err
			}
		}
	}
	// The first estate charges late fees (滞纳金) from now on, so the
	// counter shows them on its arrears; the year's payments were made
	// without (the policy is off by default), and its figures stay.
	e := g.estates[0]
	_, err := g.svc.SetLatePolicy(ctx, g.t.ID, e.headA, e.id, fee.LatePolicyInput{Enabled: true, RatePPM: 500, GraceDays: 30, CapPercent: 100})
	return err
}

// setUp creates the items, their rates from the first period on, and the
// parking spaces.
func (g *feeGen) setUp(ctx context.Context, day time.Time, first fee.Period) error {
	from := first.Start().Format("2006-01-02")
	for _, e := range g.estates {
		g.at(day, 10, 0)
		item := func(name string, kind fee.Kind, refundable bool, sort int, rates ...fee.RateInput) (uuid.UUID, error) {
			it, err := g.svc.CreateItem(ctx, g.t.ID, e.headA.Scope, e.id, fee.ItemInput{Name: name, Kind: kind, Cycle: fee.Monthly,
				DueDay: 31, VacantPercent: 100, Refundable: refundable, SortOrder: sort})
			if err != nil {
				return uuid.Nil, err
			}
			for _, r := range rates {
				r.EffectiveFrom = from
				if _, err := g.svc.AddRate(ctx, g.t.ID, e.headA, it.ID, r); err != nil {
					return uuid.Nil, err
				}
			}
			return it.ID, nil
		}
		var err error
		pl := e.plan
		if e.mgmt, err = item("物业服务费", fee.ByArea, false, 1, fee.RateInput{Price: pl.home},
			fee.RateInput{UnitKind: estate.Shop, Price: pl.shop}, fee.RateInput{UnitKind: estate.Parking, Price: 0}); err != nil {
			return err
		}
		if e.parking, err = item("车位管理费", fee.FixedParking, false, 2, fee.RateInput{Price: pl.parking}); err != nil {
			return err
		}
		if e.water, err = item("水费", fee.ByMeter, false, 3, fee.RateInput{Price: 50000, Tiers: waterTiers},
			fee.RateInput{UnitKind: estate.Shop, Price: pl.waterShop}); err != nil {
			return err
		}
		if e.fitOut, err = item("装修管理费", fee.OneOff, false, 4, fee.RateInput{Price: pl.fitOut}); err != nil {
			return err
		}
		if e.bond, err = item("装修押金", fee.OneOff, true, 5, fee.RateInput{Price: pl.bond}); err != nil {
			return err
		}
		spaces := 0
		for _, u := range e.units {
			switch u.kind {
			case estate.Shop:
				u.use = 1500 + int64(g.r.IntN(2500))
				u.monthFen = u.area*pl.shop/10_000 + u.use*pl.waterShop/1_000_000
			default:
				u.use = 600 + int64(g.r.IntN(1200))
				u.monthFen = u.area*pl.home/10_000 + u.use*50000/1_000_000
				u.parking = g.r.IntN(100) < pl.parkingShare
			}
			u.meter = 10_000 + int64(g.r.IntN(200_000))
			u.payer = payer(pickWeighted(g.r, payerMix))
			u.phase = g.r.IntN(3)
			u.stopAt = 3 + g.r.IntN(6)
			if u.parking {
				spaces++
				g.at(day, 10, 30)
				id := u.id
				if _, err := g.svc.SaveParkingSpace(ctx, g.t.ID, e.headA.Scope, e.id, nil, fee.ParkingInput{Code: fmt.Sprintf("B1-%03d", spaces), UnitID: &id}); err != nil {
					return err
				}
				u.monthFen += pl.parking / 100
			}
		}
	}
	return nil
}

// read records every unit's water meter of the period on one day, with
// the period before it as each meter's starting point in the first
// month. Thousands of readings go in one insert per estate; the service's
// rules are kept: each counts from the last, none goes down.
func (g *feeGen) read(ctx context.Context, day time.Time, p fee.Period) error {
	for _, e := range g.estates {
		g.at(day, 16, 0)
		now := g.clock.now
		var rows []fee.Reading
		clerk := e.clerks[0]
		for _, u := range e.units {
			// A month's use varies around the unit's own, more in summer.
			summer := int64(100)
			if m := p.Start().Month(); m >= 6 && m <= 9 {
				summer = 125
			}
			used := u.use * summer / 100 * int64(70+g.r.IntN(61)) / 100
			if g.r.IntN(100) < 4 {
				used = 0 // away for the month
			}
			prev := u.meter
			u.meter += used
			rows = append(rows, fee.Reading{TenantID: g.t.ID, ID: uuid.Must(uuid.NewV7()), UnitID: u.id, ItemID: e.water, Period: p.String(),
				Value: u.meter, Previous: prev, ReadOn: day.Format("2006-01-02"), RecordedBy: &clerk, CreatedAt: now})
		}
		err := g.db.InTenant(ctx, g.t.ID, func(ctx context.Context, tx bun.Tx) error {
			for chunk := range slices.Chunk(rows, historyBatch) {
				if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		g.out.Readings += len(rows)
	}
	return nil
}

// closeDay: each clerk who took money closes the day (日结) in the
// evening, as the cashier's rules ask; only today is left open.
func (g *feeGen) closeDay(ctx context.Context, day time.Time) error {
	for _, e := range g.estates {
		for _, c := range e.clerks {
			if !g.worked[[2]uuid.UUID{e.id, c}] {
				continue
			}
			g.at(day, 20, 50)
			if _, err := g.svc.CloseDay(ctx, g.t, fee.Actor{UserID: c, Scope: estate.Scope{All: true}}, e.id, day.Format("2006-01-02")); err != nil {
				return fmt.Errorf("demo: close %s: %w", day.Format("2006-01-02"), err)
			}
			g.out.Closed++
		}
	}
	clear(g.worked)
	return nil
}

// bill makes the period's run in every estate on the 25th.
func (g *feeGen) bill(ctx context.Context, day time.Time, p fee.Period) error {
	for _, e := range g.estates {
		g.at(day, 9, 0)
		r, err := g.svc.RunInline(ctx, g.t.ID, e.headA, e.id, p.String())
		if err != nil {
			return err
		}
		if r.Status != fee.RunDone {
			return fmt.Errorf("demo: run %s: %s %s", p, r.Status, r.Error)
		}
		g.out.Runs++
	}
	return nil
}

// schedule draws who pays after run n, and when.
func (g *feeGen) schedule(day time.Time, n int, later func(time.Time, func(context.Context) error)) {
	for _, e := range g.estates {
		for _, u := range e.units {
			var after int
			var prepay int64
			switch u.payer {
			case monthly:
				after = 1 + g.r.IntN(12)
				if g.r.IntN(100) < 3 {
					prepay = 50_000 // ¥500 ahead
				}
			case quarterly:
				if n%3 != u.phase {
					continue
				}
				after = 1 + g.r.IntN(20)
			case prepaid:
				// A year ahead, then again when it has run out.
				if n%12 != 0 {
					continue
				}
				after = 1 + g.r.IntN(10)
				prepay = u.monthFen * 12 / 100 * 100 // whole yuan
			case late:
				if n%3 != u.phase {
					continue
				}
				after = 30 + g.r.IntN(35)
			case stopped:
				if n >= u.stopAt {
					continue
				}
				after = 3 + g.r.IntN(25)
			case never:
				continue
			}
			k := day.AddDate(0, 0, after).Format("2006-01-02")
			g.due[k] = append(g.due[k], payment{e: e, u: u, prepay: prepay, slot: pickWeighted(g.r, slotMix),
				method: methods[pickWeighted(g.r, methodMix)], clerk: e.clerks[g.r.IntN(len(e.clerks))],
				void: g.r.IntN(450) == 0, reason: voidReasons[g.r.IntN(len(voidReasons))]})
		}
		// A few waivers a month, asked by the clerk, decided by the head.
		later(day.AddDate(0, 0, 5), func(ctx context.Context) error { return g.waive(ctx, e, day.AddDate(0, 0, 5)) })
		if n%4 == 1 {
			later(day.AddDate(0, 0, 9), func(ctx context.Context) error { return g.fitOut(ctx, e, day.AddDate(0, 0, 9)) })
		}
	}
}

// payment is one drawn for a day.
type payment struct {
	e      *feeEstate
	u      *feeUnit
	prepay int64
	slot   int
	method fee.Method
	clerk  uuid.UUID
	// void: the clerk gets it wrong, and the head voids it for reason.
	// Drawn with the rest, so that what the database answers never
	// changes the draws that follow.
	void   bool
	reason string
}

// The times of day payments come in: the counter's morning and afternoon,
// online in the evening.
var (
	slotHours = []int{10, 15, 20}
	slotMix   = []float64{40, 35, 25}
)

// open is what each unit owes now, and its open bills.
func (g *feeGen) open(ctx context.Context, units ...uuid.UUID) (map[uuid.UUID]int64, []fee.Bill, error) {
	var bills []fee.Bill
	err := g.db.ReadTenant(ctx, g.t.ID, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&bills).Where("tenant_id = ? AND unit_id IN (?) AND status <> ?", g.t.ID, bun.In(units), fee.Paid).
			OrderExpr("due_date, id").Scan(ctx)
	})
	owed := map[uuid.UUID]int64{}
	for _, b := range bills {
		owed[b.UnitID] += b.OpenFen()
	}
	return owed, bills, err
}

var voidReasons = []string{"收款方式选错，应为微信支付，红冲后重收", "金额录入错误，红冲后按实收重开", "业主重复付款，红冲退回"}

// payDay takes the day's payments: what each unit owes (and any
// prepayment), at the counter or online. The payments of a time of day go
// to the service together, which writes them in one transaction as it
// does the clerks' who pay at once. Now and then a clerk gets one wrong
// and the head voids it.
func (g *feeGen) payDay(ctx context.Context, day time.Time, list []payment) error {
	if len(list) == 0 {
		return nil
	}
	// What they owe, read once: a unit pays once a day (below).
	all := make([]uuid.UUID, 0, len(list))
	for _, p := range list {
		all = append(all, p.u.id)
	}
	owed, _, err := g.open(ctx, all...)
	if err != nil {
		return err
	}
	for slot, hour := range slotHours {
		// A unit drawn twice for a day (a late payer's two turns) pays
		// once: both would pay the same bills.
		var group []payment
		var units []uuid.UUID
		for _, p := range list {
			if p.slot == slot && !slices.Contains(units, p.u.id) && !slices.ContainsFunc(list, func(q payment) bool { return q.u == p.u && q.slot < p.slot }) {
				group, units = append(group, p), append(units, p.u.id)
			}
		}
		if len(group) == 0 {
			continue
		}
		g.at(day, hour, g.r.IntN(60))
		if g.clock.now.After(g.now) {
			return nil
		}
		ins := make([]fee.PayInput, len(group))
		rcs := make([]*fee.Receipt, len(group))
		errs := make([]error, len(group))
		var wg sync.WaitGroup
		for i, p := range group {
			o := owed[p.u.id]
			if o+p.prepay == 0 {
				continue
			}
			ins[i] = fee.PayInput{UnitID: p.u.id, Method: p.method, AmountFen: o, PrepayFen: p.prepay, ExpectedFen: o}
			wg.Go(func() {
				rcs[i], errs[i] = g.svc.Pay(ctx, g.t, fee.Actor{UserID: p.clerk, Scope: estate.Scope{All: true}}, ins[i], "")
			})
		}
		wg.Wait()
		for i, p := range group {
			if errs[i] != nil {
				return fmt.Errorf("demo: pay %s: %w", p.u.id, errs[i])
			}
			if rcs[i] == nil {
				continue
			}
			g.out.Payments++
			g.worked[[2]uuid.UUID{p.e.id, p.clerk}] = true
			if !p.void {
				continue
			}
			g.clock.now = g.clock.now.Add(12 * time.Minute)
			reason := p.reason
			if _, err := g.svc.Void(ctx, g.t.ID, p.e.headA, rcs[i].Payment.ID, reason); err != nil {
				return err
			}
			g.out.Voids++
			if reason == voidReasons[2] {
				continue
			}
			g.clock.now = g.clock.now.Add(3 * time.Minute)
			in := ins[i]
			in.Method = fee.WeChat
			if _, err := g.svc.Pay(ctx, g.t, fee.Actor{UserID: p.clerk, Scope: estate.Scope{All: true}}, in, ""); err != nil {
				return err
			}
			g.out.Payments++
		}
	}
	return nil
}

var waiverReasons = []string{"楼上漏水维修期间无法居住，减免当月物业服务费", "电梯停运维修超过十天，经主任批准减免部分物业服务费", "低保家庭困难减免", "水表故障多计用水，按上月用量核减"}

// waive: now and then an owner behind on the bills is granted part of one.
func (g *feeGen) waive(ctx context.Context, e *feeEstate, day time.Time) error {
	// Every draw first: what the database answers must not change the
	// draws that follow.
	g.at(day, 14, g.r.IntN(60))
	skip, u, half := g.r.IntN(3) > 0, e.units[g.r.IntN(len(e.units))], g.r.IntN(2) == 0
	reason, wait, approve := waiverReasons[g.r.IntN(len(waiverReasons))], time.Duration(30+g.r.IntN(240))*time.Minute, g.r.IntN(6) > 0
	if g.clock.now.After(g.now) || skip {
		return nil
	}
	_, bills, err := g.open(ctx, u.id)
	if err != nil || len(bills) == 0 {
		return err
	}
	// The latest 物业服务费 (bills of one day are in no set order).
	var b *fee.Bill
	for i := range bills {
		if bills[i].ItemID == e.mgmt {
			b = &bills[i]
		}
	}
	if b == nil {
		return nil
	}
	amount := b.OpenFen()
	if half {
		amount = amount / 2
	}
	if amount <= 0 {
		return nil
	}
	w, err := g.svc.RequestWaiver(ctx, g.t.ID, e.clerkA, b.ID, amount, reason)
	if err != nil {
		return err
	}
	g.clock.now = g.clock.now.Add(wait)
	if _, err := g.svc.DecideWaiver(ctx, g.t.ID, e.headA, w.ID, approve, true); err != nil {
		return err
	}
	g.out.Waivers++
	return nil
}

// fitOut: a home starts its fit-out: the management fee and the
// refundable deposit are charged and paid on the day.
func (g *feeGen) fitOut(ctx context.Context, e *feeEstate, day time.Time) error {
	g.at(day, 10, g.r.IntN(60))
	if g.clock.now.After(g.now) {
		return nil
	}
	u := e.units[g.r.IntN(len(e.units))]
	if u.kind != estate.Home {
		return nil
	}
	for _, item := range []uuid.UUID{e.fitOut, e.bond} {
		if _, err := g.svc.ChargeOneOff(ctx, g.t, e.clerkA, u.id, item, day.Format("2006-01-02"), 0); err != nil {
			return err
		}
	}
	// The prepaid balance may have paid them, or part of them.
	_, bills, err := g.open(ctx, u.id)
	if err != nil {
		return err
	}
	var ids []uuid.UUID
	var total int64
	for _, b := range bills {
		if b.ItemID == e.fitOut || b.ItemID == e.bond {
			ids, total = append(ids, b.ID), total+b.OpenFen()
		}
	}
	if total == 0 {
		return nil
	}
	g.clock.now = g.clock.now.Add(5 * time.Minute)
	_, err = g.svc.Pay(ctx, g.t, e.clerkA, fee.PayInput{UnitID: u.id, BillIDs: ids, Method: fee.Transfer, AmountFen: total, ExpectedFen: total}, "")
	if err != nil {
		return fmt.Errorf("demo: fit-out: %w", err)
	}
	g.out.Payments++
	g.worked[[2]uuid.UUID{e.id, e.clerkA.UserID}] = true
	return err
}
