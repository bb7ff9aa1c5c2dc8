package server

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/estatedesk/estatedesk/internal/database"
	"github.com/estatedesk/estatedesk/internal/fee"
)

// feePaymentCreate takes money at the counter for a unit: the ticked
// bills (all open ones by default, oldest first) and a prepayment. The
// API sends fee.PayInput in fen with an Idempotency-Key header: a retry
// answers 200 with the first payment and Idempotent-Replayed: true. The
// browser's form carries its own key, so a double click pays once; both
// land on the payment's receipt.
func (s *Server) feePaymentCreate(c *fiber.Ctx) error {
	unitID, err := pathUUID(c, "unit")
	if err != nil {
		return err
	}
	a, err := s.feeActor(c)
	if err != nil {
		return err
	}
	ctx, t := c.UserContext(), tenantOf(c)
	api := isAPI(c)
	var in fee.PayInput
	var f feePayForm
	var key string
	if api {
		if err := parse(c, &in); err != nil {
			return err
		}
		key = strings.Clone(c.Get("Idempotency-Key"))
	} else {
		if err := parse(c, &f); err != nil {
			return err
		}
		key = f.IdempotencyKey
		if in, err = s.feePayInput(f); err != nil {
			return s.feePayRefused(c, unitID, err, f)
		}
	}
	in.UnitID = unitID
	rc, err := s.Fees.Pay(ctx, t, a, in, key)
	if err != nil {
		return s.feePayRefused(c, unitID, err, f)
	}
	path := tenantPath(c, "/fees/payments/"+rc.Payment.ID.String())
	if api {
		c.Location("/api/v1" + path)
		if rc.Replayed {
			c.Set(headerReplayed, "true")
			return c.Status(fiber.StatusOK).JSON(rc)
		}
		return c.Status(fiber.StatusCreated).JSON(rc)
	}
	return s.done(c, path, "fee.done.paid", fiber.StatusCreated, rc)
}

// feePayInput reads the browser's form: amounts in yuan, and an empty
// amount meaning the ticked bills' open total as the page showed it.
func (s *Server) feePayInput(f feePayForm) (fee.PayInput, error) {
	in := fee.PayInput{Method: f.Method}
	for _, b := range f.BillIDs {
		id, err := uuid.Parse(b)
		if err != nil {
			return in, database.ErrNotFound
		}
		in.BillIDs = append(in.BillIDs, id)
	}
	var err error
	if in.ExpectedFen, err = shownTotal(f.Shown, in.BillIDs); err != nil {
		return in, err
	}
	late, err := shownTotal(f.LateShown, in.BillIDs)
	if err != nil {
		return in, err
	}
	if strings.TrimSpace(f.Prepay) != "" {
		if in.PrepayFen, err = fee.ParseYuan(f.Prepay); err != nil {
			return in, err
		}
	}
	in.AmountFen = in.ExpectedFen
	if strings.TrimSpace(f.Amount) != "" {
		// Part of the bills: their late fees are on the part paid.
		in.AmountFen, err = fee.ParseYuan(f.Amount)
	} else if len(f.LateShown) > 0 {
		in.LateFeeFen = &late
	}
	return in, err
}

// shownTotal adds up the amounts a page showed ("id:fen") of the bills
// ticked.
func shownTotal(shown []string, ticked []uuid.UUID) (int64, error) {
	var sum int64
	for _, sh := range shown {
		id, fen, ok := strings.Cut(sh, ":")
		bill, err := uuid.Parse(id)
		n, nerr := strconv.ParseInt(fen, 10, 64)
		if !ok || err != nil || nerr != nil || n < 0 || n > fee.MaxFen {
			return 0, errBadRequest
		}
		if containsID(ticked, bill) {
			sum += n
		}
	}
	return sum, nil
}

func containsID(ids []uuid.UUID, id uuid.UUID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// feePayRefused shows a refused payment on the unit's account with the
// reason (a bill paid at another counter meanwhile is a 409).
func (s *Server) feePayRefused(c *fiber.Ctx, unitID uuid.UUID, err error, f feePayForm) error {
	// The refused payment used nothing: the form may keep its key, except
	// when the key itself was the trouble (sent before with other content).
	if f.IdempotencyKey == "" || errors.Is(err, fee.ErrIdempotencyMismatch) {
		f.IdempotencyKey = uuid.NewString()
	}
	fail, err := s.refused(c, err, "Pay", f)
	if err != nil {
		return err
	}
	return s.showFeeAccount(c, unitID, fail)
}
