package fee_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/estatedesk/estatedesk/internal/estate"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// arrearsRow is a row of fee_arrears, or the same recomputed from bills.
type arrearsRow struct {
	TenantID   uuid.UUID `bun:"tenant_id,type:uuid"`
	EstateID   uuid.UUID `bun:"estate_id,type:uuid"`
	BuildingID uuid.UUID `bun:"building_id,type:uuid"`
	ItemID     uuid.UUID `bun:"item_id,type:uuid"`
	DueDate    string    `bun:"due_date"`
	Bills      int64     `bun:"bills"`
	OpenFen    int64     `bun:"open_fen"`
	Units      int64     `bun:"units"`
}

// recomputedArrears is fee_arrears of a tenant (twice the argument)
// computed from its bills.
const recomputedArrears = `SELECT tenant_id, estate_id, building_id, item_id, due_date,
		sum(bills) AS bills, sum(open_fen) AS open_fen, sum(units) AS units FROM (
	SELECT tenant_id, estate_id, building_id, item_id, due_date, count(*) AS bills, sum(amount_fen - paid_fen - waived_fen) AS open_fen, 0 AS units
	FROM bills WHERE tenant_id = ? AND status <> 'paid' GROUP BY tenant_id, estate_id, building_id, item_id, due_date
	UNION ALL
	SELECT tenant_id, estate_id, building_id, item_id, oldest, 0, 0, count(*) FROM (
		SELECT tenant_id, estate_id, building_id, item_id, min(due_date) AS oldest FROM bills WHERE tenant_id = ? AND status <> 'paid'
		GROUP BY tenant_id, estate_id, building_id, unit_id, item_id) AS o
	GROUP BY tenant_id, estate_id, building_id, item_id, oldest
) AS x GROUP BY tenant_id, estate_id, building_id, item_id, due_date`

// The arrears totals the bills' triggers keep equal the same recomputed
// from the bills, after a random sequence of runs, payments (part, whole,
// with prepayments that later runs apply), voids and waivers.
func TestArrearsTotalsMatchBills(t *testing.T) {
	f := setup(t)
	f.standard(t)
	for i := range 6 {
		f.unit(t, f.alpha, []*estate.Building{f.b1, f.b2}[i%2], fmt.Sprintf("3%02d", i), estate.Home, estate.Area(7000+i*900), estate.Occupied)
	}
	var codes []string
	for code, u := range f.units {
		if u.TenantID == f.alpha.ID {
			codes = append(codes, code)
		}
	}
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 7))
	var paid []uuid.UUID
	month := 0
	check := func(step int) {
		t.Helper()
		var got, want []arrearsRow
		must(t, f.db.ReadTenant(f.ctx, f.alpha.ID, func(ctx context.Context, tx bun.Tx) error {
			if err := tx.NewRaw(`SELECT tenant_id, estate_id, building_id, item_id, due_date, bills, open_fen, units FROM fee_arrears
				WHERE tenant_id = ? AND (bills <> 0 OR open_fen <> 0 OR units <> 0)
				ORDER BY estate_id, building_id, item_id, due_date`, f.alpha.ID).Scan(ctx, &got); err != nil {
				return err
			}
			return tx.NewRaw(recomputedArrears+" ORDER BY estate_id, building_id, item_id, due_date", f.alpha.ID, f.alpha.ID).
				Scan(ctx, &want)
		}))
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("step %d (seed %d): totals\n%v\nrecomputed\n%v", step, seed, got, want)
		}
	}
	for step := range 80 {
		switch op := rnd.IntN(10); {
		case op == 0 && month < 6 || step == 0:
			month++
			f.at(fmt.Sprintf("2026-%02d-10", month), 10)
			f.run(t, fmt.Sprintf("2026-%02d", month))
		case op <= 5:
			ac := f.account(t, codes[rnd.IntN(len(codes))])
			in := fee.PayInput{UnitID: ac.Unit.ID, Method: fee.Cash}
			if ac.OpenFen > 0 {
				in.AmountFen = 1 + rnd.Int64N(ac.OpenFen)
			}
			if rnd.IntN(3) == 0 || in.AmountFen == 0 {
				in.PrepayFen = 1 + rnd.Int64N(20000)
			}
			rc, err := f.svc.Pay(f.ctx, f.alpha, f.manager, in, "")
			must(t, err)
			paid = append(paid, rc.Payment.ID)
		case op <= 7 && len(paid) > 0:
			i := rnd.IntN(len(paid))
			_, err := f.svc.Void(f.ctx, f.alpha.ID, f.manager, paid[i], "收错")
			must(t, err)
			paid = append(paid[:i], paid[i+1:]...)
		default:
			ac := f.account(t, codes[rnd.IntN(len(codes))])
			for _, b := range ac.Bills {
				if b.OpenFen() > 0 {
					w, err := f.svc.RequestWaiver(f.ctx, f.alpha.ID, f.clerk, b.ID, 1+rnd.Int64N(b.OpenFen()), "困难户")
					must(t, err)
					_, err = f.svc.DecideWaiver(f.ctx, f.alpha.ID, f.manager, w.ID, rnd.IntN(4) > 0, false)
					must(t, err)
					break
				}
			}
		}
		check(step)
	}
}
